import Datasets
import Testing
import TensorCore
import Tokenizers
import Diffusion

/// `TextStateSpread`: how far each caption attribute moves the text states (`t2i eval encoder`).
@Suite struct TextStateSpreadTests {
    typealias Attribute = TextStateSpread.Attribute

    /// A state per caption from its attribute values: one one-hot block per attribute of `blocks`,
    /// set at the caption's value of that attribute.
    func states(_ blocks: [Attribute]) -> [[Float]] {
        let sizes = [ShapeColour.allCases.count, ShapeKind.allCases.count, ShapeSize.allCases.count,
                     GridPosition.allCases.count, ShapeBackground.allCases.count]
        return TextStateSpread.captions.map { caption in
            var state: [Float] = []
            for attribute in blocks {
                let a = Attribute.allCases.firstIndex(of: attribute)!
                var block = [Float](repeating: 0, count: sizes[a])
                block[caption.values[a]] = 1
                state += block
            }
            return state
        }
    }

    /// The (N, N) cosine similarities of `states`, row-major (a zero state is unlike every other).
    func cosines(_ states: [[Float]]) -> [Float] {
        let norms = states.map { s in s.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        return states.indices.flatMap { i in
            states.indices.map { j in
                let dot = zip(states[i], states[j]).reduce(0) { $0 + $1.0 * $1.1 }
                return norms[i] * norms[j] > 0 ? dot / (norms[i] * norms[j]) : 0
            }
        }
    }

    @Test("every single-object caption of the grammar, once, with its attribute values")
    func captions() {
        let captions = TextStateSpread.captions
        #expect(captions.count == ShapeColour.allCases.count * ShapeKind.allCases.count * ShapeSize.allCases.count
                    * GridPosition.allCases.count * ShapeBackground.allCases.count)
        #expect(Set(captions.map(\.text)).count == captions.count)
        let sample = captions.first { $0.values == [2, 0, 1, 8, 1] }
        #expect(sample?.text == "a large blue \(ShapeKind.allCases[0].word) in the bottom right on a gray background")
    }

    @Test("states that ignore an attribute give it spread 0; one-hot blocks give 1 − cos of their share")
    func spreadOfKnownStates() {
        // Only colour written: colour pairs are orthogonal (1 − cos = 1), every other pair identical.
        let colourOnly = TextStateSpread(cosines: cosines(states([.colour])))
        #expect(colourOnly[.colour] == 1)
        for attribute in Attribute.allCases where attribute != .colour { #expect(colourOnly[attribute] < 1e-6) }
        // Colour and position blocks: a pair differing in one of them shares the other (cos ½).
        let two = TextStateSpread(cosines: cosines(states([.colour, .position])))
        #expect(abs(two[.colour] - 0.5) < 1e-6 && abs(two[.position] - 0.5) < 1e-6)
        for attribute in [Attribute.shape, .size, .background] { #expect(two[attribute] < 1e-6, "\(attribute): \(two[attribute])") }
        #expect(two.lines[0].hasPrefix("text states (what the U-Net attends to)"))
        #expect(two.lines.contains("  position   0.5000  (1.00× colour)"))
        #expect(two.lines.contains("  shape      0.0000  (0.00× colour)"))
    }

    @Test("position splits into same-row pairs (the column word differs) and same-column pairs (the row word)")
    func positionByRowAndColumn() {
        let position = Attribute.allCases.firstIndex(of: .position)!
        // States that know only the column: left↔right pairs are orthogonal, top↔bottom identical.
        let columnOnly = TextStateSpread.captions.map { caption in
            var state = [Float](repeating: 0, count: 3)
            state[GridPosition.allCases[caption.values[position]].column] = 1
            return state
        }
        let spread = TextStateSpread(cosines: cosines(columnOnly))
        #expect(spread.positionSameRow == 1)
        #expect(spread.positionSameColumn < 1e-6)
        // Of the 36 position pairs of a caption set, 9 share a row, 9 a column, 18 neither (all 1 here).
        #expect(abs(spread[.position] - 27.0 / 36) < 1e-6, "\(spread[.position])")
        #expect(spread.lines.last == "  of position: same row (left/centre/right) 1.0000, same column (top/middle/bottom) 0.0000")
        // The full position one-hot: every position pair is orthogonal, whichever word differs.
        let full = TextStateSpread(cosines: cosines(states([.position])))
        #expect(full.positionSameRow == 1 && full.positionSameColumn == 1)
    }

    @Test("measured on a text encoder: deterministic, in [0, 2], and every attribute moves an untrained encoder")
    func measure() throws {
        let tokenizer = try SentencePieceTokenizer.train(
            sentences: TextStateSpread.captions.map(\.text), options: TokenizerTrainingOptions(modelType: .bpe, vocabSize: 64))
        var config = try CLIPFolderTests.tinyConfigs().0
        config.maxPositionEmbeddings = 32
        var generator = Philox(seed: 3)
        let model = try CLIPTextModel(config: config, vocabularySize: tokenizer.vocabSize, generator: &generator).textModel
        let spread = try TextStateSpread.measure(textModel: model, tokenizer: tokenizer, maxLength: 32)
        #expect(try TextStateSpread.measure(textModel: model, tokenizer: tokenizer, maxLength: 32) == spread)
        for attribute in Attribute.allCases {
            #expect(spread[attribute] > 0 && spread[attribute] <= 2, "\(attribute): \(spread[attribute])")
        }
    }
}
