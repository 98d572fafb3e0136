import Datasets
import Imaging
import TensorCore

/// The tensors image-to-image and inpainting start from: the init image at the pipeline's size
/// and, for inpainting, the mask (DESIGN §4).
public struct ImageToImageInput: Sendable {
    /// (1, 3, S, S) pixels in [−1, 1].
    public var image: Tensor
    /// (1, 1, S, S): 1 where to repaint, 0 where to keep the input; nil repaints everything.
    public var mask: Tensor?
    /// In (0, 1]; see ``InitialImage/strength``.
    public var strength: Double

    public init(image: Tensor, mask: Tensor?, strength: Double) {
        self.image = image
        self.mask = mask
        self.strength = strength
    }

    /// Reads the files of `initial`, refusing any whose bytes no longer match the recorded digest;
    /// an image of another size is fitted to `size`×`size` as datasets are (shorter side scaled,
    /// centre crop), and the mask — which must have the init image's size — the same way, then
    /// binarised at half intensity (its mean over R, G and B ≥ 128 repaints).
    ///
    /// - Throws: ``ImageToImageError`` naming the file (missing, not a PNG, other bytes than
    ///   recorded, a mask of another size); decoding errors name the file too.
    public init(loading initial: InitialImage, size: Int) throws {
        try InitialImage.checkStrength(initial.strength)
        let picture = try Self.decode(initial.path, role: "init image", expected: initial.sha256)
        let drawn = try initial.maskPath.map { try Self.decode($0, role: "mask", expected: initial.maskSHA256) }
        try self.init(picture: picture, mask: drawn, names: (initial.path, initial.maskPath ?? "mask"), strength: initial.strength, size: size)
    }

    /// The input from pictures already decoded (e.g. sent to `t2i serve`): `picture` fitted to
    /// `size`×`size`, the mask — which must have the picture's size — fitted the same way and
    /// binarised; `names` (picture, mask) stand for them in errors.
    public init(picture: Image, mask drawn: Image?, names: (picture: String, mask: String), strength: Double, size: Int) throws {
        try InitialImage.checkStrength(strength)
        image = try Image.batchTensor([picture.fitted(to: size)])
        if let drawn {
            guard drawn.width == picture.width, drawn.height == picture.height else {
                throw ImageToImageError("\(names.mask): the mask is \(drawn.width)×\(drawn.height) but the init image \(names.picture) is \(picture.width)×\(picture.height)")
            }
            let pixels = drawn.fitted(to: size).pixels
            // pixels: (S, S, 3) bytes  mask: (1, 1, S, S); mean byte ≥ 127.5 (R+G+B ≥ 383) repaints.
            mask = Tensor(shape: [1, 1, size, size], data: (0..<(size * size)).map { i in
                Int(pixels[3 * i]) + Int(pixels[3 * i + 1]) + Int(pixels[3 * i + 2]) >= 383 ? 1 : 0
            })
        } else {
            mask = nil
        }
        self.strength = strength
    }

    /// Decodes the PNG at `path` after checking its bytes' SHA-256 against `expected` (when given).
    private static func decode(_ path: String, role: String, expected: String?) throws -> Image {
        let bytes = try InitialImage.read(path, role: role)
        if let expected {
            let digest = SHA256.hex(bytes)
            guard digest == expected else {
                throw ImageToImageError("\(path): this \(role) has SHA-256 \(digest.prefix(12))…, the recorded one has \(expected.prefix(12))…; give the same file")
            }
        }
        return try Image(pngData: bytes, name: path)
    }

    /// The mask on the latent grid: a latent cell is repainted when any pixel of its
    /// `factor`×`factor` block is (a max-pool, so the whole region is regenerated; diffusers takes
    /// the nearest pixel instead, which can miss thin strokes). (1, 1, S/f, S/f)
    static func latentMask(_ mask: Tensor, factor: Int) -> Tensor {
        let (h, w) = (mask.shape[2] / factor, mask.shape[3] / factor)
        return mask.reshaped([1, 1, h, factor, w, factor]).max(axis: 5).max(axis: 3)
    }

    /// How much of the decoded image replaces the input at each pixel when the result is pasted
    /// back: 0 outside the mask (those pixels stay the input's exactly), rising to 1 inside over a
    /// soft edge of `radius` pixels — the mask times its box blur, the blur normalised at the
    /// image border so a region touching the border is not faded there. (1, 1, S, S)
    static func pasteWeight(_ mask: Tensor, radius: Int) -> Tensor {
        let k = 2 * radius + 1
        let box = Tensor(repeating: 1, shape: [1, 1, k, k])
        let blurred = mask.conv2d(weight: box, bias: nil, padding: radius)
        let covered = Tensor(repeating: 1, shape: mask.shape).conv2d(weight: box, bias: nil, padding: radius)
        return mask * (blurred / covered)
    }
}
