import ArgumentParser
import Diffusion
import Foundation
import Serving
import Synchronization

/// `t2i serve`: keeps a pipeline loaded and answers AUTOMATIC1111's and OpenAI's image APIs and a
/// page in the browser (the Serving library does the work).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over HTTP: AUTOMATIC1111's /sdapi/v1, OpenAI's /v1/images/generations and a page at /.",
        discussion: """
            Routes: GET / (the page), POST /sdapi/v1/txt2img, GET /sdapi/v1/progress, POST \
            /sdapi/v1/interrupt, GET /sdapi/v1/samplers, GET /sdapi/v1/sd-models, GET and POST \
            /sdapi/v1/options, POST /v1/images/generations (b64_json). One generation runs at a \
            time; --queue more wait (429 beyond). The PNGs carry the metadata t2i generate writes, \
            so t2i generate --from reproduces them byte for byte. The model: --model/--run DIR, \
            else T2I_MODEL, else runs/shapes-32 or Data/models/shapes-32 under the current folder, \
            else $XDG_DATA_HOME/t2i/models/shapes-32 (default ~/.local/share).
            """
    )

    @Option(name: [.customLong("model"), .customLong("run")], help: ArgumentHelp("The model (pipeline) folder.", valueName: "dir"))
    var model: String?

    @Option(name: .long, help: "Address to listen on; 127.0.0.1 answers this machine only, 0.0.0.0 every network.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port (0: any free one).")
    var port = 7860

    @Option(name: .long, help: "Require 'Authorization: Bearer TOKEN' on every API route (default: none). T2I_TOKEN sets it too.")
    var token: String?

    @Option(name: .customLong("cors-origin"), help: ArgumentHelp("Let pages from this origin call the API (default: no CORS headers).", valueName: "origin"))
    var corsOrigin: String?

    @Option(name: .customLong("max-body"), help: "Largest request body in bytes (413 above).")
    var maxBody = ServerLimits().maxBodyBytes

    @Option(name: .customLong("max-images"), help: "Most images one request may ask for.")
    var maxImages = ServerLimits().maxImages

    @Option(name: .long, help: "Requests that may wait behind the running one (429 beyond).")
    var queue = ServerLimits().queueLength

    @Option(name: .long, help: "Seconds a generation request may take, waiting included (then it is stopped: 503).")
    var timeout = ServerLimits().requestSeconds

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535, got \(port)") }
        guard (1...(1 << 30)).contains(maxBody) else { throw ValidationError("--max-body must be 1 to 1073741824 bytes, got \(maxBody)") }
        guard (1...GenerationFiles.maxCount).contains(maxImages) else {
            throw ValidationError("--max-images must be 1 to \(GenerationFiles.maxCount), got \(maxImages)")
        }
        guard (0...10_000).contains(queue) else { throw ValidationError("--queue must be 0 to 10000, got \(queue)") }
        guard timeout.isFinite, timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
        if let token, token.isEmpty { throw ValidationError("--token must not be empty") }
        if host.isEmpty { throw ValidationError("--host must not be empty") }
    }

    func run() throws {
        let (folder, path) = try PipelineLocator().locate(run: model)
        let pipeline = try TextToImagePipeline(folder: folder)
        let served = try ServedModel(pipeline: pipeline, folder: folder, path: path, version: T2IVersion.string)
        let token = token ?? ProcessInfo.processInfo.environment["T2I_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let settings = ServerSettings(host: host, port: port, token: token, corsOrigin: corsOrigin,
                                      limits: ServerLimits(maxBodyBytes: maxBody, maxImages: maxImages, queueLength: queue, requestSeconds: timeout))
        let server = ImageServer(queue: GenerationQueue(pipeline: pipeline, model: served, capacity: queue), settings: settings)
        let host = host
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { port in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    let line = "t2i serve: http://\(shown):\(port)/ (model \(served.path), \(served.imageSize)×\(served.imageSize); "
                        + (token == nil ? "no token" : "token required") + "; Ctrl-C stops)\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            } catch {
                failure.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = failure.withLock({ $0 }) { throw ServeFailure(description: "cannot serve on \(host):\(port): \(error)") }
    }

    /// The server could not start or stopped with an error; one line, no usage text.
    struct ServeFailure: Error, CustomStringConvertible {
        let description: String
    }
}
