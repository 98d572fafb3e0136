import NN
import TensorCore

/// diffusers' `FeedForward` with the GEGLU activation (models/attention.py): `net.0` GEGLU to
/// `multiplier·dim`, `net.1` dropout (0, no parameters), `net.2` Linear back to `dim`.
public final class FeedForward: Module {
    /// `net.0`: the gated projection to the inner width.
    public let gate: GEGLU
    /// `net.2`: the projection back to `dim`.
    public let output: Linear

    /// A feed-forward block of width `multiplier·dim` (diffusers' default multiplier is 4).
    public init(dim: Int, multiplier: Int = 4, generator: inout Philox) {
        gate = GEGLU(inFeatures: dim, outFeatures: multiplier * dim, generator: &generator)
        output = Linear(multiplier * dim, dim, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("net", UNetNamedModules([("0", gate), ("2", output)]))]
    }

    /// (…, dim) → (…, dim).
    public func callAsFunction(_ x: Tensor) -> Tensor { output(gate(x)) }
}
