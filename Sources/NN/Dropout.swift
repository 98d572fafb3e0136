import TensorCore

/// Inverted dropout with an explicit generator; the identity when `p` is 0 or in evaluation.
public final class Dropout: Module {
    public let p: Float

    public init(_ p: Float) {
        self.p = p
    }

    /// Applies dropout when `training`, drawing the mask from `generator`.
    public func callAsFunction(_ x: Tensor, training: Bool, generator: inout Philox) -> Tensor {
        training && p > 0 ? x.dropout(p, generator: &generator) : x
    }
}
