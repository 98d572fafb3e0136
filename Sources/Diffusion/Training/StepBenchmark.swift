import Foundation
import TensorCore
import NN
import Optim

/// Times full training steps (forward, backward, clipping, AdamW) of a model on a fixed batch and
/// counts the GEMM-shaped FLOPs that actually ran (`FlopCounter`): what `t2i bench train-*` prints.
public struct StepBenchmark<Model: Module> {
    /// One timed step.
    public struct Step: Sendable {
        public let seconds: Double
        public let loss: Float
        public let flops: Int
        /// Tensor buffers the step took, and how many of them came fresh from the system (not
        /// from the caching allocator).
        public let allocations: Int
        public let systemAllocations: Int
        /// The most bytes tensors held at once during the step.
        public let peakBytes: Int
    }

    public let model: Model
    let layout: ParameterLayout
    let parameters: FlatBuffer
    let gradients: FlatBuffer
    var adam: AdamW
    var generator: Philox
    let loss: (inout Philox) -> Tensor

    /// A benchmark of `loss` (which builds its batch from fixed tensors and may draw noise).
    public init(model: Model, seed: UInt64 = 0, loss: @escaping (inout Philox) -> Tensor) {
        self.model = model
        layout = ParameterLayout(model)
        parameters = layout.flatten()
        gradients = FlatBuffer(count: layout.count)
        adam = AdamW(count: layout.count)
        generator = Philox(seed: seed, stream: 99)
        self.loss = loss
    }

    /// Runs one step and reports its time, loss and counted FLOPs.
    public mutating func step() -> Step {
        let counter = FlopCounter()
        let before = TensorMemory.allocationCounts
        TensorMemory.resetPeak()
        let started = DispatchTime.now().uptimeNanoseconds
        gradients.zero()
        var g = generator
        let value = FlopCounter.$current.withValue(counter) {
            model.valueAndGradient(layout: layout, gradients: gradients) { loss(&g) }
        }
        generator = g
        GradientClipping.clipGlobalNorm(gradients, maxNorm: 1)
        adam.update(parameters: parameters, gradients: gradients, lr: 1e-4)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let after = TensorMemory.allocationCounts
        return Step(seconds: seconds, loss: value, flops: counter.total, allocations: after.tensors - before.tensors,
                    systemAllocations: after.system - before.system, peakBytes: TensorMemory.peak)
    }

    /// `warmup` untimed steps, then `steps` timed ones.
    public mutating func run(warmup: Int, steps: Int) -> [Step] {
        for _ in 0..<warmup { _ = step() }
        return (0..<steps).map { _ in step() }
    }
}
