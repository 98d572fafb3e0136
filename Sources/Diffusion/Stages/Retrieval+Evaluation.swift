import Foundation
import TensorCore

extension Retrieval {
    /// Scores `model` on the validation split of `data`: consecutive batches of `batchSize` pairs in
    /// the split's fixed order, a last partial batch dropped (a split smaller than one batch is
    /// scored as a single batch of all its pairs).
    ///
    /// Runs without a tape (inference). Images go in as the loader gives them, in [−1, 1], as in
    /// training (see `TextEncoderStage`).
    public static func evaluate(model: CLIPModel, captions: TextEncoderStage.Captions, data: RunData,
                                batchSize: Int = Retrieval.batchSize) throws -> RetrievalScores {
        var loader = try data.validationLoader(batchSize: batchSize)
        let size = loader.batchSize
        var total = RetrievalScores(batchSize: size, batches: 0, textToImage: RetrievalHits(), imageToText: RetrievalHits())
        for _ in 0..<loader.batchesPerEpoch {
            let batch = loader.nextBatch()
            guard batch.count == size else { continue }  // the last, partial batch
            let text = captions.batch(batch.captionRows)
            let textEmbeds = model.textEmbeddings(ids: text.ids, batch: size, length: captions.length, keyLengths: text.keyLengths)
            let imageEmbeds = model.imageEmbeddings(pixels: batch.images)
            // (text, image) cosine similarities; the logit scale would not change the ranking.
            let similarity = textEmbeds.matmul(imageEmbeds.transposed())
            total = total + score(similarity: similarity.scalars, captions: batch.captions)
        }
        return total
    }
}
