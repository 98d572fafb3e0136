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
            #expect(a == b, "\(file) differs between 1 and 2 processes (\(a.count) and \(b.count) bytes)")
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
        #expect(out.stderr.contains("encoder_training.micro_batch_size: 0 (the whole batch of 32 at once) makes 1 micro-batch, which 2 processes cannot share evenly; set it to a divisor of 16 (e.g. --set encoder_training.micro_batch_size=16)"),
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
        let mpi = try MPIRun()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fileManager = FileManager.default
        let base = folder.appendingPathComponent("base")
        for stage in ["train-encoder", "train-ae"] {
            let out = try t2i.run([stage, "--run", base.path] + Self.settings(folder, steps: 3), in: folder)
            try #require(out.status == 0, "\(stage) failed: \(out.stderr)")
        }
        var stopped: (run: URL, steps: Int)?
        for steps in [40, 160, 640] {
            let run = folder.appendingPathComponent("interrupted-\(steps)")
            try fileManager.copyItem(at: base, to: run)
            let job = try mpi.start(2, t2i: t2i, ["train-unet", "--run", run.path] + Self.settings(folder, steps: steps)
                                    + ["--set", "unet_training.checkpoint_every=1000"], in: folder)
            defer { job.stop() }
            let log = run.appendingPathComponent("logs/unet.jsonl")
            let deadline = Date().addingTimeInterval(300)
            var sent = false
            while job.process.isRunning {
                if !sent, let last = try? KillResumeTests.logLines(log).last?.step, last >= 5 {
                    kill(job.process.processIdentifier, SIGINT)
                    sent = true
                }
                try #require(Date() < deadline, "mpirun did not end within 300 s")
                usleep(5_000)
            }
            let output = try job.finish()
            if sent {
                #expect(output.stderr.contains("interrupted: saved a checkpoint at step"), "\(output.stderr)")
                #expect(job.rankProcess(1) == nil)
                stopped = (run, steps)
                break
            }
            try #require(output.status == 0, "mpirun train-unet failed before the interrupt: \(output.stderr)")
            try fileManager.removeItem(at: run)
        }
        let (runB, steps) = try #require(stopped, "every run finished before the interrupt")
        // The checkpoint is where both ranks stopped: past the interrupt's step, before the end.
        let checkpointStep = try KillResumeTests.checkpointStep(runB.appendingPathComponent("state/unet.safetensors"))
        #expect(checkpointStep >= 5 && checkpointStep < steps, "checkpoint at step \(checkpointStep) of \(steps)")
        let logged = try KillResumeTests.logLines(runB.appendingPathComponent("logs/unet.jsonl"))
        #expect(logged.last?.step == checkpointStep, "log ends at \(logged.last?.step ?? -1), checkpoint at \(checkpointStep)")

        let resumed = try mpi.run(2, t2i: t2i, ["train-unet", "--run", runB.path, "--resume"], in: folder)
        try #require(resumed.status == 0, "mpirun train-unet --resume failed: \(resumed.stderr)")
        let runA = folder.appendingPathComponent("uninterrupted")
        try fileManager.copyItem(at: base, to: runA)
        let straight = try t2i.run(["train-unet", "--run", runA.path] + Self.settings(folder, steps: steps)
                                   + ["--set", "unet_training.checkpoint_every=1000"], in: folder)
        try #require(straight.status == 0, "train-unet failed: \(straight.stderr)")
        for file in ["state/unet.safetensors", "unet/diffusion_pytorch_model.safetensors"] {
            let a = try Data(contentsOf: runA.appendingPathComponent(file)), b = try Data(contentsOf: runB.appendingPathComponent(file))
            #expect(a == b, "\(file): interrupted and resumed under mpirun differs from an uninterrupted run")
        }
    }

    @Test("killing one rank ends the job within 10 s; the run resumes from its checkpoint with one process and ends as an uninterrupted run")
    func killedRankStopsTheJobAndTheRunResumes() throws {
        let t2i = try T2IBinary()
        let mpi = try MPIRun()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fileManager = FileManager.default
        let base = folder.appendingPathComponent("base")
        for stage in ["train-encoder", "train-ae"] {
            let out = try t2i.run([stage, "--run", base.path] + Self.settings(folder, steps: 3), in: folder)
            try #require(out.status == 0, "\(stage) failed: \(out.stderr)")
        }
        let checkpointEvery = 10, killAfter = 13
        var killed: (run: URL, steps: Int, seconds: Double)?
        for steps in [40, 160, 640] {
            let run = folder.appendingPathComponent("killed-\(steps)")
            try fileManager.copyItem(at: base, to: run)
            let arguments = ["train-unet", "--run", run.path] + Self.settings(folder, steps: steps)
                + ["--set", "unet_training.checkpoint_every=\(checkpointEvery)"]
            let job = try mpi.start(2, t2i: t2i, arguments, in: folder)
            defer { job.stop() }
            let log = run.appendingPathComponent("logs/unet.jsonl")
            let deadline = Date().addingTimeInterval(300)
            var sent: Date?
            while job.process.isRunning {
                if sent == nil, let last = try? KillResumeTests.logLines(log).last?.step, last >= killAfter {
                    let rank1 = try #require(job.rankProcess(1), "no process of rank 1 under mpirun")
                    kill(rank1, SIGKILL)
                    sent = Date()
                }
                try #require(Date() < deadline, "mpirun did not end within 300 s")
                usleep(5_000)
            }
            let output = try job.finish()
            if let sent {
                killed = (run, steps, Date().timeIntervalSince(sent))
                #expect(output.status != 0, "mpirun exited 0 after a rank was killed")
                break
            }
            try #require(output.status == 0, "mpirun train-unet failed before the kill: \(output.stderr)")
            try fileManager.removeItem(at: run)  // finished before the kill: a longer run
        }
        let (runB, steps, seconds) = try #require(killed, "every run finished before rank 1 could be killed")
        #expect(seconds < 10, "the job took \(seconds) s to end after rank 1 died")
        #expect(try fileManager.contentsOfDirectory(atPath: runB.path).contains("unet") == false, "the killed job wrote final weights")
        let checkpointStep = try KillResumeTests.checkpointStep(runB.appendingPathComponent("state/unet.safetensors"))
        #expect(checkpointStep >= checkpointEvery && checkpointStep < steps, "checkpoint at step \(checkpointStep) of \(steps)")

        // Resumed by one process (a different count): the run's own config, from the checkpoint.
        let resumed = try t2i.run(["train-unet", "--run", runB.path, "--resume"], in: folder)
        try #require(resumed.status == 0, "train-unet --resume failed: \(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming the U-Net at step \(checkpointStep) of \(steps)"), "\(resumed.stderr)")

        let runA = folder.appendingPathComponent("uninterrupted")
        try fileManager.copyItem(at: base, to: runA)
        let straight = try t2i.run(["train-unet", "--run", runA.path] + Self.settings(folder, steps: steps)
                                   + ["--set", "unet_training.checkpoint_every=\(checkpointEvery)"], in: folder)
        try #require(straight.status == 0, "train-unet failed: \(straight.stderr)")
        for file in ["state/unet.safetensors", "unet/diffusion_pytorch_model.safetensors"] {
            let a = try Data(contentsOf: runA.appendingPathComponent(file)), b = try Data(contentsOf: runB.appendingPathComponent(file))
            #expect(a == b, "\(file): killed under mpirun and resumed by one process differs from an uninterrupted run")
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
        // mpirun would never see the SIGINT of a Ctrl-C. Spawn it with none blocked, as a shell does.
        var none = sigset_t(), saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
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
