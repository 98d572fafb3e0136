import Foundation
import Testing
import TensorCore
import NN

/// `CrossAttentionCache`: inside a scope, a cross-attention layer projects a context once and
/// reuses the keys and values for the identical tensor — the same bits as without the cache.
@Suite struct CrossAttentionCacheTests {
    static func layer() -> MultiHeadAttention {
        var g = Philox(seed: 3)
        return MultiHeadAttention(queryDim: 8, contextDim: 6, heads: 2, headDim: 4, naming: .diffusers, generator: &g)
    }

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = Philox(seed: seed)
        return Tensor.normal(shape: shape, generator: &g)
    }

    @Test("the same context again reuses its keys and values, with the same output bits")
    func reusesForTheIdenticalContext() {
        let attention = Self.layer()
        let x1 = Self.random([2, 5, 8], seed: 1), x2 = Self.random([2, 5, 8], seed: 2)
        let context = Self.random([2, 3, 6], seed: 4)
        let mask = AttentionMask(keyLengths: [3, 2])
        let plain1 = attention(x1, context: context, mask: mask).scalars
        let plain2 = attention(x2, context: context, mask: mask).scalars
        let cache = CrossAttentionCache()
        let (cached1, cached2) = cache.with {
            (attention(x1, context: context, mask: mask).scalars, attention(x2, context: context, mask: mask).scalars)
        }
        #expect(cached1 == plain1)
        #expect(cached2 == plain2)
        #expect(cache.misses == 1)
        #expect(cache.hits == 1)
        #expect(plain1 != plain2)
    }

    @Test("another context, or an equal copy of it, is projected afresh")
    func anotherContextIsProjected() {
        let attention = Self.layer()
        let x = Self.random([2, 5, 8], seed: 1)
        let context = Self.random([2, 3, 6], seed: 4), other = Self.random([2, 3, 6], seed: 5)
        let copy = Tensor(shape: context.shape, data: context.scalars)
        let expectedOther = attention(x, context: other).scalars
        let cache = CrossAttentionCache()
        let outputs = cache.with {
            [attention(x, context: context).scalars, attention(x, context: other).scalars,
             attention(x, context: copy).scalars, attention(x, context: copy).scalars]
        }
        #expect(outputs[1] == expectedOther)   // not the first context's keys
        #expect(outputs[0] != outputs[1])
        #expect(outputs[2] == outputs[0])
        #expect(cache.misses == 3)
        #expect(cache.hits == 1)
    }

    @Test("self-attention and a recording tape leave the cache alone; gradients are unchanged")
    func notUsedForSelfAttentionOrUnderATape() {
        let attention = Self.layer()
        var g = Philox(seed: 9)
        let selfAttention = MultiHeadAttention(queryDim: 8, heads: 2, headDim: 4, naming: .diffusers, generator: &g)
        let x = Self.random([2, 5, 8], seed: 1)
        let context = Self.random([2, 3, 6], seed: 4)
        func gradients() -> [[Float]] {
            GradientTape.valueAndGradient(at: [x, context]) { inputs in
                (attention(inputs[0], context: inputs[1]) * attention(inputs[0], context: inputs[1])).sum()
            }.gradients.map(\.scalars)
        }
        let plain = gradients()
        let cache = CrossAttentionCache()
        let (cached, _) = cache.with { (gradients(), selfAttention(x).scalars) }
        #expect(cached == plain)
        #expect(plain[1].contains { $0 != 0 })   // the context's gradient flows through k and v
        #expect(cache.hits == 0 && cache.misses == 0)
    }
}
