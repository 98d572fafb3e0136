import NN
import TensorCore

/// The encoder's posterior q(z|x): independent Gaussians per latent element (diffusers
/// `DiagonalGaussianDistribution`, models/autoencoders/vae.py).
///
/// The tensors may be tracked, so `sample`, `mode` and `kl` are differentiable.
public struct DiagonalGaussian: Sendable {
    /// μ: (B, C, H, W).
    public let mean: Tensor
    /// log σ², clamped to [−30, 20]: (B, C, H, W).
    public let logvar: Tensor

    /// The posterior whose moments are `parameters` (B, 2C, H, W): mean is channels [0, C), log-variance [C, 2C).
    public init(parameters: Tensor) {
        precondition(parameters.rank == 4 && parameters.shape[1] % 2 == 0,
                     "DiagonalGaussian needs (B, 2C, H, W) moments, got \(parameters.shape)")
        // torch.chunk(parameters, 2, dim=1)
        let halves = parameters.chunked(2, axis: 1)
        self.init(mean: halves[0], logvar: halves[1])
    }

    /// The posterior with mean `mean` and log-variance `logvar` (clamped here).
    public init(mean: Tensor, logvar: Tensor) {
        precondition(mean.shape == logvar.shape, "mean \(mean.shape) and logvar \(logvar.shape) differ in shape")
        self.mean = mean
        // vae.py: self.logvar = torch.clamp(self.logvar, -30.0, 20.0)
        self.logvar = logvar.clamped(min: -30, max: 20)
    }

    /// σ = exp(½ log σ²).
    public var std: Tensor { (logvar * 0.5).exp() }

    /// σ² = exp(log σ²).
    public var variance: Tensor { logvar.exp() }

    /// The most likely latent, μ.
    public func mode() -> Tensor { mean }

    /// μ + σ·ε with ε ~ N(0, I) drawn from `generator` in row-major order.
    public func sample(generator: inout Philox) -> Tensor {
        sample(noise: Initialization.normal(shape: mean.shape, generator: &generator))
    }

    /// μ + σ·`noise` (the reparameterisation trick; `noise` has the mean's shape).
    public func sample(noise: Tensor) -> Tensor {
        precondition(noise.shape == mean.shape, "noise \(noise.shape) does not match the posterior \(mean.shape)")
        return mean + std * noise
    }

    /// KL(q ‖ N(0, I)) per sample: ½ Σ_{C,H,W} (μ² + σ² − 1 − log σ²), shape (B) (vae.py `kl()`).
    public func kl() -> Tensor {
        ((mean.squared() + variance - logvar) - 1).sum(axes: [1, 2, 3]) * 0.5
    }
}
