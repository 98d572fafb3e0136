import Foundation

/// Validation retrieval of a CLIP model (issue 6, part 3): within batches of `batchSize` image–
/// caption pairs, how often each caption finds its image and each image its caption among the 1 and
/// 5 most similar, averaged over the batches.
///
/// Every batch has the same size (a last, partial batch is dropped), so the average over batches
/// is the hit count over all queries.
public struct RetrievalScores: Codable, Equatable, Sendable {
    /// Pairs per batch.
    public var batchSize: Int
    /// Batches scored.
    public var batches: Int
    /// Captions retrieving images (hits counted per caption).
    public var textToImage: RetrievalHits
    /// Images retrieving captions (hits counted per image).
    public var imageToText: RetrievalHits

    /// Scores from hit counts over `batches` batches of `batchSize` pairs.
    public init(batchSize: Int, batches: Int, textToImage: RetrievalHits, imageToText: RetrievalHits) {
        self.batchSize = batchSize
        self.batches = batches
        self.textToImage = textToImage
        self.imageToText = imageToText
    }

    /// Queries per direction: `batches · batchSize`.
    public var pairs: Int { batches * batchSize }

    /// `hits` as a fraction of the queries (0 when there are none).
    public func rate(_ hits: Int) -> Double {
        pairs > 0 ? Double(hits) / Double(pairs) : 0
    }

    /// Text→image top-1 with the caption rule: the issue's acceptance figure (≥ 0.6).
    public var textToImageTop1: Double { rate(textToImage.top1) }
    /// Text→image top-5 with the caption rule (acceptance ≥ 0.9).
    public var textToImageTop5: Double { rate(textToImage.top5) }
    /// Image→text top-1 with the caption rule.
    public var imageToTextTop1: Double { rate(imageToText.top1) }
    /// Image→text top-5 with the caption rule.
    public var imageToTextTop5: Double { rate(imageToText.top5) }

    /// Scores of several batches together (the batch sizes must agree).
    public static func + (a: RetrievalScores, b: RetrievalScores) -> RetrievalScores {
        precondition(a.batches == 0 || b.batches == 0 || a.batchSize == b.batchSize,
                     "cannot add retrieval scores of batch size \(a.batchSize) and \(b.batchSize)")
        return RetrievalScores(batchSize: a.batches == 0 ? b.batchSize : a.batchSize, batches: a.batches + b.batches,
                               textToImage: a.textToImage + b.textToImage, imageToText: a.imageToText + b.imageToText)
    }

    /// The figures as lines for a terminal: both directions, caption rule and strict.
    public var lines: [String] {
        func row(_ name: String, _ h: RetrievalHits) -> String {
            String(format: "  %@  top-1 %.3f  top-5 %.3f   (strict index match: top-1 %.3f  top-5 %.3f)",
                   name, rate(h.top1), rate(h.top5), rate(h.strictTop1), rate(h.strictTop5))
        }
        return [
            "validation retrieval: \(pairs) pairs in \(batches) batch\(batches == 1 ? "" : "es") of \(batchSize); "
                + "a hit is a retrieved item whose caption equals the query's",
            row("text→image", textToImage),
            row("image→text", imageToText),
        ]
    }

    /// The scores as a JSON object (counts and rates), for `logs/encoder-eval.json`.
    public func json(step: Int) -> String {
        func direction(_ h: RetrievalHits) -> String {
            String(format: "{\"top1\": %.6f, \"top5\": %.6f, \"strict_top1\": %.6f, \"strict_top5\": %.6f, "
                   + "\"hits\": {\"top1\": %d, \"top5\": %d, \"strict_top1\": %d, \"strict_top5\": %d}}",
                   rate(h.top1), rate(h.top5), rate(h.strictTop1), rate(h.strictTop5), h.top1, h.top5, h.strictTop1, h.strictTop5)
        }
        return """
            {
              "step": \(step),
              "batch_size": \(batchSize),
              "batches": \(batches),
              "pairs": \(pairs),
              "text_to_image": \(direction(textToImage)),
              "image_to_text": \(direction(imageToText))
            }

            """
    }
}
