import NN
import TensorCore

/// The timestep MLP, diffusers' `TimestepEmbedding` (models/embeddings.py): `linear_1`, SiLU, `linear_2`.
public final class TimestepEmbedding: Module {
    /// `linear_1`: sinusoidal features to the embedding width.
    public let linear1: Linear
    /// `linear_2`.
    public let linear2: Linear

    /// An MLP from `inChannels` sinusoidal features to `embeddingDim` (PyTorch default init).
    public init(inChannels: Int, embeddingDim: Int, generator: inout Philox) {
        linear1 = Linear(inChannels, embeddingDim, generator: &generator)
        linear2 = Linear(embeddingDim, embeddingDim, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("linear_1", linear1), ("linear_2", linear2)]
    }

    /// (B, inChannels) → (B, embeddingDim).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        linear2(linear1(x).silu())
    }
}
