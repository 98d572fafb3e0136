import TensorCore

/// The data paths' random numbers: TensorCore's counter-based ``Philox`` on a stream chosen by the
/// caller, with the few draws the generators and loader need.
///
/// DESIGN §2: randomness is explicit and keyed; there is no global RNG. Keying the stream by what a
/// draw is for — sample *i* of a dataset, the order of epoch *e* — makes each a function of
/// `(seed, stream)` alone, so samples can be made in any order on any number of threads, and sample
/// *i* does not depend on how many are made.
struct KeyedRandom {
    private var philox: Philox

    /// The stream `stream` of `seed`, from its first block.
    init(seed: UInt64, stream: UInt64) {
        philox = Philox(seed: seed, stream: stream)
    }

    /// A uniform integer in `0..<bound` (`bound` ≥ 1); one Philox block per draw.
    mutating func nextInt(below bound: Int) -> Int {
        precondition(bound >= 1, "nextInt(below:) needs a bound of at least 1")
        return philox.nextInt(below: bound)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    mutating func nextUnit() -> Double {
        Double(philox.nextInt(below: 1 << 53)) * 0x1p-53
    }

    /// A fair coin for item `index` of stream `stream`, without a generator: the low bit of that
    /// Philox block's first word (for per-item choices such as flips, drawn in any order).
    static func coin(seed: UInt64, stream: UInt64, index: Int) -> Bool {
        Philox.block(seed: seed, stream: stream, counter: UInt64(index)).0 & 1 == 1
    }
}
