import Imaging
import Datasets
import TensorCore

extension ShapesProbe {
    /// What an autoencoder alone lets the probe read: the 72 probe scenes rendered exactly at the
    /// autoencoder's `sample_size`, encoded, decoded from the posterior mean and scored like
    /// generated images. A generator on this latent space scores at best about this well, so an
    /// attribute the reconstructions lose (a small square decoded with round corners reads as a
    /// circle) is the autoencoder's to fix, not the U-Net's.
    public static func reconstructionReport(vae: AutoencoderKL, prompts: [ShapesScene] = prompts) throws -> ShapesProbeReport {
        try reconstruct(vae: vae, prompts: prompts, score: scoreSingle)
    }

    /// The two-object probe (`pairPrompts`, small objects side by side or one above the other) read
    /// off `vae`'s reconstructions of its scenes, as ``reconstructionReport(vae:prompts:)`` does for
    /// single objects: whether the latent space keeps two small objects apart and their shapes.
    public static func pairReconstructionReport(vae: AutoencoderKL, prompts: [ShapesScene] = pairPrompts) throws -> ShapesPairReport {
        try reconstruct(vae: vae, prompts: prompts, score: scorePair)
    }

    /// `prompts` rendered at `vae`'s `sample_size`, encoded, decoded from the posterior mean and
    /// each reconstruction scored with `score`.
    static func reconstruct<Reading, Verdict>(vae: AutoencoderKL, prompts: [ShapesScene],
                                              score: (Image, ShapesScene) -> (Reading, Verdict)) throws -> ShapesReport<Reading, Verdict> {
        let side = vae.config.sampleSize
        var items: [ShapesReport<Reading, Verdict>.Item] = []
        // Small batches keep memory small; every image is encoded and decoded on its own rows.
        let batchSize = 8
        for start in stride(from: 0, to: prompts.count, by: batchSize) {
            let scenes = Array(prompts[start..<min(start + batchSize, prompts.count)])
            let batch = try Image.batchTensor(scenes.map { $0.render(size: side) })
            let decoded = try Image.images(fromBatch: vae.decode(vae.encode(batch).mode()))
            for (scene, image) in zip(scenes, decoded) {
                let (reading, verdict) = score(image, scene)
                items.append(.init(scene: scene, seed: 0, image: image, reading: reading, verdict: verdict))
            }
        }
        var settings = Settings()
        settings.seeds = 1
        return ShapesReport(items: items, settings: settings)
    }
}

extension ShapesReport {
    /// One line of the per-attribute shares and the fully-right share, e.g.
    /// "colour 100.0 %, shape 88.9 %, …, fully right 88.9 %".
    public var compactLine: String {
        (Verdict.Attribute.allCases.map { "\($0.rawValue) \(String(format: "%.1f", 100 * accuracy($0))) %" }
         + ["fully right \(String(format: "%.1f", 100 * fullyRight)) %"]).joined(separator: ", ")
    }
}
