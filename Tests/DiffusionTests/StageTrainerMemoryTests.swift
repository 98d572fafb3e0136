import Foundation
import Testing
import TensorCore
import NN
import Datasets
import Diffusion

/// A batch whose training step cannot fit is refused before the first step, with the key, an
/// estimate measured on the model and the batch size that would fit (issue 13 §2).
@Suite struct StageTrainerMemoryTests {
    @Test func aStepThatCannotFitIsRefusedBeforeTraining() throws {
        let folder = try TestFiles.scratchFolder()
        let model = TinyTrainerModel(seed: 3)
        let loader = try DatasetLoader(dataset: StageTrainerTests.dataset(), batchSize: 8, seed: 5)
        let trainer = try StageTrainer(model: model, stage: "unet", config: StageTrainerTests.config(steps: 4), loader: loader,
                                       seed: 7, emaDecay: nil, runFolder: folder, resume: false)
        let before = Array(UnsafeBufferPointer(start: trainer.parameters.pointer, count: trainer.parameters.count))
        let error = #expect(throws: TrainingError.self) {
            try trainer.run(interrupt: InterruptFlag(catching: false), observer: nil, loss: StageTrainerTests.loss(model),
                            memoryAvailable: 16)
        }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("unet_training.batch_size: 8 needs about "), "\(message)")
        #expect(message.contains(" per image, measured on this model) but this machine has 0 KB free; "), "\(message)")
        #expect(message.hasSuffix("even one image does not fit: make the model smaller"), "\(message)")
        #expect(trainer.step == 0)
        #expect(Array(UnsafeBufferPointer(start: trainer.parameters.pointer, count: trainer.parameters.count)) == before,
                "the probe leaves the weights as they were")
        #expect(!FileManager.default.fileExists(atPath: trainer.checkpointURL.path), "nothing was written")

        // The same run with the memory it needs trains, and gives the weights a run without the
        // check gives: the probe changes nothing the run keeps.
        let finished = try trainer.run(interrupt: InterruptFlag(catching: false), observer: nil, loss: StageTrainerTests.loss(model),
                                       memoryAvailable: 1 << 40)
        #expect(finished == .finished)
        let other = TinyTrainerModel(seed: 3)
        let unchecked = try StageTrainer(model: other, stage: "unet", config: StageTrainerTests.config(steps: 4),
                                         loader: DatasetLoader(dataset: StageTrainerTests.dataset(), batchSize: 8, seed: 5),
                                         seed: 7, emaDecay: nil, runFolder: TestFiles.scratchFolder(), resume: false)
        _ = try unchecked.run(interrupt: InterruptFlag(catching: false), observer: nil, loss: StageTrainerTests.loss(other),
                              memoryAvailable: nil)
        #expect(Array(UnsafeBufferPointer(start: trainer.parameters.pointer, count: trainer.parameters.count))
                == Array(UnsafeBufferPointer(start: unchecked.parameters.pointer, count: unchecked.parameters.count)))
    }

    /// The process-wide counters move with every other test, so the exact figures are asserted
    /// inside a measuring scope, which counts only its own tensors.
    @Test func tensorMemoryCountsLiveAndPeakBytes() {
        let bytes = 1000 * 250 * MemoryLayout<Float>.stride
        // A measuring scope counts only its own tensors, exactly, whatever other tests do meanwhile:
        // 1 MB, then 2 MB held at once after the first is freed and two more are made.
        let peak = TensorMemory.peak {
            do { _ = withExtendedLifetime(Tensor(zeros: [1000, 250])) { $0.count } }
            let a = Tensor(zeros: [1000, 250]), b = Tensor(zeros: [500, 500])
            withExtendedLifetime((a, b)) {}
        }
        #expect(peak == 2 * bytes, "peak \(peak)")
        #expect(TensorMemory.describe(1_500_000_000) == "1.50 GB" && TensorMemory.describe(12_300_000) == "12 MB"
                && TensorMemory.describe(45_600) == "46 KB")
        #expect((TensorMemory.systemAvailable() ?? 0) > 0)
    }
}
