import Synchronization

/// Counts the floating-point operations of the GEMM-shaped ops (matmul, linear, conv2d, attention)
/// run inside `FlopCounter.$current.withValue(counter) { … }`, forward and backward, so
/// `t2i bench` reports achieved GFLOP/s from what actually ran rather than from a hand formula.
/// A multiply-add counts as 2; elementwise ops and norms are not counted.
public final class FlopCounter: Sendable {
    /// The counter ops add to, or nil (the default: nothing is counted).
    @TaskLocal public static var current: FlopCounter?

    private let count = Atomic<Int>(0)

    public init() {}

    /// Adds `flops`.
    public func add(_ flops: Int) {
        count.add(flops, ordering: .relaxed)
    }

    /// Operations counted so far.
    public var total: Int { count.load(ordering: .relaxed) }
}
