import Testing
import Diffusion

@Suite struct TextEncoderStageRetrievalTests {
    /// 4 pairs; captions 0 and 2 are the same text. Row i is caption i, column j image j.
    ///
    /// text→image (rows, best first, ties to the lower index):
    ///   t0 [0.8 0.1 0.9 0.3]: i2 best — caption hit (i2's caption is t0's), strict miss
    ///   t1 [0.7 0.5 0.1 0.6]: i0 best — miss
    ///   t2 [0.1 0.2 0.9 0.0]: i2 best — hit, strict hit
    ///   t3 [0.2 0.6 0.3 0.6]: i1 = i3, tie to i1 — miss
    /// image→text (columns):
    ///   i0 [0.8 0.7 0.1 0.2]: t0 best — hit, strict hit
    ///   i1 [0.1 0.5 0.2 0.6]: t3 best — miss
    ///   i2 [0.9 0.1 0.9 0.3]: t0 = t2, tie to t0 — caption hit, strict miss
    ///   i3 [0.3 0.6 0.0 0.6]: t1 = t3, tie to t1 — miss
    /// With 4 candidates every top-5 holds all of them.
    static let similarity: [Float] = [
        0.8, 0.1, 0.9, 0.3,
        0.7, 0.5, 0.1, 0.6,
        0.1, 0.2, 0.9, 0.0,
        0.2, 0.6, 0.3, 0.6,
    ]
    static let captions = ["a red circle", "a blue square", "a red circle", "a green triangle"]

    @Test func countsHitsWithTheDuplicateCaptionRule() {
        let s = Retrieval.score(similarity: Self.similarity, captions: Self.captions)
        #expect(s.batchSize == 4 && s.batches == 1 && s.pairs == 4)
        #expect(s.textToImage == RetrievalHits(top1: 2, top5: 4, strictTop1: 1, strictTop5: 4))
        #expect(s.imageToText == RetrievalHits(top1: 2, top5: 4, strictTop1: 1, strictTop5: 4))
        #expect(s.textToImageTop1 == 0.5)
        #expect(s.imageToTextTop1 == 0.5)
    }

    @Test func topFiveLeavesOutTheSixthBest() {
        // 6 pairs, distinct captions; caption 0's partner is only 6th: a top-5 miss.
        let n = 6
        var similarity = [Float](repeating: 0, count: n * n)
        for i in 0..<n { similarity[i * n + i] = 1 }
        similarity[0] = -1
        for j in 1..<n { similarity[j] = Float(j) }
        let captions = (0..<n).map { "caption \($0)" }
        let s = Retrieval.score(similarity: similarity, captions: captions)
        // Row 0 is [-1, 1, 2, 3, 4, 5]: its partner is last; rows 1…5 find theirs first.
        #expect(s.textToImage == RetrievalHits(top1: 5, top5: 5, strictTop1: 5, strictTop5: 5))
        // Column 0 is [-1, 0, 0, 0, 0, 0]: caption 0 is 6th. Column j > 0 holds j for caption 0,
        // at least the partner's 1 (a tie for j = 1 goes to caption 0): second, never first.
        #expect(s.imageToText == RetrievalHits(top1: 0, top5: 5, strictTop1: 0, strictTop5: 5))
    }

    @Test func batchesAddUp() {
        let one = Retrieval.score(similarity: Self.similarity, captions: Self.captions)
        let two = one + one
        #expect(two.batches == 2 && two.pairs == 8)
        #expect(two.textToImageTop1 == one.textToImageTop1)
        #expect(two.textToImage.top1 == 4)
    }
}
