import TensorCore

/// The randomness of some samples of one training step, keyed by (step, global sample index).
///
/// Sample *j* of a step (its index in the step's global batch) draws from its own window of
/// `window` Philox blocks, starting at the trainer generator's counter for that step plus
/// j × `window`: whichever micro-batch or process computes sample *j* draws the same numbers
/// (DESIGN §11), and a step advances the generator by batch × `window` blocks.
public struct SampleNoise {
    /// Philox blocks (4 floats each) one sample may draw per step: 2²⁰, 4 Mi floats.
    public static let window: UInt64 = 1 << 20

    /// One generator per sample of the range, in order.
    public private(set) var generators: [Philox]
    private let starts: [UInt64]

    /// The generators of samples `samples` of a step whose first block is `base`'s counter.
    public init(base: Philox, samples: Range<Int>) {
        generators = samples.map { Philox(seed: base.seed, stream: base.stream, counter: base.counter &+ UInt64($0) &* Self.window) }
        starts = generators.map(\.counter)
    }

    /// How many samples this covers.
    public var count: Int { generators.count }

    /// Standard normal noise of shape [count, …]: row *i* from sample *i*'s generator.
    public mutating func normal(shape: [Int]) -> Tensor {
        precondition(shape.first == count, "noise of shape \(shape) for \(count) samples")
        return Tensor.normal(shape: shape, generators: &generators)
    }

    /// One uniform float in [0, 1) per sample.
    public mutating func uniform() -> [Float] {
        generators.indices.map { i in
            var u: Float = 0
            withUnsafeMutablePointer(to: &u) { generators[i].fillUniform(UnsafeMutableBufferPointer(start: $0, count: 1)) }
            return u
        }
    }

    /// One integer in 0 ..< bound per sample.
    public mutating func integers(below bound: Int) -> [Int] {
        generators.indices.map { generators[$0].nextInt(below: bound) }
    }

    /// Fails when a sample drew more than its window (its numbers would overlap the next sample's).
    func checkWindows(stage: String) throws {
        for (g, start) in zip(generators, starts) where g.counter &- start > Self.window {
            throw TrainingError("\(stage): one sample drew \(g.counter &- start) random blocks in a step, more than the \(Self.window) each has")
        }
    }
}
