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

    /// The config key of this stage's batch size (`unet_training.batch_size`, …).
    public var batchSizeKey: String {
        "\(stage == "ae" ? "vae" : stage)_training.batch_size"
    }

    /// Refuses a batch size whose training step cannot fit in `available` bytes, before training.
    ///
    /// Runs the loss and its gradient at batch 1 and at batch 2 on the first training images and
    /// reads the tensor memory each needed at its peak (`TensorMemory`): the fixed part plus the
    /// per-image part times the batch size is the estimate. Nothing the run keeps changes (the
    /// weights, the generator, the data order); the gradients are zeroed after.
    /// - Throws: `TrainingError` naming the batch-size key, the estimate, what is free and the
    ///   largest batch size that fits, when the estimate exceeds 90 % of `available`.
    public func checkMemory(available: Int, loss: (DatasetBatch, inout Philox) throws -> Tensor) throws {
        guard loader.indices.count >= 2 else { return }
        func measure(_ n: Int) throws -> Int {
            var probe = try DatasetLoader(dataset: loader.dataset, indices: Array(loader.indices.prefix(n)), batchSize: n,
                                          shuffle: false, horizontalFlip: false, dropLast: false)
            let batch = probe.nextBatch()
            let base = TensorMemory.live
            TensorMemory.resetPeak()
            var g = generator
            _ = try model.valueAndGradient(layout: layout, gradients: gradients) { try loss(batch, &g) }
            return max(TensorMemory.peak - base, 0)
        }
        let one = try measure(1), two = try measure(2)
        gradients.zero()
        let perImage = max(two - one, 0)
        let need = one + perImage * (config.batchSize - 1)
        let usable = available / 10 * 9
        guard need > usable else { return }
        let fits = usable >= one && perImage > 0 ? (usable - one) / perImage + 1 : 0
        throw TrainingError("\(batchSizeKey): \(config.batchSize) needs about \(TensorMemory.describe(need)) for one training step "
                            + "(\(TensorMemory.describe(perImage)) per image, measured on this model) but this machine has "
                            + "\(TensorMemory.describe(available)) free; "
                            + (fits >= 1 ? "use a batch size of at most \(fits)" : "even one image does not fit: make the model smaller"))
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
    ///
    /// Before the first step it runs, the step's memory is measured (`checkMemory`) against
    /// `memoryAvailable` (default: what the system has free now).
    public func run(interrupt: InterruptFlag, observer: (any TrainingObserver)?,
                    loss: (DatasetBatch, inout Philox) throws -> Tensor,
                    afterStep: ((Int) throws -> Void)? = nil,
                    preview: ((Int) throws -> Void)? = nil,
                    memoryAvailable: Int? = TensorMemory.systemAvailable()) throws -> Outcome {
        if step < config.steps, let memoryAvailable { try checkMemory(available: memoryAvailable, loss: loss) }
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
