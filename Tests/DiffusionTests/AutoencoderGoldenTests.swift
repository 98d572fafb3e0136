import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// `AutoencoderKL` against diffusers on the tiny fixture written by scripts/fixtures/autoencoder.py:
/// a random diffusers model saved with `save_pretrained`, and its float64 outputs and gradients.
@Suite struct AutoencoderGoldenTests {
    static let folder = TestFiles.fixtures.appendingPathComponent("autoencoder/tiny")
    static let referenceURL = TestFiles.fixtures.appendingPathComponent("autoencoder/tiny_reference.safetensors")

    /// max |a − b| / max(1, max |b|): relative to the reference's scale.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let x = a.scalars, y = b.scalars
        let scale = max(1, y.map(abs).max() ?? 0)
        return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    static func reference() throws -> SafetensorsFile {
        try SafetensorsFile(contentsOf: referenceURL)
    }

    static func tensor(_ file: SafetensorsFile, _ name: String) throws -> Tensor {
        try Tensor(shape: file.info(name).shape, data: file.floats(name))
    }

    @Test func loadsTheDiffusersFolderStrictly() throws {
        let model = try AutoencoderKL(contentsOf: Self.folder)
        #expect(model.config.blockOutChannels == [8, 16, 16])
        #expect(model.config.normNumGroups == 4)
        #expect(model.scalingFactor == 0.5)
        // Every key of the diffusers checkpoint is a parameter and vice versa.
        let file = try SafetensorsFile(contentsOf: Self.folder.appendingPathComponent(AutoencoderKL.weightsFileName))
        #expect(Set(model.namedParameters().map(\.name)) == Set(file.names))
        #expect(model.parameterCount == file.tensors.values.map(\.elementCount).reduce(0, +))
    }

    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func encodeMatchesDiffusers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try encodeMatchesDiffusers() }
    }

    func encodeMatchesDiffusers() throws {
        let model = try AutoencoderKL(contentsOf: Self.folder)
        let ref = try Self.reference()
        let posterior = model.encode(try Self.tensor(ref, "x"))
        for (name, ours) in [("mean", posterior.mean), ("logvar", posterior.logvar), ("std", posterior.std), ("kl", posterior.kl())] {
            let expected = try Self.tensor(ref, name)
            #expect(ours.shape == expected.shape, "\(name) shape")
            let error = Self.relativeError(ours, expected)
            #expect(error <= 1e-4, "\(name): relative error \(error)")
        }
        #expect(posterior.mode().scalars == posterior.mean.scalars)
    }

    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func decodeMatchesDiffusers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try decodeMatchesDiffusers() }
    }

    func decodeMatchesDiffusers() throws {
        let model = try AutoencoderKL(contentsOf: Self.folder)
        let ref = try Self.reference()
        let decoded = model.decode(try Self.tensor(ref, "mean"))
        let expected = try Self.tensor(ref, "decoded")
        #expect(decoded.shape == [2, 3, 16, 16])
        let error = Self.relativeError(decoded, expected)
        #expect(error <= 1e-4, "decode: relative error \(error)")
        // The whole round trip from pixels, as diffusers' forward(sample_posterior=False).
        let roundTrip = model.reconstruct(try Self.tensor(ref, "x"))
        #expect(Self.relativeError(roundTrip, expected) <= 1e-4)
    }

    /// d/dθ of sum(decode(encode(x).mean) · cot) + sum(kl) for parameters across the model, and d/dx.
    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func gradientsMatchDiffusers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try gradientsMatchDiffusers() }
    }

    func gradientsMatchDiffusers() throws {
        let model = try AutoencoderKL(contentsOf: Self.folder)
        let ref = try Self.reference()
        let x = try Self.tensor(ref, "x"), cot = try Self.tensor(ref, "cot")
        func loss(_ input: Tensor) -> Tensor {
            let posterior = model.encode(input)
            return (model.decode(posterior.mean) * cot).sum() + posterior.kl().sum()
        }
        let layout = ParameterLayout(model)
        let gradients = FlatBuffer(count: layout.count)
        let value = model.valueAndGradient(layout: layout, gradients: gradients) { loss(x) }
        let expectedLoss = try Self.tensor(ref, "loss").scalars[0]
        #expect(abs(value - expectedLoss) / max(1, abs(expectedLoss)) <= 1e-4, "loss \(value) vs \(expectedLoss)")
        let names = ref.names.filter { $0.hasPrefix("grad.") && $0 != "grad.x" }
        #expect(names.count == 11)
        for key in names {
            let name = String(key.dropFirst("grad.".count))
            let entry = try #require(layout.entries.first { $0.name == name }, "no parameter \(name)")
            let ours = Tensor(shape: entry.parameter.shape,
                              data: Array(UnsafeBufferPointer(start: gradients.pointer + entry.offset, count: entry.count)))
            let error = Self.relativeError(ours, try Self.tensor(ref, key))
            #expect(error <= 1e-3, "gradient of \(name): relative error \(error)")
        }
        let (_, inputGradients) = GradientTape.valueAndGradient(at: [x]) { loss($0[0]) }
        let error = Self.relativeError(inputGradients[0], try Self.tensor(ref, "grad.x"))
        #expect(error <= 1e-3, "gradient of x: relative error \(error)")
    }
}
