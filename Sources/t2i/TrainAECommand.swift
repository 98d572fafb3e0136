import ArgumentParser
import Foundation
import Diffusion
import Distributed

/// `t2i train-ae`: stage 2, the KL autoencoder that defines the latent space.
struct TrainAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-ae",
        abstract: "Train the autoencoder (32×32×3 ↔ 8×8×4 latents by default) and measure its scaling factor.",
        discussion: """
            Writes vae/ (config.json + diffusion_pytorch_model.safetensors) into the run folder, \
            preview grids (inputs above reconstructions) into previews/, and logs/ae.jsonl. \
            Ctrl-C saves a checkpoint; --resume continues from it exactly.
            """
    )

    @OptionGroup var options: RunOptions

    @Flag(help: "Continue from the run's last checkpoint of this stage.")
    var resume = false

    @Flag(help: "Train this stage again from scratch, replacing its trained weights, checkpoint and log.")
    var restart = false

    func run() throws {
        let run = options.runFolder
        // Under mpirun, rank 0 checks (and with --restart clears) the stage before the others start.
        let group = try World.group()
        try group.writerFirst {
            if group.isWriter {
                try run.checkStart(stage: AutoencoderStage.name, title: "autoencoder", trained: run.vae.appendingPathComponent("config.json"),
                                   resume: resume, restart: restart)
            }
        }
        let config = try options.stageConfig()
        let progress = group.isWriter ? ProgressBar() : nil
        let interrupt = InterruptFlag()
        let started = Date()
        let result = try exitingOnInterruption {
            try AutoencoderStage.train(config: config, run: run, resume: resume, interrupt: interrupt, observer: progress, group: group)
        }
        guard group.isWriter else { return }  // rank 0 reports
        guard let report = result else { throw ExitCode(130) }
        print(String(format: "autoencoder: validation PSNR %.2f dB over %d images; scaling factor %.4f", report.psnr,
                     report.validationImages, report.scalingFactor))
        print("latent mean per channel: " + report.latentMean.map { String(format: "%.3f", $0) }.joined(separator: " "))
        print("latent std per channel:  " + report.latentStd.map { String(format: "%.3f", $0) }.joined(separator: " "))
        report.probeLines.forEach { print($0) }
        print("wrote \(run.vae.path); grid \(report.grid?.path ?? "-"); wall time \(ProgressBar.duration(Date().timeIntervalSince(started)))")
    }
}
