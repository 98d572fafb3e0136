import Foundation
import TensorCore
import NN
import Optim
import Datasets

/// The optimisation loop all three stages share: AdamW with warmup + cosine, global-norm
/// clipping, optional EMA, logging, checkpoints for exact resume, Ctrl-C and NaN handling.
///
/// Stage code supplies only the loss of a batch (and optional hooks); everything that makes a run
/// resumable bit for bit — weights, moments, EMA, step, noise counter, data position — is here.
public final class StageTrainer<Model: Module> {
    /// How a `run` ended.
    public enum Outcome: Equatable, Sendable {
        case finished
        case interrupted(step: Int)
    }

    public let model: Model
    public let stage: String
    public let config: TrainingConfig
    public let layout: ParameterLayout
    public let parameters: FlatBuffer
    public let gradients: FlatBuffer
    public private(set) var adam: AdamW
    public private(set) var ema: ExponentialMovingAverage?
    public private(set) var loader: DatasetLoader
    /// Noise for the loss (diffusion noise, caption dropout, posterior samples) — checkpointed.
    public private(set) var generator: Philox
    /// Steps completed.
    public private(set) var step: Int = 0
    public let checkpointURL: URL
    public let log: TrainingLog
    let schedule: LearningRateSchedule

    /// Sets up training of `model` on `loader`; with `resume`, continues from the stage's checkpoint
    /// in `runFolder/state/` when there is one.
    public init(model: Model, stage: String, config: TrainingConfig, loader: DatasetLoader, seed: UInt64,
                emaDecay: Double?, runFolder: URL, resume: Bool) throws {
        guard config.steps > 0, config.batchSize > 0 else {
            throw TrainingError("\(stage): steps and batch_size must be positive")
        }
        self.model = model
        self.stage = stage
        self.config = config
        layout = ParameterLayout(model)
        let flat = layout.flatten()
        parameters = flat
        gradients = FlatBuffer(count: layout.count)
        adam = AdamW(count: layout.count, weightDecay: Float(config.weightDecay))
        ema = emaDecay.map { ExponentialMovingAverage(copying: flat, decay: Float($0)) }
        self.loader = loader
        // Stream 1 of the run seed: independent of the data order (which the loader seeds).
        generator = Philox(seed: seed, stream: 1)
        schedule = .warmupCosine(warmup: config.warmupSteps, total: config.steps)
        let run = RunFolder(runFolder)
        try FileManager.default.createDirectory(at: run.state, withIntermediateDirectories: true)
        checkpointURL = run.checkpoint(stage: stage)
        var resumedStep: Int?
        if resume, FileManager.default.fileExists(atPath: checkpointURL.path) {
            let c = try TrainingCheckpoint.load(from: checkpointURL, layout: layout, parameters: parameters, adam: &adam, ema: &ema)
            step = c.step
            generator.counter = c.generatorCounter
            try self.loader.seek(to: c.dataPosition)
            resumedStep = c.step
        }
        log = try TrainingLog(url: runFolder.appendingPathComponent("logs/\(stage).jsonl"), resumeStep: resumedStep)
    }

    /// Whether the stage has done all its steps.
    public var isFinished: Bool { step >= config.steps }

    /// Writes the full training state (atomically).
    public func saveCheckpoint() throws {
        let c = TrainingCheckpoint(step: step, dataPosition: loader.position, generatorCounter: generator.counter,
                                   adamStep: adam.step, emaUpdates: ema?.updates ?? 0)
        try c.save(to: checkpointURL, layout: layout, parameters: parameters, adam: adam, ema: ema)
    }

    /// Trains until `config.steps` or an interrupt. `loss` computes the scalar loss of a batch, drawing
    /// any randomness from the generator it is given; `afterStep` runs after each update (e.g. to
    /// clamp a parameter); `preview` runs every `preview_every` steps and at the end.
    public func run(interrupt: InterruptFlag, observer: (any TrainingObserver)?,
                    loss: (DatasetBatch, inout Philox) throws -> Tensor,
                    afterStep: ((Int) throws -> Void)? = nil,
                    preview: ((Int) throws -> Void)? = nil) throws -> Outcome {
        var recent: [Double] = []
        while step < config.steps {
            if interrupt.isRaised {
                try saveCheckpoint()
                observer?.note("interrupted: saved a checkpoint at step \(step) to \(checkpointURL.path); rerun with --resume to continue")
                return .interrupted(step: step)
            }
            let started = Date()
            let batch = loader.nextBatch()
            gradients.zero()
            var g = generator
            let value = try model.valueAndGradient(layout: layout, gradients: gradients) { try loss(batch, &g) }
            let norm = config.gradClip > 0
                ? GradientClipping.clipGlobalNorm(gradients, maxNorm: Float(config.gradClip))
                : GradientClipping.clipGlobalNorm(gradients, maxNorm: .infinity)
            guard value.isFinite, norm.isFinite else {
                // Keep the last good checkpoint on disk untouched; do not apply this update.
                throw TrainingError("\(stage): step \(step + 1): loss is \(value), gradient norm \(norm) — stopped; the last good checkpoint (\(checkpointURL.path)) is kept")
            }
            generator = g
            let lr = schedule.rate(base: Float(config.learningRate), step: step)
            adam.update(parameters: parameters, gradients: gradients, lr: lr)
            ema?.update(from: parameters)
            step += 1
            try afterStep?(step)

            let seconds = Date().timeIntervalSince(started)
            recent.append(seconds)
            if recent.count > 20 { recent.removeFirst() }
            let perStep = recent.reduce(0, +) / Double(recent.count)
            let report = StepReport(stage: stage, step: step, totalSteps: config.steps, loss: value, learningRate: lr,
                                    gradientNorm: norm, imagesPerSecond: Double(batch.count) / max(seconds, 1e-9),
                                    secondsLeft: perStep * Double(config.steps - step))
            observer?.didStep(report)
            if step % max(config.logEvery, 1) == 0 || step == config.steps {
                try log.append(["loss": Double(value), "lr": Double(lr), "grad_norm": Double(norm),
                                "images_per_second": report.imagesPerSecond, "seconds_per_step": seconds], step: step)
            }
            if config.checkpointEvery > 0, step % config.checkpointEvery == 0, step < config.steps {
                try saveCheckpoint()
            }
            if let preview, config.previewEvery > 0, step % config.previewEvery == 0, step < config.steps {
                try preview(step)
            }
        }
        try saveCheckpoint()
        try preview?(step)
        return .finished
    }
}
