import ArgumentParser
import Datasets
import Foundation

/// `t2i data`: make, import and inspect the captioned datasets the three stages train on.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate, import, prepare and inspect captioned image datasets (PNG or JPEG images with captions).",
        subcommands: [Shapes.self, Emoji.self, Prepare.self, Info.self, Bench.self]
    )
}

/// Seconds since `start`, for the timings the data commands print.
func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
