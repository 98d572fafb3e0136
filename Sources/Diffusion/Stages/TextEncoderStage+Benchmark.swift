import Foundation
import TensorCore
import NN
import Optim

extension TextEncoderStage {
    /// Times CLIP training steps on synthetic data (`t2i bench train-encoder`): the work of a
    /// real step — forward, backward, clipping, AdamW, the logit-scale clamp — without a dataset.
    public struct Benchmark {
        /// One timed step.
        public struct Step: Sendable {
            /// Wall seconds.
            public var seconds: Double
            /// FLOPs the engine's GEMM-shaped ops counted (`FlopCounter`).
            public var countedFLOPs: Int
            /// The loss (a sanity check: about ln B at the start).
            public var loss: Float
        }

        /// The config whose sizes the model has.
        public let config: RunConfig
        /// Pairs per step.
        public let batchSize: Int
        /// The model being trained (random weights).
        public let model: CLIPModel
        private let layout: ParameterLayout
        private let parameters: FlatBuffer
        private let gradients: FlatBuffer
        private var adam: AdamW
        private let ids: [Int32]
        private let keyLengths: [Int]
        private let pixels: Tensor

        /// A model of `config`'s sizes with a `vocabularySize`-row token table, and one batch of
        /// random pixels in [−1, 1] and random captions (bos, 8…length−2 random pieces, eos, pad).
        public init(config: RunConfig, vocabularySize: Int, batchSize: Int) throws {
            try TextEncoderStage.validate(config)
            self.config = config
            self.batchSize = batchSize
            var generator = Philox(seed: UInt64(config.seed), stream: 20)
            model = try CLIPModel(config: config.clip, text: config.textEncoder, vision: config.visionEncoder,
                                  vocabularySize: vocabularySize, generator: &generator)
            layout = ParameterLayout(model)
            parameters = layout.flatten()
            gradients = FlatBuffer(count: layout.count)
            adam = AdamW(count: layout.count, weightDecay: Float(config.encoderTraining.weightDecay))
            var data = Philox(seed: UInt64(config.seed), stream: 21)
            let length = config.tokenizer.maxLength
            var ids: [Int32] = []
            var lengths: [Int] = []
            for _ in 0..<batchSize {
                let pieces = min(8 + data.nextInt(below: max(length - 9, 1)), length - 2)
                var row: [Int32] = [2]
                for _ in 0..<pieces { row.append(Int32(4 + data.nextInt(below: max(vocabularySize - 4, 1)))) }
                row.append(3)
                lengths.append(row.count)
                row += [Int32](repeating: 0, count: length - row.count)
                ids += row
            }
            self.ids = ids
            keyLengths = lengths
            let v = config.visionEncoder
            pixels = Tensor.uniform(shape: [batchSize, v.numChannels, v.imageSize, v.imageSize], bound: 1, generator: &data)
        }

        /// One training step, timed, with its FLOPs counted.
        public mutating func step() -> Step {
            let started = Date()
            let counter = FlopCounter()
            let (model, ids, keyLengths, pixels, batch) = (self.model, self.ids, self.keyLengths, self.pixels, batchSize)
            let length = config.tokenizer.maxLength
            gradients.zero()
            let loss = FlopCounter.$current.withValue(counter) {
                model.valueAndGradient(layout: layout, gradients: gradients) {
                    let text = model.textEmbeddings(ids: ids, batch: batch, length: length, keyLengths: keyLengths)
                    let image = model.imageEmbeddings(pixels: pixels)
                    return CLIPModel.contrastiveLoss(logitsPerText: model.logits(textEmbeds: text, imageEmbeds: image).perText)
                }
            }
            let clip = config.encoderTraining.gradClip
            _ = GradientClipping.clipGlobalNorm(gradients, maxNorm: clip > 0 ? Float(clip) : .infinity)
            adam.update(parameters: parameters, gradients: gradients, lr: Float(config.encoderTraining.learningRate))
            model.clampLogitScale(in: parameters, layout: layout)
            return Step(seconds: Date().timeIntervalSince(started), countedFLOPs: counter.total, loss: loss)
        }
    }
}
