/// Why a publisher could not be made or could not write. Says which destination and what was wrong.
public enum PublisherError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    case unknownScheme(String, scheme: String)
    case io(target: String, reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "publisher '\(url)': \(reason)"
        case .unknownScheme(let url, let scheme):
            return "publisher '\(url)': unknown scheme '\(scheme)'; use log://, file:///PATH, udp://HOST:PORT, "
                + "http://HOST:PORT/PATH, prometheus+http://HOST:PORT/api/v1/write or amqp://USER:PASSWORD@HOST:5672/VHOST"
        case .io(let target, let reason): return "\(target): \(reason)"
        }
    }
}
