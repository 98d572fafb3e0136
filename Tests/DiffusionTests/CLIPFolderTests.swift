import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// Writing and reading CLIP model folders: round trips, strict loading and config errors.
@Suite struct CLIPFolderTests {
    /// The golden fixture's configuration.
    static func tinyConfigs() throws -> (CLIPTextConfig, CLIPVisionConfig, CLIPConfig) {
        var text = CLIPTextConfig()
        text.hiddenSize = 32
        text.intermediateSize = 64
        text.numHiddenLayers = 2
        text.numAttentionHeads = 2
        text.maxPositionEmbeddings = 12
        var vision = CLIPVisionConfig()
        vision.hiddenSize = 32
        vision.intermediateSize = 64
        vision.numHiddenLayers = 2
        vision.numAttentionHeads = 2
        vision.imageSize = 16
        vision.patchSize = 4
        var head = CLIPConfig()
        head.projectionDim = 24
        return (text, vision, head)
    }

    static func tinyModel(seed: UInt64 = 7) throws -> CLIPModel {
        let (text, vision, head) = try tinyConfigs()
        var generator = Philox(seed: seed)
        return try CLIPModel(config: head, text: text, vision: vision, vocabularySize: 50, generator: &generator)
    }

    /// A copy of the golden model folder whose weights pass through `edit` (name, tensor) → replacement or nil to drop.
    static func editedCopy(_ edit: (String, Tensor) -> Tensor?) throws -> URL {
        let folder = try TestFiles.scratchFolder().appendingPathComponent("clip")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CLIPFixture.model.appendingPathComponent("config.json"),
                                         to: folder.appendingPathComponent("config.json"))
        let file = try SafetensorsFile(contentsOf: CLIPFixture.model.appendingPathComponent("model.safetensors"))
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for name in file.names {
            if let t = edit(name, try Tensor(file, name)) { try writer.add(name, t) }
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    static func parametersEqual(_ a: any Module, _ b: any Module) -> Bool {
        let pa = a.namedParameters(), pb = b.namedParameters()
        return pa.count == pb.count && zip(pa, pb).allSatisfy {
            $0.name == $1.name && $0.parameter.shape == $1.parameter.shape && $0.parameter.value.scalars == $1.parameter.value.scalars
        }
    }

    @Test func modelRoundTrip() throws {
        let model = try Self.tinyModel()
        let folder = try TestFiles.scratchFolder().appendingPathComponent("clip")
        try model.save(to: folder)
        let loaded = try CLIPModel.load(from: folder)
        #expect(Self.parametersEqual(model, loaded))
        #expect(loaded.config == model.config)
        #expect(loaded.textModel.config == model.textModel.config)
        #expect(loaded.visionModel.config == model.visionModel.config)
        #expect(loaded.textModel.vocabularySize == 50 && loaded.textModel.tokens == CLIPTokenIDs())
        // config.json is a transformers CLIPConfig.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(json?["model_type"] as? String == "clip")
        #expect(json?["architectures"] as? [String] == ["CLIPModel"])
        let text = json?["text_config"] as? [String: Any]
        #expect(text?["eos_token_id"] as? Int == 3 && text?["bos_token_id"] as? Int == 2 && text?["pad_token_id"] as? Int == 0)
        #expect(text?["vocab_size"] as? Int == 50)
        #expect((json?["vision_config"] as? [String: Any])?["patch_size"] as? Int == 4)
        let weights = try SafetensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(weights.metadata["format"] == "pt")
        // transformers 5's strict configs reject an integer where a float is declared.
        let raw = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(raw.contains("\"initializer_factor\": 1.0"))
        #expect(raw.contains("\"layer_norm_eps\": 1e-05"))
        #expect(!raw.contains("\"initializer_factor\": 1,"))
    }

    @Test func textEncoderRoundTripSharesTheTower() throws {
        let model = try Self.tinyModel()
        let encoder = model.textEncoder
        #expect(encoder.textModel === model.textModel)
        let folder = try TestFiles.scratchFolder().appendingPathComponent("text_encoder")
        try encoder.save(to: folder)
        let weights = try SafetensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(weights.names.allSatisfy { $0.hasPrefix("text_model.") })
        #expect(weights.names.count == model.textModel.namedParameters().count)
        let loaded = try CLIPTextModel.load(from: folder)
        #expect(Self.parametersEqual(encoder, loaded))
        #expect(loaded.textModel.config == model.textModel.config)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(json?["model_type"] as? String == "clip_text_model")
        #expect(json?["architectures"] as? [String] == ["CLIPTextModel"])
        #expect(json?["eos_token_id"] as? Int == 3)
    }

    @Test func visionModelRoundTrip() throws {
        let model = try Self.tinyModel()
        let vision = CLIPVisionModel(sharing: model.visionModel)
        let folder = try TestFiles.scratchFolder().appendingPathComponent("vision")
        try vision.save(to: folder)
        let loaded = try CLIPVisionModel.load(from: folder)
        #expect(Self.parametersEqual(vision, loaded))
    }

    @Test func sameSeedSameModel() throws {
        #expect(Self.parametersEqual(try Self.tinyModel(seed: 3), try Self.tinyModel(seed: 3)))
        #expect(!Self.parametersEqual(try Self.tinyModel(seed: 3), try Self.tinyModel(seed: 4)))
    }

    /// The default run config (DESIGN §3) builds.
    @Test func defaultConfigBuilds() throws {
        let run = RunConfig()
        var generator = Philox(seed: 0)
        let model = try CLIPModel(config: run.clip, text: run.textEncoder, vision: run.visionEncoder, vocabularySize: 512,
                                  generator: &generator)
        #expect(model.textModel.embeddings.positionEmbedding.weight.shape == [32, 128])
        #expect(model.visionModel.embeddings.positionEmbedding.weight.shape == [65, 128])
        #expect(model.textProjection.weight.shape == [128, 128])
        #expect(abs(model.logitScale.value.item - 2.6592) < 1e-6)
    }

    // MARK: Strict loading

    @Test func wrongShapeNamesKeyAndFile() throws {
        let folder = try Self.editedCopy { name, t in
            name == "text_projection.weight" ? Tensor(zeros: [24, 31]) : t
        }
        do {
            _ = try CLIPModel.load(from: folder)
            Issue.record("loaded a checkpoint with a mis-shaped tensor")
        } catch let error as StateLoadError {
            #expect(error.path.hasSuffix("clip/model.safetensors"))
            #expect(error.mismatched == [.init(name: "text_projection.weight", expected: [24, 32], found: [24, 31])])
            #expect(error.description.contains("text_projection.weight"))
            #expect(error.description.contains("model.safetensors"))
        }
    }

    @Test func missingAndUnusedKeysAreReported() throws {
        let folder = try Self.editedCopy { name, t in
            if name == "logit_scale" { return nil }
            return t
        }
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        let file = try SafetensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        for name in file.names { try writer.add(name, try Tensor(file, name)) }
        try writer.add("text_model.embeddings.position_ids", Tensor(zeros: [1, 12]))
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        let error = try #require(throws: StateLoadError.self) { try CLIPModel.load(from: folder) }
        #expect(error.missing == ["logit_scale"])
        #expect(error.unused == ["text_model.embeddings.position_ids"])
    }

    @Test func textEncoderLoadIsStrict() throws {
        let model = try Self.tinyModel()
        let folder = try TestFiles.scratchFolder().appendingPathComponent("text_encoder")
        try model.textEncoder.save(to: folder)
        // A text encoder folder holding the whole CLIP checkpoint has unused tensors.
        try model.saveState(to: folder.appendingPathComponent("model.safetensors"))
        let error = try #require(throws: StateLoadError.self) { try CLIPTextModel.load(from: folder) }
        #expect(error.unused.contains("logit_scale"))
        #expect(error.path.hasSuffix("text_encoder/model.safetensors"))
    }

    // MARK: Config errors

    static func folderWithConfig(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let folder = try Self.editedCopy { _, t in t }
        let url = folder.appendingPathComponent("config.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return folder
    }

    @Test func unknownActivationNamesFileAndKey() throws {
        let folder = try Self.folderWithConfig { json in
            var text = json["text_config"] as? [String: Any] ?? [:]
            text["hidden_act"] = "swish"
            json["text_config"] = text
        }
        let error = try #require(throws: ConfigError.self) { try CLIPModel.load(from: folder) }
        #expect(error.source.hasSuffix("clip/config.json"))
        #expect(error.key == "text_config.hidden_act")
        #expect(error.description.contains("swish"))
    }

    @Test func headsMustDivideWidth() throws {
        let folder = try Self.folderWithConfig { json in
            var vision = json["vision_config"] as? [String: Any] ?? [:]
            vision["num_attention_heads"] = 3
            json["vision_config"] = vision
        }
        let error = try #require(throws: ConfigError.self) { try CLIPModel.load(from: folder) }
        #expect(error.key == "vision_config.num_attention_heads")
    }

    @Test func wrongTypeNamesKey() throws {
        let folder = try Self.folderWithConfig { json in
            var text = json["text_config"] as? [String: Any] ?? [:]
            text["hidden_size"] = "wide"
            json["text_config"] = text
        }
        let error = try #require(throws: ConfigError.self) { try CLIPModel.load(from: folder) }
        #expect(error.key == "text_config.hidden_size")
        #expect(error.message == "expected an integer")
    }

    @Test func missingFolderAndBadJSON() throws {
        let empty = try TestFiles.scratchFolder()
        let missing = try #require(throws: ConfigError.self) { try CLIPModel.load(from: empty) }
        #expect(missing.source.hasSuffix("config.json"))
        try Data("{ not json".utf8).write(to: empty.appendingPathComponent("config.json"))
        let bad = try #require(throws: ConfigError.self) { try CLIPTextModel.load(from: empty) }
        #expect(bad.message.contains("not valid JSON"))
        let folder = try Self.folderWithConfig { json in json["model_type"] = "clip_text_model" }
        let wrong = try #require(throws: ConfigError.self) { try CLIPModel.load(from: folder) }
        #expect(wrong.key == "model_type")
    }

    // MARK: Temperature

    @Test func clampLogitScaleWritesIntoTheFlatBuffer() throws {
        let model = try Self.tinyModel()
        let layout = ParameterLayout(model)
        let parameters = layout.flatten()
        let entry = try #require(layout.entries.first { $0.name == "logit_scale" })
        parameters.pointer[entry.offset] = 7
        #expect(model.logitScale.value.item == 7)
        model.clampLogitScale(in: parameters, layout: layout)
        #expect(abs(parameters.pointer[entry.offset] - log(100)) < 1e-6)
        #expect(abs(model.logitScale.value.item - log(100)) < 1e-6)   // still a view of the buffer
        parameters.pointer[entry.offset] = -1
        model.clampLogitScale(in: parameters, layout: layout)
        #expect(model.logitScale.value.item == 0)
        parameters.pointer[entry.offset] = 3
        model.clampLogitScale(in: parameters, layout: layout)
        #expect(model.logitScale.value.item == 3)

        let plain = try Self.tinyModel()
        plain.logitScale.value = Tensor(scalar: 9)
        plain.clampLogitScale()
        #expect(abs(plain.logitScale.value.item - CLIPModel.maxLogitScale) < 1e-6)
    }
}
