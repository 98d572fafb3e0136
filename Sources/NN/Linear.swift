import TensorCore

/// y = x·Wᵀ + b over the last axis (PyTorch `nn.Linear`: `weight` (out, in), `bias` (out)).
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?

    /// A layer with PyTorch's default initialisation.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout Philox) {
        weight = Parameter(Initialization.uniformFanIn(shape: [outFeatures, inFeatures], fanIn: inFeatures, generator: &generator))
        self.bias = bias ? Parameter(Initialization.uniformFanIn(shape: [outFeatures], fanIn: inFeatures, generator: &generator)) : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.linear(weight: weight.value, bias: bias?.value)
    }
}
