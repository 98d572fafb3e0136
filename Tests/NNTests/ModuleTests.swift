import Foundation
import Testing
import TensorCore
import NN
import Optim

/// A two-layer perceptron.
final class MLP: Module {
    let fc1: Linear, fc2: Linear
    init(_ i: Int, _ h: Int, _ o: Int, generator: inout Philox) {
        fc1 = Linear(i, h, generator: &generator)
        fc2 = Linear(h, o, generator: &generator)
    }
    var children: [(name: String, module: any Module)] { [("fc1", fc1), ("fc2", fc2)] }
    func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).gelu()) }
}

/// conv → group norm → SiLU → stride-2 conv + self-attention over pixels → upsample, added to the
/// full-resolution features (a U-Net skip) → 1×1 conv.
final class SmallCNN: Module {
    let conv1: Conv2d, norm: GroupNorm, down: Conv2d, attention: MultiHeadAttention, out: Conv2d
    init(generator: inout Philox) {
        conv1 = Conv2d(3, 8, kernelSize: 3, padding: 1, generator: &generator)
        norm = GroupNorm(groups: 4, channels: 8)
        down = Conv2d(8, 8, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        attention = MultiHeadAttention(queryDim: 8, heads: 2, headDim: 4, naming: .diffusers, generator: &generator)
        out = Conv2d(8, 3, kernelSize: 1, generator: &generator)
    }
    var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("norm", norm), ("down", down), ("attn", attention), ("out", out)]
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        let skip = norm(conv1(x)).silu()                          // (B, 8, H, W)
        var h = down(skip)                                        // (B, 8, H/2, W/2)
        let (b, c, hh, ww) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3])
        let tokens = h.reshaped([b, c, hh * ww]).transposed(1, 2) // (B, HW, C)
        h = h + attention(tokens).transposed(1, 2).reshaped([b, c, hh, ww])
        return out(skip + h.upsampleNearest2x())
    }
}

/// Trains `model` on a fixed batch with AdamW and returns the losses.
func train(_ model: some Module, steps: Int, lr: Float, _ loss: () -> Tensor) -> [Float] {
    let layout = ParameterLayout(model)
    let params = layout.flatten()
    let grads = FlatBuffer(count: layout.count)
    var adam = AdamW(count: layout.count, weightDecay: 0)
    var losses: [Float] = []
    for _ in 0..<steps {
        grads.zero()
        losses.append(model.valueAndGradient(layout: layout, gradients: grads, loss))
        GradientClipping.clipGlobalNorm(grads, maxNorm: 10)
        adam.update(parameters: params, gradients: grads, lr: lr)
    }
    return losses
}

func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = Philox(seed: seed)
    return Initialization.uniform(shape: shape, bound: 1, generator: &g)
}

@Suite struct ModuleTests {
    @Test func parametersAreNamedLikePyTorch() {
        var g = Philox(seed: 1)
        let cnn = SmallCNN(generator: &g)
        let names = cnn.namedParameters().map(\.name)
        #expect(names == [
            "conv1.weight", "conv1.bias", "norm.weight", "norm.bias", "down.weight", "down.bias",
            "attn.to_q.weight", "attn.to_k.weight", "attn.to_v.weight", "attn.to_out.0.weight", "attn.to_out.0.bias",
            "out.weight", "out.bias",
        ])
        #expect(cnn.parameterCount == (8 * 3 * 9 + 8) + 16 + (8 * 8 * 9 + 8) + 4 * 64 + 8 + (3 * 8 + 3))
        let clip = MultiHeadAttention(queryDim: 8, heads: 2, headDim: 4, naming: .transformers, generator: &g)
        #expect(clip.namedParameters().map(\.name) == [
            "q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias",
            "v_proj.weight", "v_proj.bias", "out_proj.weight", "out_proj.bias",
        ])
    }

    @Test func mlpOverfitsAFixedBatch() {
        var g = Philox(seed: 2)
        let mlp = MLP(6, 32, 3, generator: &g)
        let x = randomTensor([16, 6], seed: 3), y = randomTensor([16, 3], seed: 4)
        let losses = train(mlp, steps: 300, lr: 1e-2) { mlp(x).mseLoss(y) }
        #expect(losses.last! < losses.first! / 100, "loss \(losses.first!) → \(losses.last!)")
    }

    @Test func cnnOverfitsAFixedBatch() {
        var g = Philox(seed: 5)
        let cnn = SmallCNN(generator: &g)
        let x = randomTensor([4, 3, 8, 8], seed: 6)
        let losses = train(cnn, steps: 300, lr: 3e-3) { cnn(x).mseLoss(x) }
        #expect(losses.last! < losses.first! / 100, "loss \(losses.first!) → \(losses.last!)")
    }

    @Test func trainingIsBitIdenticalWithOneAndTwoThreads() {
        func run(_ threads: Int) -> [Float] {
            Parallel.$maxThreads.withValue(threads) {
                var g = Philox(seed: 9)
                let cnn = SmallCNN(generator: &g)
                let x = randomTensor([8, 3, 16, 16], seed: 10)
                _ = train(cnn, steps: 5, lr: 1e-3) { cnn(x).mseLoss(x) }
                return cnn.namedParameters().flatMap { $0.parameter.value.scalars }
            }
        }
        let one = run(1), two = run(2)
        #expect(one.map(\.bitPattern) == two.map(\.bitPattern))
    }

    @Test func saveThenLoadRoundTripsExactly() throws {
        var g = Philox(seed: 11)
        let a = SmallCNN(generator: &g), b = SmallCNN(generator: &g)
        let url = try TestFiles.scratchFolder().appendingPathComponent("cnn.safetensors")
        try a.saveState(to: url)
        try b.loadState(from: SafetensorsFile(contentsOf: url))
        for (pa, pb) in zip(a.namedParameters(), b.namedParameters()) {
            #expect(pa.parameter.value.scalars == pb.parameter.value.scalars, "\(pa.name)")
        }
    }

    @Test func strictLoadNamesMissingUnusedAndMisshapenKeys() throws {
        var g = Philox(seed: 12)
        let mlp = MLP(6, 32, 3, generator: &g)
        var writer = SafetensorsWriter()
        try writer.add("fc1.weight", floats: [Float](repeating: 0, count: 32 * 6), shape: [32, 6])
        try writer.add("fc1.bias", floats: [Float](repeating: 0, count: 31), shape: [31])
        try writer.add("fc2.weight", floats: [Float](repeating: 0, count: 3 * 32), shape: [3, 32])
        try writer.add("fc3.weight", floats: [0], shape: [1])
        let url = try TestFiles.scratchFolder().appendingPathComponent("bad.safetensors")
        try writer.write(to: url)
        let before = mlp.fc1.weight.value.scalars
        let error = #expect(throws: StateLoadError.self) { try mlp.loadState(from: SafetensorsFile(contentsOf: url)) }
        #expect(error?.missing == ["fc2.bias"])
        #expect(error?.unused == ["fc3.weight"])
        #expect(error?.mismatched == [.init(name: "fc1.bias", expected: [32], found: [31])])
        #expect(error?.description.hasPrefix(url.path) == true)
        #expect(mlp.fc1.weight.value.scalars == before, "a failed load changes nothing")
    }
}
