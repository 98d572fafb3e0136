import Diffusion
import Foundation
import Imaging
import TensorCore

/// A validated generation request as the server runs it: the `GenerationRequest` (whose count is
/// `batchSize × iterations`) and what the client asked for in A1111's terms.
public struct ImageJob: Sendable {
    public var request: GenerationRequest
    /// A1111's `batch_size` and `n_iter` (OpenAI's `n` is `batchSize`, one iteration).
    public var batchSize: Int
    public var iterations: Int
    /// Whether the seed was drawn at random (`seed: -1` or none given).
    public var randomSeed: Bool
    /// A client-chosen id to follow the job in `GET /sdapi/v1/progress` (A1111's `force_task_id`).
    public var taskID: String?
    /// The decoded init image (and mask) of an img2img request; `request.initial` records them.
    public var input: ImageToImageInput?

    public init(request: GenerationRequest, batchSize: Int, iterations: Int, randomSeed: Bool, taskID: String? = nil,
                input: ImageToImageInput? = nil) {
        self.request = request
        self.batchSize = batchSize
        self.iterations = iterations
        self.randomSeed = randomSeed
        self.taskID = taskID
        self.input = input
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

    /// `POST /sdapi/v1/img2img`: txt2img's fields plus `init_images` (a list whose first item is a
    /// base64 PNG, optionally a `data:` URL), `denoising_strength` in (0, 1] (default 0.75, as
    /// A1111) and `mask` (a base64 PNG of the init image's size: white repaints). The PNGs record
    /// the uploads' SHA-256 under the names `init_images[0]` and `mask`, so
    /// `t2i generate --from OUT.png --init-image FILE [--mask FILE]` repeats them from the same files.
    public static func img2img(_ fields: JSONFields, model: ServedModel, limits: ServerLimits,
                               randomSeed: () -> UInt64) throws -> ImageJob {
        var job = try txt2img(fields, model: model, limits: limits, randomSeed: randomSeed)
        guard let list = fields.raw("init_images") else { throw ServingError(.badRequest, "init_images: required (a list holding one base64 PNG)") }
        guard case let .array(items) = list, let first = items.first else {
            throw ServingError(.badRequest, "init_images: expected a list holding one base64 PNG, got \(list.kind == "an array" ? "an empty list" : list.kind)")
        }
        guard case let .string(encoded) = first else { throw ServingError(.badRequest, "init_images[0]: expected a base64 PNG string, got \(first.kind)") }
        let strength = try fields.number("denoising_strength", in: 0...1) ?? 0.75
        guard strength > 0 else { throw ServingError(.badRequest, "denoising_strength: must be more than 0 and at most 1, got 0") }
        guard InitialImage.stepsRun(steps: job.request.steps, strength: strength) >= 1 else {
            throw ServingError(.badRequest, "denoising_strength: \(strength) with \(job.request.steps) steps runs no denoising step (⌊steps × strength⌋ = 0); raise it or steps")
        }
        let pictureBytes = try decodeBase64(encoded, field: "init_images[0]")
        let maskBytes = try fields.string("mask").map { try decodeBase64($0, field: "mask") }
        let picture = try decodePNG(pictureBytes, field: "init_images[0]")
        let drawn = try maskBytes.map { try decodePNG($0, field: "mask") }
        do {
            job.input = try ImageToImageInput(picture: picture, mask: drawn, names: ("init_images[0]", "mask"), strength: strength, size: model.imageSize)
        } catch let error as ImageToImageError {
            throw ServingError(.badRequest, error.message)
        }
        job.request.initial = InitialImage(path: "init_images[0]", sha256: SHA256.hex(pictureBytes), maskPath: maskBytes == nil ? nil : "mask",
                                           maskSHA256: maskBytes.map { SHA256.hex($0) }, strength: strength)
        return job
    }

    /// Largest init image or mask a request may send, in pixels (4096²): a small compressed PNG
    /// can declare a huge image, so the size is read from its header before decoding.
    public static let maxUploadPixels = 4096 * 4096

    static func decodeBase64(_ text: String, field: String) throws -> [UInt8] {
        var payload = Substring(text)
        if payload.hasPrefix("data:"), let comma = payload.firstIndex(of: ",") { payload = payload[payload.index(after: comma)...] }
        guard let data = Data(base64Encoded: String(payload), options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw ServingError(.badRequest, "\(field): not base64 (send the PNG file's bytes base64-encoded)")
        }
        return [UInt8](data)
    }

    static func decodePNG(_ bytes: [UInt8], field: String) throws -> Image {
        // IHDR comes first: signature (8), length (4), type (4), width (4), height (4).
        let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        guard bytes.count >= 24, Array(bytes[0..<8]) == signature else { throw ServingError(.badRequest, "\(field): not a PNG") }
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxUploadPixels else {
            throw ServingError(.badRequest, "\(field): \(width)×\(height) pixels; at most \(maxUploadPixels) (4096×4096) are accepted")
        }
        do {
            return try Image(pngData: bytes, name: field)
        } catch {
            throw ServingError(.badRequest, "\(error)")
        }
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
