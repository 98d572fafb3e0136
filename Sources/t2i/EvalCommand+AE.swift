import ArgumentParser
import Foundation
import Diffusion

extension EvalCommand {
    /// `t2i eval ae`: the run's autoencoder on its validation split.
    struct AE: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ae",
            abstract: "Validation PSNR, latent mean/std per channel and a reconstruction grid of the run's vae/.",
            discussion: """
                PSNR of mode (posterior mean) reconstructions over the whole validation split; latent \
                statistics over posterior samples of up to 2048 training images; the grid \
                (<run>/previews/ae-eval.png) shows 8 validation images above their reconstructions.
                """
        )

        @OptionGroup var options: RunFolderOption

        func run() throws {
            let run = options.folder
            let started = ContinuousClock.now
            guard let config = try run.readConfig() else {
                throw TrainingError("\(run.configFile.path): no such file — \(run.url.path) is not a run folder (train one with t2i train-ae --run \(run.url.path))")
            }
            let report = try AutoencoderStage.evaluate(config: config, run: run)
            print(String(format: "autoencoder: validation PSNR %.2f dB over %d images; scaling factor %.4f", report.psnr,
                         report.validationImages, report.scalingFactor))
            print("latent mean per channel: " + report.latentMean.map { String(format: "%.3f", $0) }.joined(separator: " "))
            print("latent std per channel:  " + report.latentStd.map { String(format: "%.3f", $0) }.joined(separator: " "))
            report.probeLines.forEach { print($0) }
            print("wrote \(report.grid?.path ?? "-"); \(String(format: "%.1f", secondsSince(started))) s")
        }
    }
}
