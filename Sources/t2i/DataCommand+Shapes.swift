import ArgumentParser
import Datasets
import Diffusion
import Foundation

extension DataCommand {
    /// `t2i data shapes`: write the built-in shapes dataset.
    struct Shapes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate the shapes dataset: coloured circles, squares and triangles with exact captions.",
            discussion: """
                Captions: "a {small|large} {colour} {shape} {where} on a {white|gray|black} background", \
                and for the two-object share "a {colour} {shape} to the left of|above a {colour} {shape} \
                on a … background". The same seed gives byte-identical files. Writes NNNNNN.png and \
                captions.jsonl (with an "attributes" key per line) into the folder, creating it if needed.
                """
        )

        @Option(name: .long, help: ArgumentHelp("The dataset folder to write.", valueName: "dir"))
        var out: String

        @Option(name: .long, parsing: .unconditional, help: "Number of images (1...10000000).")
        var count: Int = 20000

        @Option(name: .long, help: "Image side in pixels (8...4096).")
        var size: Int = 32

        @Option(name: .long, parsing: .unconditional, help: "Random seed.")
        var seed: UInt64 = 0

        @Option(name: .long, help: "Share of images holding two small objects in a relation (0...1; default: the default config's data.two_object_fraction).")
        var twoObjectFraction: Double = DataConfig().twoObjectFraction

        @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("A colour–shape combination no object is drawn as, e.g. \"green triangle\" (repeatable).", valueName: "colour shape"))
        var exclude: [String] = []

        func validate() throws {
            guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
            guard (1...RunConfig.Limits.images).contains(count) else {
                throw ValidationError("--count must be in 1...\(RunConfig.Limits.images), got \(count)")
            }
            guard (8...4096).contains(size) else { throw ValidationError("--size must be in 8...4096, got \(size)") }
            guard (0...1).contains(twoObjectFraction) else {
                throw ValidationError("--two-object-fraction must be in 0...1, got \(twoObjectFraction)")
            }
            for entry in exclude where ShapeCombination(parsing: entry) == nil {
                throw ValidationError("--exclude '\(entry)' is not a colour and a shape, e.g. 'green triangle'")
            }
            if let problem = ShapeCombination.problem(excluding: excluded, twoObjects: twoObjectFraction > 0) {
                throw ValidationError("--exclude: the excluded combinations \(problem)")
            }
        }

        var excluded: Set<ShapeCombination> { Set(exclude.compactMap { ShapeCombination(parsing: $0) }) }

        func run() throws {
            let start = ContinuousClock.now
            let generator = try ShapesGenerator(size: size, seed: seed, twoObjectFraction: twoObjectFraction, excluded: excluded)
            let interrupt = InterruptFlag()
            let summary = try exitingOnInterruption {
                try generator.write(count: count, to: URL(fileURLWithPath: out)) { interrupt.isRaised }
            }
            print("wrote \(summary.count) shapes images of \(size)x\(size) "
                  + "(\(summary.twoObjectCount) with two objects) and captions.jsonl to \(out) "
                  + "in \(String(format: "%.2f", secondsSince(start))) s")
        }
    }
}
