/// Tensors of Philox random numbers (DESIGN §2: explicit, keyed generators), drawn by the backend
/// (`Backend.fillNormal`, `fillUniform`), so the layers above never write tensor memory to draw
/// noise or initial weights.
extension Tensor {
    /// N(mean, std²) values of `shape`, drawn in order from `generator` (`Philox.fillNormal`).
    public static func normal(shape: [Int], mean: Float = 0, std: Float = 1, generator: inout Philox) -> Tensor {
        let backend = Backends.current
        return Tensor(computing: shape) { backend.fillNormal($0, count: shape.reduce(1, *), mean: mean, std: std, generator: &generator) }
    }

    /// U[0, 1) values of `shape`, drawn in order from `generator` (`Philox.fillUniform`).
    public static func uniform(shape: [Int], generator: inout Philox) -> Tensor {
        let backend = Backends.current
        return Tensor(computing: shape) { backend.fillUniform($0, count: shape.reduce(1, *), generator: &generator) }
    }

    /// U(−bound, bound) values of `shape`: (2u − 1)·bound for u drawn in order from `generator`.
    public static func uniform(shape: [Int], bound: Float, generator: inout Philox) -> Tensor {
        (uniform(shape: shape, generator: &generator) * 2 - 1) * bound
    }

    /// Standard normal values of `shape` (B, …), row *b* drawn from `generators[b]`: a batch whose
    /// items do not depend on what else is in it.
    public static func normal(shape: [Int], generators: inout [Philox]) -> Tensor {
        precondition(shape.first == generators.count, "\(generators.count) generators for noise of shape \(shape)")
        let row = shape.dropFirst().reduce(1, *), backend = Backends.current
        return Tensor(computing: shape) { out in
            for b in generators.indices {
                backend.fillNormal(out + b * row, count: row, mean: 0, std: 1, generator: &generators[b])
            }
        }
    }
}
