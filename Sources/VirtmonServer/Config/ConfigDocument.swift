import Foundation
import VirtmonModel
import Yams

/// Reading a configuration file and composing its YAML, with errors that say where the text is wrong.
/// Both loaders (the agent's sections and the collector's) start here.
enum ConfigDocument {
    /// The file's text; an unreadable file is an error naming it.
    static func read(_ path: String) throws(ConfigError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read: \(ErrorWords.describe(error))")
        }
    }

    /// The root node, or nil when the file is empty (or holds only comments or `~`), which means defaults.
    static func compose(_ text: String, file: String) throws(ConfigError) -> Node? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        guard let root, root.null == nil else { return nil }
        return root
    }

    private static func yamlError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "not valid YAML: \(problem)"
            if let context { message += " \(context.text)" }
            return ConfigError(file: file, line: mark.line, column: mark.column, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column,
                               message: "\(keys) appears twice in one mapping")
        default:
            return ConfigError(file: file, message: "not valid YAML: \(error)")
        }
    }
}
