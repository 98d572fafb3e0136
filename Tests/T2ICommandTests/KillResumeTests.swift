import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A training stage killed outright (SIGKILL: no handler runs, nothing is saved on the way out) and
/// resumed with `--resume` ends exactly where an uninterrupted run ends (DESIGN §6, §7): the U-Net
/// stage on `Configs/tiny.yaml`, whose checkpoint holds the most state (weights, AdamW moments, EMA,
/// step, the noise generator — diffusion noise, timesteps, caption dropout — and the data order).
@Suite("t2i train-unet: killed and resumed", .serialized)
struct KillResumeTests {
    /// U-Net steps between checkpoints.
    static let checkpointEvery = 10
    /// The kill is sent once the log shows this step: past the first checkpoint, well before the second.
    static let killAfterStep = checkpointEvery + 3
    /// Run lengths to try, shortest first; a longer one is tried only when the run finished before
    /// the kill landed (a much faster machine), so the test can never pass without a real kill.
    static let lengths = [30, 120, 480]

    static let weightsFile = "unet/diffusion_pytorch_model.safetensors"
    static let stateFile = "state/unet.safetensors"
    static let logFile = "logs/unet.jsonl"

    @Test("SIGKILL part-way, then --resume: the U-Net weights and full state are bit-identical to an uninterrupted run")
    func killedAndResumedEqualsUninterrupted() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fileManager = FileManager.default

        // A tiny text encoder and autoencoder, trained once; both U-Net runs start from copies of it.
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml").path
        let base = folder.appendingPathComponent("base")
        let settings = ["--set", "data.count=128", "--set", "data.path=\(folder.appendingPathComponent("data").path)",
                        "--set", "encoder_training.steps=5", "--set", "vae_training.steps=5"]
        for stage in ["train-encoder", "train-ae"] {
            let out = try t2i.run([stage, "--config", config, "--run", base.path] + settings, in: folder)
            try #require(out.status == 0, "\(stage) failed: \(out.stderr)")
        }

        // Run B: started, SIGKILLed once the log is past the first checkpoint.
        var killed: (run: URL, steps: Int)?
        for steps in Self.lengths {
            let run = folder.appendingPathComponent("killed-\(steps)")
            try fileManager.copyItem(at: base, to: run)
            let arguments = ["train-unet", "--run", run.path] + Self.unetSettings(steps: steps)
            let attempt = try Self.runAndKill(t2i: t2i, arguments: arguments, in: folder,
                                              log: run.appendingPathComponent(Self.logFile), afterStep: Self.killAfterStep)
            switch attempt {
            case .killed:
                killed = (run, steps)
            case let .exited(status, stderr):
                try #require(status == 0, "train-unet \(steps) steps failed before it could be killed: \(stderr)")
                try fileManager.removeItem(at: run)  // finished too fast: try a longer run
            }
            if killed != nil { break }
        }
        let (runB, steps) = try #require(killed, "every train-unet run (\(Self.lengths) steps) finished before SIGKILL landed; the kill was never tested")

        // It died part-way: a checkpoint before the end, steps after it lost, no final weights.
        let checkpointStep = try Self.checkpointStep(runB.appendingPathComponent(Self.stateFile))
        let loggedBeforeKill = try Self.logLines(runB.appendingPathComponent(Self.logFile))
        let lastLogged = try #require(loggedBeforeKill.last?.step)
        #expect(checkpointStep >= Self.checkpointEvery && checkpointStep % Self.checkpointEvery == 0,
                "checkpoint step \(checkpointStep)")
        #expect(checkpointStep < steps, "the checkpoint is at step \(checkpointStep) of \(steps): the run was not cut short")
        #expect(lastLogged > checkpointStep && lastLogged < steps,
                "killed at step \(lastLogged) with the checkpoint at \(checkpointStep) of \(steps): no work after the checkpoint was lost")
        #expect(!fileManager.fileExists(atPath: runB.appendingPathComponent(Self.weightsFile).path),
                "the killed run wrote final U-Net weights")

        // Resumed: it continues from the checkpoint (not from scratch), keeping the log up to it.
        let resumed = try t2i.run(["train-unet", "--run", runB.path, "--resume"], in: folder)
        try #require(resumed.status == 0, "train-unet --resume failed: \(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming the U-Net at step \(checkpointStep) of \(steps)"), "\(resumed.stderr)")
        let logB = try Self.logLines(runB.appendingPathComponent(Self.logFile))
        #expect(logB.map(\.step) == Array(1...steps), "the resumed log's steps: \(logB.map(\.step))")
        #expect(Array(logB.prefix(checkpointStep).map(\.line)) == Array(loggedBeforeKill.prefix(checkpointStep).map(\.line)),
                "the log lines up to the checkpoint were rewritten: the run restarted instead of resuming")

        // Run A: the same command, uninterrupted.
        let runA = folder.appendingPathComponent("uninterrupted")
        try fileManager.copyItem(at: base, to: runA)
        let uninterrupted = try t2i.run(["train-unet", "--run", runA.path] + Self.unetSettings(steps: steps), in: folder)
        try #require(uninterrupted.status == 0, "train-unet failed: \(uninterrupted.stderr)")

        // Bit-identical: the saved (EMA) U-Net, and the full state — weights, moments, EMA, counters.
        for file in [Self.weightsFile, "unet/config.json", Self.stateFile] {
            let a = try Data(contentsOf: runA.appendingPathComponent(file))
            let b = try Data(contentsOf: runB.appendingPathComponent(file))
            // A Bool, not `a == b` inside #expect: on failure that would diff megabytes byte by byte.
            let same = a == b
            #expect(same, "\(file) differs: \(a.count) bytes uninterrupted, \(b.count) bytes killed and resumed; first difference at byte \(zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }.map { String($0.offset) } ?? "-")")
        }
        #expect(try Self.checkpointStep(runB.appendingPathComponent(Self.stateFile)) == steps)
        // Every step computed the same loss, learning rate and gradient norm.
        let logA = try Self.logLines(runA.appendingPathComponent(Self.logFile))
        #expect(logA.map(\.step) == logB.map(\.step))
        for (a, b) in zip(logA, logB) {
            #expect(a.values == b.values, "step \(a.step): uninterrupted \(a.values), killed and resumed \(b.values)")
        }
    }

    /// The U-Net settings of both runs: `steps` long, a checkpoint every `checkpointEvery` steps, a log line every step.
    static func unetSettings(steps: Int) -> [String] {
        ["--set", "unet_training.steps=\(steps)", "--set", "unet_training.checkpoint_every=\(checkpointEvery)",
         "--set", "unet_training.log_every=1"]
    }

    enum Attempt {
        /// SIGKILL ended the process.
        case killed
        /// The process ended on its own before the kill landed.
        case exited(status: Int32, stderr: String)
    }

    /// Starts `t2i arguments` without waiting, sends it SIGKILL once `log` shows `afterStep`, and
    /// reports how it ended.
    static func runAndKill(t2i: T2IBinary, arguments: [String], in folder: URL, log: URL, afterStep: Int) throws -> Attempt {
        let started = try t2i.start(arguments, in: folder)
        let process = started.process
        // Never leave a child behind, whatever happens below.
        var finished = false
        defer {
            if !finished {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                _ = try? started.finish()
            }
        }

        let deadline = Date().addingTimeInterval(300)
        while process.isRunning {
            if let last = try? logLines(log).last?.step, last >= afterStep {
                kill(process.processIdentifier, SIGKILL)
                break
            }
            guard Date() < deadline else {
                throw KillError(description: "train-unet did not log step \(afterStep) within 300 s")
            }
            usleep(5_000)
        }
        let output = try started.finish()
        finished = true
        if process.terminationReason == .uncaughtSignal {
            guard process.terminationStatus == SIGKILL else {
                throw KillError(description: "train-unet died of signal \(process.terminationStatus), not SIGKILL")
            }
            return .killed
        }
        return .exited(status: output.status, stderr: output.stderr)
    }

    struct KillError: Error, CustomStringConvertible {
        let description: String
    }

    /// One complete line of a training log: its step, its text, and its values other than timings.
    struct LogLine {
        var step: Int
        var line: String
        var values: [String: Double]
    }

    /// The complete lines of a `logs/<stage>.jsonl` (a line still being written is left out).
    static func logLines(_ url: URL) throws -> [LogLine] {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // after the last newline: empty, or a partial line
        return try lines.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(url.path): \(line)")
            let step = try #require(object["step"] as? Int, "\(url.path): \(line)")
            var values: [String: Double] = [:]
            for key in ["loss", "lr", "grad_norm"] {
                values[key] = object[key] as? Double
            }
            return LogLine(step: step, line: String(line), values: values)
        }
    }

    /// The `step` in a training checkpoint's safetensors metadata.
    static func checkpointStep(_ url: URL) throws -> Int {
        let data = try Data(contentsOf: url)
        try #require(data.count >= 8, "\(url.path) is truncated")
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        try #require(data.count >= 8 + headerLength, "\(url.path) is truncated")
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        let metadata = try #require(header?["__metadata__"] as? [String: String], "\(url.path) has no metadata")
        return try #require(metadata["step"].flatMap { Int($0) }, "\(url.path) has no step")
    }
}
