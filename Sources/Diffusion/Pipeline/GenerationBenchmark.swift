import Foundation
import TensorCore
import Tokenizers
import Datasets

/// Times text-to-image generation of a config's pipeline with random weights (`t2i bench generate`,
/// DESIGN §9): no trained run is needed, since the work per step does not depend on the weights.
///
/// The pipeline: a SentencePiece tokenizer trained in memory on a few hundred `shapes` captions, a
/// `CLIPTextModel` whose token table has `tokenizer.vocab_size` rows, an `AutoencoderKL` and a
/// `UNet2DConditionModel` of the config, all initialised from Philox streams of the config's seed.
public struct GenerationBenchmark {
    /// One timed generation.
    public struct Run: Sendable {
        public let seconds: Double
        /// FLOPs the engine's GEMM-shaped ops counted (`FlopCounter`): text encoder, every U-Net
        /// call, and the decode.
        public let flops: Int
        /// Tensor buffers the generation took, and how many came fresh from the system.
        public let allocations: Int
        public let systemAllocations: Int
        /// The most bytes tensors held at once.
        public let peakBytes: Int
    }

    public let config: RunConfig
    public let pipeline: TextToImagePipeline

    /// Builds the pipeline of `config` with random weights.
    public init(config: RunConfig) throws {
        self.config = config
        let shapes = try ShapesGenerator(size: config.data.size, seed: 0)
        let captions = (0..<400).map { shapes.scene(at: $0).caption }
        let tokenizer = try SentencePieceTokenizer.train(
            sentences: captions, options: TokenizerTrainingOptions(vocabSize: config.tokenizer.vocabSize))
        let seed = UInt64(max(config.seed, 0))
        var textInit = Philox(seed: seed, stream: 20)
        let textEncoder = try CLIPTextModel(config: config.textEncoder, vocabularySize: max(config.tokenizer.vocabSize, tokenizer.vocabSize),
                                            generator: &textInit)
        var vaeInit = Philox(seed: seed, stream: 30)
        let vae = try AutoencoderKL(config: config.vae, generator: &vaeInit)
        var unetInit = Philox(seed: seed, stream: 40)
        let unet = try UNet2DConditionModel(config: config.unet, generator: &unetInit)
        try UNetStage.checkFit(config: config, textEncoder: textEncoder, vae: vae, run: RunFolder(URL(fileURLWithPath: "config")))
        pipeline = try TextToImagePipeline(tokenizer: tokenizer, textEncoder: textEncoder, vae: vae, unet: unet,
                                           scheduler: config.scheduler, clipSkip: config.diffusion.clipSkip)
    }

    /// The benchmark's request: `count` images of one shapes prompt, `steps` DDIM steps, `guidance`.
    public static func request(count: Int, steps: Int, guidance: Float) -> GenerationRequest {
        var r = GenerationRequest(prompt: "a large red circle in the center on a white background")
        r.count = count
        r.steps = steps
        r.guidance = guidance
        r.sampler = "ddim"
        return r
    }

    /// Generates `request` once, timed, counting FLOPs; decode included.
    public func run(_ request: GenerationRequest, progress: ((Int, Int) -> Void)? = nil) throws -> Run {
        let counter = FlopCounter()
        let before = TensorMemory.allocationCounts
        TensorMemory.resetPeak()
        let started = DispatchTime.now().uptimeNanoseconds
        _ = try FlopCounter.$current.withValue(counter) { try pipeline.generate(request, progress: progress) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let after = TensorMemory.allocationCounts
        return Run(seconds: seconds, flops: counter.total, allocations: after.tensors - before.tensors,
                   systemAllocations: after.system - before.system, peakBytes: TensorMemory.peak)
    }
}
