extension TextEncoderStage {
    /// The analytic FLOP count of one CLIP training step, from the config alone.
    ///
    /// Counted: every matrix product — per transformer layer and token, the q/k/v/out projections
    /// (4·d² multiply-adds), the MLP (2·d·m) and attention's q·kᵀ and p·v (2·L·d, full L×L: the
    /// causal mask is applied to scores, not skipped); the patch convolution (patches·3·p²·d per
    /// image); the two projections of the pooled outputs; the B×B similarity. A multiply-add is 2
    /// FLOPs; backward is counted as twice the forward. Norms, softmax, GELU and embeddings are not
    /// counted (they are not GEMM-shaped and cost a few percent).
    public struct FLOPs: Sendable {
        /// Forward FLOPs of the text tower and its projection, for the whole batch.
        public var text: Double
        /// Forward FLOPs of the vision tower (patch conv included) and its projection.
        public var vision: Double
        /// Forward FLOPs of the similarity matrix.
        public var similarity: Double

        /// Forward FLOPs of one step.
        public var forward: Double { text + vision + similarity }
        /// Forward + backward (2× forward) FLOPs of one training step.
        public var trainingStep: Double { 3 * forward }

        /// The count for `config` at `batchSize` pairs per step.
        public init(config: RunConfig, batchSize: Int) {
            let b = Double(batchSize)
            let p = Double(config.clip.projectionDim)
            func tower(tokens: Double, hidden d: Double, mlp m: Double, layers: Double) -> Double {
                // per token and layer: 4d² (q, k, v, out) + 2dm (fc1, fc2) + 2Ld (q·kᵀ, p·v) multiply-adds
                layers * tokens * (4 * d * d + 2 * d * m + 2 * tokens * d)
            }
            let t = config.textEncoder
            let textMACs = tower(tokens: Double(config.tokenizer.maxLength), hidden: Double(t.hiddenSize),
                                 mlp: Double(t.intermediateSize), layers: Double(t.numHiddenLayers))
                + Double(t.hiddenSize) * p
            let v = config.visionEncoder
            let side = Double(v.imageSize / max(v.patchSize, 1))
            let patches = side * side
            let visionMACs = patches * Double(v.numChannels * v.patchSize * v.patchSize) * Double(v.hiddenSize)
                + tower(tokens: patches + 1, hidden: Double(v.hiddenSize), mlp: Double(v.intermediateSize),
                        layers: Double(v.numHiddenLayers))
                + Double(v.hiddenSize) * p
            text = 2 * b * textMACs
            vision = 2 * b * visionMACs
            similarity = 2 * b * b * p
        }
    }
}
