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

    /// The 60 two-object prompts, as scenes (objects in the middle lane, no jitter): each ordered
    /// pair of the six colours once "to the left of" (prompts 0–29) and once "above" (30–59). Prompt
    /// k has pair p = k mod 30 — first colour ⌊p/5⌋, second the (p mod 5 + 1)-th colour after it,
    /// cyclically — first shape (p + r) mod 3 and second shape (⌊p/3⌋ + p + 2r) mod 3 with
    /// r = ⌊k/30⌋, and background (⌊p/10⌋ + p + r) mod 3: each shape 20 times in each place, every
    /// pair of shapes 5 to 8 times, each background 20 times.
    public static let pairPrompts: [ShapesScene] = (0..<60).map { k in
        let (p, r) = (k % 30, k / 30)
        let colours = ShapeColour.allCases, shapes = ShapeKind.allCases
        let a = p / 5, b = (p / 5 + 1 + p % 5) % colours.count
        let relation = ShapeRelation.allCases[r]
        let places = relation == .leftOf ? (GridPosition.left, GridPosition.right) : (GridPosition.top, GridPosition.bottom)
        let first = ShapeObject(shape: shapes[(p + r) % 3], colour: colours[a], size: .small, position: places.0)
        let second = ShapeObject(shape: shapes[(p / 3 + p + 2 * r) % 3], colour: colours[b], size: .small, position: places.1)
        return ShapesScene(background: ShapeBackground.allCases[(p / 10 + p + r) % 3], first: first, relation: relation, second: second)
    }

    /// Single-object prompts of exactly `combinations` (those a run held out of training): for
    /// each, both sizes at all nine positions, k = 0…17 as size k mod 2, position ⌊k/2⌋ and
    /// background (⌊k/2⌋ + k mod 2) mod 3: each background 6 times.
    public static func heldOutPrompts(_ combinations: [ShapeCombination]) -> [ShapesScene] {
        combinations.flatMap { combination in
            (0..<18).map { k in
                let object = ShapeObject(shape: combination.shape, colour: combination.colour,
                                         size: ShapeSize.allCases[k % 2], position: GridPosition.allCases[k / 2])
                return ShapesScene(background: ShapeBackground.allCases[(k / 2 + k % 2) % 3], object: object)
            }
        }
    }

    /// Generates `settings.seeds` images for each two-object prompt with `pipeline` and scores
    /// each with `ShapesProbeScorer.readObjects`.
    public static func evaluatePairs(pipeline: TextToImagePipeline, settings: Settings, prompts: [ShapesScene] = pairPrompts,
                                     progress: ((Int, Int) -> Void)? = nil) throws -> ShapesPairReport {
        try generate(pipeline: pipeline, settings: settings, prompts: prompts, progress: progress, score: scorePair)
    }

    /// Generates `settings.seeds` images for each of `prompts` with `pipeline` and scores them.
    /// `progress` hears (prompts done, prompts in all) after each prompt.
    public static func evaluate(pipeline: TextToImagePipeline, settings: Settings, prompts: [ShapesScene] = prompts,
                                progress: ((Int, Int) -> Void)? = nil) throws -> ShapesProbeReport {
        try generate(pipeline: pipeline, settings: settings, prompts: prompts, progress: progress, score: scoreSingle)
    }

    /// A single-object image read by `ShapesProbeScorer.read` and judged against `scene`.
    static func scoreSingle(_ image: Image, _ scene: ShapesScene) -> (ShapesProbeReading, ShapesProbeVerdict) {
        let reading = ShapesProbeScorer.read(image)
        return (reading, reading.verdict(for: scene))
    }

    /// A two-object image read by `ShapesProbeScorer.readObjects` and judged against `scene`.
    static func scorePair(_ image: Image, _ scene: ShapesScene) -> (ShapesObjectsReading, ShapesPairVerdict) {
        let reading = ShapesProbeScorer.readObjects(image)
        return (reading, reading.pairVerdict(for: scene))
    }

    /// Generates `settings.seeds` images for each of `prompts` and scores each with `score`.
    static func generate<Reading, Verdict>(pipeline: TextToImagePipeline, settings: Settings, prompts: [ShapesScene],
                                           progress: ((Int, Int) -> Void)?,
                                           score: (Image, ShapesScene) -> (Reading, Verdict)) throws -> ShapesReport<Reading, Verdict> {
        var items: [ShapesReport<Reading, Verdict>.Item] = []
        for (k, scene) in prompts.enumerated() {
            let images = try Image.images(fromBatch: pipeline.generate(settings.request(scene.caption)))
            for (i, image) in images.enumerated() {
                let (reading, verdict) = score(image, scene)
                items.append(.init(scene: scene, seed: settings.seed &+ UInt64(i), image: image, reading: reading, verdict: verdict))
            }
            progress?(k + 1, prompts.count)
        }
        return ShapesReport(items: items, settings: settings)
    }
}
