import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// Shared by the CLIP tests: the fixtures of `scripts/fixtures/clip.py` and the error measure.
enum CLIPFixture {
    static let folder = TestFiles.fixtures.appendingPathComponent("clip")
    static let model = folder.appendingPathComponent("tiny-clip")

    static func golden() throws -> SafetensorsFile {
        try SafetensorsFile(contentsOf: folder.appendingPathComponent("golden.safetensors"))
    }

    /// max|a − b| / max(1, max|b|).
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
        let diff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return diff / max(1, b.map(abs).max() ?? 0)
    }

    /// Compares `got` with tensor `name` of `file`: same shape, relative error ≤ `tolerance`.
    static func expectClose(_ got: Tensor, _ file: SafetensorsFile, _ name: String, tolerance: Float = 1e-4,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let want = try Tensor(file, name)
        #expect(got.shape == want.shape, "\(name): shape \(got.shape), expected \(want.shape)", sourceLocation: sourceLocation)
        guard got.shape == want.shape else { return }
        let err = relativeError(got.scalars, want.scalars)
        if ProcessInfo.processInfo.environment["T2I_CLIP_VERBOSE"] != nil { print("CLIP \(name): relative error \(err)") }
        #expect(err <= tolerance, "\(name): relative error \(err)", sourceLocation: sourceLocation)
    }

    /// The golden inputs: ids (B·L), batch, length, key lengths (attention-mask sums) and pixels.
    static func inputs(_ file: SafetensorsFile) throws -> (ids: [Int32], batch: Int, length: Int, keyLengths: [Int], pixels: Tensor) {
        let t = try textInputs(file)
        return (t.ids, t.batch, t.length, t.keyLengths, try Tensor(file, "pixel_values"))
    }

    /// The text inputs alone.
    static func textInputs(_ file: SafetensorsFile) throws -> (ids: [Int32], batch: Int, length: Int, keyLengths: [Int]) {
        let shape = try file.info("input_ids").shape
        let ids = try file.int32s("input_ids")
        let mask = try file.int32s("attention_mask")
        let (batch, length) = (shape[0], shape[1])
        let keyLengths = (0..<batch).map { b in Int(mask[(b * length)..<((b + 1) * length)].reduce(0, +)) }
        return (ids, batch, length, keyLengths)
    }
}

/// Golden tests against transformers 5 `CLIPModel` (fixture: scripts/fixtures/clip.py, computed in
/// float64 from the same float32 weights).
@Suite struct CLIPGoldenTests {
    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func forwardMatchesTransformers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try forwardMatchesTransformers() }
    }

    func forwardMatchesTransformers() throws {
        let model = try CLIPModel.load(from: CLIPFixture.model)
        let f = try CLIPFixture.golden()
        let x = try CLIPFixture.inputs(f)
        #expect(model.textModel.keyLengths(ids: x.ids, batch: x.batch, length: x.length) == x.keyLengths)
        let out = model(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths, pixels: x.pixels)
        try CLIPFixture.expectClose(out.textLastHiddenState, f, "text.last_hidden_state")
        try CLIPFixture.expectClose(out.textPooled, f, "text.pooled")
        try CLIPFixture.expectClose(out.visionLastHiddenState, f, "vision.last_hidden_state")
        try CLIPFixture.expectClose(out.visionPooled, f, "vision.pooled")
        try CLIPFixture.expectClose(out.textEmbeds, f, "text_embeds")
        try CLIPFixture.expectClose(out.imageEmbeds, f, "image_embeds")
        try CLIPFixture.expectClose(out.logitsPerText, f, "logits_per_text")
        try CLIPFixture.expectClose(out.logitsPerImage, f, "logits_per_image")
        let loss = try #require(out.loss)
        try CLIPFixture.expectClose(loss.reshaped([1]), f, "loss")
    }

    @Test func featureFunctionsMatchTransformers() throws {
        let model = try CLIPModel.load(from: CLIPFixture.model)
        let f = try CLIPFixture.golden()
        let x = try CLIPFixture.inputs(f)
        try CLIPFixture.expectClose(model.textFeatures(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths),
                                    f, "text.features")
        try CLIPFixture.expectClose(model.imageFeatures(pixels: x.pixels), f, "vision.features")
        let t = model.textEmbeddings(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths)
        let i = model.imageEmbeddings(pixels: x.pixels)
        try CLIPFixture.expectClose(t, f, "text_embeds")
        try CLIPFixture.expectClose(i, f, "image_embeds")
        let (perText, perImage) = model.logits(textEmbeds: t, imageEmbeds: i)
        try CLIPFixture.expectClose(perText, f, "logits_per_text")
        try CLIPFixture.expectClose(perImage, f, "logits_per_image")
        try CLIPFixture.expectClose(CLIPModel.contrastiveLoss(logitsPerText: perText).reshaped([1]), f, "loss")
    }

    /// Without an attention mask transformers is causal only: padded keys are seen by later queries.
    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func textWithoutMaskMatchesTransformers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try textWithoutMaskMatchesTransformers() }
    }

    func textWithoutMaskMatchesTransformers() throws {
        let model = try CLIPModel.load(from: CLIPFixture.model)
        let f = try CLIPFixture.golden()
        let x = try CLIPFixture.inputs(f)
        let out = model.textModel.encode(ids: x.ids, batch: x.batch, length: x.length)
        try CLIPFixture.expectClose(out.lastHiddenState, f, "text.last_hidden_state.nomask")
        try CLIPFixture.expectClose(out.pooled, f, "text.pooled.nomask")
    }

    /// d(contrastive loss)/d(parameter) for parameters all through both towers and the head.
    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func gradientsMatchTransformers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try gradientsMatchTransformers() }
    }

    func gradientsMatchTransformers() throws {
        let model = try CLIPModel.load(from: CLIPFixture.model)
        let f = try CLIPFixture.golden()
        let x = try CLIPFixture.inputs(f)
        let layout = ParameterLayout(model)
        let gradients = FlatBuffer(count: layout.count)
        let loss = try model.valueAndGradient(layout: layout, gradients: gradients) {
            let out = model(ids: x.ids, batch: x.batch, length: x.length, keyLengths: x.keyLengths, pixels: x.pixels)
            return try #require(out.loss)
        }
        #expect(CLIPFixture.relativeError([loss], try f.floats("loss")) <= 1e-4)
        let names = f.names.filter { $0.hasPrefix("grad.") }
        #expect(names.count == 14)
        for name in names {
            let parameter = String(name.dropFirst("grad.".count))
            let entry = try #require(layout.entries.first { $0.name == parameter }, "no parameter \(parameter)")
            let got = Tensor(shape: entry.parameter.shape,
                             data: Array(UnsafeBufferPointer(start: gradients.pointer + entry.offset, count: entry.count)))
            try CLIPFixture.expectClose(got, f, name, tolerance: 1e-3)
        }
    }

    /// The parameter names are exactly the keys transformers' `save_pretrained` wrote.
    @Test func parameterNamesAreTransformers() throws {
        var generator = Philox(seed: 1)
        let (text, vision, head) = try CLIPFolderTests.tinyConfigs()
        let model = try CLIPModel(config: head, text: text, vision: vision, vocabularySize: 50, generator: &generator)
        let file = try SafetensorsFile(contentsOf: CLIPFixture.model.appendingPathComponent("model.safetensors"))
        let ours = model.namedParameters()
        #expect(ours.map(\.name).sorted() == file.names)
        for (name, p) in ours { #expect(try file.info(name).shape == p.shape, "\(name)") }
        #expect(try file.info("logit_scale").shape == [])
    }
}
