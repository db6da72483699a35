import Foundation

/// File and system errors in words. Foundation's own text for them on Linux is often "The operation could not
/// be completed" followed by a domain and a code; operators get the cause (`no such file or directory`,
/// `permission denied`, `no space left on device`) instead.
public enum ErrorWords {
    public static func describe(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        if error.domain == NSPOSIXErrorDomain { return posix(Int32(error.code)) }
        if error.domain == NSCocoaErrorDomain, let words = cocoa[error.code] { return words }
        return error.localizedDescription
    }

    /// `strerror` in lower case, as the rest of a sentence reads.
    public static func posix(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// Foundation's file error codes (NSFileNoSuchFileError, NSFileReadNoPermissionError, …).
    static let cocoa: [Int: String] = [
        4: "no such file or directory", 260: "no such file or directory", 257: "permission denied",
        513: "permission denied", 516: "a file of that name exists already", 640: "no space left on device",
        642: "read-only file system", 259: "the file is not in a format that can be read", 261: "the file is not valid UTF-8 text",
        512: "it could not be written (the directory is missing or not writable)",
    ]
}
