import Foundation
import Testing
import TensorCore
import NN
import Datasets
import Diffusion

/// A linear autoencoder on 8×8 shape images: small enough for many steps in a test.
final class TinyTrainerModel: Module {
    let encode: Linear, decode: Linear
    init(seed: UInt64) {
        var g = Philox(seed: seed)
        encode = Linear(192, 16, generator: &g)
        decode = Linear(16, 192, generator: &g)
    }
    var children: [(name: String, module: any Module)] { [("encode", encode), ("decode", decode)] }
}

@Suite struct StageTrainerTests {
    static func dataset() throws -> CaptionedDataset {
        let folder = try TestFiles.scratchFolder()
        _ = try ShapesGenerator(size: 8, seed: 1).write(count: 48, to: folder)
        return try CaptionedDataset.load(from: folder)
    }

    static func config(steps: Int) -> TrainingConfig {
        var c = TrainingConfig(batchSize: 8, steps: steps, learningRate: 1e-2, warmupSteps: 3)
        c.checkpointEvery = 4
        c.logEvery = 1
        return c
    }

    /// Loss with noise from the trainer's generator, so resume must restore the generator too.
    static func loss(_ model: TinyTrainerModel) -> (DatasetBatch, inout SampleNoise) throws -> Tensor {
        { batch, random in
            let x = batch.images.reshaped([batch.count, 192])
            return model.decode(model.encode(x + random.normal(shape: x.shape) * 0.1)).mseLoss(x)
        }
    }

    func train(steps: Int, folder: URL, resume: Bool, interruptAt: Int? = nil) throws -> (StageTrainer<TinyTrainerModel>, StageTrainer<TinyTrainerModel>.Outcome) {
        let model = TinyTrainerModel(seed: 3)
        let loader = try DatasetLoader(dataset: Self.dataset(), batchSize: 8, seed: 5)
        let trainer = try StageTrainer(model: model, stage: "tiny", config: Self.config(steps: steps), loader: loader,
                                       seed: 7, emaDecay: 0.9, runFolder: folder, resume: resume)
        let flag = InterruptFlag(catching: false)
        let outcome = try trainer.run(interrupt: flag, observer: nil, loss: Self.loss(model), afterStep: { step in
            if step == interruptAt { flag.raise() }
        })
        return (trainer, outcome)
    }

    func bits(_ t: StageTrainer<TinyTrainerModel>) -> [UInt32] {
        Array(UnsafeBufferPointer(start: t.parameters.pointer, count: t.parameters.count)).map(\.bitPattern)
            + Array(UnsafeBufferPointer(start: t.ema!.shadow.pointer, count: t.parameters.count)).map(\.bitPattern)
    }

    @Test func interruptedAndResumedRunEqualsUninterruptedRun() throws {
        let (straight, o1) = try train(steps: 15, folder: TestFiles.scratchFolder(), resume: false)
        #expect(o1 == .finished)
        let folder = try TestFiles.scratchFolder()
        let (_, o2) = try train(steps: 15, folder: folder, resume: false, interruptAt: 6)
        #expect(o2 == .interrupted(step: 6))
        let (resumed, o3) = try train(steps: 15, folder: folder, resume: true)
        #expect(o3 == .finished)
        #expect(resumed.step == 15)
        #expect(bits(resumed) == bits(straight))
        // The log reads as one run: steps 1…15, each once.
        let lines = try String(contentsOf: folder.appendingPathComponent("logs/tiny.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 15)
    }

    @Test func nanLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let folder = try TestFiles.scratchFolder()
        let model = TinyTrainerModel(seed: 3)
        let loader = try DatasetLoader(dataset: Self.dataset(), batchSize: 8, seed: 5)
        let trainer = try StageTrainer(model: model, stage: "tiny", config: Self.config(steps: 20), loader: loader,
                                       seed: 7, emaDecay: nil, runFolder: folder, resume: false)
        let base = Self.loss(model)
        let error = #expect(throws: TrainingError.self) {
            _ = try trainer.run(interrupt: InterruptFlag(catching: false), observer: nil) { batch, g in
                let l = try base(batch, &g)
                return trainer.step == 9 ? l * Float.nan : l
            }
        }
        #expect(error?.message.contains("step 10: loss is nan") == true)
        #expect(trainer.step == 9)
        let saved = try SafetensorsFile(contentsOf: trainer.checkpointURL)
        #expect(saved.metadata["step"] == "8")
    }

    @Test func checkpointOfAnotherModelIsRefused() throws {
        let folder = try TestFiles.scratchFolder()
        _ = try train(steps: 4, folder: folder, resume: false)
        final class Other: Module {
            let layer: Linear
            init() { var g = Philox(seed: 1); layer = Linear(192, 3, generator: &g) }
            var children: [(name: String, module: any Module)] { [("encode", layer)] }
        }
        let loader = try DatasetLoader(dataset: Self.dataset(), batchSize: 8)
        let error = #expect(throws: TrainingError.self) {
            _ = try StageTrainer(model: Other(), stage: "tiny", config: Self.config(steps: 4), loader: loader,
                                 seed: 7, emaDecay: nil, runFolder: folder, resume: true)
        }
        #expect(error?.message.contains("different model") == true)
    }

    @Test func corruptCheckpointIsReportedNotLoaded() throws {
        let folder = try TestFiles.scratchFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("state"), withIntermediateDirectories: true)
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: folder.appendingPathComponent("state/tiny.safetensors"))
        let loader = try DatasetLoader(dataset: Self.dataset(), batchSize: 8)
        let error = #expect(throws: TrainingError.self) {
            _ = try StageTrainer(model: TinyTrainerModel(seed: 1), stage: "tiny", config: Self.config(steps: 4), loader: loader,
                                 seed: 7, emaDecay: nil, runFolder: folder, resume: true)
        }
        #expect(error?.message.hasPrefix("corrupt checkpoint, not loaded:") == true)
        #expect(error?.message.contains("state/tiny.safetensors") == true)
    }
}
