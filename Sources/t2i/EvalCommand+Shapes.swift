import ArgumentParser
import Datasets
import Foundation
import Imaging
import Diffusion

extension EvalCommand {
    /// `t2i eval shapes`: the built-in prompt-adherence probe for models trained on shapes data.
    struct Shapes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prompt adherence on shapes data: single objects, two objects in a relation, and held-out colour–shape combinations.",
            discussion: """
                single: 72 prompts covering every colour × shape × size twice, at positions and \
                backgrounds spread evenly, scored on colour, shape, size, position and background \
                (ShapesProbeScorer: border vote for the background, majority colour of the object's \
                core, vertical skewness and fill ratio for the shape, area for the size, the box centre \
                on the 3×3 grid for the position). pairs: 60 prompts "a {colour} {shape} to the left of|above \
                a {colour} {shape} on a … background" (every ordered colour pair once per relation), \
                scored on both colours, both shapes, the relation, the count (exactly two objects) and \
                the background: each object is a connected blob read like a single object, matched to \
                the prompt's objects by colour then shape, and the relation is read from the matched \
                objects' centres, so both colours somewhere in the image do not pass. held-out: the \
                single-object prompts of the colour–shape combinations the run's data.exclude kept out \
                of training (or those given with --held-out), each at both sizes on all nine places. \
                The scorers read every attribute of ground-truth dataset images right. Prints one line \
                per image (✓ or the wrong parts), then the accuracy per attribute and the share fully \
                right, and writes a grid per set, each image above a green (fully right) or red band.
                """
        )

        /// The prompt sets.
        enum PromptSet: String, CaseIterable, ExpressibleByArgument {
            case single, pairs
            case heldOut = "held-out"
        }

        @OptionGroup var options: RunFolderOption

        @OptionGroup var probe: ProbeOptions

        @Option(name: .long, help: "Denoising steps.")
        var steps: Int = 25

        @Option(name: .long, parsing: .upToNextOption,
                help: ArgumentHelp("The prompt sets: single, pairs, held-out (default: single and pairs, and held-out when the run held combinations out).", valueName: "set"))
        var prompts: [PromptSet] = []

        @Option(name: .long, parsing: .singleValue,
                help: ArgumentHelp("A colour–shape combination to prompt as held out, e.g. \"green triangle\" (repeatable; default: the run's data.exclude).", valueName: "colour shape"))
        var heldOut: [String] = []

        @Option(name: .long, help: ArgumentHelp("Where to write the single-object grid; the others go next to it as <name>-pairs.png and <name>-held-out.png (default: <run>/previews/eval-shapes.png for a training run, else outputs/eval-shapes.png).", valueName: "path"))
        var grid: String?

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            for entry in heldOut where ShapeCombination(parsing: entry) == nil {
                throw ValidationError("--held-out '\(entry)' is not a colour and a shape, e.g. 'green triangle'")
            }
            if let grid, !grid.lowercased().hasSuffix(".png") { throw ValidationError("--grid must name a .png file, got '\(grid)'") }
        }

        /// `base` with `suffix` before its extension: eval-shapes.png → eval-shapes-pairs.png.
        static func sibling(_ base: URL, _ suffix: String) -> URL {
            guard !suffix.isEmpty else { return base }
            let stem = base.deletingPathExtension().lastPathComponent
            return base.deletingLastPathComponent().appendingPathComponent("\(stem)-\(suffix).\(base.pathExtension)")
        }

        func run() throws {
            let started = ContinuousClock.now
            let (folder, _) = try PipelineLocator().locate(run: options.run)
            let named = heldOut.isEmpty ? try folder.readConfig()?.data.exclude ?? [] : heldOut
            let excluded = Set(named.compactMap { ShapeCombination(parsing: $0) }).sorted()
            if prompts.contains(.heldOut), excluded.isEmpty {
                throw TrainingError("--prompts held-out: \(folder.configFile.path) holds no combination out (data.exclude is empty or missing); name them with --held-out \"colour shape\"")
            }
            let sets = prompts.isEmpty ? [.single, .pairs] + (excluded.isEmpty ? [] : [.heldOut]) : PromptSet.allCases.filter(prompts.contains)
            let base = grid.map { URL(fileURLWithPath: $0) } ?? folder.defaultEvaluationFile("eval-shapes.png")
            let files = sets.map { Self.sibling(base, $0 == .single ? "" : $0.rawValue) }
            for file in files { try GenerationFiles.checkOther(file, ownPlace: grid == nil) }
            let settings = try probe.settings(steps: steps, run: folder)
            let pipeline = try TextToImagePipeline(folder: folder)
            var summaries: [String] = []
            for (set, file) in zip(sets, files) {
                let bar = GenerateCommand.StepProgress(label: "generating \(set.rawValue)", unit: "prompts")
                let report: (items: [String], lines: [String], grid: Image)
                switch set {
                case .single, .heldOut:
                    let scenes = set == .single ? ShapesProbe.prompts : ShapesProbe.heldOutPrompts(excluded)
                    let single = try ShapesProbe.evaluate(pipeline: pipeline, settings: settings, prompts: scenes) { bar.update($0, of: $1) }
                    report = (single.itemLines, single.lines, try single.grid())
                case .pairs:
                    let pairs = try ShapesProbe.evaluatePairs(pipeline: pipeline, settings: settings) { bar.update($0, of: $1) }
                    report = (pairs.itemLines, pairs.lines, try pairs.grid())
                }
                report.items.forEach { print($0) }
                try GenerationFiles.writeOther(report.grid, to: file, version: T2IVersion.string, ownPlace: grid == nil)
                let lines = report.lines
                let title = set == .heldOut ? "held out (\(excluded.map(\.description).joined(separator: ", "))): " : ""
                summaries += [title + lines[0]] + lines.dropFirst()
            }
            summaries.forEach { print($0) }
            print("wrote \(files.map(\.path).joined(separator: ", ")) (green band: fully right); \(String(format: "%.1f", secondsSince(started))) s")
        }
    }
}
