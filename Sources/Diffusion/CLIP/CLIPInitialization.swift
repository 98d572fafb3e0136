import NN
import TensorCore

/// transformers' CLIP weight initialisation (`CLIPPreTrainedModel._init_weights`), drawn from an
/// explicit generator: normal weights with per-layer standard deviations, zero biases, unit norms.
enum CLIPInitialization {
    /// `initializer_range` and `initializer_factor` of transformers' CLIP configs (their defaults,
    /// which t2i's configs do not override).
    static let range: Double = 0.02
    static let factor: Double = 1

    /// Sets `linear`'s weight to N(0, std²) and its bias to zero (`init.normal_`, then the
    /// `PreTrainedModel._init_weights` zero bias).
    static func normal(_ linear: Linear, std: Float, generator: inout Philox) {
        linear.weight.value = Initialization.normal(shape: linear.weight.shape, std: std, generator: &generator)
        if let bias = linear.bias { bias.value = Tensor(zeros: bias.shape) }
    }

    /// n^-½, the scale of most of transformers' CLIP standard deviations.
    static func inverseSqrt(_ n: Int) -> Float {
        1 / Float(max(n, 1)).squareRoot()
    }

    /// Sets `parameter` to N(0, std²).
    static func normal(_ parameter: Parameter, std: Float, generator: inout Philox) {
        parameter.value = Initialization.normal(shape: parameter.shape, std: std, generator: &generator)
    }
}
