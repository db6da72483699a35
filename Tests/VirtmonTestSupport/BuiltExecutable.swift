import Foundation

/// Executables of this package (`virtmon`, `vmm-stand-in`) as `swift build` left them beside the test bundle.
public enum BuiltExecutable {
    /// The path of `name` in the build directory, or nil when it has not been built.
    public static func path(_ name: String) -> String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [directory.appendingPathComponent(name).path,
                directory.deletingLastPathComponent().appendingPathComponent(name).path]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
