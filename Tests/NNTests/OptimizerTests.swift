import Foundation
import Testing
import TensorCore
import Optim

@Suite struct OptimizerTests {
    /// Three AdamW steps with weight decay after global-norm clipping match `torch.optim.AdamW`
    /// and `clip_grad_norm_` (fixture from scripts/make_fixtures.py `adamw`).
    @Test func adamWWithClippingMatchesPyTorch() throws {
        let f = try SafetensorsFile(contentsOf: TestFiles.fixtures.appendingPathComponent("optim/adamw.safetensors"))
        let p0 = try f.floats("p0.before"), p1 = try f.floats("p1.before")
        let g0 = try f.floats("g0"), g1 = try f.floats("g1")
        let params = FlatBuffer(count: p0.count + p1.count)
        let grads = FlatBuffer(count: params.count)
        params.pointer.update(from: p0 + p1, count: params.count)
        var adam = AdamW(count: params.count, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1)
        for step in 0..<3 {
            let scale = Float(step + 1)
            grads.pointer.update(from: (g0 + g1).map { $0 * scale }, count: grads.count)
            let norm = GradientClipping.clipGlobalNorm(grads, maxNorm: 1)
            let expectedNorm = try f.floats("norm\(step)")[0]
            #expect(abs(norm - expectedNorm) <= 1e-5 * expectedNorm, "norm at step \(step)")
            adam.update(parameters: params, gradients: grads, lr: 1e-2)
            let expected = try f.floats("p0.after\(step)") + f.floats("p1.after\(step)")
            let got = Array(UnsafeBufferPointer(start: params.pointer, count: params.count))
            let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6, "step \(step): max abs difference \(worst)")
        }
        #expect(adam.step == 3)
    }

    @Test func clippingLeavesSmallGradientsAlone() {
        let g = FlatBuffer(count: 2)
        g.pointer[0] = 0.3
        g.pointer[1] = 0.4
        #expect(abs(GradientClipping.clipGlobalNorm(g, maxNorm: 1) - 0.5) < 1e-7)
        #expect(g.pointer[0] == 0.3 && g.pointer[1] == 0.4)
        #expect(abs(GradientClipping.clipGlobalNorm(g, maxNorm: 0.25) - 0.5) < 1e-7)
        #expect(abs(g.pointer[0] - 0.15) < 1e-6 && abs(g.pointer[1] - 0.2) < 1e-6)
    }

    @Test func warmupCosineSchedule() {
        let s = LearningRateSchedule.warmupCosine(warmup: 10, total: 110)
        #expect(s.rate(base: 1, step: 0) == 0)
        #expect(abs(s.rate(base: 1, step: 5) - 0.5) < 1e-7)
        #expect(s.rate(base: 1, step: 10) == 1)
        #expect(abs(s.rate(base: 1, step: 60) - 0.5) < 1e-6)   // halfway down the cosine
        #expect(abs(s.rate(base: 1, step: 110)) < 1e-7)
        #expect(LearningRateSchedule.constant.rate(base: 3e-4, step: 1000) == 3e-4)
    }

    @Test func emaFollowsParametersWithWarmupDecay() {
        let p = FlatBuffer(count: 1)
        var ema = ExponentialMovingAverage(copying: p, decay: 0.9)
        p.pointer[0] = 1
        // First decay is min(0.9, 1/10) = 0.1 → shadow = 0.9·1.
        ema.update(from: p)
        #expect(abs(ema.shadow.pointer[0] - 0.9) < 1e-6)
        // Second: min(0.9, 2/11).
        ema.update(from: p)
        let d: Float = 2.0 / 11.0
        #expect(abs(ema.shadow.pointer[0] - (d * 0.9 + (1 - d))) < 1e-6)
        #expect(ema.updates == 2)
    }
}
