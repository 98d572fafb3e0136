import Foundation
import Testing
import Imaging
import TensorCore

/// `t2i generate` on broken models and dangerous outputs (DESIGN §7): one line naming the file or
/// key, a non-zero exit, and nothing on disk changed.
@Suite("t2i generate: bad models and outputs", .serialized)
struct GenerateRobustnessTests {
    static let prompt = "a large red circle in the center on a white background"

    /// A copy of the shipped model in `folder`/model, for breaking.
    static func copyModel(into folder: URL) throws -> URL {
        let copy = folder.appendingPathComponent("model")
        try FileManager.default.copyItem(at: ShippedModelTests.shipped, to: copy)
        return copy
    }

    /// Every file under `folder` with its bytes (FIFOs and other specials by kind only).
    static func snapshot(_ folder: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) ?? .init()
        where !url.lastPathComponent.hasPrefix("std") {
            let type = try FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType
            files[url.path] = type == .typeRegular ? SHA256.hex([UInt8](try Data(contentsOf: url))) : "\(String(describing: type))"
        }
        return files
    }

    /// Runs `t2i generate` in `folder`, requires failure with `message` on one stderr line and no change on disk.
    static func refused(_ arguments: [String], in folder: URL, message: String...) throws {
        let before = try snapshot(folder)
        let out = try T2IBinary().run(["generate"] + arguments, in: folder)
        #expect(out.status != 0, "\(arguments) succeeded")
        for part in message { #expect(out.stderr.contains(part), "\(arguments): \(out.stderr)") }
        // One line; a flag error is followed by ArgumentParser's usage reminder.
        let lines = out.stderr.split(separator: "\n").filter { !$0.hasPrefix("denoising") && !$0.hasPrefix("Usage: ") && !$0.hasPrefix("  See '") }
        #expect(lines.count == 1, "\(arguments): \(out.stderr)")
        #expect(try snapshot(folder) == before, "\(arguments) changed files")
    }

    @Test("a NaN in the U-Net's weights is refused on loading, naming the file and the tensor")
    func nanWeights() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.copyModel(into: folder)
        let weights = model.appendingPathComponent("unet/diffusion_pytorch_model.safetensors")
        let file = try SafetensorsFile(contentsOf: weights)
        var writer = SafetensorsWriter(metadata: file.metadata)
        for name in file.names {
            var values = try file.floats(name)
            if name == "conv_out.bias" { values[2] = .nan }
            try writer.add(name, floats: values, shape: try file.info(name).shape, as: try file.info(name).dtype)
        }
        try writer.write(to: weights)
        try Self.refused([Self.prompt, "--run", "model"], in: folder,
                         message: "model/unet/diffusion_pytorch_model.safetensors: tensor conv_out.bias holds 1 of 4 values that are NaN or infinite")
    }

    @Test("a U-Net from another pipeline is refused before it runs, naming both config files and both widths")
    func mismatchedParts() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.copyModel(into: folder)
        try FileManager.default.removeItem(at: model.appendingPathComponent("unet"))
        let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/unet/tiny")
        try FileManager.default.copyItem(at: tiny, to: model.appendingPathComponent("unet"))
        try Self.refused([Self.prompt, "--run", "model"], in: folder,
                         message: "model/unet/config.json has cross_attention_dim 16 but ", "model/text_encoder/config.json has hidden_size 128")
    }

    @Test("latents that turn non-finite stop the sampler with one line; no blank image is written")
    func nonFiniteLatents() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.refused([Self.prompt, "--run", ShippedModelTests.shipped.path, "--guidance", "1e38", "--steps", "10"], in: folder,
                         message: "latent values are NaN or infinite")
    }

    @Test("--out never replaces a FIFO, a folder, a link or a file t2i did not write; it does replace its own PNG")
    func outputsThatMustNotBeReplaced() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = ShippedModelTests.shipped.path
        #expect(mkfifo(folder.appendingPathComponent("fifo.png").path, 0o644) == 0)
        try Data("my notes".utf8).write(to: folder.appendingPathComponent("notes.png"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dir.png"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.png").path, withDestinationPath: "notes.png")
        try Image(width: 4, height: 4, format: .rgb).writePNG(to: folder.appendingPathComponent("plain.png"))
        for name in ["fifo.png", "dir.png", "link.png"] {
            try Self.refused([Self.prompt, "--run", model, "--steps", "5", "--out", name], in: folder,
                             message: "\(name): exists and is not a regular file")
        }
        for name in ["notes.png", "plain.png"] {
            try Self.refused([Self.prompt, "--run", model, "--steps", "5", "--out", name], in: folder,
                             message: "\(name): exists and is not an image t2i generated")
        }
        // A batch is refused whole when one of its files may not be replaced.
        try Data("mine".utf8).write(to: folder.appendingPathComponent("batch-1.png"))
        try Self.refused([Self.prompt, "--run", model, "--steps", "5", "--count", "3", "--out", "batch.png"], in: folder,
                         message: "batch-1.png: exists and is not an image t2i generated")
        // Its own output is replaced.
        for seed in ["1", "2"] {
            let out = try T2IBinary().run(["generate", Self.prompt, "--run", model, "--steps", "5", "--seed", seed, "--out", "mine.png"], in: folder)
            #expect(out.status == 0, "\(out.stderr)")
        }
        let text = try Image.readPNGText(at: folder.appendingPathComponent("mine.png"))
        #expect(text.contains { $0.key == "t2i:seed" && $0.value == "2" })
    }

    @Test("default names never collide: a repeated command, prompts that slug alike, empty and emoji-only prompts")
    func defaultNamesNeverOverwrite() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = ShippedModelTests.shipped.path
        for prompt in [Self.prompt, Self.prompt, Self.prompt.uppercased(), "", "🙂"] {
            let out = try T2IBinary().run(["generate", prompt, "--run", model, "--steps", "5"], in: folder)
            #expect(out.status == 0, "\(out.stderr)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("outputs").path).sorted()
        let stem = "a-large-red-circle-in-the-center-on-a-white-background-s0"
        #expect(names == ["\(stem)-2.png", "\(stem)-3.png", "\(stem).png", "image-s0-2.png", "image-s0.png"])
        let prompts = try names.map { name in
            try Image.readPNGText(at: folder.appendingPathComponent("outputs/\(name)")).first { $0.key == "t2i:prompt" }?.value
        }
        #expect(prompts == [Self.prompt, Self.prompt.uppercased(), Self.prompt, "🙂", ""])
    }
}

/// Sizes from outside are bounded before anything is allocated; many images are made in bounded
/// batches and written as they finish.
@Suite("t2i generate: counts", .serialized)
struct GenerateCountTests {
    @Test("--count 20 runs in batches of 16 and every image still equals the single image of its seed")
    func batchesAreInvisible() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = ShippedModelTests.shipped.path
        let many = try T2IBinary().run(["generate", GenerateRobustnessTests.prompt, "--run", model, "--steps", "3", "--seed", "100",
                                        "--count", "20", "--out", "many.png"], in: folder)
        #expect(many.status == 0, "\(many.stderr)")
        #expect(many.stderr.contains("denoising 1–16 of 20") && many.stderr.contains("denoising 17–20 of 20"), "\(many.stderr)")
        for i in 0..<20 { #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("many-\(i).png").path), "many-\(i).png") }
        for i in [15, 16, 19] {
            let one = try T2IBinary().run(["generate", GenerateRobustnessTests.prompt, "--run", model, "--steps", "3",
                                           "--seed", String(100 + i), "--out", "one-\(i).png"], in: folder)
            #expect(one.status == 0, "\(one.stderr)")
            #expect(try Data(contentsOf: folder.appendingPathComponent("one-\(i).png")) == Data(contentsOf: folder.appendingPathComponent("many-\(i).png")),
                    "image \(i) of the batch differs from seed \(100 + i) alone")
        }
    }

    @Test("counts beyond the limits, from a flag or from a PNG's metadata, are refused before any work",
          arguments: [
              (["--count", "10001"], "--count: 10001 images; one command makes 1 to 10000"),
              (["--count", "2000", "--grid"], "--count: 2000 images; a grid holds 1 to 1024"),
              (["--count", "0"], "--count: 0 images; one command makes 1 to 10000"),
              (["--from", "huge.png"], "huge.png: t2i:count: '99999999999' is not an image count (an integer from 1 to 1024)"),
          ])
    func limits(_ arguments: [String], _ message: String) throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text: [PNGTextEntry] = [("t2i:prompt", "a red circle"), ("t2i:negative_prompt", ""), ("t2i:seed", "0"), ("t2i:sampler", "ddim"),
                                    ("t2i:steps", "5"), ("t2i:guidance", "4.0"), ("t2i:eta", "0.0"), ("t2i:model", ShippedModelTests.shipped.path),
                                    ("t2i:version", "0.1.0"), ("t2i:count", "99999999999")]
        try Image(width: 8, height: 8, format: .rgb).writePNG(to: folder.appendingPathComponent("huge.png"), text: text)
        let prompt = arguments.first == "--from" ? [] : ["a red circle", "--run", ShippedModelTests.shipped.path]
        try GenerateRobustnessTests.refused(prompt + arguments, in: folder, message: message)
    }
}
