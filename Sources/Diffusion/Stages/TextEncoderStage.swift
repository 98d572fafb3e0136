import Foundation
import TensorCore
import NN
import Datasets
import Tokenizers
import Distributed

/// Stage 1 of a run (issue 6): a SentencePiece tokenizer and a CLIP model trained from scratch on
/// the run's captioned images with the symmetric contrastive loss (Radford et al. 2021), whose text
/// tower becomes the pipeline's `text_encoder/`.
///
/// Images enter the vision tower as the loader gives them, in [−1, 1], with no CLIP mean/std
/// normalisation: the model is trained from scratch, so any fixed affine input scaling is as good
/// as CLIP's, and [−1, 1] is what the autoencoder and U-Net stages see too. Evaluation uses the
/// same scaling. (Loading `clip/` into transformers with a `CLIPImageProcessor` would need
/// `image_mean` 0.5 and `image_std` 0.5 to reproduce it.)
public enum TextEncoderStage {
    /// The stage's name: `logs/encoder.jsonl`, `state/encoder.safetensors`.
    public static let name = "encoder"

    /// Trains the stage in `run`: tokenizer (when the run has none), then CLIP; at the end saves
    /// `clip/` and `text_encoder/`, scores validation retrieval and writes it to
    /// `logs/encoder-eval.json`.
    ///
    /// - Parameters:
    ///   - config: the requested config; see `adopt(_:in:)` for how it meets the run's own.
    ///   - resume: continue from `state/encoder.safetensors` when present (bit-exact); otherwise
    ///     training starts from step 0 (the tokenizer is kept).
    ///   - interrupt: checked between steps; when raised the trainer saves a checkpoint and this
    ///     returns an `.interrupted` report without saving models or scoring.
    ///   - group: the processes training together (DESIGN §11); ranks other than 0 write
    ///     nothing and return a report without scores.
    /// - Throws: `ConfigError` (a key), `DatasetError` (a data file), `TokenizerError`,
    ///   `TrainingError` (NaN loss, a checkpoint of another model) — each one line.
    public static func train(config requested: RunConfig, run: RunFolder, resume: Bool, interrupt: InterruptFlag,
                             observer: (any TrainingObserver)?, group: any ProcessGroup = SingleProcess()) throws -> Report {
        try validate(requested)
        guard group.isWriter else {
            return try trainInFolder(config: requested, run: run, resume: resume, interrupt: interrupt, observer: nil, group: group)
        }
        // A run folder this call makes is removed again when the run fails before its first step
        // is logged or checkpointed (bad data, a full disk, Ctrl-C while preparing): a refused
        // command leaves nothing behind, while a run that trained stays, to be read or resumed.
        let created = !FileManager.default.fileExists(atPath: run.url.path)
        do {
            return try trainInFolder(config: requested, run: run, resume: resume, interrupt: interrupt, observer: observer, group: group)
        } catch {
            let checkpoint = run.state.appendingPathComponent("\(name).safetensors")
            let log = (try? FileManager.default.attributesOfItem(atPath: run.logs.appendingPathComponent("\(name).jsonl").path))?[.size] as? Int ?? 0
            if created, !FileManager.default.fileExists(atPath: checkpoint.path), log == 0 {
                try? FileManager.default.removeItem(at: run.url)
            }
            throw error
        }
    }

    private static func trainInFolder(config requested: RunConfig, run: RunFolder, resume: Bool, interrupt: InterruptFlag,
                                      observer: (any TrainingObserver)?, group: any ProcessGroup) throws -> Report {
        let note: (String) -> Void = { observer?.note($0) }
        // Rank 0 records the settings, prepares the data and trains the tokenizer; the other ranks
        // then find them there and only read.
        let (config, data, tokenizer) = try group.writerFirst {
            try run.create()
            let config = try adopt(requested, in: run)
            let data = try RunData(config: config, note: note, shouldStop: { interrupt.isRaised })
            let tokenizer = try self.tokenizer(config: config, data: data, run: run, note: note, shouldStop: { interrupt.isRaised })
            return (config, data, tokenizer)
        }
        let captions = try Captions(tokenizer: tokenizer, texts: data.dataset.captionTexts, maxLength: config.tokenizer.maxLength)

        let seed = UInt64(config.seed)  // validated non-negative
        // Stream 20 of the run seed: the encoder's initial weights, apart from data order and noise.
        let parameters = ModelSize.textEncoderParameters(config.textEncoder, vocabulary: tokenizer.vocabSize)
            + ModelSize.visionEncoderParameters(config.visionEncoder)
        try ModelSize.checkFits(parameters: parameters, copies: 5, model: "a CLIP model", source: run.configFile.path, key: "text_encoder")
        var generator = Philox(seed: seed, stream: 20)
        let model = try CLIPModel(config: config.clip, text: config.textEncoder, vision: config.visionEncoder,
                                  vocabularySize: tokenizer.vocabSize, generator: &generator)
        let loader = try data.trainingLoader(batchSize: config.encoderTraining.batchSize, seed: config.seed, flip: config.data.flip)
        let trainer = try StageTrainer(model: model, stage: name, config: config.encoderTraining, loader: loader, seed: seed,
                                       emaDecay: nil, runFolder: run.url, resume: resume, group: group)
        let startStep = trainer.step
        if startStep > 0 { note("resuming the encoder at step \(startStep) of \(config.encoderTraining.steps)") }

        let started = Date()
        let negatives = config.clip.hardNegatives > 0
            ? (HardNegatives(texts: data.dataset.captionTexts, perCaption: config.clip.hardNegatives), tokenizer) : nil
        let outcome = try trainer.run(interrupt: interrupt, observer: observer,
                                      objective: objective(model: model, captions: captions, negatives: negatives), afterStep: { _ in
            // OpenAI CLIP clamps the temperature after each optimizer step (CLIPModel.clampLogitScale).
            model.clampLogitScale(in: trainer.parameters, layout: trainer.layout)
        })
        var report = Report(outcome: outcome, startStep: startStep, step: trainer.step, totalSteps: config.encoderTraining.steps,
                            trainingSeconds: Date().timeIntervalSince(started), vocabularySize: tokenizer.vocabSize, scores: nil)
        guard outcome == .finished, group.isWriter else { return report }

        try model.save(to: run.clip)
        try model.textEncoder.save(to: run.textEncoder)
        note("scoring validation retrieval on \(data.validationIndices.count) pairs")
        let scores = try Retrieval.evaluate(model: model, captions: captions, data: data)
        try FileManager.default.createDirectory(at: run.logs, withIntermediateDirectories: true)
        try AtomicFile.write(Data(scores.json(step: trainer.step).utf8), to: evaluationLog(run))
        report.scores = scores
        return report
    }

    /// The training objective: per-sample text and image embeddings (and, with `negatives`, the
    /// embeddings of each caption's hard negative), and the contrastive loss over the whole
    /// (global) batch of them.
    static func objective(model: CLIPModel, captions: Captions,
                          negatives: (HardNegatives, SentencePieceTokenizer)? = nil) -> StageTrainer<CLIPModel>.Objective {
        .batchwise(embed: { try embeddings(model: model, captions: captions, batch: $0, negatives: negatives) },
                   head: { contrastiveLoss(model: model, embeds: $0) })
    }

    /// [text embeddings, image embeddings] of a batch, one row per sample, and with `negatives`
    /// the embeddings of each caption's K hard negatives third, (B, K, D).
    static func embeddings(model: CLIPModel, captions: Captions, batch: DatasetBatch,
                           negatives: (HardNegatives, SentencePieceTokenizer)? = nil) throws -> [Tensor] {
        let text = captions.batch(batch.captionRows)
        var embeds = [model.textEmbeddings(ids: text.ids, batch: batch.count, length: captions.length, keyLengths: text.keyLengths),
                      model.imageEmbeddings(pixels: batch.images)]
        if let (hard, tokenizer) = negatives {
            let ids = try hard.ids(batch, tokenizer: tokenizer, maxLength: captions.length)
            let rows = batch.count * hard.perCaption
            let keyLengths = model.textModel.keyLengths(ids: ids, batch: rows, length: captions.length)
            let negatives = model.textEmbeddings(ids: ids, batch: rows, length: captions.length, keyLengths: keyLengths)
            embeds.append(negatives.reshaped([batch.count, hard.perCaption, -1]))
        }
        return embeds
    }

    /// The symmetric contrastive loss of a batch's embeddings: caption *i* pairs with image *i*.
    /// With a third set of embeddings (K hard negatives per caption, (B, K, D)) each image's
    /// caption loss is taken over the batch's captions and all their negatives (B × (1 + K)B
    /// logits), as NegCLIP does; each caption's loss stays over the batch's images.
    static func contrastiveLoss(model: CLIPModel, embeds: [Tensor]) -> Tensor {
        guard embeds.count == 3 else {
            return CLIPModel.contrastiveLoss(logitsPerText: model.logits(textEmbeds: embeds[0], imageEmbeds: embeds[1]).perText)
        }
        // One product for both directions: the ((1 + K)B, B) logits of captions and negatives
        // against the images; the captions' loss reads their B rows, each image's its column.
        let b = embeds[0].shape[0], targets = Array(0..<b)
        let negatives = embeds[2].reshaped([-1, embeds[0].shape[1]])
        let logits = model.logits(textEmbeds: Tensor.concatenate([embeds[0], negatives], axis: 0), imageEmbeds: embeds[1])
        return (logits.perText.slice(rows: 0..<b).crossEntropy(targets: targets) + logits.perImage.crossEntropy(targets: targets)) * 0.5
    }

    /// `logs/encoder-eval.json`: the retrieval scores of the last training (or nothing yet).
    public static func evaluationLog(_ run: RunFolder) -> URL {
        run.logs.appendingPathComponent("\(name)-eval.json")
    }

    /// The run's config, trained `clip/` model and tokenizer, checked to fit together.
    static func trainedModel(run: RunFolder) throws -> (config: RunConfig, model: CLIPModel, tokenizer: SentencePieceTokenizer) {
        guard let config = try run.readConfig() else {
            throw TrainingError("\(run.configFile.path): no such file — \(run.url.path) is not a run folder (train one with t2i train-encoder --run \(run.url.path))")
        }
        guard run.hasModel(run.clip) else {
            throw TrainingError("\(run.clip.path): no trained CLIP model (config.json missing); train it with t2i train-encoder --run \(run.url.path)")
        }
        let model = try CLIPModel.load(from: run.clip)
        let tokenizer = try SentencePieceTokenizer(contentsOf: run.tokenizerModel)
        guard tokenizer.vocabSize <= model.textModel.vocabularySize else {
            throw TrainingError("\(run.tokenizerModel.path): vocabulary \(tokenizer.vocabSize) is larger than the model's \(model.textModel.vocabularySize) token embeddings in \(run.clip.path)")
        }
        return (config, model, tokenizer)
    }

    /// Scores the run's saved `clip/` model on its validation split (what `t2i eval encoder` does),
    /// with the run's own config, tokenizer and data; on `shapes` data also the spread of its text
    /// states (`TextStateSpread`, nil otherwise: it enumerates that caption grammar), measured
    /// with `skip` layers left out (nil: the run's `diffusion.clip_skip`).
    public static func evaluate(run: RunFolder, skip: Int? = nil,
                                note: ((String) -> Void)? = nil) throws -> (retrieval: RetrievalScores, textStates: TextStateSpread?) {
        let (config, model, tokenizer) = try trainedModel(run: run)
        let skip = skip ?? config.diffusion.clipSkip
        let layers = model.textModel.config.numHiddenLayers
        guard (0...layers).contains(skip) else {
            throw TrainingError("--clip-skip \(skip): the text encoder in \(run.clip.path) has \(layers) layer\(layers == 1 ? "" : "s"); give 0...\(layers)")
        }
        let data = try RunData(config: config, note: note)
        let captions = try Captions(tokenizer: tokenizer, texts: data.dataset.captionTexts, maxLength: config.tokenizer.maxLength)
        let retrieval = try Retrieval.evaluate(model: model, captions: captions, data: data)
        let textStates = config.data.kind == "shapes"
            ? try TextStateSpread.measure(textModel: model.textModel, tokenizer: tokenizer, maxLength: config.tokenizer.maxLength,
                                          excluded: config.data.excludedCombinations, skip: skip) : nil
        return (retrieval, textStates)
    }
}
