import Crypto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Random (version 4) UUIDs as lowercase text, the form sample message ids and event ids take.
///
/// Every sample gets one. Foundation's `UUID()` on Linux opens, reads and closes /dev/urandom for each: measured
/// with strace, 107 of each per host cycle, three syscalls per sample and about a third of the agent's CPU time
/// in the kernel. These come from a pool of random bytes filled 4 KiB at a time by the kernel's generator, so one
/// draw serves 256 ids; each byte is handed out once.
public enum MessageID {
    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        static let size = 4096
        var bytes = [UInt8](repeating: 0, count: Pool.size)
        var next = Pool.size

        mutating func take16() -> (UInt64, UInt64) {
            if next + 16 > Pool.size { refill() }
            defer { next += 16 }
            return bytes.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: next, as: UInt64.self), raw.loadUnaligned(fromByteOffset: next + 8, as: UInt64.self))
            }
        }

        private mutating func refill() {
            #if canImport(Glibc)
            // glibc's arc4random_buf: one getrandom(2) for the whole pool. swift-crypto's SymmetricKey(size:)
            // asks the system generator for 8 bytes at a time here, which strace counted as 512 getrandom calls
            // per pool, two per sample id.
            bytes.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, Pool.size) }
            #else
            let key = SymmetricKey(size: SymmetricKeySize(bitCount: Pool.size * 8))
            key.withUnsafeBytes { source in
                bytes.withUnsafeMutableBytes { $0.copyMemory(from: source) }
            }
            #endif
            next = 0
        }
    }

    /// A new random UUID, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` in lowercase hex (RFC 9562 version 4, variant 10).
    public static func random() -> String {
        var (high, low) = pool.withLock { $0.take16() }
        // `high` is written most significant nibble first, so byte k of the UUID is at bit 56 - 8k: the version
        // nibble (4) tops byte 6, the variant bits (10) top byte 8, the first of `low`.
        high = (high & ~0xF000) | 0x4000
        low = (low & ~(0xC0 << 56)) | (0x80 << 56)
        return format(high: high, low: low)
    }

    /// The canonical text of the 128 bits `high` (first 8 bytes) and `low` (last 8), most significant first.
    static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            func put(_ value: UInt64, nibbles: Int, from top: Int) {
                for shift in stride(from: top - 4, through: top - 4 * nibbles, by: -4) {
                    buffer[index] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            put(high, nibbles: 8, from: 64)
            buffer[index] = UInt8(ascii: "-"); index += 1
            put(high, nibbles: 4, from: 32)
            buffer[index] = UInt8(ascii: "-"); index += 1
            put(high, nibbles: 4, from: 16)
            buffer[index] = UInt8(ascii: "-"); index += 1
            put(low, nibbles: 4, from: 64)
            buffer[index] = UInt8(ascii: "-"); index += 1
            put(low, nibbles: 12, from: 48)
            return index
        }
    }
}
