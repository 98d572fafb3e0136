/// Tensors of Philox random numbers (DESIGN §2: explicit, keyed generators). The fills happen here,
/// under the seam, so the layers above never write tensor memory to draw noise or initial weights.
extension Tensor {
    /// N(mean, std²) values of `shape`, drawn in order from `generator` (`Philox.fillNormal`).
    public static func normal(shape: [Int], mean: Float = 0, std: Float = 1, generator: inout Philox) -> Tensor {
        Tensor(shape: shape) { generator.fillNormal($0, mean: mean, std: std) }
    }

    /// U(−bound, bound) values of `shape`: (2u − 1)·bound for u drawn in order from `generator`.
    public static func uniform(shape: [Int], bound: Float, generator: inout Philox) -> Tensor {
        Tensor(shape: shape) { buffer in
            generator.fillUniform(buffer)
            for i in 0..<buffer.count { buffer[i] = (2 * buffer[i] - 1) * bound }
        }
    }

    /// Standard normal values of `shape` (B, …), row *b* drawn from `generators[b]`: a batch whose
    /// items do not depend on what else is in it.
    public static func normal(shape: [Int], generators: inout [Philox]) -> Tensor {
        precondition(shape.first == generators.count, "\(generators.count) generators for noise of shape \(shape)")
        let row = shape.dropFirst().reduce(1, *)
        return Tensor(shape: shape) { out in
            for b in generators.indices {
                generators[b].fillNormal(UnsafeMutableBufferPointer(rebasing: out[(b * row)..<((b + 1) * row)]))
            }
        }
    }
}
