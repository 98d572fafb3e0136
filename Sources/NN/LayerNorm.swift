import TensorCore

/// Layer normalisation over the last axis (PyTorch `nn.LayerNorm(dim)`: `weight`, `bias` of (dim)).
public final class LayerNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let eps: Float

    /// Ones and zeros, as PyTorch initialises them.
    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Parameter(Tensor(repeating: 1, shape: [dim]))
        bias = Parameter(Tensor(zeros: [dim]))
        self.eps = eps
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.layerNorm(gamma: weight.value, beta: bias.value, eps: eps)
    }
}
