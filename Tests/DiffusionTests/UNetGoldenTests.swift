import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// `UNet2DConditionModel` against diffusers on the tiny fixture of scripts/fixtures/unet.py: a
/// randomised diffusers U-Net saved as a model folder, and its float64 outputs and gradients.
@Suite struct UNetGoldenTests {
    static let folder = TestFiles.fixtures.appendingPathComponent("unet/tiny")
    static let ioURL = TestFiles.fixtures.appendingPathComponent("unet/tiny_io.safetensors")

    /// max |a − b| / max(1, max |b|).
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
        let x = a.scalars, y = b.scalars
        let scale = max(1, y.map(abs).max() ?? 0)
        return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    static func tensor(_ file: SafetensorsFile, _ name: String) throws -> Tensor {
        try Tensor(shape: file.info(name).shape, data: file.floats(name))
    }

    /// The fixture's inputs: sample, timesteps, context and the context lengths of its 1/0 mask.
    static func inputs(_ io: SafetensorsFile) throws -> (sample: Tensor, timesteps: [Float], context: Tensor, lengths: [Int]) {
        let mask = try io.int64s("encoder_attention_mask")
        let length = try io.info("encoder_attention_mask").shape[1]
        let lengths = stride(from: 0, to: mask.count, by: length).map { start in mask[start..<(start + length)].reduce(0) { $0 + Int($1) } }
        return (try tensor(io, "sample"), try io.floats("timesteps"), try tensor(io, "encoder_hidden_states"), lengths)
    }

    @Test func loadsTheDiffusersFolderStrictly() throws {
        let model = try UNet2DConditionModel(contentsOf: Self.folder)
        #expect(model.config.blockOutChannels == [16, 32])
        #expect(model.config.attentionHeadDim == 2)
        #expect(model.config.crossAttentionDim == 16)
        let file = try SafetensorsFile(contentsOf: Self.folder.appendingPathComponent(UNet2DConditionModel.weightsFileName))
        #expect(model.namedParameters().map(\.name).sorted() == file.names)
        #expect(model.parameterCount == 267_172)  // scripts/fixtures/unet.py prints it
    }

    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func forwardMatchesDiffusersWithPaddedContext(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try forwardMatchesDiffusersWithPaddedContext() }
    }

    func forwardMatchesDiffusersWithPaddedContext() throws {
        let model = try UNet2DConditionModel(contentsOf: Self.folder)
        let io = try SafetensorsFile(contentsOf: Self.ioURL)
        let (sample, timesteps, context, lengths) = try Self.inputs(io)
        #expect(lengths == [5, 3])
        let out = model(sample, timesteps: timesteps, context: context, contextLengths: lengths)
        let expected = try Self.tensor(io, "out")
        #expect(out.shape == [2, 4, 8, 8])
        let error = Self.relativeError(out, expected)
        #expect(error <= 1e-4, "relative error \(error)")
        // The mask matters: attending to the padding gives a different output.
        let unmasked = model(sample, timesteps: timesteps, context: context)
        #expect(Self.relativeError(unmasked, expected) > 1e-3)
    }

    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func forwardMatchesDiffusersAtFractionalTimesteps(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try forwardMatchesDiffusersAtFractionalTimesteps() }
    }

    func forwardMatchesDiffusersAtFractionalTimesteps() throws {
        let model = try UNet2DConditionModel(contentsOf: Self.folder)
        let io = try SafetensorsFile(contentsOf: Self.ioURL)
        let (sample, _, context, _) = try Self.inputs(io)
        let timesteps = try io.floats("float_timesteps")
        let out = model(sample, timesteps: timesteps, context: context)
        let error = Self.relativeError(out, try Self.tensor(io, "out_float"))
        #expect(error <= 1e-4, "relative error \(error)")
    }

    /// On every backend: the CPU one and the reference (the seam's proof, DESIGN §1).
    @Test(arguments: Backends.names) func gradientsMatchDiffusers(backend: String) throws {
        try Backends.with(#require(Backends.named(backend))) { try gradientsMatchDiffusers() }
    }

    func gradientsMatchDiffusers() throws {
        let model = try UNet2DConditionModel(contentsOf: Self.folder)
        let io = try SafetensorsFile(contentsOf: Self.ioURL)
        let (sample, timesteps, context, lengths) = try Self.inputs(io)
        let cotangent = try Self.tensor(io, "cot")
        let layout = ParameterLayout(model)
        let gradients = FlatBuffer(count: layout.count)
        model.valueAndGradient(layout: layout, gradients: gradients) {
            (model(sample, timesteps: timesteps, context: context, contextLengths: lengths) * cotangent).sum()
        }
        let names = io.names.filter { $0.hasPrefix("grad.") }
        #expect(names.count == 7)
        for key in names {
            let name = String(key.dropFirst("grad.".count))
            let entry = try #require(layout.entries.first { $0.name == name }, "no parameter \(name)")
            let got = gradients.view(offset: entry.offset, shape: entry.parameter.shape)
            let error = Self.relativeError(got, try Self.tensor(io, key))
            #expect(error <= 1e-3, "\(name): relative error \(error)")
        }
    }
}
