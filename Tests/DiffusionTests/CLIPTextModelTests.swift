import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// The standalone text encoder (a pipeline's `text_encoder/`) and the text tower's pooling rules.
@Suite struct CLIPTextModelTests {
    /// quick_gelu in transformers 5's unprefixed layout; gelu_new in the legacy `text_model.` layout.
    @Test(arguments: ["text-quick-gelu", "text-gelu-new"])
    func standaloneEncoderMatchesTransformers(name: String) throws {
        let folder = CLIPFixture.folder.appendingPathComponent(name)
        let model = try CLIPTextModel.load(from: folder)
        let f = try SafetensorsFile(contentsOf: folder.appendingPathComponent("outputs.safetensors"))
        let x = try CLIPFixture.textInputs(f)
        let out = model.encode(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths)
        try CLIPFixture.expectClose(out.lastHiddenState, f, "last_hidden_state")
        try CLIPFixture.expectClose(out.pooled, f, "pooler_output")
    }

    @Test func activationsFollowTheConfig() throws {
        let quick = try CLIPTextModel.load(from: CLIPFixture.folder.appendingPathComponent("text-quick-gelu"))
        let tanh = try CLIPTextModel.load(from: CLIPFixture.folder.appendingPathComponent("text-gelu-new"))
        #expect(quick.textModel.encoder.layers[0].mlp.activation == .quickGelu)
        #expect(tanh.textModel.encoder.layers[0].mlp.activation == .geluNew)
        #expect(try CLIPActivation(name: "gelu_pytorch_tanh", source: "x", key: "hidden_act") == .geluPytorchTanh)
        #expect(throws: ConfigError.self) { try CLIPActivation(name: "relu", source: "x", key: "hidden_act") }
    }

    /// The text half of a `CLIPModel` folder loads as a text encoder, and the vision half as a vision model.
    @Test func towersLoadFromAFullModelFolder() throws {
        let f = try CLIPFixture.golden()
        let x = try CLIPFixture.inputs(f)
        let text = try CLIPTextModel.load(from: CLIPFixture.model)
        let out = text.encode(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths)
        try CLIPFixture.expectClose(out.lastHiddenState, f, "text.last_hidden_state")
        try CLIPFixture.expectClose(out.pooled, f, "text.pooled")
        let vision = try CLIPVisionModel.load(from: CLIPFixture.model)
        let v = vision.encode(pixels: x.pixels)
        try CLIPFixture.expectClose(v.lastHiddenState, f, "vision.last_hidden_state")
        try CLIPFixture.expectClose(v.pooled, f, "vision.pooled")
    }

    @Test func poolingAndKeyLengths() throws {
        var generator = Philox(seed: 0)
        var config = CLIPTextConfig()
        config.hiddenSize = 8
        config.intermediateSize = 16
        config.numHiddenLayers = 1
        config.numAttentionHeads = 2
        config.maxPositionEmbeddings = 6
        let ids: [Int32] = [2, 9, 3, 0, 0, 0,
                            2, 5, 7, 8, 9, 3,
                            2, 5, 7, 3, 3, 0,
                            2, 5, 7, 8, 9, 4]   // no eos: transformers' argmax of zeros gives 0
        let model = try CLIPTextModel(config: config, vocabularySize: 12, generator: &generator).textModel
        #expect(model.poolingPositions(ids: ids, batch: 4, length: 6) == [2, 5, 3, 0])
        #expect(model.keyLengths(ids: ids, batch: 4, length: 6) == [3, 6, 4, 6])
        // eos_token_id == 2: the legacy rule pools at the largest id.
        let legacy = try CLIPTextModel(config: config, vocabularySize: 12, tokens: CLIPTokenIDs(pad: 1, bos: 0, eos: 2),
                                       generator: &generator).textModel
        #expect(legacy.poolingPositions(ids: ids, batch: 4, length: 6) == [1, 4, 2, 4])
        let out = model.encode(ids: ids, batch: 4, length: 6, keyLengths: [3, 6, 4, 6])
        #expect(out.lastHiddenState.shape == [4, 6, 8])
        #expect(out.pooled.shape == [4, 8])
        let last = out.lastHiddenState.scalars, pooled = out.pooled.scalars
        for (b, position) in [2, 5, 3, 0].enumerated() {
            #expect(Array(pooled[(b * 8)..<(b * 8 + 8)]) == Array(last[((b * 6 + position) * 8)..<((b * 6 + position) * 8 + 8)]))
        }
    }

    /// Causality: a token's state does not depend on later tokens; shorter key lengths change only
    /// the padded positions' view, not the real tokens'.
    @Test func causalAndPaddingMasks() throws {
        var generator = Philox(seed: 5)
        var config = CLIPTextConfig()
        config.hiddenSize = 8
        config.intermediateSize = 16
        config.numHiddenLayers = 2
        config.numAttentionHeads = 2
        config.maxPositionEmbeddings = 6
        let model = try CLIPTextModel(config: config, vocabularySize: 12, generator: &generator)
        let a: [Int32] = [2, 9, 3, 0, 0, 0]
        let b: [Int32] = [2, 9, 3, 7, 5, 1]
        let ya = model.encode(ids: a, batch: 1, length: 6).lastHiddenState.scalars
        let yb = model.encode(ids: b, batch: 1, length: 6).lastHiddenState.scalars
        #expect(Array(ya[0..<24]) == Array(yb[0..<24]))
        let masked = model.encode(ids: b, batch: 1, length: 6, keyLengths: [3]).lastHiddenState.scalars
        #expect(Array(masked[0..<24]) == Array(yb[0..<24]))
        #expect(Array(masked[24...]) != Array(yb[24...]))
    }
}
