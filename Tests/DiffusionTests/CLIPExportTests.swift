import Foundation
import Testing
import TensorCore
import NN
import Optim
import Diffusion

/// Swift → Python: with `T2I_CLIP_EXPORT=DIR`, writes a t2i-built CLIP model (default run config,
/// Philox initialisation, then three AdamW steps of the contrastive loss so that biases and norms
/// move off their initial values) as `DIR/clip` and its text encoder as `DIR/text_encoder`, plus
/// the inputs and Swift's outputs in `DIR/swift_outputs.safetensors`. Checked with
/// `python scripts/fixtures/clip.py --check DIR`.
@Suite struct CLIPExportTests {
    @Test("needs T2I_CLIP_EXPORT=DIR: writes files for the Python check", .enabled(if: ProcessInfo.processInfo.environment["T2I_CLIP_EXPORT"] != nil))
    func exportForPython() throws {
        let path = try #require(ProcessInfo.processInfo.environment["T2I_CLIP_EXPORT"])
        let folder = URL(fileURLWithPath: path)
        let run = RunConfig()
        var generator = Philox(seed: 42)
        let model = try CLIPModel(config: run.clip, text: run.textEncoder, vision: run.visionEncoder, vocabularySize: 300,
                                  generator: &generator)
        let (batch, length) = (4, run.textEncoder.maxPositionEmbeddings)
        var ids = [Int32](repeating: 0, count: batch * length)
        for (b, n) in [6, 32, 11, 20].enumerated() {
            ids[b * length] = 2
            for i in 1..<(n - 1) { ids[b * length + i] = Int32(4 + generator.nextInt(below: 296)) }
            ids[b * length + n - 1] = 3
        }
        let keyLengths = model.textModel.keyLengths(ids: ids, batch: batch, length: length)
        var pixels = Tensor(zeros: [batch, 3, run.visionEncoder.imageSize, run.visionEncoder.imageSize])
        pixels.withUnsafeMutableBufferPointer { generator.fillNormal($0) }

        let layout = ParameterLayout(model)
        let parameters = layout.flatten()
        let gradients = FlatBuffer(count: layout.count)
        var adam = AdamW(count: layout.count)
        for _ in 0..<3 {
            gradients.zero()
            try model.valueAndGradient(layout: layout, gradients: gradients) {
                try #require(model(ids: ids, batch: batch, length: length, keyLengths: keyLengths, pixels: pixels).loss)
            }
            adam.update(parameters: parameters, gradients: gradients, lr: 1e-2)
            model.clampLogitScale(in: parameters, layout: layout)
        }

        try model.save(to: folder.appendingPathComponent("clip"))
        try model.textEncoder.save(to: folder.appendingPathComponent("text_encoder"))
        let out = model(ids: ids, batch: batch, length: length, keyLengths: keyLengths, pixels: pixels)
        let features = model.textFeatures(ids: ids, batch: batch, length: length, keyLengths: keyLengths)
        let mask = (0..<batch).flatMap { b in (0..<length).map { Int32($0 < keyLengths[b] ? 1 : 0) } }
        var writer = SafetensorsWriter(metadata: ["writer": "CLIPExportTests"])
        try writer.add("input_ids", int32s: ids, shape: [batch, length])
        try writer.add("attention_mask", int32s: mask, shape: [batch, length])
        try writer.add("pixel_values", pixels)
        try writer.add("text.last_hidden_state", out.textLastHiddenState)
        try writer.add("text.pooled", out.textPooled)
        try writer.add("text.features", features)
        try writer.add("vision.last_hidden_state", out.visionLastHiddenState)
        try writer.add("vision.pooled", out.visionPooled)
        try writer.add("vision.features", model.imageFeatures(pixels: pixels))
        try writer.add("text_embeds", out.textEmbeds)
        try writer.add("image_embeds", out.imageEmbeds)
        try writer.add("logits_per_text", out.logitsPerText)
        try writer.add("logits_per_image", out.logitsPerImage)
        try writer.add("loss", try #require(out.loss).reshaped([1]))
        try writer.write(to: folder.appendingPathComponent("swift_outputs.safetensors"))
    }
}
