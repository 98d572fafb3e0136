import Foundation
import Imaging

/// What a generated PNG records in its text chunks, enough to regenerate it exactly (DESIGN §6).
///
/// Keys, in the fixed order they are written: `t2i:prompt`, `t2i:negative_prompt`, `t2i:seed`,
/// `t2i:sampler`, `t2i:steps`, `t2i:guidance`, `t2i:eta`, for image-to-image `t2i:init_image`,
/// `t2i:init_image_sha256`, `t2i:strength` and for inpainting `t2i:mask`, `t2i:mask_sha256`,
/// then `t2i:model` (the model folder as given),
/// `t2i:version`, then — for a grid of several images only — `t2i:count`, and last a one-line
/// `parameters` summary in the style AUTOMATIC1111's web UI writes (for people and other tools;
/// it is never read back). A single image of a batch records its own seed (the batch's seed + its
/// index) and no count, so it is byte for byte the file a batch of one with that seed writes.
///
/// Numbers are written in Swift's shortest round-trip form, so reading them back gives the same
/// `Float` bits and therefore the same image.
public struct GenerationMetadata: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    /// The seed of the (first) image.
    public var seed: UInt64
    public var sampler: String
    public var steps: Int
    public var guidance: Float
    public var eta: Float
    /// The init image, mask and strength of an image-to-image generation; nil for text-to-image.
    public var initial: InitialImage?
    /// The model folder the image came from, as the user named it (e.g. `runs/shapes-32`).
    public var model: String
    /// The `t2i` version that wrote the file.
    public var version: String
    /// Images in the file: 1 for a plain image, more for a grid of seeds `seed`, `seed + 1`, ….
    public var count: Int

    /// The text keys, in file order (the `parameters` summary follows them).
    public enum Key {
        public static let prompt = "t2i:prompt"
        public static let negativePrompt = "t2i:negative_prompt"
        public static let seed = "t2i:seed"
        public static let sampler = "t2i:sampler"
        public static let steps = "t2i:steps"
        public static let guidance = "t2i:guidance"
        public static let eta = "t2i:eta"
        public static let initImage = "t2i:init_image"
        public static let initImageSHA256 = "t2i:init_image_sha256"
        public static let strength = "t2i:strength"
        public static let mask = "t2i:mask"
        public static let maskSHA256 = "t2i:mask_sha256"
        public static let model = "t2i:model"
        public static let version = "t2i:version"
        public static let count = "t2i:count"
        public static let parameters = "parameters"
    }

    /// The record of `request` (its `count` included) generated with the model at `model`.
    public init(request: GenerationRequest, model: String, version: String) {
        prompt = request.prompt
        negativePrompt = request.negativePrompt
        seed = request.seed
        sampler = request.sampler
        steps = request.steps
        guidance = request.guidance
        eta = request.eta
        initial = request.initial
        self.model = model
        self.version = version
        count = request.count
    }

    /// The request that regenerates the file's image(s).
    public var request: GenerationRequest {
        var r = GenerationRequest(prompt: prompt)
        r.negativePrompt = negativePrompt
        r.seed = seed
        r.count = count
        r.steps = steps
        r.sampler = sampler
        r.guidance = guidance
        r.eta = eta
        r.initial = initial
        return r
    }

    /// The record of image `index` of a batch written as separate files: its own seed, count 1.
    public func image(_ index: Int) -> GenerationMetadata {
        var single = self
        single.seed = seed &+ UInt64(index)
        single.count = 1
        return single
    }

    /// The text entries to write, in the fixed order above.
    public var textEntries: [PNGTextEntry] {
        var entries: [PNGTextEntry] = [
            (Key.prompt, prompt),
            (Key.negativePrompt, negativePrompt),
            (Key.seed, String(seed)),
            (Key.sampler, sampler),
            (Key.steps, String(steps)),
            (Key.guidance, guidance.description),
            (Key.eta, eta.description),
        ]
        if let initial {
            entries += [(Key.initImage, initial.path), (Key.initImageSHA256, initial.sha256), (Key.strength, initial.strength.description)]
            if let mask = initial.maskPath, let digest = initial.maskSHA256 { entries += [(Key.mask, mask), (Key.maskSHA256, digest)] }
        }
        entries += [(Key.model, model), (Key.version, version)]
        if count != 1 { entries.append((Key.count, String(count))) }
        entries.append((Key.parameters, parameters))
        return entries
    }

    /// One line in the style of AUTOMATIC1111's `parameters` chunk, e.g.
    /// `a red circle, Negative prompt: blue, Steps: 50, Sampler: ddim, CFG scale: 4.0, Eta: 0.0, Seed: 7, Model: runs/shapes-32, Version: t2i 0.1.0`.
    public var parameters: String {
        func flat(_ text: String) -> String { text.split(whereSeparator: \.isNewline).joined(separator: " ") }
        var line = flat(prompt)
        if !negativePrompt.isEmpty { line += ", Negative prompt: \(flat(negativePrompt))" }
        line += ", Steps: \(steps), Sampler: \(sampler), CFG scale: \(guidance), Eta: \(eta), Seed: \(seed)"
        if let initial {
            line += ", Denoising strength: \(initial.strength), Init image hash: \(initial.sha256.prefix(10))"
            if let digest = initial.maskSHA256 { line += ", Mask hash: \(digest.prefix(10))" }
        }
        if count != 1 { line += ", Batch size: \(count)" }
        return line + ", Model: \(flat(model)), Version: t2i \(version)"
    }

    /// Reads the record from the text entries of `file` (named in errors).
    ///
    /// - Throws: `GenerationMetadataError` naming the file and the first missing or malformed key.
    public init(textEntries entries: [PNGTextEntry], file: String) throws {
        var values: [String: String] = [:]
        for entry in entries where values[entry.key] == nil { values[entry.key] = entry.value }
        func value(_ key: String) throws -> String {
            guard let v = values[key] else {
                throw GenerationMetadataError(file: file, key: key,
                                              "no such text chunk (not an image written by t2i generate, or its metadata was stripped)")
            }
            return v
        }
        func parse<T>(_ key: String, _ what: String, _ convert: (String) -> T?) throws -> T {
            let text = try value(key)
            guard let v = convert(text) else { throw GenerationMetadataError(file: file, key: key, "'\(text)' is not \(what)") }
            return v
        }
        prompt = try value(Key.prompt)
        negativePrompt = try value(Key.negativePrompt)
        seed = try parse(Key.seed, "a seed (an integer ≥ 0)") { UInt64($0) }
        sampler = try value(Key.sampler)
        steps = try parse(Key.steps, "a step count (an integer ≥ 1)") { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
        guidance = try parse(Key.guidance, "a finite number") { Float($0).flatMap { $0.isFinite ? $0 : nil } }
        eta = try parse(Key.eta, "a finite number") { Float($0).flatMap { $0.isFinite ? $0 : nil } }
        if values[Key.initImage] != nil {
            func digest(_ key: String) throws -> String {
                try parse(key, "a SHA-256 (64 hex digits)") { $0.count == 64 && $0.allSatisfy(\.isHexDigit) ? $0.lowercased() : nil }
            }
            let maskPath = values[Key.mask]
            initial = InitialImage(path: try value(Key.initImage), sha256: try digest(Key.initImageSHA256),
                                   maskPath: maskPath, maskSHA256: maskPath == nil ? nil : try digest(Key.maskSHA256),
                                   strength: try parse(Key.strength, "a strength in (0, 1]") { Double($0).flatMap { $0 > 0 && $0 <= 1 ? $0 : nil } })
        } else {
            initial = nil
        }
        model = try value(Key.model)
        version = try value(Key.version)
        if values[Key.count] != nil {
            count = try parse(Key.count, "an image count (an integer from 1 to \(GenerationFiles.maxGrid))") {
                Int($0).flatMap { $0 >= 1 && $0 <= GenerationFiles.maxGrid ? $0 : nil }
            }
        } else {
            count = 1
        }
    }

    /// Reads the record of a PNG file.
    public init(contentsOf url: URL) throws {
        try self.init(textEntries: Image.readPNGText(at: url), file: url.path)
    }
}
