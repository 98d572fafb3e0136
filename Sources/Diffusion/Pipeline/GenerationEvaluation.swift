import Foundation
import Imaging
import TensorCore
import Tokenizers

/// `t2i eval generation`: how well generated images match their prompts and the data, measured with
/// the run's own CLIP model (`clip/`, trained by `t2i train-encoder`).
///
/// - CLIP score (Hessel et al. 2021, as torchmetrics computes it): the mean over images of
///   100·max(cos(text embedding, image embedding), 0), with the run's text and image towers and
///   their projections.
/// - CLIP-feature FID: the Fréchet distance (`FrechetDistance`) between Gaussian fits of the
///   projected, unnormalised image features (`CLIPModel.imageFeatures`, transformers'
///   `get_image_features`, `clip.projection_dim` wide) of the generated images and of as many
///   validation images. It is FID's formula on a small CLIP trained on this run's data — not
///   Inception-v3 features — so it compares runs of one setup, not published FIDs.
///
/// Generated images are scored as they would be saved: rounded to 8 bits first, like the
/// validation PNGs they are compared with.
public enum GenerationEvaluation {
    /// Images per prompt and how they are generated (steps, sampler, guidance, eta of `template`).
    public struct Settings: Sendable {
        public var perPrompt: Int = 4
        public var seed: UInt64 = 0
        public var template = GenerationRequest(prompt: "")

        public init() {}
    }

    /// Scores `prompts` in `run` with `pipeline` (the run's, or any pipeline of the same image size).
    /// `progress` hears (prompts done, prompts in all).
    public static func evaluate(run: RunFolder, pipeline: TextToImagePipeline, prompts: [String], settings: Settings,
                                progress: ((Int, Int) -> Void)? = nil) throws -> GenerationEvaluationReport {
        guard !prompts.isEmpty else { throw TrainingError("no prompts to evaluate") }
        guard let config = try run.readConfig() else {
            throw TrainingError("\(run.configFile.path): no such file — \(run.url.path) is not a run folder; eval generation needs the run's config, clip/ and data")
        }
        guard run.hasModel(run.clip) else {
            throw TrainingError("\(run.clip.path): no trained CLIP model (config.json missing); train it with t2i train-encoder --run \(run.url.path)")
        }
        let clip = try CLIPModel.load(from: run.clip)
        guard pipeline.tokenizer.vocabSize <= clip.textModel.vocabularySize else {
            throw TrainingError("\(run.clip.path): the tokenizer's vocabulary \(pipeline.tokenizer.vocabSize) is larger than the CLIP model's \(clip.textModel.vocabularySize) token embeddings")
        }
        let side = clip.visionModel.config.imageSize
        let length = config.tokenizer.maxLength  // as the encoder was trained

        var scores: [(prompt: String, score: Double)] = []
        var features: [Float] = []
        var generated = 0
        for (k, prompt) in prompts.enumerated() {
            var request = settings.template
            request.prompt = prompt
            request.count = settings.perPrompt
            request.seed = settings.seed
            let images = try Image.images(fromBatch: pipeline.generate(request))
            guard images[0].width == side, images[0].height == side else {
                throw TrainingError("\(run.clip.path): the CLIP image tower takes \(side)×\(side) images but the pipeline makes \(images[0].width)×\(images[0].height)")
            }
            let pixels = try Image.batchTensor(images)
            let score = try clipScore(clip: clip, tokenizer: pipeline.tokenizer, length: length,
                                      texts: Array(repeating: prompt, count: images.count), pixels: pixels)
            scores.append((prompt, score.reduce(0, +) / Double(score.count)))
            features += clip.imageFeatures(pixels: pixels).scalars
            generated += images.count
            progress?(k + 1, prompts.count)
        }

        // The same number of validation images (fewer when the split is smaller), in the split's order.
        let data = try RunData(config: config)
        let wanted = min(generated, data.validationIndices.count)
        var loader = try data.validationLoader(batchSize: min(64, wanted))
        var validationFeatures: [Float] = []
        var validationScores: [Double] = []
        var seen = 0
        while seen < wanted {
            let batch = loader.nextBatch()
            let take = min(batch.count, wanted - seen)
            let pixels = take == batch.count ? batch.images : batch.images.slice(rows: 0..<take)
            validationFeatures += clip.imageFeatures(pixels: pixels).scalars
            validationScores += try clipScore(clip: clip, tokenizer: pipeline.tokenizer, length: length,
                                              texts: Array(batch.captions.prefix(take)), pixels: pixels)
            seen += take
        }
        let dim = clip.config.projectionDim
        let fid: Double? = generated >= 2 && seen >= 2
            ? FrechetDistance.distance(features, countA: generated, validationFeatures, countB: seen, dim: dim) : nil
        let meanScore = scores.map(\.score).reduce(0, +) / Double(scores.count)
        return GenerationEvaluationReport(perPrompt: scores, clipScore: meanScore, generatedImages: generated,
                                          validationImages: seen,
                                          validationClipScore: validationScores.reduce(0, +) / Double(max(validationScores.count, 1)),
                                          fid: fid, featureDim: dim, settings: settings)
    }

    /// 100·max(cos(text_i, image_i), 0) per pair, with `clip`'s projected embeddings.
    public static func clipScore(clip: CLIPModel, tokenizer: SentencePieceTokenizer, length: Int, texts: [String],
                                 pixels: Tensor) throws -> [Double] {
        let captions = try TextEncoderStage.Captions(tokenizer: tokenizer, texts: texts, maxLength: length)
        let text = clip.textEmbeddings(ids: captions.ids, batch: texts.count, length: length, keyLengths: captions.keyLengths)
        let image = clip.imageEmbeddings(pixels: pixels)
        let dim = text.shape[1]
        let (t, v) = (text.scalars, image.scalars)
        return (0..<texts.count).map { i in
            var cosine = 0.0
            for j in 0..<dim { cosine += Double(t[i * dim + j]) * Double(v[i * dim + j]) }
            return 100 * max(cosine, 0)
        }
    }
}
