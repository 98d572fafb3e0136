/// Which keys each query of `attentionForward` may see; masked scores get probability exactly 0.
///
/// Three masks combine (a key is visible only if every one allows it):
/// - `causal`: query `i` sees keys `j ≤ i` (top-left aligned, as PyTorch's
///   `scaled_dot_product_attention(is_causal=True)`, which builds `ones(L, S).tril()`).
/// - `keyLengths`: for batch item `b = bh / heads`, keys `j ≥ keyLengths[b]` are masked (padding).
/// - `additive`: added to the scaled scores before the softmax, shape `(1, Lq, Lk)` (the same for
///   every batch item) or `(B, Lq, Lk)`, broadcast over heads; `-infinity` masks a key.
///
/// A query that sees no key at all gets an all-zero probability row (and so a zero output), not NaN.
public struct AttentionMask: Sendable, Equatable {
    /// Heads per batch item: `batchHeads = B * heads` (used to find `b` for `keyLengths` and `additive`).
    public var heads: Int
    /// Hide keys after the query's own position.
    public var causal: Bool
    /// Valid keys per batch item (B entries), or nil for all keys.
    public var keyLengths: [Int]?
    /// Scores added before the softmax, `(1 or B) × Lq × Lk` row-major, or nil.
    public var additive: [Float]?

    /// A mask; the default sees every key.
    public init(heads: Int = 1, causal: Bool = false, keyLengths: [Int]? = nil, additive: [Float]? = nil) {
        precondition(heads > 0, "AttentionMask needs heads > 0, got \(heads)")
        self.heads = heads
        self.causal = causal
        self.keyLengths = keyLengths
        self.additive = additive
    }

    /// No masking.
    public static var none: AttentionMask { AttentionMask() }

    /// Whether nothing is masked.
    public var isEmpty: Bool { !causal && keyLengths == nil && additive == nil }
}
