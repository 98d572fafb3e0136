import ArgumentParser
import Foundation
import Diffusion

/// `t2i eval`: score a run's trained modules on its validation split.
///
/// One subcommand per module; each lives in an extension of `EvalCommand` (`EvalCommand+Name.swift`
/// or here) and is listed in `subcommands`.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a run's trained modules on its validation split.",
        subcommands: [Encoder.self, Shapes.self, Edits.self, Generation.self, AE.self]
    )

    /// The run folder every evaluation reads.
    struct RunFolderOption: ParsableArguments {
        @Option(name: [.customLong("run"), .customLong("model")],
                help: "The run folder (default: runs/shapes-32; evaluations that only generate look the model up as t2i generate does).")
        var run: String?

        var folder: RunFolder { RunFolder(URL(fileURLWithPath: run ?? PipelineLocator.defaultRun)) }
    }
}

extension EvalCommand {
    /// `t2i eval encoder`: validation retrieval of the run's CLIP model.
    struct Encoder: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Text→image and image→text top-1/top-5 retrieval of the run's clip/ model.",
            discussion: """
                Scores consecutive batches of 64 validation pairs (the last partial batch dropped) with \
                the run's config.yaml, tokenizer/ and clip/. A hit is a retrieved item whose caption \
                equals the query's (captions repeat on shapes data); the strict figure requires the \
                query's own partner. On shapes data it also prints how far each caption attribute \
                moves the text states the U-Net attends to (mean 1 − cos between captions that differ \
                in that attribute alone). Compare one attribute across encoders: a small place figure \
                (10-minute plan: 0.002, against 0.45 for colour) means a U-Net cannot learn where to \
                draw from those states.
                """
        )

        @OptionGroup var options: RunFolderOption

        @Option(name: .customLong("clip-skip"),
                help: "Measure the text states with this many last layers left out (default: the run's diffusion.clip_skip).")
        var clipSkip: Int?

        func run() throws {
            let started = ContinuousClock.now
            let scores = try TextEncoderStage.evaluate(run: options.folder, skip: clipSkip) {
                FileHandle.standardError.write(Data(($0 + "\n").utf8))
            }
            scores.retrieval.lines.forEach { print($0) }
            if let clipSkip, scores.textStates != nil { print("text states measured with clip skip \(clipSkip)") }
            scores.textStates?.lines.forEach { print($0) }
            print("scored in \(String(format: "%.1f", secondsSince(started))) s")
        }
    }
}
