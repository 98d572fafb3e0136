import Foundation
import Testing
import Imaging
import TensorCore

/// `T2I_BACKEND=reference`: the whole pipeline — three trainings and a generation — runs on the
/// reference backend's naive kernels, selected at run time, and lands where the CPU backend does.
@Suite("T2I_BACKEND", .serialized)
struct ReferenceBackendCommandTests {
    /// The losses of the steps logged in a stage's `logs/<stage>.jsonl`, in step order.
    static func losses(_ run: URL, _ stage: String) throws -> [Double] {
        let text = try String(contentsOf: run.appendingPathComponent("logs/\(stage).jsonl"), encoding: .utf8)
        // Step lines carry a loss; other lines (an evaluation's) do not.
        return try text.split(separator: "\n").compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["step"] != nil ? object?["loss"] as? Double : nil
        }
    }

    /// `Configs/tiny.yaml` and the settings of a four-step run of every stage at batch 8 on 64
    /// images generated into `folder/data`, every step logged.
    static func tinyFourSteps(in folder: URL) -> (config: String, settings: [String]) {
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml").path
        var settings = ["--set", "data.count=64", "--set", "data.path=\(folder.appendingPathComponent("data").path)"]
        for stage in ["encoder_training", "vae_training", "unet_training"] {
            settings += ["--set", "\(stage).steps=4", "--set", "\(stage).log_every=1", "--set", "\(stage).batch_size=8"]
        }
        return (config, settings)
    }

    @Test("a tiny train-then-generate on the reference backend agrees with the CPU backend")
    func tinyPipelineAgrees() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (config, settings) = Self.tinyFourSteps(in: folder)
        var images: [String: Image] = [:]
        for backend in ["cpu", "reference"] {
            let run = folder.appendingPathComponent(backend)
            for stage in ["train-encoder", "train-ae", "train-unet"] {
                let out = try t2i.run([stage, "--config", config, "--run", run.path] + settings, in: folder,
                                      environment: ["T2I_BACKEND": backend])
                try #require(out.status == 0, "\(stage) on \(backend) failed: \(out.stderr)")
            }
            let png = folder.appendingPathComponent("\(backend).png")
            let out = try t2i.run(["generate", "a red circle", "--run", run.path, "--seed", "3", "--steps", "6", "--out", png.path],
                                  in: folder, environment: ["T2I_BACKEND": backend])
            try #require(out.status == 0, "generate on \(backend) failed: \(out.stderr)")
            images[backend] = try Image.readPNG(at: png)
        }
        // Training: every logged loss within 1e-4 relative (the naive kernels round differently;
        // measured: under 2e-7 in the first steps).
        for stage in ["encoder", "ae", "unet"] {
            let a = try Self.losses(folder.appendingPathComponent("cpu"), stage)
            let b = try Self.losses(folder.appendingPathComponent("reference"), stage)
            #expect(a.count == 4 && b.count == 4, "\(stage): \(a.count) and \(b.count) logged steps")
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-4 * max(1, abs(x)), "\(stage) loss \(x) on cpu, \(y) on reference") }
        }
        // Generation: the same picture, within two levels of 255 per pixel (measured: identical bytes).
        let a = try #require(images["cpu"]), b = try #require(images["reference"])
        #expect(a.width == b.width && a.pixels.count == b.pixels.count)
        let differences = zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(differences.reduce(0, +)) / Double(max(differences.count, 1))
        #expect(mean <= 0.25, "mean pixel difference \(mean)")
        #expect((differences.max() ?? 0) <= 2, "largest pixel difference \(differences.max() ?? 0)")
    }

    @Test("an unknown T2I_BACKEND is refused in one line naming it, before anything runs")
    func unknownBackendIsRefused() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try T2IBinary().run(["generate", "a red circle", "--out", "x.png"], in: folder, environment: ["T2I_BACKEND": "cuda"])
        #expect(out.status == 1)
        #expect(out.stderr == "Error: T2I_BACKEND=cuda names no backend (use one of: cpu, reference)\n")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.png").path))
    }

    @Test("an unknown T2I_VECTOR_ISA is refused in one line naming it and the sets this CPU runs")
    func unknownVectorISAIsRefused() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try T2IBinary().run(["generate", "a red circle", "--out", "x.png"], in: folder, environment: ["T2I_VECTOR_ISA": "avx10"])
        #expect(out.status == 1)
        let sets = VectorISA.available.map(\.rawValue).joined(separator: ", ")
        #expect(out.stderr == "Error: T2I_VECTOR_ISA=avx10 names no instruction set this CPU runs (use one of: \(sets))\n")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.png").path))
    }
}
