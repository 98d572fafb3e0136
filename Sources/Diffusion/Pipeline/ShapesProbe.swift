import Foundation
import Imaging
import Datasets

/// The built-in prompt-adherence probe for models trained on `shapes` data (`t2i eval shapes`):
/// a fixed set of single-object prompts covering the grammar, generated with fixed seeds and scored
/// attribute by attribute by `ShapesProbeScorer`.
public enum ShapesProbe {
    /// How the probe generates.
    public struct Settings: Sendable, Equatable {
        /// Images per prompt: seeds `seed`, `seed + 1`, ….
        public var seeds: Int = 2
        public var seed: UInt64 = 0
        public var steps: Int = 25
        public var sampler: String = "ddim"
        public var guidance: Float = 4
        public var eta: Float = 0

        public init() {}

        /// The request for `prompt`.
        public func request(_ prompt: String) -> GenerationRequest {
            var r = GenerationRequest(prompt: prompt)
            r.count = seeds
            r.seed = seed
            r.steps = steps
            r.sampler = sampler
            r.guidance = guidance
            r.eta = eta
            return r
        }
    }

    /// The 72 prompts, as scenes (no jitter): every colour × shape × size, twice, at positions and
    /// backgrounds spread evenly. Prompt k (0 ≤ k < 72) is combination ⌊k/2⌋ — colour ⌊c/6⌋, shape
    /// ⌊c/2⌋ mod 3, size c mod 2 in the grammar's order — at position k mod 9 on background
    /// (k mod 9 + ⌊k/9⌋) mod 3: each position 8 times, each background 24 times.
    public static let prompts: [ShapesScene] = (0..<72).map { k in
        let c = k / 2
        let object = ShapeObject(shape: ShapeKind.allCases[(c / 2) % 3], colour: ShapeColour.allCases[c / 6],
                                 size: ShapeSize.allCases[c % 2], position: GridPosition.allCases[k % 9])
        return ShapesScene(background: ShapeBackground.allCases[(k % 9 + k / 9) % 3], object: object)
    }

    /// Generates `settings.seeds` images for each of `prompts` with `pipeline` and scores them.
    /// `progress` hears (prompts done, prompts in all) after each prompt.
    public static func evaluate(pipeline: TextToImagePipeline, settings: Settings, prompts: [ShapesScene] = prompts,
                                progress: ((Int, Int) -> Void)? = nil) throws -> ShapesProbeReport {
        var items: [ShapesProbeReport.Item] = []
        for (k, scene) in prompts.enumerated() {
            let images = try Image.images(fromBatch: pipeline.generate(settings.request(scene.caption)))
            for (i, image) in images.enumerated() {
                let reading = ShapesProbeScorer.read(image)
                items.append(ShapesProbeReport.Item(scene: scene, seed: settings.seed &+ UInt64(i), image: image,
                                                    reading: reading, verdict: reading.verdict(for: scene)))
            }
            progress?(k + 1, prompts.count)
        }
        return ShapesProbeReport(items: items, settings: settings)
    }
}
