import Foundation

/// Storage locations as they may be shown: in logs and error messages a password never appears.
public enum StorageURL {
    /// The URL with its password (if any) replaced by `***`.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
