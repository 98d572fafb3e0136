import TensorCore
import Datasets

/// The autoencoder posterior of every image of a dataset, computed once so U-Net training never
/// runs the encoder: mean and std per latent, scaled by the autoencoder's `scaling_factor`.
struct LatentCache {
    /// (N, C, h, w), already scaled.
    let mean: Tensor
    let std: Tensor
    let shape: [Int]  // (C, h, w)

    /// Encodes every image of `dataset`, 64 at a time; `shouldStop` (Ctrl-C) is asked between
    /// batches, and a yes ends it with an `Interruption`.
    init(vae: AutoencoderKL, dataset: CaptionedDataset, shouldStop: () -> Bool = { false }) throws {
        var loader = try DatasetLoader(dataset: dataset, batchSize: min(64, dataset.count), shuffle: false, dropLast: false)
        var means: [Tensor] = [], stds: [Tensor] = []
        let scale = Float(vae.scalingFactor)
        var seen = 0
        while seen < dataset.count {
            if shouldStop() { throw Interruption("interrupted while caching latents (\(seen) of \(dataset.count) images); nothing was saved, rerun the same command to start again") }
            let batch = loader.nextBatch()
            seen += batch.count
            let posterior = vae.encode(batch.images)
            means.append(posterior.mean * scale)
            stds.append(posterior.std * scale)
        }
        mean = Tensor.concatenate(means, axis: 0).slice(rows: 0..<dataset.count)
        std = Tensor.concatenate(stds, axis: 0).slice(rows: 0..<dataset.count)
        shape = Array(mean.shape.dropFirst())
    }

    /// z = mean + std·ε (both already scaled) for dataset rows `indices`, ε the given noise: (B, C, h, w).
    func sample(_ indices: [Int], noise: Tensor) -> Tensor {
        precondition(noise.shape == [indices.count] + shape, "noise \(noise.shape) for \(indices.count) latents of \(shape)")
        return mean.gatherRows(indices) + std.gatherRows(indices) * noise
    }
}
