import Imaging
import TensorCore

/// A request generated in bounded batches of ``GenerationFiles/batchLimit`` images — what
/// `t2i generate` and `t2i serve` both run, so their images (and PNGs) are the same.
///
/// Image i of seed s is the single image of seed s + i (DESIGN §2), so batching changes no pixel;
/// each batch is handed over as it finishes, keeping memory bounded whatever the count.
public enum GenerationBatches {
    /// Where a generation stands: images `first ..< first + count` of `of` are being denoised, at
    /// `step` of `steps`.
    public struct Progress: Sendable, Equatable {
        public var first: Int
        public var count: Int
        public var of: Int
        public var step: Int
        public var steps: Int

        public init(first: Int, count: Int, of: Int, step: Int, steps: Int) {
            self.first = first
            self.count = count
            self.of = of
            self.step = step
            self.steps = steps
        }

        /// The fraction of the whole request done, in [0, 1].
        public var fraction: Double {
            guard of > 0, steps > 0 else { return 0 }
            return (Double(first) + Double(count) * Double(step) / Double(steps)) / Double(of)
        }
    }

    /// The denoising steps a request runs: `steps`, or ⌊steps × strength⌋ from an init image.
    public static func stepsRun(_ request: GenerationRequest) -> Int {
        request.initial.map { InitialImage.stepsRun(steps: request.steps, strength: $0.strength) } ?? request.steps
    }

    /// Generates `request` with `pipeline` batch by batch, handing each batch's images to
    /// `deliver(first, images)` (images `first`, `first + 1`, … of the request) as it finishes.
    ///
    /// - Parameters:
    ///   - input: the init image (and mask) already loaded; nil loads `request.initial` once, if any.
    ///   - trajectory: also record x̂₀ every few steps; the batches' trajectories are returned.
    ///   - progress: hears every step of every batch.
    ///   - shouldStop: asked before every step; true ends the generation with ``GenerationStopped``.
    /// - Returns: the trajectories of the batches (empty unless `trajectory`).
    @discardableResult
    public static func run(_ request: GenerationRequest, pipeline: TextToImagePipeline, input: ImageToImageInput? = nil,
                           trajectory: Bool = false, progress: ((Progress) -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil,
                           deliver: (_ first: Int, _ images: [Image]) throws -> Void) throws -> [GenerationTrajectory] {
        guard request.count >= 1 else { throw SamplerError(message: "count must be at least 1, got \(request.count)") }
        let input = try input ?? request.initial.map { try ImageToImageInput(loading: $0, size: pipeline.imageSize) }
        let stepsRun = stepsRun(request)
        var strips: [GenerationTrajectory] = []
        for first in stride(from: 0, to: request.count, by: GenerationFiles.batchLimit) {
            var part = request
            part.count = min(GenerationFiles.batchLimit, request.count - first)
            part.seed = request.seed &+ UInt64(first)
            var frames = GenerationTrajectory(steps: max(stepsRun, 1))
            var frameError: (any Error)?
            let count = part.count
            let images = try Image.images(fromBatch: pipeline.generate(
                part, input: input,
                progress: progress.map { report in
                    { step, steps in report(Progress(first: first, count: count, of: request.count, step: step, steps: steps)) }
                },
                trajectory: trajectory ? { step, predicted in
                    do { try frames.record(step: step, predicted: predicted) } catch { frameError = error }
                } : nil,
                trajectoryEvery: frames.interval, shouldStop: shouldStop))
            if let frameError { throw frameError }
            if trajectory { strips.append(frames) }
            try deliver(first, images)
        }
        return strips
    }
}
