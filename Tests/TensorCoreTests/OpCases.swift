import TensorCore

/// Each differentiable op as the golden fixture `Tests/Fixtures/ops/ops.safetensors` calls it,
/// keyed by the fixture's name. Inputs arrive in fixture order (in0, in1, …); integer inputs
/// (targets, ids) are read by the closures from the fixture directly.
struct OpCase {
    let name: String
    let run: ([Tensor]) -> Tensor
    /// Elementwise ops with kinks (clamp, max, l1) skip the finite-difference check near the kink.
    var finiteDifferenceOK = true
}

enum OpCases {
    static func all(_ fixture: SafetensorsFile) throws -> [OpCase] {
        let targets = try fixture.int64s("cross_entropy.targets").map(Int.init)
        let ids = try fixture.int64s("embedding.ids").map { Int32($0) }
        let lengths = try fixture.int64s("sdpa_padding.key_lengths").map(Int.init)
        let biasInfo = try fixture.info("sdpa_additive.bias")
        let bias = try Tensor(shape: biasInfo.shape, data: fixture.floats("sdpa_additive.bias"))
        return [
            OpCase(name: "add") { $0[0] + $0[1] },
            OpCase(name: "sub") { $0[0] - $0[1] },
            OpCase(name: "mul") { $0[0] * $0[1] },
            OpCase(name: "div") { $0[0] / $0[1] },
            OpCase(name: "neg") { -$0[0] },
            OpCase(name: "exp") { $0[0].exp() },
            OpCase(name: "log") { $0[0].log() },
            OpCase(name: "sqrt") { $0[0].sqrt() },
            OpCase(name: "rsqrt") { $0[0].rsqrt() },
            OpCase(name: "pow") { $0[0].pow(3) },
            OpCase(name: "sigmoid") { $0[0].sigmoid() },
            OpCase(name: "tanh") { $0[0].tanh() },
            OpCase(name: "silu") { $0[0].silu() },
            OpCase(name: "gelu") { $0[0].gelu() },
            OpCase(name: "gelu_tanh") { $0[0].geluTanh() },
            OpCase(name: "quick_gelu") { $0[0].quickGelu() },
            OpCase(name: "clamp", run: { $0[0].clamped(min: -0.5, max: 0.5) }, finiteDifferenceOK: false),
            OpCase(name: "where") { x in
                let condition = Tensor(shape: x[0].shape, data: x[0].scalars.map { $0 > 0 ? 1 : 0 })
                return Tensor.where(condition, x[1], x[2])
            },
            OpCase(name: "sum") { $0[0].sum(axis: 1) },
            OpCase(name: "mean") { $0[0].mean(axes: [0, 2], keepDims: true) },
            OpCase(name: "max", run: { $0[0].max(axis: 2) }, finiteDifferenceOK: false),
            OpCase(name: "permute") { $0[0].permuted([2, 0, 1]) },
            OpCase(name: "concat") { Tensor.concatenate([$0[0], $0[1]], axis: 1) },
            OpCase(name: "matmul") { $0[0].matmul($0[1]) },
            OpCase(name: "matmul_shared") { $0[0].matmul($0[1]) },
            OpCase(name: "linear") { $0[0].linear(weight: $0[1], bias: $0[2]) },
            OpCase(name: "conv3x3") { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1) },
            OpCase(name: "conv3x3_s2") { $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1) },
            OpCase(name: "conv1x1") { $0[0].conv2d(weight: $0[1], bias: $0[2]) },
            OpCase(name: "upsample") { $0[0].upsampleNearest2x() },
            OpCase(name: "group_norm") { $0[0].groupNorm(groups: 2, gamma: $0[1], beta: $0[2]) },
            OpCase(name: "layer_norm") { $0[0].layerNorm(gamma: $0[1], beta: $0[2]) },
            OpCase(name: "softmax") { $0[0].softmax() },
            OpCase(name: "log_softmax") { $0[0].logSoftmax() },
            OpCase(name: "cross_entropy") { $0[0].crossEntropy(targets: targets).reshaped([1]) },
            OpCase(name: "mse") { $0[0].mseLoss($0[1]).reshaped([1]) },
            OpCase(name: "l1", run: { $0[0].l1Loss($0[1]).reshaped([1]) }, finiteDifferenceOK: false),
            OpCase(name: "embedding") { Tensor.embedding($0[0], ids: ids) },
            OpCase(name: "sdpa") { Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2]) },
            OpCase(name: "sdpa_causal") {
                Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: .init(causal: true))
            },
            OpCase(name: "sdpa_padding") {
                Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: .init(keyLengths: lengths))
            },
            OpCase(name: "sdpa_additive") {
                Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: .init(additive: bias.scalars))
            },
        ]
    }
}
