import Diffusion
import Foundation
import Hummingbird
import Synchronization

/// `t2i serve`: the HTTP side of a loaded pipeline — AUTOMATIC1111's `/sdapi/v1` subset, OpenAI's
/// `/v1/images/generations`, and the page at `/` — over a ``GenerationQueue`` (DESIGN §10).
public struct ImageServer: Sendable {
    public let queue: GenerationQueue
    public let settings: ServerSettings

    public init(queue: GenerationQueue, settings: ServerSettings) {
        self.queue = queue
        self.settings = settings
    }

    public var model: ServedModel { queue.model }
    var limits: ServerLimits { settings.limits }

    /// The router with every route and the middleware (JSON errors, CORS when asked, the token).
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        if let origin = settings.corsOrigin {
            router.add(middleware: CORSMiddleware(allowOrigin: .custom(origin), allowHeaders: [.accept, .authorization, .contentType],
                                                  allowMethods: [.get, .post, .options]))
        }
        if let token = settings.token { router.add(middleware: TokenMiddleware(token: token)) }
        router.get("/") { _, _ in WebPage.response() }
        router.get("/sdapi/v1/progress") { _, _ in progress().response() }
        router.post("/sdapi/v1/interrupt") { _, _ in
            let job = queue.interruptRunning()
            return JSONValue.object([("interrupted", job.map { .string($0.id) } ?? .null)]).response()
        }
        router.get("/sdapi/v1/samplers") { _, _ in A1111Sampler.list.response() }
        router.get("/sdapi/v1/sd-models") { _, _ in
            JSONValue.array([.object([
                ("title", .string(model.title)), ("model_name", .string(model.name)), ("hash", .string(model.shortHash)),
                ("sha256", .string(model.sha256)), ("filename", .string(model.path)), ("config", .null),
            ])]).response()
        }
        router.get("/sdapi/v1/options") { _, _ in options.response() }
        router.post("/sdapi/v1/options") { request, _ in
            let fields = try JSONFields(JSONValue(parsing: try await body(of: request)))
            if let checkpoint = try fields.string("sd_model_checkpoint"), !model.matches(checkpoint) {
                throw ServingError(.badRequest, "sd_model_checkpoint: '\(checkpoint)' is not a model this server holds (it holds '\(model.title)')")
            }
            return options.response()
        }
        router.post("/sdapi/v1/txt2img") { request, _ in
            try await generate(request) { fields in
                try ImageJob.txt2img(fields, model: model, limits: limits, randomSeed: Self.randomSeed)
            } answer: { job, pngs in
                a1111Answer(job, pngs)
            }
        }
        router.post("/sdapi/v1/img2img") { request, _ in
            try await generate(request) { fields in
                try ImageJob.img2img(fields, model: model, limits: limits, randomSeed: Self.randomSeed)
            } answer: { job, pngs in
                a1111Answer(job, pngs)
            }
        }
        router.post("/v1/images/generations") { request, _ in
            try await generate(request) { fields in
                try ImageJob.openAI(fields, model: model, limits: limits, randomSeed: Self.randomSeed)
            } answer: { job, pngs in
                .object([
                    ("created", .int(Int64(Date().timeIntervalSince1970))),
                    ("data", .array(pngs.map { .object([("b64_json", .string(Data($0).base64EncodedString())),
                                                        ("revised_prompt", .string(job.job.request.prompt))]) })),
                ])
            }
        }
        return router
    }

    /// Runs the server until the task is cancelled or SIGINT/SIGTERM arrives; `onRunning` hears
    /// the port it listens on (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(max(limits.requestSeconds, 30)) + 30))),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "t2i"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) }
        )
        defer { queue.close() }
        try await app.runService()
    }

    /// A1111's random seed: below 2³², as its web UI draws them.
    @Sendable static func randomSeed() -> UInt64 { UInt64.random(in: 0..<(1 << 32)) }

    /// `GET /sdapi/v1/options`: the options clients read (the checkpoint and the image format),
    /// and the model's sampling defaults, which the page starts from.
    var options: JSONValue {
        let d = model.defaults
        let sampler = (try? SamplerKind(name: d.sampler)).map(A1111Sampler.displayName) ?? d.sampler
        return .object([("sd_model_checkpoint", .string(model.title)), ("sd_checkpoint_hash", .string(model.sha256)),
                        ("samples_format", .string("png")),
                        ("t2i_defaults", .object([("steps", .int(Int64(d.steps))), ("cfg_scale", .double(Double(d.guidance))),
                                                  ("eta", .double(Double(d.eta))), ("sampler_name", .string(sampler))]))])
    }

    /// The request body, at most `maxBodyBytes` (413 above, before reading when Content-Length says so).
    func body(of request: Request) async throws -> [UInt8] {
        try await Self.collect(request.body, declared: request.headers[.contentLength], limit: limits.maxBodyBytes)
    }

    static func collect(_ body: RequestBody, declared: String?, limit: Int) async throws -> [UInt8] {
        let tooLarge = ServingError(.contentTooLarge, "request body: larger than the limit of \(limit) bytes (t2i serve --max-body)")
        if let declared, let length = Int(declared), length > limit { throw tooLarge }
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.readableBytes <= limit else { throw tooLarge }
            bytes += chunk.readableBytesView
        }
        return bytes
    }

    /// A generation route: reads and checks the body, queues the job, waits for it — stopping it
    /// when the client goes away or the time limit passes — and answers.
    func generate(_ request: Request, parse: @escaping (JSONFields) throws -> ImageJob,
                  answer: @escaping (GenerationJob, [[UInt8]]) -> JSONValue) async throws -> Response {
        if let declared = request.headers[.contentLength], let length = Int(declared), length > limits.maxBodyBytes {
            _ = try await body(of: request)  // throws the 413
        }
        let watch = ClientWatch()
        let queue = queue, limits = limits
        return try await request.body.consumeWithInboundCloseHandler { body in
            let bytes = try await Self.collect(body, declared: nil, limit: limits.maxBodyBytes)
            let job = try parse(JSONFields(JSONValue(parsing: bytes)))
            let queued = try queue.submit(job)
            if watch.attach(queued) { queue.stop(queued, .clientGone) }
            let timer = Task {
                try await Task.sleep(for: .seconds(limits.requestSeconds))
                queue.stop(queued, .timeLimit)
            }
            let outcome = await queued.outcome()
            timer.cancel()
            switch outcome {
            case let .images(pngs):
                return answer(queued, pngs).response()
            case let .stopped(reason, step, total):
                let at = "at step \(step) of \(total)"
                switch reason {
                case .interrupted: throw ServingError(.conflict, "interrupted \(at) (POST /sdapi/v1/interrupt)")
                case .timeLimit:
                    throw ServingError(.serviceUnavailable, "stopped \(at): the request took longer than the limit of \(ServingError.seconds(limits.requestSeconds)) (t2i serve --timeout)")
                case .clientGone: throw ServingError(.init(code: 499, reasonPhrase: "Client Closed Request"), "the client went away; stopped \(at)")
                }
            case let .failed(message, badInput):
                throw ServingError(badInput ? .badRequest : .internalServerError, "generation failed: \(message)")
            }
        } onInboundClosed: {
            if let job = watch.close() { queue.stop(job, .clientGone) }
        }
    }

    /// The A1111 answer: `{images, parameters, info}` with `info` a JSON string (seeds, infotexts).
    func a1111Answer(_ job: GenerationJob, _ pngs: [[UInt8]]) -> JSONValue {
        let r = job.job.request
        let metadata = GenerationMetadata(request: r, model: model.path, version: model.version)
        let seeds = (0..<r.count).map { JSONValue.uint(r.seed &+ UInt64($0)) }
        let sampler = JSONValue.string((try? SamplerKind(name: r.sampler)).map(A1111Sampler.displayName) ?? r.sampler)
        let parameters: [(String, JSONValue)] = [
            ("prompt", .string(r.prompt)), ("negative_prompt", .string(r.negativePrompt)), ("seed", .uint(r.seed)),
            ("steps", .int(Int64(r.steps))), ("cfg_scale", .double(Double(r.guidance))), ("sampler_name", sampler),
            ("batch_size", .int(Int64(job.job.batchSize))), ("n_iter", .int(Int64(job.job.iterations))),
            ("width", .int(Int64(model.imageSize))), ("height", .int(Int64(model.imageSize))), ("eta", .double(Double(r.eta))),
        ] + (r.initial.map { [("denoising_strength", JSONValue.double($0.strength))] } ?? [])
        let info = JSONValue.object([
            ("prompt", .string(r.prompt)), ("all_prompts", .array(Array(repeating: .string(r.prompt), count: r.count))),
            ("negative_prompt", .string(r.negativePrompt)),
            ("all_negative_prompts", .array(Array(repeating: .string(r.negativePrompt), count: r.count))),
            ("seed", .uint(r.seed)), ("all_seeds", .array(seeds)), ("subseed", .int(-1)),
            ("width", .int(Int64(model.imageSize))), ("height", .int(Int64(model.imageSize))), ("sampler_name", sampler),
            ("cfg_scale", .double(Double(r.guidance))), ("steps", .int(Int64(r.steps))), ("eta", .double(Double(r.eta))),
            ("batch_size", .int(Int64(job.job.batchSize))), ("n_iter", .int(Int64(job.job.iterations))),
            ("sd_model_name", .string(model.name)), ("sd_model_hash", .string(model.shortHash)),
            ("infotexts", .array((0..<r.count).map { .string(metadata.image($0).parameters) })),
            ("job_id", .string(job.id)), ("version", .string("t2i \(model.version)")),
        ] + (r.initial.map { [("denoising_strength", JSONValue.double($0.strength))] } ?? []))
        return .object([
            ("images", .array(pngs.map { .string(Data($0).base64EncodedString()) })),
            ("parameters", .object(parameters)),
            ("info", .string(info.text)),
        ])
    }

    /// `GET /sdapi/v1/progress`: A1111's shape for the running job, plus `queue`: every job with
    /// its id, state and progress.
    func progress() -> JSONValue {
        let (running, waiting) = queue.snapshot
        let now = Date()
        var fraction = 0.0, eta = 0.0
        var state: [(String, JSONValue)] = [
            ("skipped", .bool(false)), ("interrupted", .bool(running?.stopReason == .interrupted)),
            ("job", .string(running?.id ?? "")), ("job_count", .int(Int64(waiting.count + (running == nil ? 0 : 1)))),
            ("job_timestamp", .string(running.map { Self.timestamp($0.submitted) } ?? "0")),
        ]
        if let running, let at = running.progress {
            fraction = at.fraction
            let elapsed = running.started.map { now.timeIntervalSince($0) } ?? 0
            eta = fraction > 0 ? elapsed / fraction - elapsed : 0
            state += [("job_no", .int(Int64(at.first))), ("sampling_step", .int(Int64(at.step))), ("sampling_steps", .int(Int64(at.steps)))]
        } else {
            state += [("job_no", .int(0)), ("sampling_step", .int(0)), ("sampling_steps", .int(Int64(running?.job.request.steps ?? 0)))]
        }
        func entry(_ job: GenerationJob, _ position: Int) -> JSONValue {
            let at = job.progress
            return .object([("id", .string(job.id)), ("state", .string(job.phase.rawValue)), ("position", .int(Int64(position))),
                            ("progress", .double(at?.fraction ?? 0)), ("images", .int(Int64(job.job.request.count))),
                            ("step", .int(Int64(at?.step ?? 0))), ("steps", .int(Int64(at?.steps ?? job.job.request.steps)))])
        }
        let jobs = (running.map { [entry($0, 0)] } ?? []) + waiting.enumerated().map { entry($1, $0 + 1) }
        return .object([
            ("progress", .double(fraction)), ("eta_relative", .double(max(eta, 0))), ("state", .object(state)),
            ("current_image", .null), ("textinfo", .string(running == nil ? "idle" : "generating")), ("queue", .array(jobs)),
        ])
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// Whether a generation's client is still there, and its job once queued.
final class ClientWatch: Sendable {
    private let state = Mutex<(closed: Bool, job: GenerationJob?)>((false, nil))

    /// Records the job; true when the client had already gone (stop it).
    func attach(_ job: GenerationJob) -> Bool {
        state.withLock {
            $0.job = job
            return $0.closed
        }
    }

    /// Records that the client went away; returns the job to stop, if one was queued.
    func close() -> GenerationJob? {
        state.withLock {
            $0.closed = true
            return $0.job
        }
    }
}

extension ServingError {
    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
