/// Hit counts of one retrieval direction (text→image or image→text) over a number of queries.
///
/// A *caption* hit counts a retrieved item whose caption equals the query's: on `shapes` data the
/// same caption can describe two images of one batch, and retrieving either is correct. A *strict*
/// hit requires the query's own partner (the same index), the usual CLIP figure when captions are
/// unique.
public struct RetrievalHits: Codable, Equatable, Sendable {
    /// Queries whose most similar item has the query's caption.
    public var top1: Int = 0
    /// Queries with an item of the query's caption among the 5 most similar.
    public var top5: Int = 0
    /// Queries whose most similar item is their own partner.
    public var strictTop1: Int = 0
    /// Queries whose own partner is among the 5 most similar.
    public var strictTop5: Int = 0

    /// No hits.
    public init() {}

    /// The given counts.
    public init(top1: Int, top5: Int, strictTop1: Int, strictTop5: Int) {
        self.top1 = top1
        self.top5 = top5
        self.strictTop1 = strictTop1
        self.strictTop5 = strictTop5
    }

    /// The sum of two tallies.
    public static func + (a: RetrievalHits, b: RetrievalHits) -> RetrievalHits {
        RetrievalHits(top1: a.top1 + b.top1, top5: a.top5 + b.top5,
                      strictTop1: a.strictTop1 + b.strictTop1, strictTop5: a.strictTop5 + b.strictTop5)
    }

    enum CodingKeys: String, CodingKey {
        case top1 = "top1"
        case top5 = "top5"
        case strictTop1 = "strict_top1"
        case strictTop5 = "strict_top5"
    }
}
