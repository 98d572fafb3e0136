import Foundation
import TensorCore

/// What an image-to-image generation starts from, as a generated PNG records it: the init image
/// and optional inpainting mask (paths as given, and the SHA-256 of their bytes, so a reproduction
/// can refuse other files) and the strength.
public struct InitialImage: Sendable, Equatable {
    /// The init image's path as the user gave it.
    public var path: String
    /// SHA-256 of the init image file's bytes, lower-case hex.
    public var sha256: String
    /// The mask's path (white = repaint), nil for plain image-to-image.
    public var maskPath: String?
    /// SHA-256 of the mask file's bytes.
    public var maskSHA256: String?
    /// How far into the forward process the init latents are noised, in (0, 1]: 1 starts from pure
    /// noise (text-to-image, with the mask's known region kept), small values stay close to the input.
    public var strength: Double

    /// A record with the digests already known (e.g. read back from a PNG).
    public init(path: String, sha256: String, maskPath: String? = nil, maskSHA256: String? = nil, strength: Double) {
        self.path = path
        self.sha256 = sha256
        self.maskPath = maskPath
        self.maskSHA256 = maskSHA256
        self.strength = strength
    }

    /// The record of the files at `path` and `maskPath`, digests read from them.
    ///
    /// - Throws: ``ImageToImageError`` naming a file that cannot be read, or a strength outside (0, 1].
    public init(path: String, maskPath: String?, strength: Double) throws {
        try Self.checkStrength(strength)
        self.init(path: path, sha256: SHA256.hex(try Self.read(path, role: "init image")),
                  maskPath: maskPath, maskSHA256: try maskPath.map { SHA256.hex(try Self.read($0, role: "mask")) },
                  strength: strength)
    }

    /// Throws unless 0 < `strength` ≤ 1.
    public static func checkStrength(_ strength: Double, source: String = "--strength") throws {
        guard strength.isFinite, strength > 0, strength <= 1 else {
            throw ImageToImageError("\(source): strength must be in (0, 1], got \(strength)")
        }
    }

    /// How many of `steps` sampler steps image-to-image runs at `strength`, as diffusers'
    /// `StableDiffusionImg2ImgPipeline.get_timesteps`: ⌊steps · strength⌋ (at most `steps`); the
    /// first `steps` minus that many timesteps are skipped.
    public static func stepsRun(steps: Int, strength: Double) -> Int {
        min(Int(Double(steps) * strength), steps)
    }

    /// The bytes of `path`; `role` names the file in the error.
    static func read(_ path: String, role: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageToImageError("\(path): no such \(role) file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ImageToImageError("\(path): cannot read the \(role)") }
        return [UInt8](data)
    }
}

/// An image-to-image or inpainting input cannot be used; one line for the user, naming the file or option.
public struct ImageToImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong.
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
