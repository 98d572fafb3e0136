/// One optimisation step, as the trainer reports it to whoever shows progress.
public struct StepReport: Sendable {
    public let stage: String
    public let step: Int
    public let totalSteps: Int
    public let loss: Float
    public let learningRate: Float
    public let gradientNorm: Float
    public let imagesPerSecond: Double
    /// Estimated seconds to the last step, from the recent step rate.
    public let secondsLeft: Double
}

/// Receives progress from a trainer (the tool draws a progress bar; tests collect reports).
public protocol TrainingObserver: AnyObject {
    func didStep(_ report: StepReport)
    func note(_ message: String)
}
