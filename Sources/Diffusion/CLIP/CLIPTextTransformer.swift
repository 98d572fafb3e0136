import NN
import TensorCore

/// The CLIP text tower: token and position embeddings, a causal pre-LN transformer and a final layer
/// norm, pooled at the end-of-sequence token (transformers `CLIPTextModel`'s body; parameter names
/// under `text_model.` in `CLIPModel`).
///
/// The U-Net conditions on `lastHiddenState` (B, L, hidden); the contrastive head projects `pooled`.
public final class CLIPTextTransformer: Module {
    /// The tower's sizes and activation.
    public let config: CLIPTextConfig
    /// Rows of the token table: the tokenizer's vocabulary size, fixed at construction.
    public let vocabularySize: Int
    /// Special token ids; `eos` places the pooled output.
    public let tokens: CLIPTokenIDs
    /// `embeddings`: token plus position.
    public let embeddings: CLIPTextEmbeddings
    /// `encoder`: the causal transformer layers.
    public let encoder: CLIPEncoder
    /// `final_layer_norm`, applied to every position.
    public let finalLayerNorm: LayerNorm

    /// A randomly initialised tower (transformers' initialisation, drawn from `generator`).
    /// Throws `ConfigError` (source "text_encoder", the run config's section) for a config transformers would refuse.
    public init(config: CLIPTextConfig, vocabularySize: Int, tokens: CLIPTokenIDs = CLIPTokenIDs(), generator: inout Philox) throws {
        let activation = try CLIPTextTransformer.validate(config, vocabularySize: vocabularySize, source: "text_encoder")
        self.config = config
        self.vocabularySize = vocabularySize
        self.tokens = tokens
        embeddings = CLIPTextEmbeddings(vocabularySize: vocabularySize, maxPositions: config.maxPositionEmbeddings,
                                        hidden: config.hiddenSize, generator: &generator)
        encoder = CLIPEncoder(count: config.numHiddenLayers, hidden: config.hiddenSize, intermediate: config.intermediateSize,
                              heads: config.numAttentionHeads, activation: activation, eps: Float(config.layerNormEps),
                              generator: &generator)
        finalLayerNorm = LayerNorm(config.hiddenSize, eps: Float(config.layerNormEps))
    }

    public var children: [(name: String, module: any Module)] {
        [("embeddings", embeddings), ("encoder", encoder), ("final_layer_norm", finalLayerNorm)]
    }

    /// Checks `config` as transformers' `CLIPTextConfig` does and returns its activation.
    static func validate(_ config: CLIPTextConfig, vocabularySize: Int, source: String) throws -> CLIPActivation {
        let activation = try CLIPActivation(name: config.hiddenAct, source: source, key: "hidden_act")
        try CLIPEncoder.validate(hidden: config.hiddenSize, intermediate: config.intermediateSize, layers: config.numHiddenLayers,
                                 heads: config.numAttentionHeads, eps: config.layerNormEps, source: source)
        guard config.maxPositionEmbeddings > 0 else {
            throw ConfigError(source: source, key: "max_position_embeddings", "must be positive, got \(config.maxPositionEmbeddings)")
        }
        guard vocabularySize > 0 else {
            throw ConfigError(source: source, key: "vocab_size", "must be positive, got \(vocabularySize)")
        }
        return activation
    }

    /// Encodes `batch` sequences of `length` token ids (row-major, `batch·length` ids).
    ///
    /// - Parameters:
    ///   - keyLengths: per sequence, how many leading tokens attention may see (transformers'
    ///     `attention_mask` as lengths: the tokens up to and including eos, see `keyLengths(ids:batch:length:)`);
    ///     nil sees every token. Either way attention is causal.
    ///   - skip: how many of the last layers to leave out (diffusers' `clip_skip`): the states are
    ///     those after `num_hidden_layers − skip` layers, through the final layer norm, as
    ///     `StableDiffusionPipeline.encode_prompt` takes `hidden_states[-(clip_skip + 1)]` and applies
    ///     `final_layer_norm`. 0 is the last layer; `num_hidden_layers` the embeddings alone.
    /// - Returns: `lastHiddenState` (B, L, hidden) after the final layer norm, and `pooled`
    ///   (B, hidden), its row at each sequence's end-of-sequence token (of the skipped states when
    ///   `skip` > 0; transformers' `pooler_output` is always the last layer's).
    public func encode(ids: [Int32], batch: Int, length: Int, keyLengths: [Int]? = nil,
                       skip: Int = 0) -> (lastHiddenState: Tensor, pooled: Tensor) {
        precondition(ids.count == batch * length, "encode: \(ids.count) ids do not form \(batch) sequences of \(length)")
        precondition(length >= 1 && length <= config.maxPositionEmbeddings,
                     "encode: sequence length \(length) outside 1...\(config.maxPositionEmbeddings) (max_position_embeddings)")
        precondition((0...config.numHiddenLayers).contains(skip),
                     "encode: skip \(skip) outside 0...\(config.numHiddenLayers) (num_hidden_layers)")
        let hidden = config.hiddenSize
        let x = embeddings(ids: ids, batch: batch, length: length)
        // modeling_clip.py CLIPTextModel.forward: create_causal_mask(attention_mask) — causal and
        // key padding combined; a padded query still sees the real tokens before it.
        let mask = AttentionMask(causal: true, keyLengths: keyLengths)
        let last = finalLayerNorm(encoder(x, mask: mask, layers: config.numHiddenLayers - skip))
        let rows = poolingPositions(ids: ids, batch: batch, length: length).enumerated().map { $0.offset * length + $0.element }
        let pooled = CLIPOps.rows(last.reshaped([batch * length, hidden]), rows)
        return (last, pooled)
    }

    /// Per sequence, the position the pooled output is read at (modeling_clip.py CLIPTextModel.forward):
    /// with `eos == 2` (configs from before transformers PR #24773) the position of the largest id,
    /// otherwise the first position holding `eos`; 0 when there is none, as `argmax` of all zeros gives.
    public func poolingPositions(ids: [Int32], batch: Int, length: Int) -> [Int] {
        (0..<batch).map { b in
            let row = ids[(b * length)..<((b + 1) * length)]
            if tokens.eos == 2 {
                // argmax returns the first maximum.
                var best = row.startIndex
                for i in row.indices where row[i] > row[best] { best = i }
                return best - row.startIndex
            }
            return (row.firstIndex(of: Int32(truncatingIfNeeded: tokens.eos)) ?? row.startIndex) - row.startIndex
        }
    }

    /// Per sequence, the number of tokens up to and including the first eos (the whole length when
    /// there is none): the attention-mask lengths of sequences padded after eos.
    public func keyLengths(ids: [Int32], batch: Int, length: Int) -> [Int] {
        let eos = Int32(truncatingIfNeeded: tokens.eos)
        return (0..<batch).map { b in
            let row = ids[(b * length)..<((b + 1) * length)]
            return row.firstIndex(of: eos).map { $0 - row.startIndex + 1 } ?? length
        }
    }
}
