import Foundation
import TensorCore
import NN
import Optim
import Datasets
import Distributed

/// The optimisation loop all three stages share: AdamW with warmup + cosine, global-norm
/// clipping, optional EMA, logging, checkpoints for exact resume, Ctrl-C and NaN handling.
///
/// Stage code supplies only the loss of a batch (and optional hooks); everything that makes a run
/// resumable bit for bit — weights, moments, EMA, step, noise counter, data position — is here.
///
/// Data parallel (DESIGN §11): a step's batch is cut into micro-batches of
/// `micro_batch_size`; their gradients are computed separately and summed in batch order. One
/// process computes them in turn; the ranks of an mpirun job each compute their consecutive share
/// and all-gather them, so every rank sums the same numbers in the same order and every process
/// count gives the same bytes. Randomness is keyed by global sample index (`SampleNoise`).
public final class StageTrainer<Model: Module> {
    /// How a `run` ended.
    public enum Outcome: Equatable, Sendable {
        case finished
        case interrupted(step: Int)
    }

    /// What a step minimises.
    public enum Objective {
        /// A mean over samples: the loss of a (micro-)batch, drawing its randomness from its
        /// samples' noise.
        case perSample((DatasetBatch, inout SampleNoise) throws -> Tensor)
        /// A loss over the whole batch of per-sample outputs (CLIP's contrastive loss): `embed`
        /// maps a (micro-)batch to tensors with one row per sample, `head` takes those of the
        /// whole batch, rows in batch order.
        case batchwise(embed: (DatasetBatch) throws -> [Tensor], head: ([Tensor]) throws -> Tensor)

        /// The loss of a whole batch in one pass.
        func loss(_ batch: DatasetBatch, _ noise: inout SampleNoise) throws -> Tensor {
            switch self {
            case .perSample(let loss): return try loss(batch, &noise)
            case .batchwise(let embed, let head): return try head(embed(batch))
            }
        }
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
    /// The stage's log; nil on ranks other than 0 (they write nothing).
    public let log: TrainingLog?
    let schedule: LearningRateSchedule
    /// The processes sharing each step (one, or an mpirun job).
    public let group: any ProcessGroup
    /// Samples per gradient pass, and how many passes make a step.
    public let microBatchSize: Int
    public var microBatches: Int { config.batchSize / microBatchSize }
    /// Seconds the last step spent exchanging gradients (and CLIP embeddings) with the other
    /// processes once all had arrived (0 alone).
    public private(set) var communicationSeconds: Double = 0
    /// Seconds the last step waited for the slowest process before exchanging (0 alone).
    public private(set) var waitSeconds: Double = 0
    // Reused across steps: one micro-batch's gradient, and (several processes) the gathered ones.
    private var scratch: FlatBuffer?
    private var sendParts: [Float] = []
    private var gatheredParts: [Float] = []

    /// Sets up training of `model` on `loader`; with `resume`, continues from the stage's checkpoint
    /// in `runFolder/state/` when there is one.
    public init(model: Model, stage: String, config: TrainingConfig, loader: DatasetLoader, seed: UInt64,
                emaDecay: Double?, runFolder: URL, resume: Bool, group: any ProcessGroup = SingleProcess()) throws {
        guard config.steps > 0, config.batchSize > 0 else {
            throw TrainingError("\(stage): steps and batch_size must be positive")
        }
        microBatchSize = try Self.microBatchSize(config, stage: stage, processes: group.size)
        self.group = group
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
        log = group.isWriter ? try TrainingLog(url: runFolder.appendingPathComponent("logs/\(stage).jsonl"), resumeStep: resumedStep) : nil
    }

    /// The config key of this stage's batch size (`unet_training.batch_size`, …).
    public var batchSizeKey: String { Self.key(stage, "batch_size") }

    static func key(_ stage: String, _ name: String) -> String {
        "\(stage == "ae" ? "vae" : stage)_training.\(name)"
    }

    /// The micro-batch size `config` asks for (0: the whole batch), refused when `processes`
    /// cannot share the micro-batches evenly.
    static func microBatchSize(_ config: TrainingConfig, stage: String, processes: Int) throws -> Int {
        let batch = config.batchSize, micro = config.microBatchSize == 0 ? batch : config.microBatchSize
        guard micro >= 1, micro <= batch, batch % micro == 0 else {
            throw TrainingError("\(key(stage, "micro_batch_size")): must be 0 (the whole batch) or a divisor of batch_size \(batch), got \(config.microBatchSize)")
        }
        let parts = batch / micro
        guard parts % processes == 0 else {
            let hint = batch % processes == 0
                ? "set it to a divisor of \(batch / processes) (e.g. --set \(key(stage, "micro_batch_size"))=\(batch / processes)) and every process count dividing \(batch / (batch / processes)) gives the same weights"
                : "batch_size \(batch) cannot be shared by \(processes) processes at all"
            throw TrainingError("\(key(stage, "micro_batch_size")): \(config.microBatchSize == 0 ? "0 (the whole batch of \(batch) at once)" : String(micro)) makes \(parts) micro-batch\(parts == 1 ? "" : "es"), which \(processes) processes cannot share evenly; \(hint)")
        }
        return micro
    }

    /// Refuses a batch size whose training step cannot fit in `available` bytes, before training.
    ///
    /// Runs the loss and its gradient at batch 1 and at batch 2 on the first training images and
    /// reads the tensor memory each needed at its peak (`TensorMemory.peak(of:)`, which counts only
    /// the tensors the probe allocates): the fixed part plus the
    /// per-image part times the batch size is the estimate. Nothing the run keeps changes (the
    /// weights, the generator, the data order); the gradients are zeroed after.
    /// - Throws: `TrainingError` naming the batch-size key, the estimate, what is free and the
    ///   largest batch size that fits, when the estimate exceeds 90 % of `available`.
    public func checkMemory(available: Int, objective: Objective) throws {
        guard loader.indices.count >= 2 else { return }
        func measure(_ n: Int) throws -> Int {
            var probe = try DatasetLoader(dataset: loader.dataset, indices: Array(loader.indices.prefix(n)), batchSize: n,
                                          shuffle: false, horizontalFlip: false, dropLast: false)
            let batch = probe.nextBatch()
            var noise = SampleNoise(base: generator, samples: 0..<n)
            return try TensorMemory.peak {
                _ = try model.valueAndGradient(layout: layout, gradients: gradients) { try objective.loss(batch, &noise) }
            }
        }
        let one = try measure(1), two = try measure(2)
        gradients.zero()
        let perImage = max(two - one, 0)
        // A pass holds one micro-batch; split steps also keep a micro-batch's gradient and, with
        // several processes, this rank's share and all the gathered ones.
        let split = microBatches > 1 || group.size > 1
        let parts = split ? 1 + (group.size > 1 ? microBatches / group.size + microBatches : 0) : 0
        let need = one + perImage * (microBatchSize - 1) + parts * (layout.count + 1) * MemoryLayout<Float>.size
        let usable = available / 10 * 9
        guard need > usable else { return }
        let fits = usable >= one && perImage > 0 ? (usable - one) / perImage + 1 : 0
        throw TrainingError("\(batchSizeKey): \(config.batchSize)\(split ? " in micro-batches of \(microBatchSize)" : "") needs about \(TensorMemory.describe(need)) for one training step "
                            + "(\(TensorMemory.describe(perImage)) per image, measured on this model) but this machine has "
                            + "\(TensorMemory.describe(available)) free; "
                            + (fits >= 1 ? "use a batch size of at most \(fits)" : "even one image does not fit: make the model smaller"))
    }

    /// Whether the stage has done all its steps.
    public var isFinished: Bool { step >= config.steps }

    /// Writes the full training state (atomically).
    public func saveCheckpoint() throws {
        guard group.isWriter else { return }
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
                    loss: @escaping (DatasetBatch, inout SampleNoise) throws -> Tensor,
                    afterStep: ((Int) throws -> Void)? = nil,
                    preview: ((Int) throws -> Void)? = nil,
                    memoryAvailable: Int? = TensorMemory.systemAvailable()) throws -> Outcome {
        try run(interrupt: interrupt, observer: observer, objective: .perSample(loss), afterStep: afterStep, preview: preview,
                memoryAvailable: memoryAvailable)
    }

    /// As `run(interrupt:observer:loss:…)`, for any objective. With several processes, all
    /// stop together: on an interrupt any rank saw, or on a non-finite loss (which every rank
    /// computes alike); rank 0 alone writes checkpoints, logs and previews.
    public func run(interrupt: InterruptFlag, observer: (any TrainingObserver)?,
                    objective: Objective,
                    afterStep: ((Int) throws -> Void)? = nil,
                    preview: ((Int) throws -> Void)? = nil,
                    memoryAvailable: Int? = TensorMemory.systemAvailable()) throws -> Outcome {
        // Buffers another stage left in the tensor cache are of other shapes: give them back first.
        TensorMemory.releaseCache()
        if step < config.steps, let memoryAvailable { try checkMemory(available: memoryAvailable, objective: objective) }
        var recent: [Double] = []
        while step < config.steps {
            if try group.any(interrupt.isRaised) {
                try saveCheckpoint()
                observer?.note("interrupted: saved a checkpoint at step \(step) to \(checkpointURL.path); rerun with --resume to continue")
                return .interrupted(step: step)
            }
            let started = Date()
            let batch = loader.nextBatch()
            let value = try stepGradient(batch, objective: objective)
            let norm = config.gradClip > 0
                ? GradientClipping.clipGlobalNorm(gradients, maxNorm: Float(config.gradClip))
                : GradientClipping.clipGlobalNorm(gradients, maxNorm: .infinity)
            guard value.isFinite, norm.isFinite else {
                // Keep the last good checkpoint on disk untouched; do not apply this update.
                throw TrainingError("\(stage): step \(step + 1): loss is \(value), gradient norm \(norm) — stopped; the last good checkpoint (\(checkpointURL.path)) is kept")
            }
            generator.counter &+= UInt64(batch.count) &* SampleNoise.window
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
                var record = ["loss": Double(value), "lr": Double(lr), "grad_norm": Double(norm),
                              "images_per_second": report.imagesPerSecond, "seconds_per_step": seconds]
                if group.size > 1 {
                    record["communication_seconds"] = communicationSeconds
                    record["wait_seconds"] = waitSeconds
                }
                try log?.append(record, step: step)
            }
            if config.checkpointEvery > 0, step % config.checkpointEvery == 0, step < config.steps {
                try saveCheckpoint()
            }
            if let preview, group.isWriter, config.previewEvery > 0, step % config.previewEvery == 0, step < config.steps {
                try preview(step)
            }
        }
        try saveCheckpoint()
        if group.isWriter { try preview?(step) }
        return .finished
    }
}

extension StageTrainer {
    /// Writes the gradient of `batch` (the step's whole batch, the same on every rank) into
    /// `gradients` and returns the loss: in one pass when one process takes the batch whole,
    /// else as the batch-order sum of its micro-batches' gradients.
    func stepGradient(_ batch: DatasetBatch, objective: Objective) throws -> Float {
        let base = generator
        if microBatches == 1 && group.size == 1 {
            gradients.zero()
            var noise = SampleNoise(base: base, samples: 0..<batch.count)
            let value = try model.valueAndGradient(layout: layout, gradients: gradients) { try objective.loss(batch, &noise) }
            try noise.checkWindows(stage: stage)
            return value
        }
        let parts = microBatches, share = parts / group.size, m = microBatchSize
        let mine = (group.rank * share)..<((group.rank + 1) * share)
        let scratch = self.scratch ?? FlatBuffer(count: layout.count)
        self.scratch = scratch
        switch objective {
        case .perSample(let loss):
            let scale = 1 / Float(parts)
            return try sumParts(mine) { k in
                let samples = (k * m)..<((k + 1) * m)
                var noise = SampleNoise(base: base, samples: samples)
                scratch.zero()
                let value = try model.valueAndGradient(layout: layout, gradients: scratch) {
                    let l = try loss(batch.slice(samples), &noise)
                    return parts > 1 ? l * scale : l
                }
                try noise.checkWindows(stage: stage)
                return value
            }
        case .batchwise(let embed, let head):
            // 1. Every micro-batch's outputs, without a tape, gathered into the whole batch's.
            var local: [[Tensor]] = []
            for k in mine { local.append(try embed(batch.slice((k * m)..<((k + 1) * m)))) }
            let widths = local[0].map { $0.count / m }
            let row = widths.reduce(0, +)
            var send = [Float](repeating: 0, count: share * m * row)
            for (i, outputs) in local.enumerated() {
                var at = i * m * row
                for t in outputs {
                    send.replaceSubrange(at..<(at + t.count), with: t.scalars)
                    at += t.count
                }
            }
            var all = [Float](repeating: 0, count: parts * m * row)
            let exchange = Date()
            try send.withUnsafeBufferPointer { s in try all.withUnsafeMutableBufferPointer { try group.allGather(s, into: $0) } }
            let embeddingSeconds = Date().timeIntervalSince(exchange)
            let whole: [Tensor] = widths.enumerated().map { j, w in
                let before = widths[..<j].reduce(0, +)
                return Tensor(shape: [batch.count] + local[0][j].shape.dropFirst()) { out in
                    for k in 0..<parts {
                        let from = k * m * row + before * m
                        for x in 0..<(m * w) { out[k * m * w + x] = all[from + x] }
                    }
                }
            }
            // 2. The loss of the whole batch (alike on every rank): its parameters' gradient and
            //    d(loss)/d(outputs).
            let outputGradients = whole.map { FlatBuffer(count: $0.count) }
            let headGradient = FlatBuffer(count: layout.count)
            let value = try model.valueAndGradient(layout: layout, gradients: headGradient, inputs: whole,
                                                   inputGradients: outputGradients) { try head($0) }
            // 3. Each micro-batch's backward from its rows of those gradients: Σ outputs ⊙ d(outputs).
            _ = try sumParts(mine) { k in
                let samples = (k * m)..<((k + 1) * m)
                let seeds = zip(whole, outputGradients).map { t, g in
                    g.view(offset: k * m * (t.count / batch.count), shape: [m] + t.shape.dropFirst())
                }
                scratch.zero()
                return try model.valueAndGradient(layout: layout, gradients: scratch) {
                    let outputs = try embed(batch.slice(samples))
                    let terms = zip(outputs, seeds).map { ($0 * $1).sum() }
                    return terms.dropFirst().reduce(terms[0], +)
                }
            }
            communicationSeconds += embeddingSeconds
            gradients.add(headGradient)
            return value
        }
    }

    /// Sums the parts' gradients (each left in `scratch` by `part`) in batch order into
    /// `gradients`, and their values likewise: this rank computes `mine`, the others theirs.
    private func sumParts(_ mine: Range<Int>, _ part: (Int) throws -> Float) throws -> Float {
        let count = layout.count, scratch = self.scratch!
        if group.size == 1 {
            var value: Float = 0
            for k in mine {
                let v = try part(k)
                if k == mine.lowerBound { gradients.copy(from: scratch) } else { gradients.add(scratch) }
                value = k == mine.lowerBound ? v : value + v
            }
            return value
        }
        // Across processes the parts travel as host arrays (the exchange is a transfer point).
        let stride = count + 1
        if sendParts.count != mine.count * stride { sendParts = [Float](repeating: 0, count: mine.count * stride) }
        if gatheredParts.count != mine.count * group.size * stride { gatheredParts = [Float](repeating: 0, count: mine.count * group.size * stride) }
        for (i, k) in mine.enumerated() {
            let v = try part(k)
            sendParts.replaceSubrange((i * stride)..<(i * stride + count), with: scratch.scalars)
            sendParts[i * stride + count] = v
        }
        let arrived = Date()
        try group.barrier()  // only so that the exchange time below excludes waiting for the others
        let exchange = Date()
        waitSeconds = exchange.timeIntervalSince(arrived)
        try sendParts.withUnsafeBufferPointer { send in
            try gatheredParts.withUnsafeMutableBufferPointer { try group.allGather(send, into: $0) }
        }
        communicationSeconds = Date().timeIntervalSince(exchange)
        // Summed on the host in part order, then uploaded.
        var sum = Array(gatheredParts[0..<count]), value = gatheredParts[count]
        for k in 1..<(mine.count * group.size) {
            let at = k * stride
            for j in 0..<count { sum[j] += gatheredParts[at + j] }
            value += gatheredParts[at + count]
        }
        gradients.scalars = sum
        return value
    }
}
