/// Optimisation settings of one training stage (AdamW, warmup + cosine, clipping, checkpoints).
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var batchSize: Int = 64
    /// Samples per gradient pass (0: the whole batch at once). The step's gradient is the sum, in
    /// batch order, of the gradients of its `batch_size / micro_batch_size` micro-batches, each
    /// computed on its own: one process computes them one after another, `mpirun -np N` shares
    /// them out (N must divide their number), and the weights are the same bytes either way.
    public var microBatchSize: Int = 0
    public var steps: Int = 3000
    public var learningRate: Double = 1e-3
    public var warmupSteps: Int = 100
    public var weightDecay: Double = 0.01
    /// Global gradient-norm bound (0: no clipping).
    public var gradClip: Double = 1.0
    public var logEvery: Int = 10
    public var checkpointEvery: Int = 500
    /// Preview grids every this many steps (0: only at the end).
    public var previewEvery: Int = 500

    public init() {}

    public init(batchSize: Int, steps: Int, learningRate: Double, warmupSteps: Int) {
        self.batchSize = batchSize
        self.steps = steps
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
    }

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size"
        case microBatchSize = "micro_batch_size"
        case steps
        case learningRate = "learning_rate"
        case warmupSteps = "warmup_steps"
        case weightDecay = "weight_decay"
        case gradClip = "grad_clip"
        case logEvery = "log_every"
        case checkpointEvery = "checkpoint_every"
        case previewEvery = "preview_every"
    }
}
