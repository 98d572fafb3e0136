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

    /// Calls `body(i, ia, ib)` for every output index `i` in order with the matching input indices.
    @inline(__always)
    static func forEach(_ out: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        let rank = out.count
        let total = out.reduce(1, *)
        if total == 0 { return }
        if rank == 0 { body(0, 0, 0); return }
        let inner = out[rank - 1], ia1 = sa[rank - 1], ib1 = sb[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var oa = 0, ob = 0, i = 0
        while i < total {
            // out: (..., inner) — walk the last axis directly, then advance the odometer.
            for j in 0..<inner { body(i + j, oa + j * ia1, ob + j * ib1) }
            i += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                oa += sa[axis]
                ob += sb[axis]
                if index[axis] < out[axis] { break }
                oa -= sa[axis] * out[axis]
                ob -= sb[axis] * out[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
