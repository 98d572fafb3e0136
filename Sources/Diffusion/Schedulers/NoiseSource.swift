import TensorCore

/// Where a sampler's fresh Gaussian noise comes from.
///
/// Ancestral samplers (DDPM, DDIM with η > 0, Euler ancestral) draw noise inside each step. Drawing
/// through this protocol lets generation use seeded generators and lets tests inject the exact
/// noise a reference implementation drew.
public protocol NoiseSource {
    /// Standard normal values of `shape`.
    mutating func normal(_ shape: [Int]) -> Tensor
}

extension Philox: NoiseSource {
    /// Standard normal values of `shape`, from this generator's stream.
    public mutating func normal(_ shape: [Int]) -> Tensor {
        Tensor.normal(shape: shape, generator: &self)
    }
}
