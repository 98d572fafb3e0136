import NN
import TensorCore

/// diffusers' `GEGLU` (models/activations.py; Shazeer 2020): one projection to twice the width,
/// split in two halves, `hidden · GELU(gate)` with the exact (erf) GELU.
public final class GEGLU: Module {
    /// `proj`: value and gate halves in one Linear (value rows first).
    public let projection: Linear

    /// A gated unit from `inFeatures` to `outFeatures` (the projection has 2·outFeatures outputs).
    public init(inFeatures: Int, outFeatures: Int, generator: inout Philox) {
        projection = Linear(inFeatures, 2 * outFeatures, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("proj", projection)] }

    /// (…, inFeatures) → (…, outFeatures).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        // activations.py: hidden_states, gate = proj(x).chunk(2, dim=-1); hidden_states * gelu(gate).
        // Projecting with the two row halves of the weight (views, no copy) gives the same two halves
        // without writing the doubled projection and copying it apart.
        let width = projection.weight.shape[0] / 2
        let weight = projection.weight.value, bias = projection.bias?.value
        let hidden = x.linear(weight: weight.slice(rows: 0..<width), bias: bias?.slice(rows: 0..<width))
        let gate = x.linear(weight: weight.slice(rows: width..<(2 * width)), bias: bias?.slice(rows: width..<(2 * width)))
        return Tensor.gated(hidden, gate: gate, activation: .gelu)  // hidden · gelu(gate), fused
    }
}
