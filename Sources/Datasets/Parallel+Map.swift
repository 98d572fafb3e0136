import TensorCore

extension Parallel {
    /// `(0..<count).map(transform)`, computed concurrently over fixed blocks of `blockSize` indices
    /// with ``Parallel/forEach(range:blockSize:_:)``, so the result never depends on the thread count.
    static func mapInBlocks<T>(count: Int, blockSize: Int, _ transform: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { out in
            // Each block writes only its own indices (Parallel.forEach's contract).
            forEach(range: count, blockSize: blockSize) { range in
                for i in range { out[i] = transform(i) }
            }
        }
        // Every index was written above; compactMap only avoids a force unwrap.
        return results.compactMap { $0 }
    }
}
