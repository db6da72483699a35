import Foundation

/// gzip (RFC 1952) through the system's zlib, bound at run time like libvirt so the build needs no zlib
/// headers. zlib1g is part of every Debian system (dpkg needs it); where it is missing, nothing is compressed.
///
/// `compress2` writes a zlib stream (RFC 1950): a 2-byte header, the raw deflate data and an Adler-32 trailer.
/// A gzip member is the same deflate data between a 10-byte header and a CRC-32 + length trailer, so the
/// deflate part is re-framed rather than driving zlib's streaming API and its struct from Swift.
enum Gzip {
    private typealias Bound = @convention(c) (UInt) -> UInt
    private typealias Compress2 = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?, UnsafePointer<UInt8>?, UInt, Int32) -> Int32
    private typealias CRC32 = @convention(c) (UInt, UnsafePointer<UInt8>?, UInt32) -> UInt

    private struct Functions: Sendable {
        let bound: Bound
        let compress2: Compress2
        let crc32: CRC32
    }

    private static let functions: Functions? = {
        guard let handle = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL),
              let bound = dlsym(handle, "compressBound"), let compress = dlsym(handle, "compress2"),
              let crc = dlsym(handle, "crc32") else { return nil }
        return Functions(bound: unsafeBitCast(bound, to: Bound.self), compress2: unsafeBitCast(compress, to: Compress2.self),
                         crc32: unsafeBitCast(crc, to: CRC32.self))
    }()

    /// Whether zlib could be loaded.
    static var isAvailable: Bool { functions != nil }

    /// `bytes` as one gzip member at `level` (1 fastest … 9 smallest), or nil without zlib.
    static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 1) -> [UInt8]? {
        guard let zlib = functions, bytes.count < Int(UInt32.max) else { return nil }
        let input = bytes.bindMemory(to: UInt8.self)
        var length = zlib.bound(UInt(bytes.count))
        var zlibStream = [UInt8](repeating: 0, count: Int(length))
        let status = zlibStream.withUnsafeMutableBufferPointer { zlib.compress2($0.baseAddress, &length, input.baseAddress, UInt(bytes.count), level) }
        guard status == 0, length >= 6 else { return nil }
        let crc = UInt32(truncatingIfNeeded: zlib.crc32(0, input.baseAddress, UInt32(bytes.count)))
        let size = UInt32(truncatingIfNeeded: bytes.count)
        // Header: magic, deflate, no flags, no time, no extra flags, OS unknown (255).
        var member: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        member.reserveCapacity(Int(length) + 12)
        member += zlibStream[2..<(Int(length) - 4)]
        for value in [crc, size] { for shift in stride(from: 0, to: 32, by: 8) { member.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
        return member
    }
}
