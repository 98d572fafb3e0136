import Foundation

/// What `t2i quickstart` trains: the default config, or, given a time budget, a smaller one whose
/// step counts are sized to finish in about that many minutes.
///
/// Sizing uses seconds per training step measured on the reference machine (2 cores, idle; see
/// `referenceSecondsPerStep`), so a plan is the same on every machine — results stay reproducible
/// from the config — and the quickstart revises its time estimate from the speed it actually sees.
public struct QuickstartPlan: Sendable {
    /// A training stage, in the order they run.
    public enum Stage: String, CaseIterable, Sendable {
        case encoder = "text encoder", autoencoder, unet = "U-Net"
    }

    /// The budget a plan may be asked for: below 5 minutes too few U-Net steps remain to learn
    /// shapes; above 3 hours the default config (the best model this toolkit trains) is the better choice.
    public static let minutesRange = 5...180

    /// Minutes of the budget kept for everything but training steps: making the data, the
    /// tokenizer, caching latents, retrieval, PSNR and probe scoring, and the final grid. Measured:
    /// a 10-minute run took 624 s, of which its logged training steps 592 s (2026-12-01, data
    /// already made; making it takes a few seconds).
    static let overheadMinutes = 0.55

    /// Share of the training time each stage gets. Objects land where the caption says only once
    /// the text encoder has learned place: with the same autoencoder and a 1330-step U-Net, a
    /// batch-128 encoder of 700 steps (retrieval top-1 0.983) gave position 43 %, 1080 steps 84 %,
    /// 1400 steps 97–100 %, while a 250-step batch-64 encoder (0.82) gave 10 % however long the
    /// U-Net trained. Shapes come from U-Net steps (1330 → 2660 steps with one encoder and
    /// autoencoder: shape 79.9 → 91.7 %) and from an autoencoder that keeps corners and colours:
    /// at batch 8 it needs about 1400 steps (its reconstructions of the probe's scenes read 95.8 %
    /// fully right; 1100 steps: 87.5 %). So at 10 minutes the encoder gets about 1350 steps, the
    /// autoencoder 1400, the U-Net the rest (1550).
    static let shares: [Stage: Double] = [.encoder: 0.29, .autoencoder: 0.13, .unet: 0.58]

    /// The budget in minutes, or nil for the default config.
    public let minutes: Int?
    public let config: RunConfig

    /// The default config (`minutes` nil) or a budget plan.
    public init(minutes: Int?) throws {
        self.minutes = minutes
        guard let minutes else {
            config = RunConfig()
            return
        }
        guard Self.minutesRange.contains(minutes) else {
            throw TrainingError("--minutes \(minutes): choose \(Self.minutesRange.lowerBound) to \(Self.minutesRange.upperBound) (or leave it out to train the default config)")
        }
        var config = Self.smallModels()
        let training = (Double(minutes) - Self.overheadMinutes) * 60
        for stage in Stage.allCases {
            let seconds = training * Self.shares[stage]!
            let steps = max(100, Int(seconds / Self.referenceSecondsPerStep(stage, small: true)) / 10 * 10)
            let warmup = min(100, steps / 10)
            switch stage {
            case .encoder: (config.encoderTraining.steps, config.encoderTraining.warmupSteps) = (steps, warmup)
            case .autoencoder: (config.vaeTraining.steps, config.vaeTraining.warmupSteps) = (steps, warmup)
            case .unet: (config.unetTraining.steps, config.unetTraining.warmupSteps) = (steps, warmup)
            }
        }
        // One preview at the end of each stage is enough in a short run; checkpoints every
        // ~2 minutes keep a Ctrl-C cheap.
        for keyPath in [\RunConfig.encoderTraining, \RunConfig.vaeTraining, \RunConfig.unetTraining] {
            config[keyPath: keyPath].previewEvery = config[keyPath: keyPath].steps
            config[keyPath: keyPath].checkpointEvery = 500
        }
        self.config = config
    }

    /// The run folder a plan trains into by default: the default run for the default config (so
    /// `t2i generate` finds it with no flags), else one per budget.
    public var defaultRun: String {
        minutes.map { "runs/quickstart-\($0)m" } ?? PipelineLocator.defaultRun
    }

    /// Steps of `stage` in this plan.
    public func steps(_ stage: Stage) -> Int {
        switch stage {
        case .encoder: config.encoderTraining.steps
        case .autoencoder: config.vaeTraining.steps
        case .unet: config.unetTraining.steps
        }
    }

    /// Estimated seconds of `stage` on the reference machine (training steps only).
    public func estimatedSeconds(_ stage: Stage) -> Double {
        Double(steps(stage)) * Self.referenceSecondsPerStep(stage, small: minutes != nil)
    }

    /// Estimated seconds of the whole quickstart on the reference machine.
    public var estimatedTotalSeconds: Double {
        Stage.allCases.reduce(Self.overheadMinutes * 60) { $0 + estimatedSeconds($1) }
    }

    /// Seconds per training step on the reference machine (2 cores, nothing else running): the
    /// default config's are the medians of `seconds_per_step` in the logs of its first training
    /// (2026-12-01, Configs/shapes-32.yaml end to end in 2h01m; the 10th percentiles,
    /// 0.415 / 0.329 / 0.621 s, would have estimated 1h38m, the medians estimate 1h58m), kept as
    /// the slow end: the shipped model's training on 2026-12-02 (a later engine, a faster day, the
    /// steps unchanged by its `clip_skip`) logged 0.262 / 0.223 / 0.352 s and took 59m;
    /// the small models' are the means of `seconds_per_step` in the logs of quiet stage runs on a
    /// 2-core Xeon (Emerald Rapids) on 2026-12-01 — encoder batch 128: 0.122 (`t2i bench
    /// train-encoder --batch-size 128`: 0.120), autoencoder batch 8: 0.053, U-Net batch 64: 0.211
    /// (bench: 0.197–0.223). The same CPU model ran 25–35 % slower on 2026-11-30 (U-Net 0.278):
    /// the plan's wall time moves with the machine, its steps and bytes do not.
    static func referenceSecondsPerStep(_ stage: Stage, small: Bool) -> Double {
        switch (stage, small) {
        case (.encoder, false): 0.493
        case (.autoencoder, false): 0.398
        case (.unet, false): 0.753
        case (.encoder, true): 0.122
        case (.autoencoder, true): 0.053
        case (.unet, true): 0.211
        }
    }

    /// The default config with every module shrunk to about a third of its cost per step: the same
    /// data, tokenizer, latent shape (8×8×4) and sampling, so images compare with the default model's.
    static func smallModels() -> RunConfig {
        var config = RunConfig()
        // The plan was chosen on one image in ten holding two objects (its figures in the README):
        // small models trained briefly learn single objects first, and the default's two in five
        // as pairs would cut the single-object captions they learn place from by a third.
        config.data.path = "data/shapes-32"
        config.data.twoObjectFraction = 0.1
        for keyPath in [\RunConfig.textEncoder.hiddenSize, \RunConfig.visionEncoder.hiddenSize, \RunConfig.clip.projectionDim] {
            config[keyPath: keyPath] = 64
        }
        config.textEncoder.intermediateSize = 256
        config.textEncoder.numHiddenLayers = 2
        config.textEncoder.numAttentionHeads = 2
        // The plan's figures were measured on the last layer's states; the default's 3 (its
        // embeddings) would also be more layers than this encoder's 2.
        config.diffusion.clipSkip = 0
        config.visionEncoder.intermediateSize = 256
        config.visionEncoder.numHiddenLayers = 2
        config.visionEncoder.numAttentionHeads = 2
        config.vae.blockOutChannels = [16, 32, 32]
        config.vae.normNumGroups = 8
        config.unet.blockOutChannels = [32, 64]
        config.unet.layersPerBlock = 1
        config.unet.crossAttentionDim = 64
        config.unet.attentionHeadDim = 2
        config.unet.normNumGroups = 16
        // The autoencoder is limited by optimizer steps, not images: batch 16 at a higher rate with
        // an MSE term reached 27.4 dB in 1500 steps (batch 32, L1 only: 20.7 dB in 630), and batch 8
        // reaches 28.25 dB in 1330 steps at 0.6× the cost of batch 16's 29.9 dB.
        config.vaeTraining.batchSize = 8
        // The contrastive batch decides whether the encoder learns place (see `shares`): at batch 64
        // retrieval stayed place-blind (top-1 0.83) after 700 steps, at batch 128 it reached 0.98.
        config.encoderTraining.batchSize = 128
        // Colours and corners of small objects are what a short autoencoder loses first: with the
        // MSE term at 4 and the rate at 1e-3, 1430 steps give back the probe's scenes 95.8 % fully
        // right (colour 100 %), against 91.7 % (colour 94.4 %: red read as orange) at 1 and 2e-3.
        config.vaeTraining.learningRate = 1e-3
        config.vaeLoss.mseWeight = 4
        // A short run takes bigger steps; the EMA must follow within a few hundred of them. U-Net
        // at 2e-3 against 1e-3, 1700 steps: 84.7 against 81.9 % fully right (guidance 3).
        config.encoderTraining.learningRate = 2e-3
        config.unetTraining.learningRate = 2e-3
        config.diffusion.emaDecay = 0.995
        // Min-SNR-γ weighting (Hang et al. 2023) converges faster: on the same encoder and
        // autoencoder, 1330 U-Net steps read colours right in 93.8 % of probe images against 83.3 %.
        config.diffusion.minSNRGamma = 5
        // A briefly trained U-Net overshoots at the default guidance 4 (colours pushed past the
        // grammar's: red read as orange): fully right at guidance 2 / 2.5 / 3 / 4 on three
        // 10-minute-class U-Nets: 81.9 / - / 81.9 / 77.8, 86.1 / 85.4 / 84.7 / 79.2,
        // 63.2 / - / 59.0 / 58.3. Previews, the quickstart grid and `t2i generate` use the run's.
        config.sampling.guidance = 3
        return config
    }
}
