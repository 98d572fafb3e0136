import ArgumentParser
import Foundation
import Diffusion

extension EvalCommand {
    /// `t2i eval shapes`: the built-in prompt-adherence probe for models trained on shapes data.
    struct Shapes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prompt adherence on shapes data: generate 72 fixed prompts and score colour, shape, size, position and background.",
            discussion: """
                The prompts cover every colour × shape × size twice, at positions and backgrounds \
                spread evenly. Each image is scored by pixel analysis against the grammar (see \
                ShapesProbeScorer: border vote for the background, majority colour of the object's core, \
                vertical skewness and fill ratio for the shape, area against the midpoint of the small \
                and large areas for the size, the box centre on the 3×3 grid for the position); the \
                scorer reads every attribute of ground-truth dataset images right. Prints one line \
                per image (✓ or the wrong attributes), then the accuracy per attribute and the share \
                fully right, and writes a grid of the images, each above a green (fully right) or red band.
                """
        )

        @OptionGroup var options: RunFolderOption

        @Option(name: .long, help: "Images per prompt (seeds --seed, --seed + 1, …).")
        var seeds: Int = 2

        @Option(name: .long, help: "The first seed.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "Denoising steps.")
        var steps: Int = 25

        @Option(name: .long, help: "Sampler: ddim, ddpm, euler_ancestral or dpmpp_2m.")
        var sampler: String = "ddim"

        @Option(name: .long, help: "Guidance scale (default: the run's sampling.guidance).")
        var guidance: Float?

        @Option(name: .long, help: ArgumentHelp("Where to write the grid (default: <run>/previews/eval-shapes.png).", valueName: "path"))
        var grid: String?

        func validate() throws {
            guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            if let guidance, !guidance.isFinite { throw ValidationError("--guidance must be a finite number") }
            _ = try SamplerKind(name: sampler, source: "--sampler")
        }

        func run() throws {
            let started = ContinuousClock.now
            let (folder, _) = try PipelineLocator().locate(run: options.run)
            let defaults = try GenerationRequest(prompt: "", defaultsOf: folder)
            var settings = ShapesProbe.Settings()
            settings.seeds = seeds
            settings.seed = seed
            settings.steps = steps
            settings.sampler = sampler
            settings.guidance = guidance ?? defaults.guidance
            settings.eta = defaults.eta
            let pipeline = try TextToImagePipeline(folder: folder)
            let bar = GenerateCommand.StepProgress(label: "generating", unit: "prompts")
            let report = try ShapesProbe.evaluate(pipeline: pipeline, settings: settings) { bar.update($0, of: $1) }
            report.itemLines.forEach { print($0) }
            report.lines.forEach { print($0) }
            let gridFile = grid.map { URL(fileURLWithPath: $0) } ?? folder.previews.appendingPathComponent("eval-shapes.png")
            try FileManager.default.createDirectory(at: gridFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            try report.grid().writePNG(to: gridFile)
            print("wrote \(gridFile.path) (green band: fully right); \(String(format: "%.1f", secondsSince(started))) s")
        }
    }
}
