import ArgumentParser
import Foundation
import Diffusion
import Distributed

/// `t2i train-encoder`: stage 1 — the tokenizer and the CLIP text encoder (issue 6).
struct TrainEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-encoder",
        abstract: "Train the SentencePiece tokenizer and the CLIP text encoder of a run.",
        discussion: """
            Trains the tokenizer on the training captions when the run has none, then a CLIP model \
            (text and image towers) with the symmetric contrastive loss: AdamW, warmup + cosine, \
            gradient clipping (encoder_training.*). Writes tokenizer/, text_encoder/ and clip/ into \
            the run folder, logs/encoder.jsonl (step, loss, lr, grad norm, throughput) and \
            logs/encoder-eval.json (validation retrieval). Ctrl-C saves a checkpoint; --resume \
            continues it exactly. A run uses its own config.yaml once it has one; the encoder \
            settings its encoder was trained with cannot change (state/encoder-config.yaml).
            """
    )

    @OptionGroup var options: RunOptions

    @Flag(name: .long, help: "Continue from the run's last checkpoint (state/encoder.safetensors).")
    var resume = false

    @Flag(help: "Train this stage again from scratch, replacing its trained weights, checkpoint and log.")
    var restart = false

    func run() throws {
        let run = options.runFolder
        // Under mpirun, rank 0 checks (and with --restart clears) the stage before the others start.
        let group = try World.group()
        try group.writerFirst {
            if group.isWriter {
                try run.checkStart(stage: TextEncoderStage.name, title: "text encoder", trained: run.textEncoder.appendingPathComponent("config.json"),
                                   resume: resume, restart: restart)
            }
        }
        let config = try options.stageConfig()
        let bar = group.isWriter ? ProgressBar() : nil
        let interrupt = InterruptFlag()
        let started = ContinuousClock.now
        let report = try exitingOnInterruption {
            try TextEncoderStage.train(config: config, run: run, resume: resume, interrupt: interrupt, observer: bar, group: group)
        }
        guard group.isWriter else {
            if case .interrupted = report.outcome { throw ExitCode(130) }
            return  // rank 0 reports
        }
        let wall = secondsSince(started)
        let steps = report.step - report.startStep
        let rate = String(format: "%.2f steps/s, %.0f images/s", report.stepsPerSecond,
                          report.stepsPerSecond * Double(config.encoderTraining.batchSize))
        switch report.outcome {
        case .interrupted(let step):
            print("interrupted at step \(step) of \(report.totalSteps) after \(ProgressBar.duration(wall)) "
                  + "(\(steps) steps, \(rate)); continue with: t2i train-encoder --run \(options.run) --resume")
            throw ExitCode(130)
        case .finished:
            print("encoder: \(steps) steps (to step \(report.step)) in \(ProgressBar.duration(report.trainingSeconds)) "
                  + "(\(rate)); vocabulary \(report.vocabularySize)")
            if let scores = report.scores { scores.lines.forEach { print($0) } }
            print("wrote \(run.tokenizer.path)/, \(run.textEncoder.path)/, \(run.clip.path)/, "
                  + "\(run.logs.appendingPathComponent("encoder.jsonl").path), \(TextEncoderStage.evaluationLog(run).path)")
            print("wall time \(ProgressBar.duration(wall)) (\(String(format: "%.1f", wall)) s)")
        }
    }
}
