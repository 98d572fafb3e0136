import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// Swift → Python: with `T2I_UNET_EXPORT=DIR`, writes a t2i-built default-config U-Net folder to DIR
/// (every parameter then nudged by Philox noise, so that the zero-initialised output layers and the
/// norms are exercised) and `DIR/io.safetensors` with a fixed input and t2i's output. Checked with
/// `python scripts/fixtures/unet.py --check DIR`.
@Suite struct UNetExportTests {
    @Test("needs T2I_UNET_EXPORT=DIR: writes files for the Python check", .enabled(if: ProcessInfo.processInfo.environment["T2I_UNET_EXPORT"] != nil))
    func exportForDiffusers() throws {
        let path = try #require(ProcessInfo.processInfo.environment["T2I_UNET_EXPORT"])
        let folder = URL(fileURLWithPath: path)
        var generator = Philox(seed: 2024)
        let model = try UNet2DConditionModel(config: UNetConfig(), generator: &generator)
        for (_, parameter) in model.namedParameters() {
            parameter.value = parameter.value + generator.normal(parameter.shape) * 0.02
        }
        let (batch, length) = (3, 32)
        let sample = generator.normal([batch, 4, 8, 8])
        let context = generator.normal([batch, length, 128])
        let timesteps: [Float] = [1, 421, 999]
        let lengths = [7, 32, 12]
        let out = model(sample, timesteps: timesteps, context: context, contextLengths: lengths)
        try model.save(to: folder)
        var writer = SafetensorsWriter(metadata: ["writer": "UNetExportTests"])
        try writer.add("sample", sample)
        try writer.add("timesteps", Tensor(shape: [batch], data: timesteps))
        try writer.add("encoder_hidden_states", context)
        try writer.add("context_lengths", int64s: lengths.map(Int64.init), shape: [batch])
        try writer.add("out", out)
        try writer.write(to: folder.appendingPathComponent("io.safetensors"))
    }
}
