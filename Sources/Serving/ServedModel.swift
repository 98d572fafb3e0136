import Diffusion
import Foundation
import TensorCore

/// The model a server holds, as its clients see it: names, hash, image size, limits and the
/// sampling defaults of its `config.yaml`.
public struct ServedModel: Sendable {
    /// The folder's last path component, e.g. `shapes-32` (A1111's `model_name`).
    public let name: String
    /// The folder as located (what PNGs record as `t2i:model`).
    public let path: String
    /// SHA-256 of the U-Net weights file, lower-case hex.
    public let sha256: String
    /// Side of the images, in pixels.
    public let imageSize: Int
    /// Training timesteps: the most sampling steps.
    public let trainSteps: Int
    /// A request with the model's sampling defaults (empty prompt, seed 0, one image).
    public let defaults: GenerationRequest
    /// The `t2i` version written into PNGs.
    public let version: String

    public init(name: String, path: String, sha256: String, imageSize: Int, trainSteps: Int, defaults: GenerationRequest, version: String) {
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.imageSize = imageSize
        self.trainSteps = trainSteps
        self.defaults = defaults
        self.version = version
    }

    /// The description of the pipeline loaded from `folder` (located as `path`).
    public init(pipeline: TextToImagePipeline, folder: RunFolder, path: String, version: String) throws {
        let weights = folder.unet.appendingPathComponent("diffusion_pytorch_model.safetensors")
        let bytes = (try? Data(contentsOf: weights, options: .mappedIfSafe)) ?? Data()
        self.init(name: folder.url.standardizedFileURL.lastPathComponent, path: path, sha256: SHA256.hex(bytes),
                  imageSize: pipeline.imageSize, trainSteps: pipeline.schedule.trainSteps,
                  defaults: try GenerationRequest(prompt: "", defaultsOf: folder), version: version)
    }

    /// A1111's short hash: the first 10 hex digits.
    public var shortHash: String { String(sha256.prefix(10)) }
    /// A1111's checkpoint title: `name [hash]`.
    public var title: String { "\(name) [\(shortHash)]" }

    /// Whether `checkpoint` names this model (its title, name or hash, as clients send them).
    public func matches(_ checkpoint: String) -> Bool {
        [title, name, shortHash, sha256, path].contains(checkpoint)
    }
}
