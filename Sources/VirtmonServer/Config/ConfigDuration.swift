/// Durations as the configuration and command line write them: `10`, `2.5`, `500ms`, `10s`, `5m`, `1h`.
public enum ConfigDuration {
    public static func parse(_ text: String) -> Duration? {
        guard let value = ConfigReader.parseDuration(text), value >= .milliseconds(10) else { return nil }
        return value
    }
}
