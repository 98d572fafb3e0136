import TensorCore

/// An exponential moving average of parameters, used for sampling (DDPM's EMA; diffusers `EMAModel`).
public struct ExponentialMovingAverage: Sendable {
    /// The averaged parameters, laid out like the model's flat buffer.
    public let shadow: FlatBuffer
    /// The target decay.
    public var decay: Float
    /// Updates done so far.
    public private(set) var updates: Int = 0

    /// An average starting at the current `parameters`.
    public init(copying parameters: FlatBuffer, decay: Float = 0.9999) {
        shadow = FlatBuffer(count: parameters.count)
        shadow.copy(from: parameters)
        self.decay = decay
    }

    /// The decay used at the next update: min(decay, (1 + n)/(10 + n)), which lets the average track
    /// the fast-moving early weights (diffusers `EMAModel.get_decay` with warmup off).
    public var currentDecay: Float {
        min(decay, Float(1 + updates) / Float(10 + updates))
    }

    /// Restores the update counter (the shadow is restored by writing into its buffer).
    public mutating func restore(updates: Int) {
        self.updates = updates
    }

    /// shadow ← d·shadow + (1 − d)·parameters.
    public mutating func update(from parameters: FlatBuffer) {
        shadow.moveAverage(toward: parameters, decay: currentDecay)
        updates += 1
    }
}
