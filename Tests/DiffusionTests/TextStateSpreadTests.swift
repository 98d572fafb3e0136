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

    @Test("a held-out combination whose small captions share a seen shape's states is 0 from it")
    func heldOutCombinations() throws {
        let green = try #require(ShapeColour.allCases.firstIndex(of: .green))
        let (circle, triangle) = try (#require(ShapeKind.allCases.firstIndex(of: .circle)),
                                      #require(ShapeKind.allCases.firstIndex(of: .triangle)))
        let small = try #require(ShapeSize.allCases.firstIndex(of: .small))
        // Colour and shape one-hot blocks, except that a small green triangle gets a green circle's.
        let states = TextStateSpread.captions.map { caption in
            var colour = [Float](repeating: 0, count: ShapeColour.allCases.count)
            var shape = [Float](repeating: 0, count: ShapeKind.allCases.count)
            colour[caption.values[0]] = 1
            let collapsed = caption.values[0] == green && caption.values[1] == triangle && caption.values[2] == small
            shape[collapsed ? circle : caption.values[1]] = 1
            return colour + shape
        }
        let held = ShapeCombination(colour: .green, shape: .triangle)
        let spread = TextStateSpread(cosines: cosines(states), excluded: [held, ShapeCombination(colour: .red, shape: .square)])
        #expect(spread.heldOut.map { "\($0.size.word) \($0.combination)" }
                    == ["small red square", "large red square", "small green triangle", "large green triangle"])  // grammar order
        let smallGreen = spread.heldOut[2], largeGreen = spread.heldOut[3]
        // Same colour, other shape: cos ½ between one-hot pairs, cos 1 for the collapsed one.
        func near(_ got: [ShapeKind: Double], _ expected: [ShapeKind: Double]) -> Bool {
            Set(got.keys) == Set(expected.keys) && expected.allSatisfy { abs(got[$0.key]! - $0.value) < 1e-6 }
        }
        #expect(near(smallGreen.distances, [.circle: 0, .square: 0.5]), "\(smallGreen.distances)")
        #expect(smallGreen.nearest?.shape == .circle && (smallGreen.nearest?.distance ?? 1) < 1e-6)
        #expect(near(largeGreen.distances, [.circle: 0.5, .square: 0.5]), "\(largeGreen.distances)")
        #expect(near(spread.heldOut[0].distances, [.circle: 0.5, .triangle: 0.5]))
        // Seen pairs (neither combination held out) are all one-hot apart in shape.
        #expect(spread.seenShapeDistance.count == 2 && spread.seenShapeDistance.values.allSatisfy { abs($0 - 0.5) < 1e-6 })
        let lines = spread.lines
        #expect(lines.contains { $0.hasPrefix("held out of the training captions: mean 1 − cos to the same caption with another shape (between seen combinations: small 0.5000, large 0.5000)") })
        #expect(lines.contains("  small green triangle  to circle 0.0000, square 0.5000  (nearest: circle, 0.00× seen)"))
        #expect(lines.contains("  large red square      to circle 0.5000, triangle 0.5000  (nearest: circle, 1.00× seen)"))
        // Nothing held out: no such lines, and the shape spread is the same measure over all pairs.
        let none = TextStateSpread(cosines: cosines(states))
        #expect(none.heldOut.isEmpty && none.seenShapeDistance.isEmpty == false)
        #expect(!none.lines.contains { $0.hasPrefix("held out") })
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
