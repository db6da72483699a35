import Foundation

/// libFuzzer's entry point. The target is chosen once from VIRTMON_FUZZ_TARGET (scripts/fuzz.sh sets it), so
/// one instrumented binary serves every target.
@_cdecl("LLVMFuzzerTestOneInput")
public func virtmonFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = FuzzEntry.target else { fatalError("set VIRTMON_FUZZ_TARGET to one of: \(FuzzTarget.all.map(\.name).joined(separator: ", "))") }
    _ = target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

enum FuzzEntry {
    static let target = ProcessInfo.processInfo.environment["VIRTMON_FUZZ_TARGET"].flatMap(FuzzTarget.named)
}
