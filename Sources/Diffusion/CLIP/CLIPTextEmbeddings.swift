import NN
import TensorCore

/// Token plus learned absolute position embeddings (transformers `CLIPTextEmbeddings`).
///
/// transformers' `position_ids` is a non-persistent buffer (`arange(max_positions)`), not a
/// parameter, so it is neither stored nor expected in a checkpoint; here it is implicit.
public final class CLIPTextEmbeddings: Module {
    /// `token_embedding`: (vocabulary, hidden).
    public let tokenEmbedding: Embedding
    /// `position_embedding`: (max positions, hidden).
    public let positionEmbedding: Embedding

    /// Tables for `vocabularySize` tokens and `maxPositions` positions of width `hidden`, N(0, 0.02²)
    /// as transformers initialises them.
    public init(vocabularySize: Int, maxPositions: Int, hidden: Int, generator: inout Philox) {
        tokenEmbedding = Embedding(vocabularySize, hidden, generator: &generator)
        positionEmbedding = Embedding(maxPositions, hidden, generator: &generator)
        // modeling_clip.py `_init_weights` (CLIPTextEmbeddings): both tables N(0, (0.02·factor)²).
        let std = Float(0.02 * CLIPInitialization.factor)
        CLIPInitialization.normal(tokenEmbedding.weight, std: std, generator: &generator)
        CLIPInitialization.normal(positionEmbedding.weight, std: std, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("token_embedding", tokenEmbedding), ("position_embedding", positionEmbedding)]
    }

    /// ids: (B·L) row-major → (B, L, hidden): token rows plus the rows of positions 0..<L.
    public func callAsFunction(ids: [Int32], batch: Int, length: Int) -> Tensor {
        let tokens = tokenEmbedding(ids, shape: [batch, length])
        // modeling_clip.py CLIPTextEmbeddings.forward: position_ids = arange(L) → the first L rows.
        let positions = positionEmbedding.weight.value.slice(rows: 0..<length)
        return tokens + positions
    }
}
