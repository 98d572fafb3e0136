import Diffusion
import Foundation
import Serving
import Testing

/// The shipped model (Data/models/shapes-32), and servers started on it on a free
/// port of 127.0.0.1 for one test each.
enum ServingFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let modelPath = repository.appendingPathComponent("Data/models/shapes-32").path
    /// A pipeline of its own for each server or test (suites run in parallel; a pipeline serves
    /// one generation at a time).
    static func load() throws -> (TextToImagePipeline, ServedModel) {
        let folder = RunFolder(URL(fileURLWithPath: modelPath))
        let pipeline = try TextToImagePipeline(folder: folder)
        return (pipeline, try ServedModel(pipeline: pipeline, folder: folder, path: modelPath, version: "test"))
    }

    struct LoadError: Error, CustomStringConvertible { let description: String }

    static let prompt = "a large red circle in the center on a white background"

    /// Runs `body` against a server with `settings` (its port replaced by a free one), then stops it.
    static func withServer<T>(_ settings: ServerSettings = ServerSettings(),
                              _ body: (HTTPProbe, ImageServer) async throws -> T) async throws -> T {
        let (pipeline, model) = try load()
        var settings = settings
        settings.host = "127.0.0.1"
        settings.port = 0
        let server = ImageServer(queue: GenerationQueue(pipeline: pipeline, model: model, capacity: settings.limits.queueLength),
                                 settings: settings)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await server.run { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw LoadError(description: "the server did not start") }
        do {
            let value = try await body(HTTPProbe(port: port), server)
            task.cancel()
            _ = await task.result
            return value
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
    }

    /// Polls `GET /sdapi/v1/progress` until `until` holds (at most `seconds`).
    static func waitForProgress(_ probe: HTTPProbe, seconds: Double = 30, until: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let progress = try await probe.get("/sdapi/v1/progress").object
            if until(progress) { return progress }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LoadError(description: "progress never reached the expected state in \(seconds) s")
    }

    /// The jobs of a progress answer.
    static func queue(_ progress: [String: Any]) -> [[String: Any]] {
        progress["queue"] as? [[String: Any]] ?? []
    }

    /// Whether job `id` is running and past step `step`.
    static func running(_ id: String, pastStep step: Int) -> ([String: Any]) -> Bool {
        { progress in queue(progress).contains { ($0["id"] as? String) == id && ($0["state"] as? String) == "running" && (($0["step"] as? Int) ?? 0) >= step } }
    }
}
