import TensorCore
import Datasets
import Tokenizers

/// Text-encoder hidden states of each distinct caption, computed once: shapes captions repeat,
/// so a 20 000-image dataset has only about a thousand distinct ones.
struct TextStateCache {
    /// Row of each caption (by dataset index) in `states`.
    let rowOfCaption: [Int]
    /// (distinct captions, L, D).
    let states: Tensor
    let lengths: [Int]
    let length: Int
    let width: Int

    /// Encodes each distinct caption once, 256 at a time; `shouldStop` (Ctrl-C) is asked between
    /// chunks, and a yes ends it with an `Interruption`.
    /// `skip` is the run's `diffusion.clip_skip`.
    init(tokenizer: SentencePieceTokenizer, textEncoder: CLIPTextModel, captions: [String], maxLength: Int, skip: Int = 0,
         shouldStop: () -> Bool = { false }) throws {
        var rowOf: [String: Int] = [:]
        var distinct: [String] = []
        var rows: [Int] = []
        for c in captions {
            if let r = rowOf[c] { rows.append(r); continue }
            rowOf[c] = distinct.count
            rows.append(distinct.count)
            distinct.append(c)
        }
        var chunks: [Tensor] = [], lengths: [Int] = []
        for start in stride(from: 0, to: distinct.count, by: 256) {
            if shouldStop() { throw Interruption("interrupted while encoding captions (\(start) of \(distinct.count)); nothing was saved, rerun the same command to start again") }
            let chunk = Array(distinct[start..<min(start + 256, distinct.count)])
            var ids: [Int32] = []
            for c in chunk { ids += try tokenizer.encode(c, maxLength: maxLength) }
            let keyLengths = textEncoder.textModel.keyLengths(ids: ids, batch: chunk.count, length: maxLength)
            chunks.append(textEncoder.encode(ids: ids, batch: chunk.count, length: maxLength, keyLengths: keyLengths, skip: skip).lastHiddenState)
            lengths += keyLengths
        }
        rowOfCaption = rows
        states = Tensor.concatenate(chunks, axis: 0)
        self.lengths = lengths
        length = maxLength
        width = textEncoder.textModel.config.hiddenSize
    }

    /// Hidden states (B, L, D) and key lengths of captions `indices` (into the captions given at init).
    func states(_ indices: [Int]) -> (Tensor, [Int]) {
        let rows = indices.map { rowOfCaption[$0] }
        return (states.gatherRows(rows), rows.map { lengths[$0] })
    }
}
