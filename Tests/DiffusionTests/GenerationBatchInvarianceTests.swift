import Foundation
import Testing
import TensorCore
import Imaging
import Diffusion
import NN

/// DESIGN §2: image i of a batch generated with seed s is the single image of seed s + i — here on
/// the default config's pipeline (random weights, the zero-initialised output layers made non-zero),
/// whose products are large enough for the engine to split them into parallel blocks.
///
/// Known to fail (found 2026-11, OpenBLAS 0.3.21 on an AVX-512 CPU): the U-Net is not batch
/// invariant, through two row-count-dependent choices under `Tensor.linear` → `CPUBackend.gemm`:
/// 1. OpenBLAS's small-matrix sgemm kernel (AVX-512 builds) serves row-major A·Bᵀ products with
///    m·n ≤ 1200 and the regular packed kernel above that, with a different summation order. The
///    time-embedding MLP (64→256, 256→256) runs at m = 2 for one guided image but m = 8 for four,
///    so its output differs in the last bits (and every ResNet `time_emb_proj`, 256→64/128, from
///    count 16 on).
/// 2. `CPUBackend.GemmSplit` cuts k into 256-blocks (partials summed, then the bias added) when m
///    is small, but cuts rows (one OpenBLAS call over all of k, bias accumulated inside) when m is
///    large: the level-2 feed-forward output (512→128) at m = 32 (one image) vs 512 (sixteen).
@Suite("generation batch invariance")
struct GenerationBatchInvarianceTests {
    /// A fresh U-Net starts with `conv_out` and every `proj_out` at zero (LDM's `zero_module`), so
    /// it predicts 0 whatever its input: give those parameters small random values so that every
    /// layer shapes the output.
    static func randomiseZeroParameters(_ model: any Module) {
        var g = Philox(seed: 99)
        for (_, parameter) in model.namedParameters() where parameter.value.scalars.allSatisfy({ $0 == 0 }) {
            parameter.value = g.normal(parameter.value.shape) * 0.05
        }
    }

    @Test("default config: image i of count n, seed 7 equals the single image of seed 7 + i, bit for bit",
          arguments: [4, 16])
    func defaultConfig(count: Int) throws {
        let bench = try GenerationBenchmark(config: RunConfig())
        Self.randomiseZeroParameters(bench.pipeline.unet)
        var request = GenerationBenchmark.request(count: count, steps: 3, guidance: 4)
        request.seed = 7
        let batch = try bench.pipeline.generate(request)
        // Not degenerate: finite, and the seeds give different images.
        #expect(batch.scalars.allSatisfy { $0.isFinite })
        #expect(batch.slice(rows: 0..<1).scalars != batch.slice(rows: 1..<2).scalars)
        for i in Set([0, 1, count - 1]).sorted() {
            var single = request
            single.count = 1
            single.seed = 7 + UInt64(i)
            let one = try bench.pipeline.generate(single)
            let row = batch.slice(rows: i..<(i + 1))
            var maxDifference: Float = 0
            for (a, b) in zip(row.scalars, one.scalars) { maxDifference = max(maxDifference, abs(a - b)) }
            let same = row.scalars == one.scalars
            let bytes = zip(try Image.images(fromBatch: row)[0].pixels, try Image.images(fromBatch: one)[0].pixels).filter { $0 != $1 }.count
            #expect(same, "image \(i) of \(count): largest difference \(maxDifference); \(bytes) of \(row.count) 8-bit values differ")
        }
    }
}
