import Foundation
import PackagePlugin

/// Gives the `virtmon` executable the commit it was built from, for `virtmon --version`. A prebuild command
/// runs before every build (a build command would not notice a new commit); the script rewrites the file only
/// when the commit changed, so an unchanged tree recompiles nothing. Outside a git checkout the commit is
/// "unknown".
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildInfo")
        let script = """
            set -e
            mkdir -p "$2"
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null | head -1)" ]; then
              commit="$commit+changes"
            fi
            printf '/// Generated before each build by Plugins/BuildInfoPlugin.\\nenum BuildInfo {\\n    static let commit = "%s"\\n}\\n' "$commit" > "$2/BuildInfo.swift.next"
            if cmp -s "$2/BuildInfo.swift.next" "$2/BuildInfo.swift"; then rm "$2/BuildInfo.swift.next"; else mv "$2/BuildInfo.swift.next" "$2/BuildInfo.swift"; fi
            """
        return [
            .prebuildCommand(
                displayName: "virtmon build info (commit)", executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path], outputFilesDirectory: output)
        ]
    }
}
