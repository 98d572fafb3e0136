import ArgumentParser
import Foundation
import Diffusion

extension EvalCommand {
    /// `t2i eval generation`: CLIP score and CLIP-feature FID of generated images.
    struct Generation: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "CLIP score of generated images and their FID against validation images, both with the run's own CLIP model.",
            discussion: """
                For each prompt of FILE (one per line) generates --per-prompt images. CLIP score: the \
                mean of 100·max(cos(text, image), 0) with clip/'s projected embeddings. CLIP-feature \
                FID: the Fréchet distance between Gaussian fits of clip/'s projected image features of \
                the generated images and of as many validation images. It uses the run's own small \
                CLIP image tower, NOT Inception-v3: compare runs of one setup with it, not published FIDs.
                """
        )

        @OptionGroup var options: RunFolderOption

        @Option(name: .long, help: ArgumentHelp("A text file with one prompt per line.", valueName: "file"))
        var prompts: String

        @Option(name: .long, help: "Images per prompt.")
        var perPrompt: Int = 4

        @Option(name: .long, help: "The first seed of each prompt's images.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "Denoising steps (default: the run's sampling.steps).")
        var steps: Int?

        @Option(name: .long, help: "Sampler (default: the run's sampling.sampler).")
        var sampler: String?

        @Option(name: .long, help: "Guidance scale (default: the run's sampling.guidance).")
        var guidance: Float?

        func validate() throws {
            guard perPrompt >= 1 else { throw ValidationError("--per-prompt must be at least 1, got \(perPrompt)") }
            if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
            if let guidance, !guidance.isFinite { throw ValidationError("--guidance must be a finite number") }
            if let sampler { _ = try SamplerKind(name: sampler, source: "--sampler") }
        }

        func run() throws {
            let started = ContinuousClock.now
            let file = URL(fileURLWithPath: prompts)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw TrainingError("\(file.path): no such file (or unreadable)")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw TrainingError("\(file.path): not UTF-8 text") }
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !lines.isEmpty else { throw TrainingError("\(file.path): no prompts (one per line expected)") }
            let (folder, _) = try PipelineLocator().locate(run: options.run)
            var settings = GenerationEvaluation.Settings()
            settings.perPrompt = perPrompt
            settings.seed = seed
            settings.template = try GenerationRequest(prompt: "", defaultsOf: folder)
            if let steps { settings.template.steps = steps }
            if let sampler { settings.template.sampler = sampler }
            if let guidance { settings.template.guidance = guidance }
            let pipeline = try TextToImagePipeline(folder: folder)
            let bar = GenerateCommand.StepProgress(label: "generating", unit: "prompts")
            let report = try GenerationEvaluation.evaluate(run: folder, pipeline: pipeline, prompts: lines, settings: settings) {
                bar.update($0, of: $1)
            }
            report.lines.forEach { print($0) }
            print("scored in \(String(format: "%.1f", secondsSince(started))) s")
        }
    }
}
