import Foundation
import TensorCore

/// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization") with the exact update
/// order of `torch.optim.AdamW` (torch/optim/adamw.py, single-tensor path), over flat buffers.
public struct AdamW: Sendable {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    /// Steps taken so far (PyTorch's `state['step']`), used for bias correction.
    public private(set) var step: Int = 0
    /// First and second moment estimates, laid out like the parameters.
    public let firstMoment: FlatBuffer
    public let secondMoment: FlatBuffer

    /// An optimizer for `count` parameters with zeroed moments (PyTorch defaults otherwise).
    public init(count: Int, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        firstMoment = FlatBuffer(count: count)
        secondMoment = FlatBuffer(count: count)
    }

    /// Restores the step counter (moments are restored by writing into the buffers).
    public mutating func restore(step: Int) {
        self.step = step
    }

    /// One update of `parameters` from `gradients` at learning rate `lr`.
    public mutating func update(parameters: FlatBuffer, gradients: FlatBuffer, lr: Float) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count, "buffer sizes differ")
        step += 1
        // Bias corrections in Double as PyTorch computes them in Python floats.
        let bc1 = 1 - Foundation.pow(Double(beta1), Double(step))
        let bc2Sqrt = (1 - Foundation.pow(Double(beta2), Double(step))).squareRoot()
        let update = AdamWStep(stepSize: Float(Double(lr) / bc1), decay: 1 - lr * weightDecay, beta1: beta1, beta2: beta2,
                               biasCorrection2Sqrt: Float(bc2Sqrt), eps: eps)
        parameters.adamWUpdate(update, gradients: gradients, firstMoment: firstMoment, secondMoment: secondMoment)
    }
}
