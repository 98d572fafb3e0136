import Foundation
import Testing

/// `t2i config validate` checks everything a stage would, and every error names the key and where
/// its value came from (the file or the --set); a stage given a bad value writes nothing.
@Suite("t2i config validate")
struct ConfigValidateCommandTests {
    static let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Configs")

    @Test("bad --set values: one line naming the --set and the key", arguments: [
        ("unet_training.steps=-1", "unet_training.steps: must be between 1 and 100000000, got -1"),
        ("vae_training.batch_size=0", "vae_training.batch_size: must be between 1 and 4096, got 0"),
        ("unet.norm_num_groups=7", "unet.norm_num_groups: 7 groups do not divide 64 channels"),
        ("text_encoder.num_attention_heads=3", "text_encoder.num_attention_heads: 3 does not divide hidden_size 128"),
        ("vae.norm_num_groups=5", "vae.norm_num_groups: 5 groups do not divide 32 channels"),
        ("sampling.guidance=nan", "sampling.guidance: must be a finite number (1 turns guidance off), got nan"),
        ("unet_training.learning_rate=inf", "unet_training.learning_rate: must be a positive number ≤ 10, got inf"),
        ("sampling.sampler=foo", "sampling.sampler: unknown sampler 'foo'"),
        ("sampling.steps=5000", "sampling.steps: must be between 1 and 1000 (the training timesteps), got 5000"),
        ("unet.layers_per_block=100000000", "unet.layers_per_block: must be between 1 and 64, got 100000000"),
        ("tokenizer.max_length=100000000000", "tokenizer.max_length: must be between 1 and 1024, got 100000000000"),
        ("data.size=5000", "data.size: must be between 1 and 1024, got 5000"),
        ("scheduler.beta_schedule=cosine", "scheduler.beta_schedule: unknown schedule 'cosine'"),
        ("diffusion.caption_dropout=1.5", "diffusion.caption_dropout: must be between 0 and 1, got 1.5"),
        ("text_encoder.hidden_act=swish", "text_encoder.hidden_act: unknown activation 'swish'"),
    ])
    func badOverride(_ setting: String, _ message: String) throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try T2IBinary().run(["config", "validate", Self.configs.appendingPathComponent("shapes-32.yaml").path, "--set", setting], in: folder)
        #expect(out.status != 0)
        #expect(out.stderr.hasPrefix("Error: --set \(setting): \(message)"), "\(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
    }

    @Test("a bad value in the file names the file; a stage given a bad value creates no run folder")
    func badFileAndNothingWritten() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try Data("unet_training:\n  learning_rate: -0.001\n".utf8).write(to: file)
        let t2i = try T2IBinary()
        let out = try t2i.run(["config", "validate", file.path], in: folder)
        #expect(out.status != 0)
        #expect(out.stderr.hasPrefix("Error: \(file.path): unet_training.learning_rate: must be a positive number ≤ 10, got -0.001"), "\(out.stderr)")
        for stage in ["train-encoder", "train-ae", "train-unet"] {
            let run = try t2i.run([stage, "--config", file.path, "--run", "runs/new"], in: folder)
            #expect(run.status != 0 && run.stderr.contains("unet_training.learning_rate"), "\(stage): \(run.stderr)")
            let set = try t2i.run([stage, "--run", "runs/new", "--set", "sampling.eta=-2"], in: folder)
            #expect(set.status != 0 && set.stderr.contains("--set sampling.eta=-2: sampling.eta"), "\(stage): \(set.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs").path))
    }

    @Test("the shipped configs validate", arguments: ["shapes-32.yaml", "emoji-32.yaml", "emoji-64.yaml", "clipart-128.yaml", "tiny.yaml"])
    func shippedConfigsValidate(_ name: String) throws {
        let out = try T2IBinary().run(["config", "validate", Self.configs.appendingPathComponent(name).path], in: Self.configs)
        #expect(out.status == 0 && out.stdout.hasSuffix(": ok\n"), "\(out.stderr)")
    }

    @Test("the composition study's configs validate, each holding combinations out of data of its own")
    func experimentConfigsValidate() throws {
        let folder = Self.configs.appendingPathComponent("experiments")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 8, "\(names)")
        for name in names {
            let file = folder.appendingPathComponent(name)
            let out = try T2IBinary().run(["config", "validate", file.path], in: Self.configs)
            #expect(out.status == 0 && out.stdout.hasSuffix(": ok\n"), "\(name): \(out.stderr)")
            let shown = try T2IBinary().run(["config", "show", file.path], in: Self.configs)
            #expect(shown.stdout.contains("  exclude:\n  - green triangle\n  - red square\n  - blue circle\n"), "\(name): \(shown.stdout)")
            #expect(shown.stdout.contains("path: data/study-p"), "\(name): a data folder of the study's own, not the default's")
        }
    }
}
