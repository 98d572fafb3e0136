import TensorCore

/// Group normalisation with per-channel affine (PyTorch `nn.GroupNorm`: `weight`, `bias` of (C)).
public final class GroupNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let groups: Int
    public let eps: Float

    /// Ones and zeros, as PyTorch initialises them.
    public init(groups: Int, channels: Int, eps: Float = 1e-5) {
        precondition(channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        weight = Parameter(Tensor(repeating: 1, shape: [channels]))
        bias = Parameter(Tensor(zeros: [channels]))
        self.groups = groups
        self.eps = eps
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.groupNorm(groups: groups, gamma: weight.value, beta: bias.value, eps: eps)
    }
}
