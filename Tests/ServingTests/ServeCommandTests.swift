import Foundation
import Imaging
import Testing

/// `t2i serve` as a user starts it (the built binary, port 0), and `t2i generate --from` on a
/// served PNG: the same bytes.
@Suite("t2i serve binary", .serialized)
struct ServeCommandTests {
    /// The `t2i` executable beside the test runner, or in .build.
    static func binary() throws -> URL {
        var candidates: [String] = []
        if let runner = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: runner).deletingLastPathComponent().appendingPathComponent("t2i").path)
        }
        for configuration in ["release", "debug"] {
            candidates.append(ServingFixture.repository.appendingPathComponent(".build/\(configuration)/t2i").path)
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ServingFixture.LoadError(description: "t2i executable not found at \(candidates)")
        }
        return URL(fileURLWithPath: found)
    }

    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ServingTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs `t2i arguments` in `folder` to the end.
    static func run(_ arguments: [String], in folder: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = folder.appendingPathComponent("out-\(UUID().uuidString).txt"), err = folder.appendingPathComponent("err-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }

    @Test("t2i serve --port 0 --token: prints its address, answers with the token, and t2i generate --from repeats a served PNG byte for byte")
    func servedPNGRegenerates() async throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--port", "0", "--model", ServingFixture.modelPath, "--token", "tok"]
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var port: Int?
        // Generous: under `swift test`'s parallel suites on 2 busy cores, loading the model and
        // binding took over a minute; the loop ends as soon as the address is printed or the server exits.
        let deadline = Date().addingTimeInterval(300)
        var text = ""
        while port == nil, Date() < deadline, process.isRunning {
            text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"t2i serve: http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last?.dropLast() ?? "")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let probe = HTTPProbe(port: try #require(port, "no address printed (running: \(process.isRunning)); its output: \(text)"))
        #expect(try await probe.get("/sdapi/v1/samplers").status == 401)
        let response = try await probe.post("/sdapi/v1/txt2img", json: """
            {"prompt": "a small blue square in the top left on a black background", "seed": 11, "steps": 8, "batch_size": 2, "sampler_name": "DPM++ 2M"}
            """, headers: ["Authorization": "Bearer tok"])
        #expect(response.status == 200)
        let images = try #require(response.object["images"] as? [String])
        let served = folder.appendingPathComponent("served.png")
        try #require(Data(base64Encoded: images[1])).write(to: served)
        // Image to image from the served picture, by upload.
        let edited = try await probe.post("/sdapi/v1/img2img", json: """
            {"prompt": "a small red square in the top left on a black background", "seed": 3, "steps": 10, "denoising_strength": 0.6,
             "init_images": ["\(images[1])"]}
            """, headers: ["Authorization": "Bearer tok"])
        #expect(edited.status == 200)
        let servedEdit = folder.appendingPathComponent("served-edit.png")
        try #require(Data(base64Encoded: (edited.object["images"] as? [String])?.first ?? "")).write(to: servedEdit)
        process.terminate()  // SIGTERM: a graceful stop
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)

        let again = try Self.run(["generate", "--from", served.path, "--out", folder.appendingPathComponent("again.png").path], in: folder)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("identical: "), "\(again.stdout)")
        #expect(try Data(contentsOf: folder.appendingPathComponent("again.png")) == Data(contentsOf: served))
        // And t2i generate with the same settings writes the same file.
        let direct = try Self.run(["generate", "a small blue square in the top left on a black background", "--model", ServingFixture.modelPath,
                                   "--seed", "12", "--steps", "8", "--sampler", "dpmpp_2m", "--out", "direct.png"], in: folder)
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(try Data(contentsOf: folder.appendingPathComponent("direct.png")) == Data(contentsOf: served))
        // The edit: --from names the upload init_images[0]; --init-image gives the file with those bytes.
        let editAgain = try Self.run(["generate", "--from", servedEdit.path, "--init-image", served.path,
                                      "--out", folder.appendingPathComponent("edit-again.png").path], in: folder)
        #expect(editAgain.status == 0, "\(editAgain.stderr)")
        #expect(editAgain.stdout.contains("identical: "), "\(editAgain.stdout)")
    }

    @Test("bad serve options are one-line errors before anything loads")
    func badOptions() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (arguments, message) in [(["--port", "70000"], "--port must be 0 to 65535, got 70000"),
                                     (["--queue=-1"], "--queue must be 0 to 10000, got -1"),
                                     (["--timeout", "0"], "--timeout must be more than 0 and at most 86400 seconds"),
                                     (["--token", ""], "--token must not be empty"),
                                     (["--model", "/nonexistent-model"], "/nonexistent-model: no such run folder"),
                                     (["--model", ServingFixture.modelPath, "--host", "999.1.1.1"], "cannot serve on 999.1.1.1:7860: ")] {
            let out = try Self.run(["serve"] + arguments, in: folder)
            #expect(out.status != 0)
            #expect(out.stderr.contains(message), "\(arguments): \(out.stderr)")
        }
        // A start-up failure is one line, without the usage text.
        let unreachable = try Self.run(["serve", "--model", ServingFixture.modelPath, "--host", "999.1.1.1"], in: folder)
        #expect(unreachable.stderr.split(separator: "\n").filter { !$0.contains("[HummingbirdCore]") }.count == 1, "\(unreachable.stderr)")
    }
}
