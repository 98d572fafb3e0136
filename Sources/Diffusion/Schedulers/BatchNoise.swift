import TensorCore

/// Noise for a batch from one generator per batch item, so that item *i* of a batch generated with
/// seed *s* is the image a batch of one generates with seed *s + i* (DESIGN §2).
public struct BatchNoise: NoiseSource, Sendable {
    /// One generator per batch item.
    public var generators: [Philox]

    /// Generators seeded `seed`, `seed + 1`, … for `count` items.
    public init(seed: UInt64, count: Int, stream: UInt64 = 0) {
        generators = (0..<count).map { Philox(seed: seed &+ UInt64($0), stream: stream) }
    }

    /// (B, …) normal values, item *b* drawn from generator *b*.
    public mutating func normal(_ shape: [Int]) -> Tensor {
        precondition(shape.first == generators.count, "BatchNoise holds \(generators.count) generators, asked for shape \(shape)")
        return Tensor.normal(shape: shape, generators: &generators)
    }
}
