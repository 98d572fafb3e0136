import Foundation
import Testing
import TensorCore
import NN
import Datasets
import Diffusion

/// `micro_batch_size` (DESIGN §11): a step's gradient is the batch-order sum of its
/// micro-batches' gradients, each loss scaled so the sum is the whole batch's mean.
@Suite struct StageTrainerMicroBatchTests {
    func trainer(micro: Int, steps: Int = 1, folder: URL) throws -> StageTrainer<TinyTrainerModel> {
        let model = TinyTrainerModel(seed: 3)
        let loader = try DatasetLoader(dataset: StageTrainerTests.dataset(), batchSize: 8, seed: 5)
        var config = StageTrainerTests.config(steps: steps)
        config.microBatchSize = micro
        config.gradClip = 0
        return try StageTrainer(model: model, stage: "tiny", config: config, loader: loader, seed: 7, emaDecay: nil,
                                runFolder: folder, resume: false)
    }

    /// One step's gradient, as floats.
    func gradient(micro: Int) throws -> [Float] {
        let t = try trainer(micro: micro, folder: TestFiles.scratchFolder())
        var flag = false
        _ = try t.run(interrupt: InterruptFlag(catching: false), observer: nil, loss: StageTrainerTests.loss(t.model),
                      afterStep: { _ in flag = true })
        #expect(flag)
        return Array(UnsafeBufferPointer(start: t.gradients.pointer, count: t.gradients.count))
    }

    @Test func microBatchesSumToTheWholeBatchGradient() throws {
        let whole = try gradient(micro: 0)
        let norm = whole.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(norm > 1e-3)
        for micro in [1, 2, 4] {
            let parts = try gradient(micro: micro)
            // The same sum, rounded in another order: equal to float precision, not bit for bit.
            let error = zip(whole, parts).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            #expect(error / norm < 1e-5, "micro_batch_size \(micro): relative difference \(error / norm)")
            // And not by accident: a loss not rescaled per micro-batch would be batch/micro times larger.
            let total = parts.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(total / norm - 1) < 1e-4, "micro_batch_size \(micro): norm \(total) against \(norm)")
        }
    }

    @Test func microBatchSizeThatProcessesCannotShareIsRefusedNamingTheKey() throws {
        var config = StageTrainerTests.config(steps: 2)
        config.microBatchSize = 3
        let folder = try TestFiles.scratchFolder()
        let model = TinyTrainerModel(seed: 3)
        let loader = try DatasetLoader(dataset: StageTrainerTests.dataset(), batchSize: 8, seed: 5)
        let error = #expect(throws: TrainingError.self) {
            _ = try StageTrainer(model: model, stage: "unet", config: config, loader: loader, seed: 7, emaDecay: nil,
                                 runFolder: folder, resume: false)
        }
        #expect(error?.message == "unet_training.micro_batch_size: must be 0 (the whole batch) or a divisor of batch_size 8, got 3")
    }

    @Test func configValidationRefusesAMicroBatchThatDoesNotDivideTheBatch() throws {
        let error = #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.resolve(yaml: "vae_training:\n  batch_size: 32\n  micro_batch_size: 12\n", source: "x.yaml").validate(source: "x.yaml")
        }
        #expect(error.map { "\($0)" }?.contains("vae_training.micro_batch_size") == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.contains("a divisor of batch_size 32, got 12") == true, "\(String(describing: error))")
    }
}
