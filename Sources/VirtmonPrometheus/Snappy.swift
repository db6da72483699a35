import Foundation

/// Snappy's block format (what remote-write bodies are) through the system's libsnappy, bound at run time
/// like libvirt and zlib, so the build needs no snappy headers. Debian: `libsnappy1v5`.
public enum Snappy {
    /// snappy_compress and snappy_uncompress: input, its length, output, the output's room in and length out.
    private typealias Transform = @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?) -> Int32
    private typealias MaxLength = @convention(c) (Int) -> Int
    private typealias UncompressedLength = @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<Int>?) -> Int32

    private struct Functions: Sendable {
        let compress: Transform
        let uncompress: Transform
        let maxLength: MaxLength
        let uncompressedLength: UncompressedLength
    }

    /// The library name dlopen looks for.
    public static let libraryName = "libsnappy.so.1"

    private static let loaded: Result<Functions, SnappyError> = {
        guard let handle = dlopen(libraryName, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(.unavailable("\(libraryName) could not be loaded (\(reason)); install libsnappy1v5 for remote-write"))
        }
        guard let compress = dlsym(handle, "snappy_compress"), let uncompress = dlsym(handle, "snappy_uncompress"),
              let maxLength = dlsym(handle, "snappy_max_compressed_length"),
              let length = dlsym(handle, "snappy_uncompressed_length")
        else { return .failure(.unavailable("\(libraryName) lacks the snappy-c functions (snappy_compress, snappy_uncompress)")) }
        return .success(Functions(
            compress: unsafeBitCast(compress, to: Transform.self), uncompress: unsafeBitCast(uncompress, to: Transform.self),
            maxLength: unsafeBitCast(maxLength, to: MaxLength.self),
            uncompressedLength: unsafeBitCast(length, to: UncompressedLength.self)))
    }()

    /// Nil when snappy can be used; otherwise why not, in words.
    public static var unavailableReason: String? {
        if case .failure(let error) = loaded { return error.description }
        return nil
    }

    /// `data` as one snappy block.
    public static func compress(_ data: Data) throws(SnappyError) -> Data {
        let snappy = try loaded.get()
        var length = snappy.maxLength(data.count)
        var output = Data(count: length)
        let status = run(snappy.compress, data, into: &output, length: &length)
        guard status == 0 else { throw .invalid("snappy could not compress \(data.count) bytes (status \(status))") }
        output.count = length
        return output
    }

    /// Calls `transform` on `input`'s bytes into `output`'s; `length` is the room given and the bytes written.
    private static func run(_ transform: Transform, _ input: Data, into output: inout Data, length: inout Int) -> Int32 {
        output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { bytes in
                transform(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                          out.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            }
        }
    }

    /// The bytes of one snappy block, refused when it would expand past `maxBytes` (a small body must not
    /// claim gigabytes) or is not snappy's block format.
    public static func decompress(_ data: Data, maxBytes: Int) throws(SnappyError) -> Data {
        let snappy = try loaded.get()
        var length = 0
        let known = data.withUnsafeBytes { snappy.uncompressedLength($0.baseAddress?.assumingMemoryBound(to: CChar.self), data.count, &length) }
        guard known == 0 else {
            throw .invalid("the body is not snappy block data (its length header cannot be read); remote-write bodies are snappy's block format, not its framed stream format")
        }
        guard length <= maxBytes else {
            throw .tooLarge("the body says it expands to \(length) bytes, more than the \(maxBytes) allowed")
        }
        var output = Data(count: max(length, 1))
        var written = length
        let status = run(snappy.uncompress, data, into: &output, length: &written)
        guard status == 0 else { throw .invalid("the body is not valid snappy block data (it is cut short or damaged)") }
        output.count = written
        return output
    }
}

/// Why snappy could not be used.
public enum SnappyError: Error, Equatable, CustomStringConvertible {
    /// The library is not on this machine.
    case unavailable(String)
    /// The input is not snappy block data.
    case invalid(String)
    /// The input would expand past the limit.
    case tooLarge(String)

    public var description: String {
        switch self {
        case .unavailable(let text), .invalid(let text), .tooLarge(let text): return text
        }
    }
}
