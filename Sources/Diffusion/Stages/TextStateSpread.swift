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
    /// `captions` (same order), e.g. from `measure`.
    public init(cosines: [Float]) {
        let n = Self.captions.count
        precondition(cosines.count == n * n, "TextStateSpread: \(cosines.count) cosines for \(n) captions")
        let values = Self.captions.map(\.values)
        var total = [Double](repeating: 0, count: Attribute.allCases.count)
        var pairs = [Int](repeating: 0, count: Attribute.allCases.count)
        let position = Attribute.allCases.firstIndex(of: .position)!
        var (rowTotal, rowPairs, columnTotal, columnPairs) = (0.0, 0, 0.0, 0)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let differing = (0..<values[i].count).filter { values[i][$0] != values[j][$0] }
                guard differing.count == 1, let a = differing.first else { continue }
                let distance = max(0, 1 - Double(cosines[i * n + j]))  // rounding can leave cos a hair above 1
                total[a] += distance
                pairs[a] += 1
                guard a == position else { continue }
                let (p, q) = (GridPosition.allCases[values[i][a]], GridPosition.allCases[values[j][a]])
                if p.row == q.row { (rowTotal, rowPairs) = (rowTotal + distance, rowPairs + 1) }
                if p.column == q.column { (columnTotal, columnPairs) = (columnTotal + distance, columnPairs + 1) }
            }
        }
        spread = zip(total, pairs).map { $1 > 0 ? $0 / Double($1) : 0 }
        positionSameRow = rowPairs > 0 ? rowTotal / Double(rowPairs) : 0
        positionSameColumn = columnPairs > 0 ? columnTotal / Double(columnPairs) : 0
    }

    /// Encodes every caption with `textModel` (inference, no tape) and measures the spread: each
    /// caption's hidden states are averaged over its key length and scaled to unit length, and the
    /// (N, N) Gram matrix of those is the one transfer to the host.
    public static func measure(textModel: CLIPTextTransformer, tokenizer: SentencePieceTokenizer,
                               maxLength: Int) throws -> TextStateSpread {
        let texts = captions.map(\.text)
        var pooled: [Tensor] = []
        let chunk = 128
        for start in stride(from: 0, to: texts.count, by: chunk) {
            let batch = Array(texts[start..<min(start + chunk, texts.count)])
            var ids: [Int32] = []
            for text in batch { ids += try tokenizer.encode(text, maxLength: maxLength) }
            let lengths = textModel.keyLengths(ids: ids, batch: batch.count, length: maxLength)
            // (B, L, D)
            let hidden = textModel.encode(ids: ids, batch: batch.count, length: maxLength, keyLengths: lengths).lastHiddenState
            // (B, L, 1): 1/length on the attended tokens, 0 after them.
            let weights = Tensor(shape: [batch.count, maxLength, 1], data: lengths.flatMap { length in
                (0..<maxLength).map { $0 < length ? 1 / Float(max(length, 1)) : 0 }
            })
            pooled.append((hidden * weights).sum(axis: 1))  // (B, D)
        }
        let states = Tensor.concatenate(pooled, axis: 0)  // (N, D)
        let norms = (states * states).sum(axis: 1, keepDims: true).sqrt()  // (N, 1)
        let unit = states / (norms + 1e-20)
        return TextStateSpread(cosines: unit.matmul(unit.transposed()).scalars)
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
    }
}
