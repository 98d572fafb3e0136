import NN
import TensorCore

/// A stack of `CLIPEncoderLayer`s under `layers.N` (transformers `CLIPEncoder`).
public final class CLIPEncoder: Module {
    /// `layers.N`, applied in order.
    public let layers: ModuleList<CLIPEncoderLayer>

    /// `count` layers; see `CLIPEncoderLayer.init` for the other arguments.
    public init(count: Int, hidden: Int, intermediate: Int, heads: Int, activation: CLIPActivation, eps: Float,
                generator: inout Philox) {
        var items: [CLIPEncoderLayer] = []
        for _ in 0..<count {
            items.append(CLIPEncoderLayer(hidden: hidden, intermediate: intermediate, heads: heads, activation: activation,
                                          eps: eps, layers: count, generator: &generator))
        }
        layers = ModuleList(items)
    }

    /// Checks a tower's sizes as transformers' configs do (`validate_architecture`: heads divide
    /// the width); `source` names the config in the error.
    static func validate(hidden: Int, intermediate: Int, layers: Int, heads: Int, eps: Double, source: String) throws {
        for (key, value) in [("hidden_size", hidden), ("intermediate_size", intermediate), ("num_attention_heads", heads)] where value <= 0 {
            throw ConfigError(source: source, key: key, "must be positive, got \(value)")
        }
        guard layers >= 0 else { throw ConfigError(source: source, key: "num_hidden_layers", "must not be negative, got \(layers)") }
        guard hidden % heads == 0 else {
            throw ConfigError(source: source, key: "num_attention_heads",
                              "\(heads) heads do not divide hidden_size \(hidden)")
        }
        guard eps > 0, eps.isFinite else { throw ConfigError(source: source, key: "layer_norm_eps", "must be positive, got \(eps)") }
    }

    public var children: [(name: String, module: any Module)] { [("layers", layers)] }

    /// x: (B, L, hidden) → (B, L, hidden), every layer seeing the same `mask`; `layers` (nil: all)
    /// runs only the first ones (transformers' `hidden_states[layers]`).
    public func callAsFunction(_ x: Tensor, mask: AttentionMask, layers count: Int? = nil) -> Tensor {
        var h = x
        for layer in layers.items.prefix(count ?? layers.items.count) { h = layer(h, mask: mask) }
        return h
    }
}
