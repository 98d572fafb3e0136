extension TextEncoderStage {
    /// What one `train` call did.
    public struct Report: Sendable {
        /// Finished, or interrupted (a checkpoint was saved).
        public var outcome: StageTrainer<CLIPModel>.Outcome
        /// The step training started from (0, or the checkpoint's step on resume).
        public var startStep: Int
        /// The step reached.
        public var step: Int
        /// `encoder_training.steps`.
        public var totalSteps: Int
        /// Wall time of the training loop alone, in seconds.
        public var trainingSeconds: Double
        /// The tokenizer's vocabulary size (the token table's rows).
        public var vocabularySize: Int
        /// Validation retrieval after the last step; nil when interrupted.
        public var scores: RetrievalScores?

        /// Training steps per second during this call (0 when none ran).
        public var stepsPerSecond: Double {
            step > startStep && trainingSeconds > 0 ? Double(step - startStep) / trainingSeconds : 0
        }
    }
}
