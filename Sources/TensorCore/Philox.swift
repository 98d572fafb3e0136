import Foundation

/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy as
/// 1, 2, 3" (SC'11) — the same one PyTorch uses on CUDA.
///
/// Output block *c* depends only on (key, c), so any slice of a random stream can be produced
/// independently and in parallel: results never depend on the thread count (DESIGN §2).
public struct Philox: Sendable, Equatable {
    /// The 64-bit key (the seed).
    public let seed: UInt64
    /// The next 128-bit counter block to use (low 64 bits advance; high 64 bits select a stream).
    public var counter: UInt64
    /// Stream selector: independent streams for the same seed (e.g. one per purpose or per image).
    public let stream: UInt64

    /// A generator for `seed`, starting at block `counter` of stream `stream`.
    public init(seed: UInt64, stream: UInt64 = 0, counter: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        self.counter = counter
    }

    /// The four 32-bit words of block `counter` (the Philox4x32-10 bijection).
    @inlinable
    public static func block(seed: UInt64, stream: UInt64, counter: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: counter), c1 = UInt32(truncatingIfNeeded: counter >> 32)
        var c2 = UInt32(truncatingIfNeeded: stream), c3 = UInt32(truncatingIfNeeded: stream >> 32)
        var k0 = UInt32(truncatingIfNeeded: seed), k1 = UInt32(truncatingIfNeeded: seed >> 32)
        for _ in 0..<10 {
            // One round: two 32×32→64 multiplies by the Philox constants, then a key bump (Weyl).
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: p1)
            c3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0
            c2 = n2
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// Uniform floats in [0, 1): 24 random bits each, four per counter block.
    public mutating func fillUniform(_ out: UnsafeMutableBufferPointer<Float>) {
        let n = out.count
        let blocks = (n + 3) / 4
        let (seed, stream, start) = (self.seed, self.stream, counter)
        if let base = out.baseAddress {
            Parallel.forEach(range: blocks, blockSize: 4096) { r in
                for b in r {
                    let w = Philox.block(seed: seed, stream: stream, counter: start &+ UInt64(b))
                    let i = 4 * b
                    base[i] = Float(w.0 >> 8) * 0x1p-24
                    if i + 1 < n { base[i + 1] = Float(w.1 >> 8) * 0x1p-24 }
                    if i + 2 < n { base[i + 2] = Float(w.2 >> 8) * 0x1p-24 }
                    if i + 3 < n { base[i + 3] = Float(w.3 >> 8) * 0x1p-24 }
                }
            }
        }
        counter &+= UInt64(blocks)
    }

    /// Standard normal floats by Box–Muller: each block's four words give two pairs → four normals.
    public mutating func fillNormal(_ out: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        let n = out.count
        let blocks = (n + 3) / 4
        let (seed, stream, start) = (self.seed, self.stream, counter)
        if let base = out.baseAddress {
            Parallel.forEach(range: blocks, blockSize: 4096) { r in
                for b in r {
                    let w = Philox.block(seed: seed, stream: stream, counter: start &+ UInt64(b))
                    // u1 in (0, 1] so log(u1) is finite; u2 in [0, 1).
                    let u1a = (Double(w.0 >> 8) + 1) * 0x1p-24, u2a = Double(w.1 >> 8) * 0x1p-24
                    let u1b = (Double(w.2 >> 8) + 1) * 0x1p-24, u2b = Double(w.3 >> 8) * 0x1p-24
                    let ra = (-2 * Foundation.log(u1a)).squareRoot(), rb = (-2 * Foundation.log(u1b)).squareRoot()
                    let i = 4 * b
                    base[i] = mean + std * Float(ra * Foundation.cos(2 * .pi * u2a))
                    if i + 1 < n { base[i + 1] = mean + std * Float(ra * Foundation.sin(2 * .pi * u2a)) }
                    if i + 2 < n { base[i + 2] = mean + std * Float(rb * Foundation.cos(2 * .pi * u2b)) }
                    if i + 3 < n { base[i + 3] = mean + std * Float(rb * Foundation.sin(2 * .pi * u2b)) }
                }
            }
        }
        counter &+= UInt64(blocks)
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-shift; bias below 2⁻³²·bound).
    public mutating func nextInt(below bound: Int) -> Int {
        let w = Philox.block(seed: seed, stream: stream, counter: counter)
        counter &+= 1
        let r = UInt64(w.0) | UInt64(w.1) << 32
        return Int(r.multipliedFullWidth(by: UInt64(bound)).high)
    }
}
