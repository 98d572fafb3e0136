import Datasets
import TensorCore
import Tokenizers

/// How far each attribute of a shapes caption moves the text states the U-Net attends to.
///
/// The U-Net can follow a word only through the change it makes to the text encoder's hidden
/// states. Contrastive training moves the pooled (eos) state; the per-token states reach the loss
/// only through it, so an attribute the encoder's retrieval has learned can still leave them nearly
/// alike. Measured on this project (issue 19), with U-Nets of the 10-minute plan (1330 steps) on
/// each encoder: place spreads of 0.0018 (the plan's 250-step encoder), 0.025 (1000 steps), 0.050
/// (500 steps at batch 128) and 0.058 (700 steps at batch 128) gave objects in the asked-for place
/// 9.7 %, 13.9 %, 19.4 % and 43.1 % of the time, against 0.43–0.47 for colour, read right in
/// 94–97 %. So a place spread near zero marks an encoder a U-Net cannot learn place from (4000
/// U-Net steps on the first still placed by chance); above that, the figure ranks encoders but does
/// not predict the accuracy.
///
/// The spread is not a score to compare across attributes: the encoder's attention is causal, so a
/// word moves only the states from its own token on. Size, the caption's second word, moves all of
/// them (spread ≈ 1); the background, its second-last, moves two (≈ 0.01), and is still read right
/// in every image, because it is one colour for the whole canvas. Compare one attribute across
/// encoders.
///
/// Every single-object caption of the grammar (DESIGN §5: colour × shape × size × place ×
/// background) is encoded; a caption's state is the mean of its hidden states over the tokens the
/// U-Net attends to (its key length). An attribute's spread is the mean of 1 − cos between the
/// states of the caption pairs that differ in that attribute alone.
public struct TextStateSpread: Equatable, Sendable {
    /// The attributes of a single-object shapes caption.
    public enum Attribute: String, CaseIterable, Sendable {
        case colour, shape, size, position, background
    }

    /// Mean 1 − cos per attribute, in `Attribute.allCases` order.
    public let spread: [Double]

    /// The position spread of the pairs in the same grid row (left, centre, right: the column
    /// word alone differs) and of those in the same column (top, middle, bottom). A U-Net that
    /// places objects in the right row but mirrors left and right points at the first.
    public let positionSameRow: Double, positionSameColumn: Double

    /// A colour–shape combination held out of the training data (`data.exclude`), at one size: how
    /// far its captions' states are from the same captions with each other shape.
    ///
    /// A held-out combination is never a training caption, so nothing in contrastive training
    /// keeps its states apart from a seen neighbour's. When they coincide, a U-Net that composes
    /// colour and shape can still not draw it: it is given the neighbour's states. Measured on the
    /// composition study's h2 encoder (issue 16, `docs/composition-study.md`): small green triangle
    /// to small green circle 0.016, small blue circle to small blue triangle 0.026, against 0.267
    /// between seen small combinations; the U-Net drew every small green triangle as a green circle
    /// and every small blue circle as a blue triangle. A hard-negative encoder (`clip.hard_negatives`)
    /// moved them to 0.059 and 0.101.
    public struct HeldOutShape: Equatable, Sendable {
        public let combination: ShapeCombination
        public let size: ShapeSize
        /// Mean 1 − cos to the same captions with each other shape, in `ShapeKind` order (the
        /// combination's own shape left out).
        public let distances: [ShapeKind: Double]

        /// The other shape whose captions are closest.
        public var nearest: (shape: ShapeKind, distance: Double)? {
            distances.min { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue < $1.key.rawValue) }
                .map { ($0.key, $0.value) }
        }
    }

    /// One entry per held-out combination and size (combination order, then size); empty when
    /// nothing is held out.
    public let heldOut: [HeldOutShape]
    /// Per size, the same distance between seen combinations: the mean 1 − cos between captions
    /// that differ only in shape, both of whose combinations are in the training data.
    public let seenShapeDistance: [ShapeSize: Double]

    /// The spread of `attribute`.
    public subscript(attribute: Attribute) -> Double {
        spread[Attribute.allCases.firstIndex(of: attribute)!]
    }

    /// Every single-object caption of the grammar, with its attribute values as indices into each
    /// attribute's cases (colour, shape, size, position, background).
    public static let captions: [(text: String, values: [Int])] = {
        var out: [(String, [Int])] = []
        for (c, colour) in ShapeColour.allCases.enumerated() {
            for (s, shape) in ShapeKind.allCases.enumerated() {
                for (z, size) in ShapeSize.allCases.enumerated() {
                    for (p, position) in GridPosition.allCases.enumerated() {
                        for (b, background) in ShapeBackground.allCases.enumerated() {
                            let scene = ShapesScene(background: background,
                                                    object: ShapeObject(shape: shape, colour: colour, size: size, position: position))
                            out.append((scene.caption, [c, s, z, p, b]))
                        }
                    }
                }
            }
        }
        return out
    }()

    /// The spread from `cosines`, the row-major (N, N) cosine similarities of the states of the N
    /// `captions` (same order), e.g. from `measure`, for an encoder trained without the captions of
    /// the `excluded` combinations.
    public init(cosines: [Float], excluded: Set<ShapeCombination> = []) {
        let n = Self.captions.count
        precondition(cosines.count == n * n, "TextStateSpread: \(cosines.count) cosines for \(n) captions")
        let values = Self.captions.map(\.values)
        var total = [Double](repeating: 0, count: Attribute.allCases.count)
        var pairs = [Int](repeating: 0, count: Attribute.allCases.count)
        let position = Attribute.allCases.firstIndex(of: .position)!
        let shape = Attribute.allCases.firstIndex(of: .shape)!, size = Attribute.allCases.firstIndex(of: .size)!
        var (rowTotal, rowPairs, columnTotal, columnPairs) = (0.0, 0, 0.0, 0)
        // Shape pairs by size: seen–seen totals, and per (held-out combination, size, other shape).
        var seen: [ShapeSize: (total: Double, pairs: Int)] = [:]
        var held: [ShapeCombination: [ShapeSize: [ShapeKind: (total: Double, pairs: Int)]]] = [:]
        func combination(_ v: [Int]) -> ShapeCombination {
            ShapeCombination(colour: ShapeColour.allCases[v[0]], shape: ShapeKind.allCases[v[shape]])
        }
        for i in 0..<n {
            for j in (i + 1)..<n {
                let differing = (0..<values[i].count).filter { values[i][$0] != values[j][$0] }
                guard differing.count == 1, let a = differing.first else { continue }
                let distance = max(0, 1 - Double(cosines[i * n + j]))  // rounding can leave cos a hair above 1
                total[a] += distance
                pairs[a] += 1
                if a == shape {
                    let z = ShapeSize.allCases[values[i][size]]
                    let (ci, cj) = (combination(values[i]), combination(values[j]))
                    switch (excluded.contains(ci), excluded.contains(cj)) {
                    case (false, false):
                        seen[z, default: (0, 0)].total += distance
                        seen[z, default: (0, 0)].pairs += 1
                    default:
                        for (mine, other) in [(ci, cj), (cj, ci)] where excluded.contains(mine) {
                            held[mine, default: [:]][z, default: [:]][other.shape, default: (0, 0)].total += distance
                            held[mine, default: [:]][z, default: [:]][other.shape, default: (0, 0)].pairs += 1
                        }
                    }
                }
                guard a == position else { continue }
                let (p, q) = (GridPosition.allCases[values[i][a]], GridPosition.allCases[values[j][a]])
                if p.row == q.row { (rowTotal, rowPairs) = (rowTotal + distance, rowPairs + 1) }
                if p.column == q.column { (columnTotal, columnPairs) = (columnTotal + distance, columnPairs + 1) }
            }
        }
        spread = zip(total, pairs).map { $1 > 0 ? $0 / Double($1) : 0 }
        positionSameRow = rowPairs > 0 ? rowTotal / Double(rowPairs) : 0
        positionSameColumn = columnPairs > 0 ? columnTotal / Double(columnPairs) : 0
        heldOut = excluded.sorted().flatMap { c in
            ShapeSize.allCases.map { z in
                HeldOutShape(combination: c, size: z,
                             distances: (held[c]?[z] ?? [:]).mapValues { $0.pairs > 0 ? $0.total / Double($0.pairs) : 0 })
            }
        }
        seenShapeDistance = seen.mapValues { $0.pairs > 0 ? $0.total / Double($0.pairs) : 0 }
    }

    /// Encodes every caption with `textModel` (inference, no tape) and measures the spread: each
    /// caption's hidden states are averaged over its key length and scaled to unit length, and the
    /// (N, N) Gram matrix of those is the one transfer to the host. `skip` measures the states a
    /// U-Net with that `diffusion.clip_skip` attends to.
    public static func measure(textModel: CLIPTextTransformer, tokenizer: SentencePieceTokenizer,
                               maxLength: Int, excluded: Set<ShapeCombination> = [], skip: Int = 0) throws -> TextStateSpread {
        let texts = captions.map(\.text)
        var pooled: [Tensor] = []
        let chunk = 128
        for start in stride(from: 0, to: texts.count, by: chunk) {
            let batch = Array(texts[start..<min(start + chunk, texts.count)])
            var ids: [Int32] = []
            for text in batch { ids += try tokenizer.encode(text, maxLength: maxLength) }
            let lengths = textModel.keyLengths(ids: ids, batch: batch.count, length: maxLength)
            // (B, L, D)
            let hidden = textModel.encode(ids: ids, batch: batch.count, length: maxLength, keyLengths: lengths, skip: skip).lastHiddenState
            // (B, L, 1): 1/length on the attended tokens, 0 after them.
            let weights = Tensor(shape: [batch.count, maxLength, 1], data: lengths.flatMap { length in
                (0..<maxLength).map { $0 < length ? 1 / Float(max(length, 1)) : 0 }
            })
            pooled.append((hidden * weights).sum(axis: 1))  // (B, D)
        }
        let states = Tensor.concatenate(pooled, axis: 0)  // (N, D)
        let norms = (states * states).sum(axis: 1, keepDims: true).sqrt()  // (N, 1)
        let unit = states / (norms + 1e-20)
        return TextStateSpread(cosines: unit.matmul(unit.transposed()).scalars, excluded: excluded)
    }

    /// Lines for a report: the spread per attribute, and each attribute's as a multiple of colour's.
    public var lines: [String] {
        let colour = self[.colour]
        return ["text states (what the U-Net attends to): mean 1 − cos between captions that differ only in"]
            + Attribute.allCases.map { attribute in
                let value = self[attribute]
                let share = colour > 0 ? String(format: "  (%.2f× colour)", value / colour) : ""
                return "  " + attribute.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + String(format: "%.4f", value) + (attribute == .colour ? "" : share)
            }
            + [String(format: "  of position: same row (left/centre/right) %.4f, same column (top/middle/bottom) %.4f",
                      positionSameRow, positionSameColumn)]
            + heldOutLines
    }

    /// For held-out combinations: each one's distance to the same caption with another shape, next
    /// to the seen combinations' (none without held-out combinations).
    var heldOutLines: [String] {
        guard !heldOut.isEmpty else { return [] }
        let seen = ShapeSize.allCases.map { z in "\(z.word) " + String(format: "%.4f", seenShapeDistance[z] ?? 0) }
        return ["held out of the training captions: mean 1 − cos to the same caption with another shape (between seen"
                + " combinations: \(seen.joined(separator: ", "))); near 0, the U-Net is given the other shape's states"]
            + heldOut.map { entry in
                let others = ShapeKind.allCases.compactMap { shape in
                    entry.distances[shape].map { "\(shape.word) " + String(format: "%.4f", $0) }
                }
                let label = "\(entry.size.word) \(entry.combination)"
                return "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + "to " + others.joined(separator: ", ")
                    + (entry.nearest.map { "  (nearest: \($0.shape.word), "
                        + String(format: "%.2f× seen)", $0.distance / max(seenShapeDistance[entry.size] ?? 0, 1e-12)) } ?? "")
            }
    }
}
