/// NumPy/PyTorch broadcasting: shapes are aligned at the right; an axis of size 1 stretches.
enum Broadcast {
    /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
    static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Element strides of a tensor of shape `shape` read as if it had shape `out` (0 on stretched axes).
    static func strides(of shape: [Int], in out: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: out.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let o = i + out.count - shape.count
            strides[o] = shape[i] == 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }
}
