/// Why a Ceilometer message or sample was not taken, in words that name the field.
public struct CeilometerError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
