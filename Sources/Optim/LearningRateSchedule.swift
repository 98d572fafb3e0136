import Foundation

/// Learning rate as a function of the step (diffusers `get_scheduler` semantics).
public enum LearningRateSchedule: Sendable, Equatable {
    /// The base rate throughout.
    case constant
    /// Linear warmup from 0 over `warmup` steps, then half a cosine down to 0 at `total` steps
    /// (diffusers/optimization.py `get_cosine_schedule_with_warmup`).
    case warmupCosine(warmup: Int, total: Int)

    /// The rate at `step` (0-based: the rate used for the update that makes step + 1).
    public func rate(base: Float, step: Int) -> Float {
        switch self {
        case .constant:
            return base
        case let .warmupCosine(warmup, total):
            if step < warmup { return base * Float(step) / Float(max(1, warmup)) }
            let progress = Double(step - warmup) / Double(max(1, total - warmup))
            return base * Float(max(0, 0.5 * (1 + Foundation.cos(Double.pi * progress))))
        }
    }
}
