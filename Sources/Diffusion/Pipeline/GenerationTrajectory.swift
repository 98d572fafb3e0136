import Imaging
import TensorCore

/// Collects the predicted clean image x̂₀ every few denoising steps, for a strip that shows the
/// reverse process (`t2i generate --trajectory`): one row per image, one column per frame, from
/// the first recorded step (mostly noise-shaped guesses) to the last (the result).
public struct GenerationTrajectory {
    /// Steps between frames: ⌊steps / 10⌋ (at least 1), so there are about 10 frames; the last step
    /// is always a frame.
    public let interval: Int
    public let steps: Int
    /// The steps recorded so far (1-based), and per step the images of the batch.
    public private(set) var frames: [(step: Int, images: [Image])] = []

    public init(steps: Int, framesWanted: Int = 10) {
        self.steps = steps
        interval = max(1, steps / max(framesWanted, 1))
    }

    /// Whether step `step` (1-based) is a frame.
    public func wants(_ step: Int) -> Bool {
        step % interval == 0 || step == steps
    }

    /// Records x̂₀ (B, 3, H, W) in [−1, 1] of step `step` if it is a frame.
    public mutating func record(step: Int, predicted: Tensor) throws {
        guard wants(step) else { return }
        frames.append((step, try Image.images(fromBatch: predicted)))
    }

    /// The strip: row b holds image b's frames left to right.
    public func strip() throws -> Image {
        try Self.strip([self])
    }

    /// One strip of the trajectories of consecutive batches (same steps): their images' rows in order.
    public static func strip(_ parts: [GenerationTrajectory]) throws -> Image {
        guard let columns = parts.first?.frames.count, columns > 0 else { throw ImagingError.invalidArgument("the trajectory has no frames") }
        var cells: [Image] = []
        for part in parts {
            guard part.frames.count == columns, let first = part.frames.first else {
                throw ImagingError.invalidArgument("trajectories of \(columns) and \(part.frames.count) frames do not make one strip")
            }
            for b in first.images.indices {
                for frame in part.frames { cells.append(frame.images[b]) }
            }
        }
        return try Image.grid(cells, columns: columns, padding: 1)
    }

    /// "steps 5, 10, …, 50" for the caption of the strip.
    public var stepList: String {
        frames.map { String($0.step) }.joined(separator: ", ")
    }
}
