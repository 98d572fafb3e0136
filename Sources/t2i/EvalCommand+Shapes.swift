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

        @OptionGroup var probe: ProbeOptions

        @Option(name: .long, help: "Denoising steps.")
        var steps: Int = 25

        @Option(name: .long, help: ArgumentHelp("Where to write the grid (default: <run>/previews/eval-shapes.png for a training run, else outputs/eval-shapes.png).", valueName: "path"))
        var grid: String?

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        }

        func run() throws {
            if let grid { try GenerationFiles.checkOther(URL(fileURLWithPath: grid)) }
            let started = ContinuousClock.now
            let (folder, _) = try PipelineLocator().locate(run: options.run)
            let settings = try probe.settings(steps: steps, run: folder)
            let pipeline = try TextToImagePipeline(folder: folder)
            let bar = GenerateCommand.StepProgress(label: "generating", unit: "prompts")
            let report = try ShapesProbe.evaluate(pipeline: pipeline, settings: settings) { bar.update($0, of: $1) }
            report.itemLines.forEach { print($0) }
            report.lines.forEach { print($0) }
            let gridFile = grid.map { URL(fileURLWithPath: $0) } ?? folder.defaultEvaluationFile("eval-shapes.png")
            try GenerationFiles.writeOther(report.grid(), to: gridFile, version: T2IVersion.string, ownPlace: grid == nil)
            print("wrote \(gridFile.path) (green band: fully right); \(String(format: "%.1f", secondsSince(started))) s")
        }
    }
}
