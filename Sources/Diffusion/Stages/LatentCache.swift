import TensorCore
import Datasets

/// The autoencoder posterior of every image of a dataset, computed once so U-Net training never
/// runs the encoder: mean and std per latent, scaled by the autoencoder's `scaling_factor`.
struct LatentCache {
    let mean: [Float]
    let std: [Float]
    let shape: [Int]  // (C, h, w)

    /// Encodes every image of `dataset`, 64 at a time; `shouldStop` (Ctrl-C) is asked between
    /// batches, and a yes ends it with an `Interruption`.
    init(vae: AutoencoderKL, dataset: CaptionedDataset, shouldStop: () -> Bool = { false }) throws {
        var loader = try DatasetLoader(dataset: dataset, batchSize: min(64, dataset.count), shuffle: false, dropLast: false)
        var mean: [Float] = [], std: [Float] = []
        var shape: [Int] = []
        let scale = Float(vae.scalingFactor)
        var seen = 0
        while seen < dataset.count {
            if shouldStop() { throw Interruption("interrupted while caching latents (\(seen) of \(dataset.count) images); nothing was saved, rerun the same command to start again") }
            let batch = loader.nextBatch()
            seen += batch.count
            let posterior = vae.encode(batch.images)
            shape = Array(posterior.mean.shape.dropFirst())
            mean += posterior.mean.scalars.map { $0 * scale }
            std += posterior.std.scalars.map { $0 * scale }
        }
        let per = shape.reduce(1, *)
        self.mean = Array(mean.prefix(dataset.count * per))
        self.std = Array(std.prefix(dataset.count * per))
        self.shape = shape
    }

    /// z = (mean + std·ε)·scale for dataset rows `indices`, ε the given noise: (B, C, h, w).
    func sample(_ indices: [Int], noise: Tensor) -> Tensor {
        let per = shape.reduce(1, *)
        precondition(noise.shape == [indices.count] + shape, "noise \(noise.shape) for \(indices.count) latents of \(shape)")
        return noise.withUnsafeBufferPointer { eps in
            Tensor(shape: [indices.count] + shape) { out in
                for (b, row) in indices.enumerated() {
                    for j in 0..<per { out[b * per + j] = mean[row * per + j] + std[row * per + j] * eps[b * per + j] }
                }
            }
        }
    }
}
