import ArgumentParser
import Foundation
import Diffusion

extension EvalCommand {
    /// `t2i eval edits`: image-to-image and inpainting adherence on shapes models.
    struct Edits: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Image-to-image and inpainting on shapes data: recolour 18 objects and move 18, scored like eval shapes.",
            discussion: """
                Each case draws a source image from its own prompt, then edits it with the same seed: \
                a recolour is image to image at --strength (a large object gets another colour; shape, \
                size, place and background must stay), a move is inpainting at strength 1 with a mask \
                over the old and the new place of a small object and the prompt naming the new place. \
                The edits are scored by the shapes probe's scorer against the edited prompt. Prints one \
                line per edit, the accuracy per attribute and the share fully right for each kind, and \
                writes a grid: rows of sources above rows of their edits (green band: fully right).
                """
        )

        @OptionGroup var options: RunFolderOption

        @OptionGroup var probe: ProbeOptions

        @Option(name: .long, help: "Denoising steps (before --strength shortens recolours).")
        var steps: Int = 50

        @Option(name: .long, help: "Recolour strength, in (0, 1].")
        var strength: Double = 0.6

        @Option(name: .long, help: ArgumentHelp("Where to write the grid (default: <run>/previews/eval-edits.png for a training run, else outputs/eval-edits.png).", valueName: "path"))
        var grid: String?

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            do { try InitialImage.checkStrength(strength) } catch { throw ValidationError("\(error)") }
        }

        func run() throws {
            if let grid { try GenerationFiles.checkOther(URL(fileURLWithPath: grid)) }
            let started = ContinuousClock.now
            let (folder, _) = try PipelineLocator().locate(run: options.run)
            let settings = try probe.settings(steps: steps, run: folder)
            let pipeline = try TextToImagePipeline(folder: folder)
            let bar = GenerateCommand.StepProgress(label: "editing", unit: "cases")
            let report = try ImageEditProbe.evaluate(pipeline: pipeline, settings: settings, strength: strength) { bar.update($0, of: $1) }
            (report.recolour.itemLines + report.move.itemLines).forEach { print($0) }
            print("edits: \(report.recolour.items.count + report.move.items.count) (\(settings.seeds) seed\(settings.seeds == 1 ? "" : "s") from \(settings.seed)), "
                  + "\(settings.sampler) \(steps) steps, guidance \(settings.guidance), recolour strength \(strength)")
            report.lines.forEach { print($0) }
            let gridFile = grid.map { URL(fileURLWithPath: $0) } ?? folder.defaultEvaluationFile("eval-edits.png")
            try GenerationFiles.writeOther(report.grid(), to: gridFile, version: T2IVersion.string, ownPlace: grid == nil)
            print("wrote \(gridFile.path) (sources above edits; green band: edit fully right); \(String(format: "%.1f", secondsSince(started))) s")
        }
    }
}
