import ArgumentParser
import Foundation
import Diffusion
import Imaging

/// `t2i quickstart`: the whole story in one command — data, the three stages, a grid of images.
struct QuickstartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Make shapes data, train the text encoder, autoencoder and U-Net, and generate a grid.",
        discussion: """
            Without --minutes it trains the default config (Configs/shapes-32.yaml) into \
            runs/shapes-32: about 2 hours on 2 cores. --minutes M trains smaller models sized to \
            finish in about M minutes on a 2-core machine (runs/quickstart-<M>m); the estimate is \
            revised from the speed seen as each stage finishes. Ctrl-C saves a checkpoint; the same \
            command again continues where it stopped (finished stages are kept).
            """
    )

    @Option(name: .long, help: ArgumentHelp("Time budget in minutes (\(QuickstartPlan.minutesRange.lowerBound)–\(QuickstartPlan.minutesRange.upperBound)); picks a smaller config.", valueName: "M"))
    var minutes: Int?

    @Option(name: .customLong("run"), help: ArgumentHelp("The run folder (default: runs/shapes-32, or runs/quickstart-<M>m with --minutes).", valueName: "dir"))
    var runPath: String?

    func run() throws {
        let plan = try QuickstartPlan(minutes: minutes)
        let path = runPath ?? plan.defaultRun
        let run = RunFolder(URL(fileURLWithPath: path))
        let config = try Self.config(plan: plan, run: run)
        let started = ContinuousClock.now
        let bar = ProgressBar()
        let interrupt = InterruptFlag()

        let stages = QuickstartPlan.Stage.allCases.map { stage in
            "\(stage.rawValue) \(plan.steps(stage)) steps (~\(ProgressBar.duration(plan.estimatedSeconds(stage))))"
        }
        Self.say("quickstart: \(minutes.map { "a \($0)-minute plan" } ?? "the default config") in \(path); "
              + "data \(config.data.count) shapes images in \(config.data.path)")
        Self.say("  " + stages.joined(separator: ", "))
        Self.say("  about \(ProgressBar.duration(plan.estimatedTotalSeconds)) on a 2-core machine; revised after each stage")

        // Measured seconds over reference seconds of the stages trained so far: how this machine
        // compares with the reference, for the estimate of what is left.
        var measured = 0.0, reference = 0.0
        for stage in QuickstartPlan.Stage.allCases {
            if Self.isDone(stage, run: run) {
                Self.say("\(stage.rawValue): already trained in \(path), kept")
                continue
            }
            let resume = FileManager.default.fileExists(atPath: Self.checkpoint(stage, run: run).path)
            let stageStart = ContinuousClock.now
            guard try exitingOnInterruption({ try Self.train(stage, config: config, run: run, resume: resume, interrupt: interrupt, observer: bar) }) else {
                Self.say("stopped after \(ProgressBar.duration(secondsSince(started))); the same command continues from the checkpoint")
                throw ExitCode(130)
            }
            let seconds = secondsSince(stageStart)
            if !resume {
                measured += seconds
                reference += plan.estimatedSeconds(stage)
            }
            let left = QuickstartPlan.Stage.allCases.drop(while: { $0 != stage }).dropFirst()
                .reduce(0.0) { $0 + plan.estimatedSeconds($1) } * (reference > 0 ? measured / reference : 1)
            Self.say("\(stage.rawValue): trained in \(ProgressBar.duration(seconds)); "
                  + (left > 0 ? "about \(ProgressBar.duration(left)) of training left" : "all three stages trained"))
        }

        let grid = run.previews.appendingPathComponent("quickstart.png")
        try Self.writeGrid(run: run, config: config, to: grid)
        Self.say("wrote \(path)/previews/quickstart.png: one row per prompt, \(QuickstartCommand.gridColumns) seeds each")
        Self.say("quickstart finished in \(ProgressBar.duration(secondsSince(started)))")
        let prompt = config.sampling.previewPrompts.first ?? "a large red circle in the center on a white background"
        let runFlag = path == PipelineLocator.defaultRun ? "" : " --run \(path)"
        Self.say("next: t2i generate \"\(prompt)\"\(runFlag)   (or t2i eval shapes\(runFlag) to score it)")
    }

    /// The run's own config when it has one (it must be this plan's), else the plan's.
    static func config(plan: QuickstartPlan, run: RunFolder) throws -> RunConfig {
        guard let existing = try run.readConfig() else { return plan.config }
        guard existing == plan.config else {
            throw TrainingError("\(run.configFile.path): this run was trained with another config than the quickstart plan; "
                                + "pick another folder with --run DIR, or remove \(run.url.path)")
        }
        return existing
    }

    /// Whether `stage` has written its model into `run`: the pipeline parts it trains, by the
    /// marker files generation looks for, plus what only the stage writes (clip/, model_index.json).
    static func isDone(_ stage: QuickstartPlan.Stage, run: RunFolder) -> Bool {
        func has(_ parts: [PipelineLocator.Part]) -> Bool { PipelineLocator(parts: parts).missingPart(in: run) == nil }
        switch stage {
        case .encoder: return has([.tokenizer, .textEncoder]) && run.hasModel(run.clip)
        case .autoencoder: return has([.vae])
        case .unet: return has([.unet, .scheduler]) && FileManager.default.fileExists(atPath: run.modelIndex.path)
        }
    }

    /// The stage's training checkpoint in `run`.
    static func checkpoint(_ stage: QuickstartPlan.Stage, run: RunFolder) -> URL {
        switch stage {
        case .encoder: run.checkpoint(stage: TextEncoderStage.name)
        case .autoencoder: run.checkpoint(stage: AutoencoderStage.name)
        case .unet: run.checkpoint(stage: UNetStage.name)
        }
    }

    /// Trains one stage, printing its summary; false when interrupted.
    static func train(_ stage: QuickstartPlan.Stage, config: RunConfig, run: RunFolder, resume: Bool,
                      interrupt: InterruptFlag, observer: ProgressBar) throws -> Bool {
        switch stage {
        case .encoder:
            let report = try TextEncoderStage.train(config: config, run: run, resume: resume, interrupt: interrupt, observer: observer)
            guard case .finished = report.outcome else { return false }
            if let scores = report.scores { scores.lines.forEach { Self.say($0) } }
            return true
        case .autoencoder:
            guard let report = try AutoencoderStage.train(config: config, run: run, resume: resume, interrupt: interrupt, observer: observer) else {
                return false
            }
            Self.say(String(format: "autoencoder: validation PSNR %.2f dB; scaling factor %.4f", report.psnr, report.scalingFactor))
            report.probeLines.forEach { Self.say($0) }
            return true
        case .unet:
            return try UNetStage.train(config: config, run: run, resume: resume, interrupt: interrupt, observer: observer)
        }
    }

    static let gridColumns = 4

    /// Prints a line now: the progress bar writes to stderr, and a plan line held in stdout's
    /// buffer (stdout is a file or pipe under `tee` or nohup) would appear long after it.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A grid of the config's preview prompts (one row each, seeds previewSeed…+3) with the
    /// run's sampling settings: the quickstart's result.
    static func writeGrid(run: RunFolder, config: RunConfig, to url: URL) throws {
        var settings = GenerationRequest(prompt: "")
        settings.seed = UInt64(config.sampling.previewSeed)
        settings.steps = config.sampling.steps
        settings.sampler = config.sampling.sampler
        settings.guidance = Float(config.sampling.guidance)
        settings.eta = Float(config.sampling.eta)
        let grid = try TextToImagePipeline(folder: run).promptGrid(config.sampling.previewPrompts, settings: settings, columns: gridColumns)
        try GenerationFiles.writeOther(grid, to: url, version: T2IVersion.string, ownPlace: true)
    }
}
