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
}
