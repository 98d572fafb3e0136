import Foundation
import TensorCore
import NN
import Imaging
import Datasets
import Distributed

/// What `t2i train-ae` and `t2i eval ae` report.
public struct AutoencoderReport: Sendable {
    /// Mean validation PSNR (dB) of mode-decoded reconstructions.
    public let psnr: Double
    public let validationImages: Int
    /// 1/std of latents over the measured training images.
    public let scalingFactor: Double
    /// Per-channel mean and std of the (unscaled) latents.
    public let latentMean: [Double]
    public let latentStd: [Double]
    /// Reconstruction grid written (inputs above reconstructions).
    public let grid: URL?
    /// On shapes data: the shapes probe and the two-object probe read off reconstructions of their
    /// own scenes (`ShapesProbe.reconstructionReport`, `pairReconstructionReport`), the ceiling a
    /// U-Net on these latents can reach.
    public let probe: ShapesProbeReport?
    public let pairProbe: ShapesPairReport?

    init(psnr: Double, validationImages: Int, scalingFactor: Double, latentMean: [Double], latentStd: [Double],
         grid: URL?, probes: (ShapesProbeReport, ShapesPairReport)?) {
        (self.psnr, self.validationImages, self.scalingFactor) = (psnr, validationImages, scalingFactor)
        (self.latentMean, self.latentStd, self.grid) = (latentMean, latentStd, grid)
        (probe, pairProbe) = (probes?.0, probes?.1)
    }

    /// "shapes probe on reconstructions of its 72 scenes: colour … %, …, fully right … %" and the
    /// two-object probe's line, or none.
    public var probeLines: [String] {
        (probe.map { ["shapes probe on reconstructions of its \($0.items.count) scenes: \($0.compactLine)"] } ?? [])
            + (pairProbe.map { ["two-object probe on reconstructions of its \($0.items.count) scenes: \($0.compactLine)"] } ?? [])
    }
}

/// Stage 2 (DESIGN §3): the KL autoencoder that defines the latent space.
///
/// Loss: L1 (plus optional MSE) reconstruction of a posterior sample, plus `kl_weight` × the KL term
/// per image (Rombach et al. 2022 §3 / LDM `LPIPSWithDiscriminator` without the perceptual and GAN
/// parts). After training, `scaling_factor` = 1/std of training latents (LDM §4.3.2), stored in
/// `vae/config.json` so the U-Net sees unit-variance latents.
public enum AutoencoderStage {
    /// The stage's name: `logs/ae.jsonl`, `state/ae.safetensors`.
    public static let name = "ae"

    /// Images whose latents set the scaling factor (the issue asks for at least 1024).
    public static let scalingImages = 2048

    /// Trains (or resumes) the autoencoder of `run` and writes `vae/`. Returns nil when
    /// interrupted, and on ranks other than 0 of `group` (which write and report nothing).
    public static func train(config: RunConfig, run: RunFolder, resume: Bool, interrupt: InterruptFlag,
                             observer: (any TrainingObserver)?, group: any ProcessGroup = SingleProcess()) throws -> AutoencoderReport? {
        let data = try group.writerFirst { try RunData(config: config, note: { observer?.note($0) }, shouldStop: { interrupt.isRaised }) }
        // Weights, flat copy, gradients and two AdamW moments.
        try ModelSize.checkFits(parameters: ModelSize.autoencoderParameters(config.vae), copies: 5, model: "an autoencoder",
                                source: run.configFile.path, key: "vae")
        var init_ = Philox(seed: UInt64(config.seed), stream: 30)
        let model = try AutoencoderKL(config: config.vae, generator: &init_, source: run.configFile.path)
        let loader = try data.trainingLoader(batchSize: config.vaeTraining.batchSize, seed: config.seed, flip: config.data.flip)
        let previewBatch = try previewImages(data)
        // Settings checked: record them with the run, and put the run back as it was if training
        // is refused before its first step (an unreadable checkpoint, a batch that cannot fit).
        let snapshot = FileSnapshot([run.configFile, run.logs.appendingPathComponent("\(name).jsonl")])
        if group.isWriter { try run.writeConfig(config) }
        let trainer: StageTrainer<AutoencoderKL>
        do {
            trainer = try StageTrainer(model: model, stage: name, config: config.vaeTraining, loader: loader,
                                       seed: UInt64(config.seed), emaDecay: nil, runFolder: run.url, resume: resume, group: group)
        } catch {
            if group.isWriter { snapshot.restore() }
            throw error
        }
        let startStep = trainer.step
        if trainer.step > 0 { observer?.note("resuming the autoencoder at step \(trainer.step) of \(config.vaeTraining.steps)") }
        let loss = config.vaeLoss
        let outcome: StageTrainer<AutoencoderKL>.Outcome
        do {
            outcome = try trainer.run(interrupt: interrupt, observer: observer, loss: { batch, noise in
                let posterior = model.encode(batch.images)
                let reconstruction = model.decode(posterior.sample(noise: noise.normal(shape: posterior.mean.shape)))
                var total = reconstruction.l1Loss(batch.images) * Float(loss.l1Weight)
                if loss.mseWeight > 0 { total = total + reconstruction.mseLoss(batch.images) * Float(loss.mseWeight) }
                // kl() is summed over C·H·W per image; average over the batch (LDM's kl_loss).
                return total + posterior.kl().mean() * Float(loss.klWeight)
            }, preview: { step in
                try writePreview(model: model, images: previewBatch, to: run.previews.appendingPathComponent(String(format: "ae-step%06d.png", step)))
            })
        } catch {
            if trainer.step == startStep, group.isWriter { snapshot.restore() }
            throw error
        }
        guard outcome == .finished, group.isWriter else { return nil }
        let (mean, std, scale) = try measureLatents(model: model, data: data, seed: config.seed)
        model.scalingFactor = scale
        try model.save(to: run.vae)
        let (psnr, count) = try validationPSNR(model: model, data: data, batchSize: config.vaeTraining.batchSize)
        // The trainer's last preview (written at the final step) is the report's grid.
        let grid = run.previews.appendingPathComponent(String(format: "ae-step%06d.png", trainer.step))
        try trainer.log?.append(["val_psnr": psnr, "scaling_factor": scale], step: trainer.step)
        return AutoencoderReport(psnr: psnr, validationImages: count, scalingFactor: scale, latentMean: mean,
                                 latentStd: std, grid: grid, probes: try probeReports(model: model, config: config))
    }

    /// Validation PSNR, latent statistics, a reconstruction grid and (on shapes data) the probes
    /// on reconstructions of a trained run.
    public static func evaluate(config: RunConfig, run: RunFolder) throws -> AutoencoderReport {
        guard run.hasModel(run.vae) else {
            throw TrainingError("\(run.vae.path): no trained autoencoder here; run t2i train-ae --run \(run.url.path) first")
        }
        let model = try AutoencoderKL(contentsOf: run.vae)
        let data = try RunData(config: config)
        let (psnr, count) = try validationPSNR(model: model, data: data, batchSize: config.vaeTraining.batchSize)
        let (mean, std, _) = try measureLatents(model: model, data: data, seed: config.seed)
        let grid = run.previews.appendingPathComponent("ae-eval.png")
        try writePreview(model: model, images: try previewImages(data), to: grid)
        return AutoencoderReport(psnr: psnr, validationImages: count, scalingFactor: model.scalingFactor,
                                 latentMean: mean, latentStd: std, grid: grid, probes: try probeReports(model: model, config: config))
    }

    /// The two shapes probes on reconstructions, for a run on shapes data with RGB images (else nil).
    static func probeReports(model: AutoencoderKL, config: RunConfig) throws -> (ShapesProbeReport, ShapesPairReport)? {
        guard config.data.kind == "shapes", model.config.inChannels == 3, model.config.outChannels == 3 else { return nil }
        return (try ShapesProbe.reconstructionReport(vae: model), try ShapesProbe.pairReconstructionReport(vae: model))
    }

    /// 8 validation images spread evenly over the split: fixed, so previews across steps are
    /// comparable, and varied — a folder dataset's split is in file-name order, so its first 8
    /// are often one kind of image (emoji-32's are all EmojiOne flags).
    static func previewImages(_ data: RunData) throws -> Tensor {
        let split = data.validationIndices
        let count = min(8, split.count)
        let picked = (0..<count).map { split[$0 * split.count / count] }
        var loader = try DatasetLoader(dataset: data.dataset, indices: picked, batchSize: count, seed: 0, shuffle: false,
                                       horizontalFlip: false, dropLast: false)
        return loader.nextBatch().images
    }

    /// Inputs in the top row, mode reconstructions below.
    static func writePreview(model: AutoencoderKL, images: Tensor, to url: URL) throws {
        let reconstruction = model.decode(model.encode(images).mode())
        let grid = try Image.grid(Image.images(fromBatch: images) + Image.images(fromBatch: reconstruction),
                                  columns: images.shape[0], padding: 2)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try grid.writePNG(to: url)
    }

    /// Mean PSNR of mode reconstructions over the whole validation split.
    static func validationPSNR(model: AutoencoderKL, data: RunData, batchSize: Int) throws -> (Double, Int) {
        var loader = try data.validationLoader(batchSize: batchSize)
        var scores: [Double] = []
        while scores.count < data.validationIndices.count {
            let batch = loader.nextBatch()
            scores += PSNR.perImage(model.decode(model.encode(batch.images).mode()), batch.images)
        }
        scores = Array(scores.prefix(data.validationIndices.count))
        return (scores.reduce(0, +) / Double(max(scores.count, 1)), scores.count)
    }

    /// Per-channel latent mean/std and the scaling factor 1/std over posterior samples of up to
    /// `scalingImages` training images (fixed order and noise, so the figure is reproducible).
    static func measureLatents(model: AutoencoderKL, data: RunData, seed: Int) throws -> ([Double], [Double], Double) {
        let indices = Array(data.trainIndices.prefix(scalingImages))
        var loader = try DatasetLoader(dataset: data.dataset, indices: indices, batchSize: min(64, indices.count),
                                       shuffle: false, dropLast: false)
        var generator = Philox(seed: UInt64(seed), stream: 31)
        let channels = model.config.latentChannels
        var sum = [Double](repeating: 0, count: channels), sumSq = sum
        var perChannel = 0, seen = 0
        while seen < indices.count {
            let batch = loader.nextBatch()
            seen += batch.count
            let z = model.encode(batch.images).sample(generator: &generator)
            let (b, c, hw) = (z.shape[0], z.shape[1], z.shape[2] * z.shape[3])
            z.withUnsafeBufferPointer { p in
                for i in 0..<b { for ch in 0..<c { for j in 0..<hw {
                    let v = Double(p[(i * c + ch) * hw + j])
                    sum[ch] += v
                    sumSq[ch] += v * v
                } } }
            }
            perChannel += b * hw
        }
        let n = Double(max(perChannel, 1))
        let mean = sum.map { $0 / n }
        let std = zip(sumSq, mean).map { (max($0 / n - $1 * $1, 0)).squareRoot() }
        let totalMean = sum.reduce(0, +) / (n * Double(channels))
        let totalVar = sumSq.reduce(0, +) / (n * Double(channels)) - totalMean * totalMean
        return (mean, std, 1 / max(totalVar, 1e-12).squareRoot())
    }
}

extension AutoencoderStage {
    /// A step benchmark of the config's autoencoder on random images (the training loss, batch `batchSize`).
    public static func benchmark(config: RunConfig, batchSize: Int) throws -> StepBenchmark<AutoencoderKL> {
        var g = Philox(seed: 1, stream: 30)
        let model = try AutoencoderKL(config: config.vae, generator: &g)
        let side = config.vae.sampleSize
        let images = Tensor.uniform(shape: [batchSize, config.vae.inChannels, side, side], bound: 1, generator: &g)
        let loss = config.vaeLoss
        return StepBenchmark(model: model) { generator in
            let posterior = model.encode(images)
            let reconstruction = model.decode(posterior.sample(generator: &generator))
            return reconstruction.l1Loss(images) * Float(loss.l1Weight) + posterior.kl().mean() * Float(loss.klWeight)
        }
    }
}
