import Foundation
import VirtmonModel

/// How an alarm and a history row are kept in a database column: JSON of the model types, with dates as
/// the exact Double Foundation holds, so that what is read back equals what was written.
public enum AlarmCoding {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // The model types hold only strings, numbers, booleans, dates and arrays of them: encoding cannot fail.
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw AlarmCodingError(message: "a stored \(what) cannot be read (\(error)); was it written by a newer virtmon?")
        }
    }
}

public struct AlarmCodingError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
