import ArgumentParser
import Datasets
import Foundation

extension DataCommand {
    /// `t2i data bench`: time the loader.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure how many images per second the loader delivers as NCHW Float batches."
        )

        @OptionGroup var dataset: DatasetOptions

        @Option(name: .long, help: "Images per batch.")
        var batchSize: Int = 64

        @Option(name: .long, help: "Epochs to time.")
        var epochs: Int = 5

        @Flag(name: .long, help: "Time with random horizontal flips on.")
        var flip = false

        @Flag(name: .long, help: "Time with a random crop per image and epoch (default: the centre).")
        var randomCrop = false

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        }

        func run() throws {
            var start = ContinuousClock.now
            let dataset = try self.dataset.load()
            print("loaded \(dataset.count) images (\(dataset.sizeSummary)) cropped to \(dataset.width)x\(dataset.height) "
                  + "in \(String(format: "%.2f", secondsSince(start))) s"
                  + (dataset.prepared.map { $0.reused ? " from \($0.url.path)" : ", prepared into \($0.url.path)" } ?? ""))
            var loader = try DatasetLoader(dataset: dataset, batchSize: batchSize, seed: 0, horizontalFlip: flip,
                                           crop: randomCrop ? .random : .center)
            let batches = loader.batchesPerEpoch * epochs
            var checksum: Float = 0
            start = ContinuousClock.now
            for _ in 0..<batches {
                let batch = loader.nextBatch()
                // Touch the result so the conversion cannot be optimised away.
                checksum += batch.images.withUnsafeBufferPointer { $0[0] + $0[$0.count - 1] }
            }
            let seconds = secondsSince(start)
            let images = batches * batchSize
            print("\(batches) batches of \(batchSize) (\(images) images, \(epochs) epochs) in "
                  + "\(String(format: "%.3f", seconds)) s: \(String(format: "%.0f", Double(images) / seconds)) images/s "
                  + "(\(randomCrop ? "random crop" : "centre crop")\(flip ? ", flips" : ""); checksum \(checksum))")
        }
    }
}
