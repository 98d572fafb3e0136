import TensorCore

/// A lookup table of vectors (PyTorch `nn.Embedding`: `weight` (vocab, dim), initialised N(0, 1)).
public final class Embedding: Module {
    public let weight: Parameter

    /// A table of `count` vectors of width `dim`.
    public init(_ count: Int, _ dim: Int, generator: inout Philox) {
        weight = Parameter(Initialization.normal(shape: [count, dim], generator: &generator))
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }

    /// Rows for `ids`, shaped `shape + [dim]` (e.g. (B, L) ids → (B, L, dim)).
    public func callAsFunction(_ ids: [Int32], shape: [Int]) -> Tensor {
        Tensor.embedding(weight.value, ids: ids).reshaped(shape + [weight.shape[1]])
    }
}
