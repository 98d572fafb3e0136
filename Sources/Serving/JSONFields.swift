/// Typed reading of a request's JSON object, every mistake one line naming the field: a field
/// that is absent or `null` takes its default; a field of the wrong type or out of range is a
/// 400. Fields the server does not know are ignored, as AUTOMATIC1111's API ignores them.
public struct JSONFields: Sendable {
    public let value: JSONValue

    /// The fields of `value`, which must be a JSON object.
    public init(_ value: JSONValue) throws {
        guard case .object = value else {
            throw ServingError(.badRequest, "request body: expected a JSON object, got \(value.kind)")
        }
        self.value = value
    }

    /// The field's value, nil when absent or null.
    public func raw(_ key: String) -> JSONValue? {
        guard let v = value[key], v != .null else { return nil }
        return v
    }

    private func wrongType(_ key: String, _ expected: String, _ got: JSONValue) -> ServingError {
        ServingError(.badRequest, "\(key): expected \(expected), got \(got.kind)")
    }

    public func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard case let .string(s) = v else { throw wrongType(key, "a string", v) }
        return s
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = raw(key) else { return nil }
        guard case let .bool(b) = v else { throw wrongType(key, "true or false", v) }
        return b
    }

    /// An integer in `range` (a number with a fraction, or out of range, is refused).
    public func int(_ key: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let v = raw(key) else { return nil }
        let number: Int64
        switch v {
        case let .int(i): number = i
        case let .uint(u): throw ServingError(.badRequest, "\(key): \(u) is out of range (\(range.lowerBound) to \(range.upperBound))")
        case let .double(d):
            guard d.isFinite, d == d.rounded() else { throw wrongType(key, "an integer", v) }
            guard let exact = Int64(exactly: d) else {
                throw ServingError(.badRequest, "\(key): \(Self.format(d)) is out of range (\(range.lowerBound) to \(range.upperBound))")
            }
            number = exact
        default: throw wrongType(key, "an integer", v)
        }
        guard range.contains(number) else {
            throw ServingError(.badRequest, "\(key): \(number) is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        return number
    }

    /// A seed: −1 for a random one (returned as nil), else an integer from 0 to 2⁶⁴ − 1.
    public func seed(_ key: String) throws -> (given: Bool, seed: UInt64?) {
        guard let v = raw(key) else { return (false, nil) }
        switch v {
        case let .int(i) where i == -1: return (true, nil)
        case let .int(i) where i >= 0: return (true, UInt64(i))
        case let .uint(u): return (true, u)
        case let .double(d) where d == -1: return (true, nil)
        case let .double(d) where d >= 0 && d == d.rounded() && d < 1.8e19: return (true, UInt64(d))
        case .int, .double: throw ServingError(.badRequest, "\(key): \(v.text) is not a seed (−1 for a random one, or 0 to 18446744073709551615)")
        default: throw wrongType(key, "an integer seed", v)
        }
    }

    /// A finite number (as a `Float` the sampler uses) in `range`.
    public func number(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let v = raw(key) else { return nil }
        let d: Double
        switch v {
        case let .int(i): d = Double(i)
        case let .uint(u): d = Double(u)
        case let .double(x): d = x
        default: throw wrongType(key, "a number", v)
        }
        guard d.isFinite, Float(d).isFinite else { throw ServingError(.badRequest, "\(key): must be a finite number") }
        guard range.contains(d) else {
            throw ServingError(.badRequest, "\(key): \(Self.format(d)) is out of range (\(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)))")
        }
        return d
    }

    static func format(_ d: Double) -> String {
        if d == .greatestFiniteMagnitude { return "any" }
        if d == -.greatestFiniteMagnitude { return "any" }
        return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
    }
}
