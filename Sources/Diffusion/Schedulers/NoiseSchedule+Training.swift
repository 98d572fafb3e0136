import TensorCore

// The training side of the forward process (DESIGN §4): noising, targets, and min-SNR-γ weights.

extension NoiseSchedule {
    /// √ᾱ_t and √(1−ᾱ_t) per batch item as (B, 1, …, 1) tensors that broadcast over `rank` axes.
    func coefficients(_ timesteps: [Int], rank: Int) -> (signal: Tensor, noise: Tensor) {
        for t in timesteps { precondition(t >= 0 && t < trainSteps, "timestep \(t) outside 0..<\(trainSteps)") }
        let shape = [timesteps.count] + Array(repeating: 1, count: rank - 1)
        // scheduling_ddpm.py add_noise: alphas_cumprod[t] ** 0.5 and (1 - alphas_cumprod[t]) ** 0.5, float32.
        let signal = Tensor(shape: shape, data: timesteps.map { alphasCumprod[$0].squareRoot() })
        let noise = Tensor(shape: shape, data: timesteps.map { (1 - alphasCumprod[$0]).squareRoot() })
        return (signal, noise)
    }

    /// x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, one timestep per batch item (diffusers `add_noise`).
    public func addNoise(_ x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        precondition(x0.shape == noise.shape && x0.shape.first == timesteps.count,
                     "addNoise: x0 \(x0.shape), noise \(noise.shape) and \(timesteps.count) timesteps do not match")
        let (a, s) = coefficients(timesteps, rank: x0.rank)
        return a * x0 + s * noise
    }

    /// v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ (diffusers `get_velocity`).
    public func velocity(sample x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        precondition(x0.shape == noise.shape && x0.shape.first == timesteps.count,
                     "velocity: x0 \(x0.shape), noise \(noise.shape) and \(timesteps.count) timesteps do not match")
        let (a, s) = coefficients(timesteps, rank: x0.rank)
        return a * noise - s * x0
    }

    /// What a model of `type` should output for x_t = addNoise(x0, noise, timesteps).
    public func trainingTarget(_ type: PredictionType, sample x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        switch type {
        case .epsilon: noise
        case .vPrediction: velocity(sample: x0, noise: noise, timesteps: timesteps)
        case .sample: x0
        }
    }

    /// Signal-to-noise ratio ᾱ_t/(1−ᾱ_t) (diffusers training_utils.py `compute_snr`).
    public func snr(_ timesteps: [Int]) -> [Float] {
        timesteps.map { t in
            precondition(t >= 0 && t < trainSteps, "timestep \(t) outside 0..<\(trainSteps)")
            let ratio = alphasCumprod[t].squareRoot() / (1 - alphasCumprod[t]).squareRoot()
            return ratio * ratio
        }
    }

    /// Min-SNR-γ loss weights (Hang et al. 2023, "Efficient diffusion training via min-SNR weighting"),
    /// as examples/text_to_image/train_text_to_image.py: min(SNR, γ) expressed for the model's target —
    /// divided by SNR for ε-prediction, by SNR + 1 for v-prediction, as is for x₀-prediction.
    public func minSNRWeights(_ timesteps: [Int], gamma: Float, predictionType: PredictionType) -> [Float] {
        precondition(gamma > 0, "min-SNR γ must be positive, got \(gamma)")
        return snr(timesteps).map { snr in
            let clipped = Swift.min(snr, gamma)
            switch predictionType {
            case .epsilon: return clipped / snr
            case .vPrediction: return clipped / (snr + 1)
            case .sample: return clipped
            }
        }
    }
}
