import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `mpirun -np 2 t2i train-…` (DESIGN §11, issue 18): the same bytes as one process, rank 0 alone
/// writes, a dead rank ends the job, and a run resumes with another process count.
@Suite("mpirun -np 2 t2i train-*", .serialized)
struct DataParallelTests {
    static let configFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Configs/tiny.yaml").path

    /// Settings shared by every run here: small data, and micro-batches two processes can share
    /// (encoder batch 32 in 2, autoencoder 16 in 2, U-Net 16 in 4).
    static func settings(_ folder: URL, steps: Int) -> [String] {
        ["--config", configFile, "--set", "data.count=128", "--set", "data.path=\(folder.appendingPathComponent("data").path)",
         "--set", "encoder_training.steps=\(steps)", "--set", "encoder_training.micro_batch_size=16",
         "--set", "vae_training.steps=\(steps)", "--set", "vae_training.micro_batch_size=8",
         "--set", "unet_training.steps=\(steps)", "--set", "unet_training.micro_batch_size=4",
         "--set", "unet_training.log_every=1", "--set", "vae_training.log_every=1", "--set", "encoder_training.log_every=1"]
    }

    @Test("two processes write the same bytes as one: encoder, autoencoder and U-Net; rank 1 writes nothing of its own")
    func twoProcessesEqualOne() throws {
        let t2i = try T2IBinary()
        let mpi = try MPIRun()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two")
        for stage in ["train-encoder", "train-ae", "train-unet"] {
            // Both runs read the same data folder; the one-process run prepares it first.
            let a = try t2i.run([stage, "--run", one.path] + Self.settings(folder, steps: 4), in: folder)
            try #require(a.status == 0, "\(stage) (1 process) failed: \(a.stderr)")
            let b = try mpi.run(2, t2i: t2i, [stage, "--run", two.path] + Self.settings(folder, steps: 4), in: folder)
            try #require(b.status == 0, "\(stage) (mpirun -np 2) failed: \(b.stderr)")
            // One report, from rank 0.
            #expect(b.stdout.components(separatedBy: "wall time").count == 2, "\(stage) printed its report \(b.stdout.components(separatedBy: "wall time").count - 1) times:\n\(b.stdout)")
        }
        let files = ["state/encoder.safetensors", "clip/model.safetensors", "text_encoder/model.safetensors",
                     "state/ae.safetensors", "vae/diffusion_pytorch_model.safetensors", "vae/config.json",
                     "state/unet.safetensors", "unet/diffusion_pytorch_model.safetensors"]
        for file in files {
            let a = try Data(contentsOf: one.appendingPathComponent(file)), b = try Data(contentsOf: two.appendingPathComponent(file))
            // A Bool, not `a == b` inside #expect: on failure that would diff megabytes byte by byte.
            let same = a == b
            #expect(same, "\(file) differs between 1 and 2 processes (\(a.count) and \(b.count) bytes)")
        }
        // Each log holds the one-process run's lines once (rank 1 wrote none of its own), with the
        // same losses, learning rates and gradient norms.
        for stage in ["encoder", "ae", "unet"] {
            let a = try KillResumeTests.logLines(one.appendingPathComponent("logs/\(stage).jsonl"))
            let b = try KillResumeTests.logLines(two.appendingPathComponent("logs/\(stage).jsonl"))
            #expect(Array(a.map(\.step).prefix(4)) == [1, 2, 3, 4], "logs/\(stage).jsonl (1 process) steps \(a.map(\.step))")
            #expect(b.map(\.step) == a.map(\.step), "logs/\(stage).jsonl steps \(b.map(\.step)) against \(a.map(\.step))")
            #expect(a.map(\.values) == b.map(\.values), "logs/\(stage).jsonl: losses differ")
        }
    }

    @Test("a process count that cannot share the micro-batches is refused with the key to set, before anything runs")
    func unevenShareIsRefused() throws {
        let t2i = try T2IBinary()
        let mpi = try MPIRun()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let out = try mpi.run(2, t2i: t2i, ["train-encoder", "--run", run.path] + Self.settings(folder, steps: 2)
                                + ["--set", "encoder_training.micro_batch_size=0"], in: folder)
        #expect(out.status != 0)
        #expect(out.stderr.contains("Error: rank 0: encoder_training.micro_batch_size: 0 (the whole batch of 32 at once) makes 1 micro-batch, which 2 processes cannot share evenly; set it to a divisor of 16 (e.g. --set encoder_training.micro_batch_size=16)"),
                "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("state/encoder.safetensors").path))
    }

    @Test("other commands refuse to run under mpirun, once per rank")
    func otherCommandsRefuseMPIRun() throws {
        let t2i = try T2IBinary()
        let mpi = try MPIRun()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try mpi.run(2, t2i: t2i, ["generate", "a large red circle in the center on a white background"], in: folder)
        #expect(out.status != 0)
        #expect(out.stderr.contains("Error: t2i generate does not run under mpirun; only train-encoder, train-ae and train-unet do"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("outputs").path))
    }

    @Test("Ctrl-C on mpirun stops both ranks together with a checkpoint, and --resume ends as an uninterrupted run")
    func interruptStopsAllRanksWithACheckpoint() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try Self.trainBase(t2i: t2i, in: folder)
        let extra = ["--set", "unet_training.checkpoint_every=1000"]
        // A terminal's Ctrl-C reaches mpirun (the ranks are in process groups of their own).
        let stopped = try Self.trainUNet(t2i: t2i, base: base, in: folder, extra: extra, afterStep: 5) { job in
            kill(job.process.processIdentifier, SIGINT)
        }
        #expect(stopped.output.stderr.contains("interrupted: saved a checkpoint at step"), "\(stopped.output.stderr)")
        // The checkpoint is where both ranks stopped: past the interrupt's step, before the end.
        let checkpointStep = try KillResumeTests.checkpointStep(stopped.run.appendingPathComponent("state/unet.safetensors"))
        #expect(checkpointStep >= 5 && checkpointStep < stopped.steps, "checkpoint at step \(checkpointStep) of \(stopped.steps)")
        let logged = try KillResumeTests.logLines(stopped.run.appendingPathComponent("logs/unet.jsonl"))
        #expect(logged.last?.step == checkpointStep, "log ends at \(logged.last?.step ?? -1), checkpoint at \(checkpointStep)")

        let resumed = try MPIRun().run(2, t2i: t2i, ["train-unet", "--run", stopped.run.path, "--resume"], in: folder)
        try #require(resumed.status == 0, "mpirun train-unet --resume failed: \(resumed.stderr)")
        try Self.expectSameAsUninterrupted(stopped.run, steps: stopped.steps, t2i: t2i, base: base, in: folder, extra: extra)
    }

    @Test("killing one rank ends the job within 10 s; the run resumes from its checkpoint with one process and ends as an uninterrupted run")
    func killedRankStopsTheJobAndTheRunResumes() throws {
        let t2i = try T2IBinary()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try Self.trainBase(t2i: t2i, in: folder)
        let checkpointEvery = 10
        let extra = ["--set", "unet_training.checkpoint_every=\(checkpointEvery)"]
        let killed = try Self.trainUNet(t2i: t2i, base: base, in: folder, extra: extra, afterStep: checkpointEvery + 3) { job in
            let rank1 = try #require(job.rankProcess(1), "no process of rank 1 under mpirun")
            kill(rank1, SIGKILL)
        }
        #expect(killed.output.status != 0, "mpirun exited 0 after a rank was killed")
        #expect(killed.secondsToEnd < 10, "the job took \(killed.secondsToEnd) s to end after rank 1 died")
        #expect(!FileManager.default.fileExists(atPath: killed.run.appendingPathComponent("unet").path), "the killed job wrote final weights")
        let checkpointStep = try KillResumeTests.checkpointStep(killed.run.appendingPathComponent("state/unet.safetensors"))
        #expect(checkpointStep >= checkpointEvery && checkpointStep < killed.steps, "checkpoint at step \(checkpointStep) of \(killed.steps)")

        // Resumed by one process (a different count): the run's own config, from the checkpoint.
        let resumed = try t2i.run(["train-unet", "--run", killed.run.path, "--resume"], in: folder)
        try #require(resumed.status == 0, "train-unet --resume failed: \(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming the U-Net at step \(checkpointStep) of \(killed.steps)"), "\(resumed.stderr)")
        try Self.expectSameAsUninterrupted(killed.run, steps: killed.steps, t2i: t2i, base: base, in: folder, extra: extra)
    }

    /// A run with a tiny trained text encoder and autoencoder, for the U-Net runs to start from.
    static func trainBase(t2i: T2IBinary, in folder: URL) throws -> URL {
        let base = folder.appendingPathComponent("base")
        for stage in ["train-encoder", "train-ae"] {
            let out = try t2i.run([stage, "--run", base.path] + settings(folder, steps: 3), in: folder)
            try #require(out.status == 0, "\(stage) failed: \(out.stderr)")
        }
        return base
    }

    /// Starts `mpirun -np 2 t2i train-unet` on a copy of `base` and calls `act` once its log shows
    /// `afterStep`; a run that ends before that, or that `act` reached only after its last step,
    /// is retried longer, so the test never passes without `act` having run mid-training.
    static func trainUNet(t2i: T2IBinary, base: URL, in folder: URL, extra: [String], afterStep: Int,
                          act: (MPIRun.Job) throws -> Void) throws -> (run: URL, steps: Int, output: T2IBinary.Output, secondsToEnd: Double) {
        let mpi = try MPIRun()
        for steps in [40, 160, 640] {
            let run = folder.appendingPathComponent("unet-\(steps)")
            try FileManager.default.copyItem(at: base, to: run)
            let job = try mpi.start(2, t2i: t2i, ["train-unet", "--run", run.path] + settings(folder, steps: steps) + extra, in: folder)
            defer { job.stop() }
            let log = run.appendingPathComponent("logs/unet.jsonl")
            let deadline = Date().addingTimeInterval(300)
            var acted: Date?
            while job.process.isRunning {
                if acted == nil, let last = try? KillResumeTests.logLines(log).last?.step, last >= afterStep {
                    try act(job)
                    acted = Date()
                }
                try #require(Date() < deadline, "mpirun did not end within 300 s")
                usleep(5_000)
            }
            let output = try job.finish()
            // On a fast, quiet machine the 40 steps can all be done before the signal has gone
            // through mpirun to the ranks (mpirun then still exits non-zero): a run that logged its
            // last step was not stopped.
            let ranToTheEnd = (try? KillResumeTests.logLines(log).last?.step) == steps
            if let acted, !ranToTheEnd {
                #expect(job.rankProcess(0) == nil && job.rankProcess(1) == nil, "a rank outlived mpirun")
                return (run, steps, output, Date().timeIntervalSince(acted))
            }
            if acted == nil {
                try #require(output.status == 0, "mpirun train-unet failed before step \(afterStep): \(output.stderr)")
            }
            try FileManager.default.removeItem(at: run)  // finished too fast: a longer run
        }
        throw KillResumeTests.KillError(description: "every train-unet run (40, 160, 640 steps) finished before step \(afterStep) or before the signal reached it")
    }

    /// `run`, stopped and resumed, holds the same U-Net state and weights as one uninterrupted
    /// process trained from `base` for `steps`.
    static func expectSameAsUninterrupted(_ run: URL, steps: Int, t2i: T2IBinary, base: URL, in folder: URL, extra: [String]) throws {
        let straight = folder.appendingPathComponent("uninterrupted-\(steps)")
        try FileManager.default.copyItem(at: base, to: straight)
        let out = try t2i.run(["train-unet", "--run", straight.path] + settings(folder, steps: steps) + extra, in: folder)
        try #require(out.status == 0, "train-unet failed: \(out.stderr)")
        for file in ["state/unet.safetensors", "unet/diffusion_pytorch_model.safetensors"] {
            let a = try Data(contentsOf: straight.appendingPathComponent(file)), b = try Data(contentsOf: run.appendingPathComponent(file))
            // A Bool, not `a == b` inside #expect: on failure that would diff megabytes byte by byte.
            let same = a == b
            #expect(same, "\(file): stopped under mpirun and resumed differs from an uninterrupted run")
        }
    }
}

/// Open MPI's `mpirun`, set up to start local ranks in a test (as root too, in containers too).
struct MPIRun {
    let url: URL

    init() throws {
        let candidates = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw T2IBinary.LocateError.notFound(candidates + ["(mpirun: install openmpi-bin with scripts/bootstrap.sh)"])
        }
        url = URL(fileURLWithPath: found)
    }

    /// A started job; its output goes to files.
    final class Job {
        let process: Process
        let stdout: URL, stderr: URL
        private var finished = false

        init(process: Process, stdout: URL, stderr: URL) {
            self.process = process
            self.stdout = stdout
            self.stderr = stderr
        }

        /// The pid of the rank `rank` process (a child of mpirun), from its environment.
        func rankProcess(_ rank: Int) -> pid_t? {
            let pid = process.processIdentifier
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let children = tasks.flatMap { task in
                ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                    .split(separator: " ").compactMap { pid_t($0) }
            }
            return children.first { child in
                let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/environ"))) ?? Data()
                return environ.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }
            }
        }

        func finish() throws -> T2IBinary.Output {
            process.waitUntilExit()
            finished = true
            return T2IBinary.Output(status: process.terminationStatus,
                                    stdout: String(decoding: try Data(contentsOf: stdout), as: UTF8.self),
                                    stderr: String(decoding: try Data(contentsOf: stderr), as: UTF8.self))
        }

        /// Never leaves a job behind.
        func stop() {
            guard !finished else { return }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    func start(_ processes: Int, t2i: T2IBinary, _ arguments: [String], in folder: URL) throws -> Job {
        let stdout = folder.appendingPathComponent("mpirun-\(UUID().uuidString).out")
        let stderr = folder.appendingPathComponent("mpirun-\(UUID().uuidString).err")
        try Data().write(to: stdout)
        try Data().write(to: stderr)
        let process = Process()
        process.executableURL = url
        process.arguments = ["-np", String(processes), "--oversubscribe", t2i.url.path] + arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["T2I_MODEL"] = nil
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        // Containers often forbid the cross-process memory attach of the shared-memory transport.
        environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        // The test runner's threads block most signals and a spawned child inherits the mask:
        // mpirun would never see the SIGINT of a Ctrl-C. Unblock SIGINT alone while spawning it
        // (not SIGCHLD: a pending one would be lost to this thread, and Foundation would never
        // learn that an earlier child ended).
        var interrupt = sigset_t(), saved = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
        return Job(process: process, stdout: stdout, stderr: stderr)
    }

    func run(_ processes: Int, t2i: T2IBinary, _ arguments: [String], in folder: URL) throws -> T2IBinary.Output {
        let job = try start(processes, t2i: t2i, arguments, in: folder)
        defer { job.stop() }
        return try job.finish()
    }
}
