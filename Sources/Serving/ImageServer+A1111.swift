import Diffusion
import Foundation

/// AUTOMATIC1111's answers: txt2img's `{images, parameters, info}`, progress, options.
extension ImageServer {
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
