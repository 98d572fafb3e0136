import TensorCore

/// 2-D convolution (PyTorch `nn.Conv2d`: `weight` (out, in, k, k), `bias` (out)).
public final class Conv2d: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Int

    /// A layer with PyTorch's default initialisation (bound 1/√(in·k·k)).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: inout Philox) {
        let fanIn = inChannels * kernelSize * kernelSize
        weight = Parameter(Initialization.uniformFanIn(shape: [outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, generator: &generator))
        self.bias = bias ? Parameter(Initialization.uniformFanIn(shape: [outChannels], fanIn: fanIn, generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
    }
}
