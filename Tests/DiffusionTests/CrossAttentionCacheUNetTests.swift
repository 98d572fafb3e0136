import Foundation
import Testing
import TensorCore
import NN
import Diffusion

/// The U-Net hands every cross-attention layer the caller's context tensor itself, so inside a
/// `CrossAttentionCache` scope (as `LatentDenoiser.sample` opens around each step) the second
/// denoising step projects no text state again — and gives the same bits as without the cache.
@Suite struct CrossAttentionCacheUNetTests {
    @Test("two U-Net steps on one context: every cross-attention layer projects it once, same outputs")
    func secondStepReusesEveryLayer() throws {
        let unet = try UNet2DConditionModel(contentsOf: TestFiles.fixtures.appendingPathComponent("unet/tiny"))
        let layers = unet.namedParameters().filter { $0.name.hasSuffix("attn2.to_k.weight") }.count
        #expect(layers >= 2)
        let config = unet.config
        var g = Philox(seed: 11)
        let context = Tensor.normal(shape: [2, 7, config.crossAttentionDim], generator: &g)
        let x1 = Tensor.normal(shape: [2, config.inChannels, config.sampleSize, config.sampleSize], generator: &g)
        let x2 = Tensor.normal(shape: [2, config.inChannels, config.sampleSize, config.sampleSize], generator: &g)
        let lengths = [7, 4]
        let plain = [unet(x1, timesteps: [900, 900], context: context, contextLengths: lengths).scalars,
                     unet(x2, timesteps: [500, 500], context: context, contextLengths: lengths).scalars]
        let cache = CrossAttentionCache()
        let cached = cache.with {
            [unet(x1, timesteps: [900, 900], context: context, contextLengths: lengths).scalars,
             unet(x2, timesteps: [500, 500], context: context, contextLengths: lengths).scalars]
        }
        #expect(cached == plain)
        #expect(cache.misses == layers)
        #expect(cache.hits == layers)
    }
}
