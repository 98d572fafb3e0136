import Foundation
import Testing
import Datasets
import Diffusion

/// `clip.hard_negatives` (NegCLIP): each caption's negative changes one word to another seen in
/// the same place, is drawn from the sample's key, and enters the image→text loss.
@Suite struct HardNegativesTests {
    static let captions = [
        "a large red circle in the top left on a white background",
        "a small blue square in the bottom right on a black background",
        "a large green triangle in the top right on a gray background",
        "a small red square at the top on a white background",
        "a large blue circle on the left on a black background",
    ]

    static func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    @Test func aNegativeChangesOneWordToAnotherSeenInThatPlace() {
        let hard = TextEncoderStage.HardNegatives(texts: Self.captions)
        let caption = Self.captions[0]
        let original = Self.words(caption)
        // The words the three 12-word captions put at each place.
        let twelve = Self.captions.map(Self.words).filter { $0.count == 12 }
        var changedPlaces = Set<Int>(), seen = Set<String>()
        for key in UInt64(0)..<400 {
            let negative = hard.negative(of: caption, key: key)
            seen.insert(negative)
            let words = Self.words(negative)
            #expect(words.count == original.count, "\(negative)")
            let changed = original.indices.filter { original[$0] != words[$0] }
            #expect(changed.count == 1, "key \(key): '\(negative)' changes \(changed.count) words")
            guard let place = changed.first else { continue }
            changedPlaces.insert(place)
            #expect(twelve.contains { $0[place] == words[place] }, "'\(words[place])' is never at word \(place) of a 12-word caption")
        }
        // Size, colour, shape, both place words and the background each get changed by some key:
        // places 1, 2, 3, 6, 7 and 10 are the ones where the 12-word captions differ.
        #expect(changedPlaces == [1, 2, 3, 6, 7, 10])
        #expect(seen.contains("a large red circle in the bottom left on a white background"))
        #expect(!seen.contains(caption))
    }

    @Test func theNegativeIsAFunctionOfTheKey() {
        let hard = TextEncoderStage.HardNegatives(texts: Self.captions)
        for key in [UInt64(0), 7, 1 << 40] {
            #expect(hard.negative(of: Self.captions[1], key: key) == hard.negative(of: Self.captions[1], key: key))
        }
        let distinct = Set((UInt64(0)..<20).map { hard.negative(of: Self.captions[1], key: $0) })
        #expect(distinct.count > 3, "20 keys gave \(distinct.count) negatives")
    }

    @Test func withoutAlternativesTwoDifferentWordsSwapAndAOneWordCaptionGetsTheEmptyOne() {
        // Only one two-word caption, so no place has an alternative: the swap is the only negative.
        let hard = TextEncoderStage.HardNegatives(texts: ["red circle", "a blue square", "dot dot dot dot"])
        for key in UInt64(0)..<10 {
            #expect(hard.negative(of: "red circle", key: key) == "circle red")
            #expect(hard.negative(of: "dot dot dot dot", key: key) == "")
        }
        // A caption of a length the training captions never had: no place has an alternative.
        let swapped = hard.negative(of: "one two three four five", key: 3)
        #expect(Set(Self.words(swapped)) == ["one", "two", "three", "four", "five"] && swapped != "one two three four five")
    }

    @Test func batchKeysDependOnTheImagesPlaceInTheEpochNotOnTheBatchSize() throws {
        let dataset = try StageTrainerTests.dataset()
        var eight = try DatasetLoader(dataset: dataset, batchSize: 8, seed: 5)
        var four = try DatasetLoader(dataset: dataset, batchSize: 4, seed: 5)
        let whole = eight.nextBatch()
        let halves = [four.nextBatch(), four.nextBatch()]
        #expect(whole.keys == halves[0].keys + halves[1].keys)
        #expect(Set(whole.keys).count == 8)
        #expect(whole.slice(2..<6).keys == Array(whole.keys[2..<6]))
        // Another epoch draws other keys for the same images.
        var loader = try DatasetLoader(dataset: dataset, batchSize: dataset.count, seed: 5)
        let first = loader.nextBatch(), second = loader.nextBatch()
        let byImage = Dictionary(uniqueKeysWithValues: zip(first.indices, first.keys))
        #expect(zip(second.indices, second.keys).allSatisfy { byImage[$0] != $1 })
    }

    /// Step losses of a tiny CLIP run from `extra` overrides.
    static func losses(_ extra: [String], steps: Int) throws -> [Double] {
        let data = try TextEncoderStageTests.dataset()
        let run = try TestFiles.scratchFolder()
        _ = try TextEncoderStageTests.train(TextEncoderStageTests.config(data: data, steps: steps, extra: extra), run: run)
        return try TextEncoderStageTests.logLines(run).compactMap { $0["loss"] as? Double }
    }

    @Test func severalNegativesAreDifferentOneWordChangesAndTheFirstIsTheSingleOne() {
        let one = TextEncoderStage.HardNegatives(texts: Self.captions)
        let three = TextEncoderStage.HardNegatives(texts: Self.captions, perCaption: 3)
        let original = Self.words(Self.captions[0])
        for key in UInt64(0)..<50 {
            let negatives = three.negatives(of: Self.captions[0], key: key)
            #expect(negatives.count == 3)
            #expect(negatives[0] == one.negative(of: Self.captions[0], key: key))
            // The 12-word captions offer 9 one-word changes of this caption: three always differ.
            #expect(Set(negatives).count == 3, "key \(key): \(negatives)")
            for negative in negatives {
                let words = Self.words(negative)
                #expect(original.indices.filter { original[$0] != words[$0] }.count == 1, "'\(negative)'")
            }
        }
        // A caption with one possible negative (a swap) repeats it.
        let swaps = TextEncoderStage.HardNegatives(texts: ["red circle"], perCaption: 3)
        #expect(swaps.negatives(of: "red circle", key: 5) == ["circle red", "circle red", "circle red"])
    }

    @Test func theCountReadsAsACountAndTheOldFlagsStillRead() throws {
        #expect(try ConfigLoader.resolve(yaml: "clip:\n  hard_negatives: 3\n", source: "x.yaml").clip.hardNegatives == 3)
        #expect(try ConfigLoader.resolve(yaml: "clip:\n  hard_negatives: true\n", source: "x.yaml").clip.hardNegatives == 1)
        #expect(try ConfigLoader.resolve(yaml: "", source: "x.yaml").clip.hardNegatives == 0)
        var config = RunConfig()
        #expect(try ConfigLoader.yaml(config).contains("hard_negatives: false"))
        config.clip.hardNegatives = 1
        #expect(try ConfigLoader.yaml(config).contains("hard_negatives: true"))
        config.clip.hardNegatives = 4
        #expect(try ConfigLoader.yaml(config).contains("hard_negatives: 4"))
        #expect(try ConfigLoader.resolve(yaml: ConfigLoader.yaml(config), source: "x.yaml") == config)
        let tooMany = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "", source: "x.yaml", overrides: ["clip.hard_negatives=17"])
        }
        #expect(tooMany?.description == "--set clip.hard_negatives=17: clip.hard_negatives: must be false, true or a number of negatives per caption from 0 to 16, got 17")
        let word = #expect(throws: ConfigError.self) {
            try ConfigLoader.resolve(yaml: "clip:\n  hard_negatives: some\n", source: "x.yaml")
        }
        #expect(word?.description == "x.yaml: clip.hard_negatives: expected true, false or a number of negatives per caption")
    }

    @Test func hardNegativesEnterTheLossAndMicroBatchesGiveTheSameSteps() throws {
        let plain = try Self.losses([], steps: 3)
        let hard = try Self.losses(["clip.hard_negatives=true"], steps: 3)
        // Same weights and batch at step 1: each image's softmax now also holds B negatives, so its
        // cross-entropy — and the mean of the two directions — is strictly larger.
        #expect(hard[0] > plain[0] + 1e-3, "step 1 loss \(hard[0]) with hard negatives, \(plain[0]) without")
        // A sample's negative comes from its key, so micro-batches (two of 4) take the same steps.
        let micro = try Self.losses(["clip.hard_negatives=true", "encoder_training.micro_batch_size=4"], steps: 3)
        #expect(micro.count == 3)
        for (a, b) in zip(hard, micro) { #expect(abs(a - b) <= 1e-5 * abs(a), "loss \(a) whole, \(b) in micro-batches") }
        // Three per caption: each image's softmax holds 3B negatives, and micro-batches still agree.
        let three = try Self.losses(["clip.hard_negatives=3"], steps: 3)
        #expect(three[0] > hard[0] + 1e-3, "step 1 loss \(three[0]) with 3 negatives per caption, \(hard[0]) with 1")
        let threeMicro = try Self.losses(["clip.hard_negatives=3", "encoder_training.micro_batch_size=4"], steps: 3)
        for (a, b) in zip(three, threeMicro) { #expect(abs(a - b) <= 1e-5 * abs(a), "loss \(a) whole, \(b) in micro-batches") }
    }
}
