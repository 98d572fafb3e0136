import Foundation
import Testing
import Imaging
import TensorCore

/// `t2i export`: a run's pipeline as a self-contained (half-precision) model folder.
@Suite("t2i export", .serialized)
struct ExportCommandTests {
    @Test("an F16 export holds half-size F16 weights under the same names and generates nearly the same image")
    func halfPrecision() throws {
        let run = try GenerateTinyRun.run()
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try t2i.run(["export", "--run", run.path, "--out", "model", "--dtype", "f16"], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("unet/diffusion_pytorch_model.safetensors"))
        let model = folder.appendingPathComponent("model")
        for part in ["unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
                     "text_encoder/model.safetensors", "clip/model.safetensors"] {
            let original = try SafetensorsFile(contentsOf: run.appendingPathComponent(part))
            let half = try SafetensorsFile(contentsOf: model.appendingPathComponent(part))
            #expect(half.names == original.names, "\(part)")
            #expect(half.metadata == original.metadata, "\(part)")
            for name in half.names {
                #expect(try half.info(name).dtype == .f16, "\(part) \(name)")
                #expect(try half.info(name).shape == original.info(name).shape, "\(part) \(name)")
                // Rounding to F16 changes a value by at most half an F16 ulp: 2^-11 relative.
                for (h, f) in zip(try half.floats(name), try original.floats(name)) where abs(f) > 1e-4 {
                    #expect(abs(h - f) <= abs(f) * 0x1p-11 * 1.001, "\(part) \(name): \(f) → \(h)")
                }
            }
        }
        for file in ["model_index.json", "config.yaml", "tokenizer/tokenizer.model", "scheduler/scheduler_config.json"] {
            #expect(try Data(contentsOf: model.appendingPathComponent(file)) == Data(contentsOf: run.appendingPathComponent(file)), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: model.appendingPathComponent("state").path))
        #expect(!FileManager.default.fileExists(atPath: model.appendingPathComponent("logs").path))

        let prompt = GenerateCommandTests.prompt
        _ = try GenerateCommandTests.generate([prompt, "--run", run.path, "--seed", "1", "--out", "full.png"], in: folder)
        _ = try GenerateCommandTests.generate([prompt, "--run", "model", "--seed", "1", "--out", "half.png"], in: folder)
        let full = try Image.readPNG(at: folder.appendingPathComponent("full.png"))
        let half = try Image.readPNG(at: folder.appendingPathComponent("half.png"))
        let differences = zip(full.pixels, half.pixels).map { abs(Int($0) - Int($1)) }
        #expect(differences.max()! <= 8, "largest pixel difference \(differences.max()!)")
        #expect(Double(differences.reduce(0, +)) / Double(differences.count) < 1.0)
    }

    @Test("bad input: an existing folder without --force, --force onto what is not a model folder, an incomplete run, an unknown dtype")
    func badInput() throws {
        let run = try GenerateTinyRun.run()
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("taken"), withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: folder.appendingPathComponent("taken/notes.txt"))
        let taken = try t2i.run(["export", "--run", run.path, "--out", "taken"], in: folder)
        #expect(taken.status != 0)
        #expect(taken.stderr.contains("taken: already exists (pass --force to replace it)"), "\(taken.stderr)")
        #expect(try String(contentsOf: folder.appendingPathComponent("taken/notes.txt"), encoding: .utf8) == "keep me")

        // --force replaces only a model folder: not a folder of notes, not the run itself, not a folder holding it.
        let notModel = try t2i.run(["export", "--run", run.path, "--out", "taken", "--force"], in: folder)
        #expect(notModel.status != 0)
        #expect(notModel.stderr.contains("taken: is not a model folder t2i exported (no model_index.json); --force replaces only those"),
                "\(notModel.stderr)")
        #expect(try String(contentsOf: folder.appendingPathComponent("taken/notes.txt"), encoding: .utf8) == "keep me")
        let runFiles = try FileManager.default.subpathsOfDirectory(atPath: run.path).sorted()
        for target in [run.path, run.deletingLastPathComponent().path] {
            let own = try t2i.run(["export", "--run", run.path, "--out", target, "--force"], in: folder)
            #expect(own.status != 0)
            #expect(own.stderr.contains("is the run being exported, or holds it or lies inside it"), "\(own.stderr)")
        }
        #expect(try FileManager.default.subpathsOfDirectory(atPath: run.path).sorted() == runFiles)
        let copy = folder.appendingPathComponent("run-copy")
        try FileManager.default.copyItem(at: run, to: copy)
        let overRun = try t2i.run(["export", "--run", run.path, "--out", "run-copy", "--force"], in: folder)
        #expect(overRun.status != 0)
        #expect(overRun.stderr.contains("run-copy: is not a model folder t2i exported (it holds a run's training state)"), "\(overRun.stderr)")
        #expect(FileManager.default.fileExists(atPath: copy.appendingPathComponent("state").path))

        let first = try t2i.run(["export", "--run", run.path, "--out", "model"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        try Data("stale".utf8).write(to: folder.appendingPathComponent("model/stale.txt"))
        let replaced = try t2i.run(["export", "--run", run.path, "--out", "model", "--force"], in: folder)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("model/stale.txt").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model/unet/config.json").path))

        // A run without a U-Net yet: the error names the missing folder and nothing is written.
        let partial = folder.appendingPathComponent("partial")
        try FileManager.default.copyItem(at: run, to: partial)
        try FileManager.default.removeItem(at: partial.appendingPathComponent("unet"))
        let incomplete = try t2i.run(["export", "--run", "partial", "--out", "never"], in: folder)
        #expect(incomplete.status != 0)
        #expect(incomplete.stderr.contains("partial/unet: missing"), "\(incomplete.stderr)")
        #expect(incomplete.stderr.split(separator: "\n").count == 1, "\(incomplete.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("never").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("export-") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        let dtype = try t2i.run(["export", "--run", run.path, "--out", "x", "--dtype", "f8"], in: folder)
        #expect(dtype.status != 0)
        #expect(dtype.stderr.contains("--dtype must be f32, f16 or bf16, got f8"), "\(dtype.stderr)")
    }
}
