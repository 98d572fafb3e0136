/// The built-in `shapes` dataset (DESIGN §5): captioned scenes drawn from a seed.
///
/// Sample `i` is a function of `(seed, i)` alone (TensorCore's Philox, seed `seed`, stream `i`), so a
/// dataset of 100 images is the first 100 of a dataset of 20 000, and samples can be drawn on any
/// number of threads in any order.
public struct ShapesGenerator: Sendable {
    /// The default share of two-object samples: one in ten, enough to teach "to the left of" and
    /// "above" while most captions stay the single-object grammar that adherence is measured on.
    public static let defaultTwoObjectFraction = 0.1

    /// The canvas side S in pixels.
    public let size: Int
    /// The seed.
    public let seed: UInt64
    /// The probability that a sample holds two objects, in [0, 1].
    public let twoObjectFraction: Double
    /// Colour–shape combinations no object is drawn as (held out from training).
    public let excluded: Set<ShapeCombination>

    /// Creates a generator.
    ///
    /// With `excluded` combinations, a scene holding one is drawn again from the rest of the same
    /// stream (so every other sample, and every sample when nothing is excluded, is unchanged).
    ///
    /// - Throws: ``DatasetError/invalidArgument(_:)`` when `size` is outside 8…4096, the fraction
    ///   is outside [0, 1], or `excluded` leaves nothing to draw.
    public init(size: Int = 32, seed: UInt64 = 0, twoObjectFraction: Double = ShapesGenerator.defaultTwoObjectFraction,
                excluded: Set<ShapeCombination> = []) throws {
        guard (8...4096).contains(size) else {
            throw DatasetError.invalidArgument("shapes size must be in 8...4096, got \(size)")
        }
        guard (0...1).contains(twoObjectFraction) else {
            throw DatasetError.invalidArgument("two-object fraction must be in [0, 1], got \(twoObjectFraction)")
        }
        if let problem = ShapeCombination.problem(excluding: excluded, twoObjects: twoObjectFraction > 0) {
            throw DatasetError.invalidArgument("the excluded combinations \(problem)")
        }
        self.size = size
        self.seed = seed
        self.twoObjectFraction = twoObjectFraction
        self.excluded = excluded
    }

    /// The scene of sample `index` (≥ 0).
    public func scene(at index: Int) -> ShapesScene {
        precondition(index >= 0, "sample index must be non-negative, got \(index)")
        var rng = KeyedRandom(seed: seed, stream: UInt64(index))
        let twoObjects = rng.nextUnit() < twoObjectFraction
        while true {
            let scene = draw(twoObjects: twoObjects, &rng)
            // init checked that allowed scenes exist; each draw finds one with probability ≥ 1/18²
            if excluded.isEmpty || !scene.objects.contains(where: { excluded.contains(ShapeCombination($0)) }) { return scene }
        }
    }

    /// One scene drawn from `rng`, exclusions not considered.
    private func draw(twoObjects: Bool, _ rng: inout KeyedRandom) -> ShapesScene {
        let background = pick(ShapeBackground.allCases, &rng)
        guard twoObjects else {
            let object = ShapeObject(
                shape: pick(ShapeKind.allCases, &rng), colour: pick(ShapeColour.allCases, &rng),
                size: pick(ShapeSize.allCases, &rng), position: pick(GridPosition.allCases, &rng),
                jitterX: jitter(&rng), jitterY: jitter(&rng))
            return ShapesScene(background: background, object: object)
        }
        // Two small objects of different colours, in opposite columns (left of) or rows (above) of
        // the grid: their centres are then ≥ (0.5 − 2·0.04)·S = 0.42·S apart along that axis, more
        // than the 0.28·S box side, so the relation holds and they never overlap. (Neighbouring grid
        // places are only 0.25·S apart, less than a small box.)
        let relation = pick(ShapeRelation.allCases, &rng)
        let lane = rng.nextInt(below: 3)
        let firstColour = pick(ShapeColour.allCases, &rng)
        let otherColours = ShapeColour.allCases.filter { $0 != firstColour }
        let secondColour = pick(otherColours, &rng)
        let places: (GridPosition, GridPosition)
        switch relation {
        case .leftOf:
            places = (GridPosition(column: 0, row: lane) ?? .left, GridPosition(column: 2, row: lane) ?? .right)
        case .above:
            places = (GridPosition(column: lane, row: 0) ?? .top, GridPosition(column: lane, row: 2) ?? .bottom)
        }
        let first = ShapeObject(shape: pick(ShapeKind.allCases, &rng), colour: firstColour, size: .small,
                                position: places.0, jitterX: jitter(&rng), jitterY: jitter(&rng))
        let second = ShapeObject(shape: pick(ShapeKind.allCases, &rng), colour: secondColour, size: .small,
                                 position: places.1, jitterX: jitter(&rng), jitterY: jitter(&rng))
        return ShapesScene(background: background, first: first, relation: relation, second: second)
    }

    /// A uniform element of a non-empty array.
    private func pick<T>(_ choices: [T], _ rng: inout KeyedRandom) -> T {
        choices[rng.nextInt(below: choices.count)]
    }

    /// A uniform jitter in [−0.04, 0.04] (fraction of S).
    private func jitter(_ rng: inout KeyedRandom) -> Double {
        (2 * rng.nextUnit() - 1) * ShapeObject.maxJitter
    }
}
