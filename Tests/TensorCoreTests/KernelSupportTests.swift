import Testing
import TensorCore

/// SplitMix64 (Steele et al. 2014): a tiny deterministic generator for test inputs.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float {
        Float(next() >> 40) / Float(1 << 23) - 1
    }
}

/// A heap buffer of floats for calling raw-pointer kernels from tests.
final class KernelBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(from: values, count: count)
    }

    convenience init(zeros count: Int) { self.init([Float](repeating: 0, count: count)) }

    /// `count` values uniform in [-scale, scale), from `seed`.
    convenience init(random count: Int, seed: UInt64, scale: Float = 1) {
        var rng = SplitMix64(seed: seed)
        self.init((0..<count).map { _ in rng.nextFloat() * scale })
    }

    deinit { pointer.deallocate() }

    var p: UnsafePointer<Float> { UnsafePointer(pointer) }
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    func copy() -> KernelBuffer { KernelBuffer(array) }
}

/// ‖a − b‖∞ / ‖b‖∞ (absolute when b is all zeros); infinities must match exactly.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    var maxDiff: Float = 0
    var maxRef: Float = 0
    for (x, y) in zip(a, b) {
        if x.isInfinite || y.isInfinite {
            if x != y { return .infinity }
            continue
        }
        if x.isNaN || y.isNaN { return .nan }
        maxDiff = max(maxDiff, abs(x - y))
        maxRef = max(maxRef, abs(y))
    }
    return maxRef > 0 ? maxDiff / maxRef : maxDiff
}

/// Bitwise equality (so -0 ≠ +0 and NaN payloads count).
func bitIdentical(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

let forwardTolerance: Float = 1e-4
let gradientTolerance: Float = 1e-3

@Suite struct KernelSupportTests {
    @Test func splitMixIsDeterministicAndInRange() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        let xs = (0..<1000).map { _ in a.nextFloat() }
        #expect(xs == (0..<1000).map { _ in b.nextFloat() })
        #expect(xs.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(Set(xs).count > 990)
    }
}
