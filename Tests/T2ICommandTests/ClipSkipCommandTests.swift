import Foundation
import Testing
import TensorCore
import Imaging

/// `diffusion.clip_skip` end to end: `t2i train-unet` trains on the skipped states and records the
/// value in the U-Net's weights, `t2i export` keeps it, and `t2i generate` uses it.
@Suite("diffusion.clip_skip", .serialized)
struct ClipSkipCommandTests {
    @Test("train-unet with clip_skip 1 trains on other states than clip_skip 0 and records the value")
    func trainsAndRecords() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (config, settings) = ReferenceBackendCommandTests.tinyFourSteps(in: folder)
        let plain = folder.appendingPathComponent("plain"), skipped = folder.appendingPathComponent("skipped")
        for stage in ["train-encoder", "train-ae", "train-unet"] {
            let out = try t2i.run([stage, "--config", config, "--run", plain.path] + settings, in: folder)
            try #require(out.status == 0, "\(stage) failed: \(out.stderr)")
        }
        // The same tokenizer, text encoder and autoencoder; only the U-Net's context differs.
        try FileManager.default.createDirectory(at: skipped, withIntermediateDirectories: true)
        for part in ["tokenizer", "text_encoder", "clip", "vae", "config.yaml"] {
            try FileManager.default.copyItem(at: plain.appendingPathComponent(part), to: skipped.appendingPathComponent(part))
        }
        let out = try t2i.run(["train-unet", "--run", skipped.path, "--set", "diffusion.clip_skip=1"], in: folder)
        try #require(out.status == 0, "train-unet with clip_skip 1 failed: \(out.stderr)")

        let weights = "unet/diffusion_pytorch_model.safetensors"
        #expect(try SafetensorsFile(contentsOf: skipped.appendingPathComponent(weights)).metadata["t2i_clip_skip"] == "1")
        #expect(try SafetensorsFile(contentsOf: plain.appendingPathComponent(weights)).metadata["t2i_clip_skip"] == nil)
        // The zero-initialised output layers make the first step's loss independent of the
        // context; from then on the two trainings see different states.
        let a = try ReferenceBackendCommandTests.losses(plain, "unet"), b = try ReferenceBackendCommandTests.losses(skipped, "unet")
        try #require(a.count == 4 && b.count == 4, "\(a.count) and \(b.count) logged steps")
        #expect(a[0] == b[0])
        #expect(a[1...] != b[1...], "the U-Net losses with and without clip skip are the same: \(a) \(b)")

        // Export keeps the record; generate reads it (the exported copy makes the same image).
        let model = folder.appendingPathComponent("model")
        let exported = try t2i.run(["export", "--run", skipped.path, "--out", model.path, "--dtype", "f32"], in: folder)
        try #require(exported.status == 0, "export failed: \(exported.stderr)")
        #expect(try SafetensorsFile(contentsOf: model.appendingPathComponent(weights)).metadata["t2i_clip_skip"] == "1")
        var images: [[UInt8]] = []
        for (name, source) in [("run", skipped), ("model", model)] {
            let png = folder.appendingPathComponent("\(name).png")
            let generated = try t2i.run(["generate", "a red circle", "--run", source.path, "--seed", "3", "--steps", "4",
                                         "--out", png.path], in: folder)
            try #require(generated.status == 0, "generate from \(name) failed: \(generated.stderr)")
            images.append(try Image.readPNG(at: png).pixels)
        }
        // The PNGs' text chunks name their model; the pixels must be the same.
        #expect(images[0] == images[1], "the exported model draws another image than its run")
    }
}
