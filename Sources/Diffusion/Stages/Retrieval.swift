/// Retrieval within one batch of paired captions and images, from their similarity matrix.
public enum Retrieval {
    /// Pairs per validation batch (issue 6, part 3).
    public static let batchSize = 64

    /// Hits of both directions in one batch of `count` pairs.
    ///
    /// - Parameters:
    ///   - similarity: `count × count`, row-major; entry (i, j) compares caption *i* with image *j*
    ///     (any monotone score: cosine or CLIP logits rank alike).
    ///   - captions: the batch's captions; caption *i* belongs to image *i*.
    /// - Returns: the scores of this one batch. Ranking is by descending similarity, ties broken by
    ///   the lower index so that the result does not depend on sort stability.
    public static func score(similarity: [Float], captions: [String]) -> RetrievalScores {
        let n = captions.count
        precondition(similarity.count == n * n, "retrieval needs a \(n)×\(n) similarity matrix, got \(similarity.count) values")
        var textToImage = RetrievalHits()
        var imageToText = RetrievalHits()
        // similarity: (text i, image j)
        for i in 0..<n {
            let ranked = ranking(count: n) { j in similarity[i * n + j] }
            tally(&textToImage, query: i, ranked: ranked, captions: captions)
        }
        for j in 0..<n {
            let ranked = ranking(count: n) { i in similarity[i * n + j] }
            tally(&imageToText, query: j, ranked: ranked, captions: captions)
        }
        return RetrievalScores(batchSize: n, batches: 1, textToImage: textToImage, imageToText: imageToText)
    }

    /// The `min(5, count)` best candidates, best first.
    static func ranking(count: Int, score: (Int) -> Float) -> [Int] {
        let order = (0..<count).sorted { a, b in
            let (sa, sb) = (score(a), score(b))
            return sa != sb ? sa > sb : a < b
        }
        return Array(order.prefix(5))
    }

    /// Adds the hits of one query with candidates `ranked` (best first).
    static func tally(_ hits: inout RetrievalHits, query: Int, ranked: [Int], captions: [String]) {
        let caption = captions[query]
        if let best = ranked.first {
            if captions[best] == caption { hits.top1 += 1 }
            if best == query { hits.strictTop1 += 1 }
        }
        if ranked.contains(where: { captions[$0] == caption }) { hits.top5 += 1 }
        if ranked.contains(query) { hits.strictTop5 += 1 }
    }
}
