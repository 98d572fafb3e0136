import Diffusion

/// A validated generation request as the server runs it: the `GenerationRequest` (whose count is
/// `batchSize × iterations`) and what the client asked for in A1111's terms.
public struct ImageJob: Sendable, Equatable {
    public var request: GenerationRequest
    /// A1111's `batch_size` and `n_iter` (OpenAI's `n` is `batchSize`, one iteration).
    public var batchSize: Int
    public var iterations: Int
    /// Whether the seed was drawn at random (`seed: -1` or none given).
    public var randomSeed: Bool
    /// A client-chosen id to follow the job in `GET /sdapi/v1/progress` (A1111's `force_task_id`).
    public var taskID: String?

    public init(request: GenerationRequest, batchSize: Int, iterations: Int, randomSeed: Bool, taskID: String? = nil) {
        self.request = request
        self.batchSize = batchSize
        self.iterations = iterations
        self.randomSeed = randomSeed
        self.taskID = taskID
    }
}

extension ImageJob {
    /// `POST /sdapi/v1/txt2img`'s fields (prompt, negative_prompt, seed with −1 for random, steps,
    /// cfg_scale, sampler_name or sampler_index, batch_size, n_iter, width, height, eta,
    /// force_task_id), each checked with the CLI's bounds and the server's limits; absent fields
    /// take the model's `sampling` defaults (seed: random, as A1111).
    public static func txt2img(_ fields: JSONFields, model: ServedModel, limits: ServerLimits,
                               randomSeed: () -> UInt64) throws -> ImageJob {
        var request = model.defaults
        request.prompt = try fields.string("prompt") ?? ""
        request.negativePrompt = try fields.string("negative_prompt") ?? ""
        let seed = try fields.seed("seed")
        request.seed = seed.seed ?? randomSeed()
        if let steps = try fields.int("steps", in: 1...Int64(model.trainSteps)) { request.steps = Int(steps) }
        if let guidance = try fields.number("cfg_scale", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) {
            request.guidance = Float(guidance)
        }
        if let eta = try fields.number("eta", in: 0...Double.greatestFiniteMagnitude) { request.eta = Float(eta) }
        for key in ["sampler_name", "sampler_index"] {
            if let name = try fields.string(key) {
                request.sampler = try A1111Sampler.kind(named: name, field: key).rawValue
                break
            }
        }
        let batchSize = Int(try fields.int("batch_size", in: 1...Int64(GenerationFiles.batchLimit)) ?? 1)
        let iterations = Int(try fields.int("n_iter", in: 1...Int64(limits.maxImages)) ?? 1)
        request.count = try checkCount(batchSize * iterations, field: "batch_size × n_iter", limits: limits)
        for key in ["width", "height"] {
            if let side = try fields.int(key, in: 1...65_536), side != model.imageSize {
                throw ServingError(.badRequest, "\(key): \(side); this model makes \(model.imageSize)×\(model.imageSize) images (send \(model.imageSize) or leave it out)")
            }
        }
        let taskID = try fields.string("force_task_id")
        if let taskID, taskID.count > 128 { throw ServingError(.badRequest, "force_task_id: longer than 128 characters") }
        return ImageJob(request: request, batchSize: batchSize, iterations: iterations, randomSeed: seed.seed == nil, taskID: taskID)
    }

    /// `POST /v1/images/generations` (OpenAI): prompt (required), n, size (`WxH`, the model's
    /// size), response_format (`b64_json` only: the server keeps no files to link to); model,
    /// quality, style and user are accepted and ignored. The seed is random, recorded in the PNG.
    public static func openAI(_ fields: JSONFields, model: ServedModel, limits: ServerLimits,
                              randomSeed: () -> UInt64) throws -> ImageJob {
        var request = model.defaults
        guard let prompt = try fields.string("prompt") else { throw ServingError(.badRequest, "prompt: required") }
        request.prompt = prompt
        request.seed = randomSeed()
        let n = Int(try fields.int("n", in: 1...Int64(limits.maxImages)) ?? 1)
        request.count = try checkCount(n, field: "n", limits: limits)
        if let size = try fields.string("size"), size != "auto" {
            let parts = size.split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
                throw ServingError(.badRequest, "size: '\(size)' is not WIDTHxHEIGHT (this model makes \(model.imageSize)x\(model.imageSize))")
            }
            guard w == model.imageSize, h == model.imageSize else {
                throw ServingError(.badRequest, "size: \(size); this model makes \(model.imageSize)x\(model.imageSize) images")
            }
        }
        if let format = try fields.string("response_format"), format != "b64_json" {
            throw ServingError(.badRequest, "response_format: '\(format)'; only b64_json is served (the server keeps no files to link to)")
        }
        for key in ["model", "quality", "style", "user"] { _ = try fields.string(key) }
        return ImageJob(request: request, batchSize: n, iterations: 1, randomSeed: true)
    }

    private static func checkCount(_ count: Int, field: String, limits: ServerLimits) throws -> Int {
        do {
            try GenerationFiles.checkCount(count, grid: false, source: field)
        } catch {
            throw ServingError(.badRequest, "\(error)")
        }
        guard count <= limits.maxImages else {
            throw ServingError(.badRequest, "\(field): \(count) images; this server makes 1 to \(limits.maxImages) per request (t2i serve --max-images)")
        }
        return count
    }
}
