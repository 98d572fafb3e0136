import Testing
import TensorCore

@Suite struct PhiloxTests {
    /// Known-answer test from the Random123 distribution (kat_vectors: philox4x32 10 rounds,
    /// counter 0 and key 0 → 6627e8d5 e169c58d bc57ac4c 9b00dbd8).
    @Test func matchesRandom123KnownAnswer() {
        let w = Philox.block(seed: 0, stream: 0, counter: 0)
        #expect(w.0 == 0x6627_E8D5 && w.1 == 0xE169_C58D && w.2 == 0xBC57_AC4C && w.3 == 0x9B00_DBD8)
    }

    @Test func sameSeedSameNumbersWhateverTheThreadCount() {
        func draw(threads: Int) -> [Float] {
            Parallel.$maxThreads.withValue(threads) {
                var g = Philox(seed: 42)
                var out = [Float](repeating: 0, count: 100_003)
                out.withUnsafeMutableBufferPointer { g.fillNormal($0) }
                return out
            }
        }
        #expect(draw(threads: 1) == draw(threads: 2))
    }

    @Test func normalHasUnitMoments() {
        var g = Philox(seed: 7)
        var x = [Float](repeating: 0, count: 200_000)
        x.withUnsafeMutableBufferPointer { g.fillNormal($0) }
        let mean = x.reduce(0, +) / Float(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(x.count)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.01)
    }

    @Test func uniformStaysInUnitIntervalAndContinuesTheStream() {
        var a = Philox(seed: 3)
        var first = [Float](repeating: 0, count: 8), second = [Float](repeating: 0, count: 8)
        first.withUnsafeMutableBufferPointer { a.fillUniform($0) }
        second.withUnsafeMutableBufferPointer { a.fillUniform($0) }
        var b = Philox(seed: 3)
        var both = [Float](repeating: 0, count: 16)
        both.withUnsafeMutableBufferPointer { b.fillUniform($0) }
        #expect(first + second == both)
        #expect(both.allSatisfy { $0 >= 0 && $0 < 1 })
    }
}
