import Foundation
import TensorCore

/// PyTorch's default initialisers, drawn from an explicit seeded generator.
public enum Initialization {
    /// U(−bound, bound) with bound = 1/√fan_in: what `nn.Linear` and `nn.Conv2d` use by default
    /// (`kaiming_uniform_(a=√5)` works out to this bound, torch/nn/modules/linear.py `reset_parameters`).
    public static func uniformFanIn(shape: [Int], fanIn: Int, generator: inout Philox) -> Tensor {
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        return uniform(shape: shape, bound: bound, generator: &generator)
    }

    /// U(−bound, bound).
    public static func uniform(shape: [Int], bound: Float, generator: inout Philox) -> Tensor {
        Tensor.uniform(shape: shape, bound: bound, generator: &generator)
    }

    /// N(mean, std²).
    public static func normal(shape: [Int], mean: Float = 0, std: Float = 1, generator: inout Philox) -> Tensor {
        Tensor.normal(shape: shape, mean: mean, std: std, generator: &generator)
    }
}
