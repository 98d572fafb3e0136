import ArgumentParser
import Foundation
import Diffusion
import Distributed

/// `t2i train-unet`: stage 3, the conditional noise-prediction U-Net on the run's latents.
struct TrainUNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-unet",
        abstract: "Train the text-conditioned U-Net on the run's autoencoder latents (needs train-encoder and train-ae first).",
        discussion: """
            Writes unet/ (EMA weights), scheduler/ and model_index.json, so the run folder is a \
            complete pipeline; preview grids of the config's sampling.preview_prompts go to previews/ \
            every unet_training.preview_every steps. Ctrl-C saves a checkpoint; --resume continues.
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
                try run.checkStart(stage: UNetStage.name, title: "U-Net", trained: run.unet.appendingPathComponent("config.json"),
                                   resume: resume, restart: restart)
            }
        }
        let config = try options.stageConfig()
        let started = Date()
        let interrupt = InterruptFlag()
        let finished = try exitingOnInterruption {
            try UNetStage.train(config: config, run: run, resume: resume, interrupt: interrupt,
                                observer: group.isWriter ? ProgressBar() : nil, group: group)
        }
        guard finished else { throw ExitCode(130) }
        guard group.isWriter else { return }  // rank 0 reports
        print("wrote \(run.unet.path), \(run.scheduler.path) and \(run.modelIndex.path); wall time \(ProgressBar.duration(Date().timeIntervalSince(started)))")
        print("try: t2i generate \"\(config.sampling.previewPrompts.first ?? "a large red circle in the center on a white background")\" --run \(run.url.path)")
    }
}
