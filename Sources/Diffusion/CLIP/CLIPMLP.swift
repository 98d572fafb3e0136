import NN
import TensorCore

/// The transformer feed-forward block: `fc2(act(fc1(x)))` (transformers `CLIPMLP`).
public final class CLIPMLP: Module {
    /// `fc1`: hidden → intermediate.
    public let fc1: Linear
    /// `fc2`: intermediate → hidden.
    public let fc2: Linear
    /// The config's `hidden_act`.
    public let activation: CLIPActivation

    /// A block `hidden → intermediate → hidden` with transformers' initialisation for a tower of
    /// `layers` encoder layers.
    public init(hidden: Int, intermediate: Int, activation: CLIPActivation, layers: Int, generator: inout Philox) {
        fc1 = Linear(hidden, intermediate, generator: &generator)
        fc2 = Linear(intermediate, hidden, generator: &generator)
        self.activation = activation
        // modeling_clip.py `_init_weights` (CLIPMLP): fc_std = (2·hidden)^-½, in_proj_std = hidden^-½·(2·layers)^-½.
        let f = Float(CLIPInitialization.factor)
        CLIPInitialization.normal(fc1, std: CLIPInitialization.inverseSqrt(2 * hidden) * f, generator: &generator)
        CLIPInitialization.normal(fc2, std: CLIPInitialization.inverseSqrt(hidden) * CLIPInitialization.inverseSqrt(2 * layers) * f,
                                  generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("fc1", fc1), ("fc2", fc2)] }

    /// x: (…, hidden) → (…, hidden).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        fc2(activation(fc1(x)))
    }
}
