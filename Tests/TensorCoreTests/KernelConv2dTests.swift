import Testing
import TensorCore

@Suite struct KernelConv2dTests {
    static let geometries: [Conv2dGeometry] = [
        Conv2dGeometry(batch: 2, inChannels: 3, height: 7, width: 9, outChannels: 5, kernelSize: 3, padding: 1),
        Conv2dGeometry(batch: 3, inChannels: 4, height: 8, width: 8, outChannels: 6, kernelSize: 3, stride: 2, padding: 1),
        Conv2dGeometry(batch: 2, inChannels: 2, height: 5, width: 6, outChannels: 3, kernelSize: 3, stride: 2, padding: 0),
        Conv2dGeometry(batch: 2, inChannels: 3, height: 9, width: 7, outChannels: 4, kernelSize: 1),                // pointwise
        Conv2dGeometry(batch: 1, inChannels: 5, height: 6, width: 5, outChannels: 3, kernelSize: 1, stride: 2),     // 1×1 stride 2
        Conv2dGeometry(batch: 2, inChannels: 3, height: 6, width: 7, outChannels: 2, kernelHeight: 3, kernelWidth: 2,
                       strideH: 2, strideW: 1, padH: 1, padW: 0),
        Conv2dGeometry(batch: 1, inChannels: 2, height: 4, width: 4, outChannels: 2, kernelSize: 3, padding: 2),     // pad > k/2
        Conv2dGeometry(batch: 2, inChannels: 64, height: 16, width: 32, outChannels: 4, kernelSize: 3, padding: 1), // several row tiles
        Conv2dGeometry(batch: 11, inChannels: 3, height: 5, width: 5, outChannels: 4, kernelSize: 3, padding: 1),   // uneven dW groups
        Conv2dGeometry(batch: 2, inChannels: 2, height: 3, width: 1, outChannels: 3, kernelSize: 3, padding: 1),    // width < kernel
        Conv2dGeometry(batch: 1, inChannels: 3, height: 2, width: 2, outChannels: 2, kernelSize: 5, padding: 2),    // "same", pad 2
        Conv2dGeometry(batch: 2, inChannels: 3, height: 6, width: 5, outChannels: 2, kernelHeight: 1, kernelWidth: 3,
                       padH: 0, padW: 1),                                                                              // "same" width only
        Conv2dGeometry(batch: 3, inChannels: 5, height: 4, width: 4, outChannels: 9, kernelSize: 3, padding: 1),    // small images in pairs, one left over
    ]

    struct Run {
        var y: [Float], dx: [Float], dw: [Float], db: [Float]
    }

    /// Forward and backward of one backend on fixed inputs, gradients accumulated into `initial` values.
    static func run(_ g: Conv2dGeometry, reference: Bool, initialGradients: Bool = false, backwardCalls: Int = 1) -> Run {
        let x = KernelBuffer(random: g.inputCount, seed: 1)
        let w = KernelBuffer(random: g.weightCount, seed: 2, scale: 0.5)
        let bias = KernelBuffer(random: g.outChannels, seed: 3)
        let dy = KernelBuffer(random: g.outputCount, seed: 4)
        let y = KernelBuffer(random: g.outputCount, seed: 5)  // garbage: forward overwrites
        let dx = initialGradients ? KernelBuffer(random: g.inputCount, seed: 6) : KernelBuffer(zeros: g.inputCount)
        let dw = initialGradients ? KernelBuffer(random: g.weightCount, seed: 7) : KernelBuffer(zeros: g.weightCount)
        let db = initialGradients ? KernelBuffer(random: g.outChannels, seed: 8) : KernelBuffer(zeros: g.outChannels)
        if reference {
            ReferenceKernels.conv2dForward(g, input: x.p, weight: w.p, bias: bias.p, output: y.pointer)
            for _ in 0..<backwardCalls {
                ReferenceKernels.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: dx.pointer,
                                                gradWeight: dw.pointer, gradBias: db.pointer)
            }
        } else {
            CPUBackend.shared.conv2dForward(g, input: x.p, weight: w.p, bias: bias.p, output: y.pointer)
            for _ in 0..<backwardCalls {
                CPUBackend.shared.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: dx.pointer,
                                                 gradWeight: dw.pointer, gradBias: db.pointer)
            }
        }
        return Run(y: y.array, dx: dx.array, dw: dw.array, db: db.array)
    }

    @Test func outputShapeFollowsPyTorch() {
        let g = Conv2dGeometry(batch: 1, inChannels: 1, height: 7, width: 8, outChannels: 1, kernelHeight: 3,
                               kernelWidth: 2, strideH: 2, strideW: 3, padH: 1, padW: 0)
        #expect(g.outHeight == 4)  // ⌊(7 + 2 − 3) / 2⌋ + 1
        #expect(g.outWidth == 3)   // ⌊(8 − 2) / 3⌋ + 1
    }

    @Test(arguments: geometries)
    func forwardAndBackwardMatchReference(_ g: Conv2dGeometry) {
        let fast = Self.run(g, reference: false, initialGradients: true)
        let slow = Self.run(g, reference: true, initialGradients: true)
        #expect(relativeError(fast.y, slow.y) <= forwardTolerance)
        #expect(relativeError(fast.dx, slow.dx) <= gradientTolerance)
        #expect(relativeError(fast.dw, slow.dw) <= gradientTolerance)
        #expect(relativeError(fast.db, slow.db) <= gradientTolerance)
    }

    @Test func emptyBatchWritesNothing() {
        let g = Conv2dGeometry(batch: 0, inChannels: 2, height: 4, width: 4, outChannels: 3, kernelSize: 3, padding: 1)
        let w = KernelBuffer(random: g.weightCount, seed: 1), dw = KernelBuffer(zeros: g.weightCount)
        let db = KernelBuffer(zeros: 3), empty = KernelBuffer(zeros: 0)
        CPUBackend.shared.conv2dForward(g, input: empty.p, weight: w.p, bias: nil, output: empty.pointer)
        CPUBackend.shared.conv2dBackward(g, input: empty.p, weight: w.p, gradOutput: empty.p, gradInput: empty.pointer,
                                         gradWeight: dw.pointer, gradBias: db.pointer)
        #expect(dw.array.allSatisfy { $0 == 0 } && db.array == [0, 0, 0])
    }

    @Test func backwardAccumulates() {
        let g = Self.geometries[1]
        let once = Self.run(g, reference: false)
        let twice = Self.run(g, reference: false, backwardCalls: 2)
        #expect(relativeError(twice.dx, once.dx.map { 2 * $0 }) <= 1e-6)
        #expect(relativeError(twice.dw, once.dw.map { 2 * $0 }) <= 1e-6)
        #expect(relativeError(twice.db, once.db.map { 2 * $0 }) <= 1e-6)
    }

    @Test func gradientsAskedForSeparatelyEqualTheFullCall() {
        let g = Self.geometries[0]
        let full = Self.run(g, reference: false)
        let x = KernelBuffer(random: g.inputCount, seed: 1)
        let w = KernelBuffer(random: g.weightCount, seed: 2, scale: 0.5)
        let dy = KernelBuffer(random: g.outputCount, seed: 4)
        let dx = KernelBuffer(zeros: g.inputCount), dw = KernelBuffer(zeros: g.weightCount)
        let db = KernelBuffer(zeros: g.outChannels)
        CPUBackend.shared.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: dx.pointer,
                                         gradWeight: nil, gradBias: nil)
        CPUBackend.shared.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: nil,
                                         gradWeight: dw.pointer, gradBias: nil)
        CPUBackend.shared.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: nil,
                                         gradWeight: nil, gradBias: db.pointer)
        #expect(bitIdentical(dx.array, full.dx))
        #expect(bitIdentical(dw.array, full.dw))
        #expect(bitIdentical(db.array, full.db))
    }

    @Test func bitIdenticalForOneAndTwoThreads() {
        for g in [Self.geometries[7], Self.geometries[8], Self.geometries[3]] {
            let one = Parallel.$maxThreads.withValue(1) { Self.run(g, reference: false) }
            let two = Parallel.$maxThreads.withValue(2) { Self.run(g, reference: false) }
            #expect(bitIdentical(one.y, two.y))
            #expect(bitIdentical(one.dx, two.dx))
            #expect(bitIdentical(one.dw, two.dw))
            #expect(bitIdentical(one.db, two.db))
        }
    }

    /// The batch-invariance tests' convolution: five images of 12 channels, "same" padding.
    static func batchOfFive(_ shape: (height: Int, width: Int, kernel: Int, outChannels: Int)) -> Conv2dGeometry {
        Conv2dGeometry(batch: 5, inChannels: 12, height: shape.height, width: shape.width,
                       outChannels: shape.outChannels, kernelSize: shape.kernel, padding: shape.kernel / 2)
    }

    /// DESIGN §2: image i of a batch equals the image computed alone, bit for bit (the forward's
    /// packed GEMM computes each output position from its own column only), at the U-Net's small
    /// sizes, a pointwise layer and an output-channel count that leaves a partial panel.
    @Test(arguments: [(4, 4, 3, 20), (8, 8, 3, 64), (8, 8, 1, 24), (32, 32, 3, 8)])
    func anImageAloneEqualsItsPlaceInTheBatch(_ shape: (height: Int, width: Int, kernel: Int, outChannels: Int)) {
        let g = Self.batchOfFive(shape), batch = g.batch
        let x = KernelBuffer(random: g.inputCount, seed: 11)
        let w = KernelBuffer(random: g.weightCount, seed: 12, scale: 0.5)
        let bias = KernelBuffer(random: g.outChannels, seed: 13)
        let y = KernelBuffer(zeros: g.outputCount)
        CPUBackend.shared.conv2dForward(g, input: x.p, weight: w.p, bias: bias.p, output: y.pointer)
        var one = g
        one.batch = 1
        let perImage = g.outputCount / batch, inputPerImage = g.inputCount / batch
        for image in 0..<batch {
            let alone = KernelBuffer(zeros: perImage)
            CPUBackend.shared.conv2dForward(one, input: x.p + image * inputPerImage, weight: w.p, bias: bias.p,
                                            output: alone.pointer)
            #expect(bitIdentical(alone.array, Array(y.array[(image * perImage)..<((image + 1) * perImage)])), "image \(image)")
        }
    }

    /// The same for the input gradient, whose dcols = Wᵀ·dY OpenBLAS computes per image or for a few
    /// small images side by side (`Conv2dTiling.imagesPerGemm`): an image's dX must not depend on
    /// the images beside it nor on the batch. Nothing in OpenBLAS promises that; this pins it at
    /// the U-Net's and autoencoder's sizes.
    @Test(arguments: [(4, 4, 3, 20), (8, 8, 3, 64), (8, 8, 1, 24), (32, 32, 3, 8), (8, 8, 3, 17)])
    func anImagesInputGradientAloneEqualsItsPlaceInTheBatch(_ shape: (height: Int, width: Int, kernel: Int, outChannels: Int)) {
        let g = Self.batchOfFive(shape), batch = g.batch
        let x = KernelBuffer(random: g.inputCount, seed: 21)
        let w = KernelBuffer(random: g.weightCount, seed: 22, scale: 0.5)
        let dy = KernelBuffer(random: g.outputCount, seed: 23)
        let dx = KernelBuffer(zeros: g.inputCount)
        CPUBackend.shared.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: dx.pointer,
                                         gradWeight: nil, gradBias: nil)
        var one = g
        one.batch = 1
        let outputPerImage = g.outputCount / batch, inputPerImage = g.inputCount / batch
        for image in 0..<batch {
            let alone = KernelBuffer(zeros: inputPerImage)
            CPUBackend.shared.conv2dBackward(one, input: x.p + image * inputPerImage, weight: w.p,
                                             gradOutput: dy.p + image * outputPerImage, gradInput: alone.pointer,
                                             gradWeight: nil, gradBias: nil)
            #expect(bitIdentical(alone.array, Array(dx.array[(image * inputPerImage)..<((image + 1) * inputPerImage)])), "image \(image)")
        }
    }
}
