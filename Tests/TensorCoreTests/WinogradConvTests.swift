import Testing
import TensorCore

/// The 3×3 convolutions that run as Winograd F(2×2, 3×3) on AVX-512 (`CPUBackend.conv2dWinograd`,
/// `conv2dWinogradWeightGradient`): forward, input and weight gradients against the naive reference kernels, and the invariances DESIGN §2
/// asks of every kernel (an image's output does not depend on its batch nor on the thread count).
/// Elsewhere these geometries take the direct kernels, which `KernelConv2dTests` covers.
@Suite(.enabled(if: VectorISA.active == .avx512, "Winograd runs on AVX-512 only"))
struct WinogradConvTests {
    static let geometries: [Conv2dGeometry] = [
        Conv2dGeometry(batch: 3, inChannels: 16, height: 9, width: 11, outChannels: 20, kernelSize: 3, padding: 1),  // odd sizes: partial tiles
        Conv2dGeometry(batch: 5, inChannels: 32, height: 8, width: 8, outChannels: 16, kernelSize: 3, padding: 1),   // blocks across images
        Conv2dGeometry(batch: 2, inChannels: 24, height: 32, width: 32, outChannels: 17, kernelSize: 3, padding: 1), // blocks within an image, a partial panel
        Conv2dGeometry(batch: 9, inChannels: 48, height: 8, width: 8, outChannels: 16, kernelSize: 3, padding: 1),   // 16 tiles per image, 4 per vector
        Conv2dGeometry(batch: 1, inChannels: 17, height: 5, width: 16, outChannels: 33, kernelSize: 3, padding: 1),  // a last block of 24 columns
        // Images at most 8 wide: the lanes take tiles across tile rows and images (gathered patches)
        Conv2dGeometry(batch: 7, inChannels: 24, height: 4, width: 4, outChannels: 40, kernelSize: 3, padding: 1),   // 4 tiles per image, 16 per vector
        Conv2dGeometry(batch: 3, inChannels: 16, height: 13, width: 7, outChannels: 20, kernelSize: 3, padding: 1),  // odd sizes: partial tiles
    ]

    @Test(arguments: geometries)
    func winogradTakesTheseGeometries(_ g: Conv2dGeometry) {
        #expect(CPUBackend.winogradTakes(g))
        var strided = g
        strided.strideH = 2
        #expect(!CPUBackend.winogradTakes(strided))
        var few = g
        few.inChannels = 3
        #expect(!CPUBackend.winogradTakes(few))
        var small = g
        (small.height, small.width) = (3, 5)
        #expect(!CPUBackend.winogradTakes(small))
    }

    @Test(arguments: geometries)
    func forwardAndBackwardMatchReference(_ g: Conv2dGeometry) {
        let fast = KernelConv2dTests.run(g, reference: false, initialGradients: true)
        let slow = KernelConv2dTests.run(g, reference: true, initialGradients: true)
        #expect(relativeError(fast.y, slow.y) <= forwardTolerance)
        #expect(relativeError(fast.dx, slow.dx) <= gradientTolerance)
        #expect(relativeError(fast.dw, slow.dw) <= gradientTolerance)
        #expect(relativeError(fast.db, slow.db) <= gradientTolerance)
    }

    /// Every output written, and written once: a forward into a buffer of NaNs leaves none, and a
    /// backward with zero dY leaves the initial dX as it was.
    @Test(arguments: geometries)
    func everyOutputIsWrittenAndGradientsOnlyAdd(_ g: Conv2dGeometry) {
        let x = KernelBuffer(random: g.inputCount, seed: 1)
        let w = KernelBuffer(random: g.weightCount, seed: 2, scale: 0.5)
        let y = KernelBuffer([Float](repeating: .nan, count: g.outputCount))
        CPUBackend.shared.conv2dForward(g, input: x.p, weight: w.p, bias: nil, output: y.pointer)
        #expect(y.array.allSatisfy { $0.isFinite })
        let initial = KernelBuffer(random: g.inputCount, seed: 3)
        let dx = initial.copy(), dy = KernelBuffer(zeros: g.outputCount)
        CPUBackend.shared.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: dx.pointer,
                                         gradWeight: nil, gradBias: nil)
        #expect(bitIdentical(dx.array, initial.array))
    }

    @Test func bitIdenticalForOneAndTwoThreads() {
        for g in Self.geometries {
            let one = Parallel.$maxThreads.withValue(1) { KernelConv2dTests.run(g, reference: false) }
            let two = Parallel.$maxThreads.withValue(2) { KernelConv2dTests.run(g, reference: false) }
            #expect(bitIdentical(one.y, two.y), "\(g)")
            #expect(bitIdentical(one.dx, two.dx), "\(g)")
            #expect(bitIdentical(one.dw, two.dw), "\(g)")
        }
    }

    /// Image i of a batch, forward and input gradient, equals the image computed alone, bit for bit:
    /// the blocks of tiles cross image boundaries, and that must not show.
    @Test(arguments: geometries)
    func anImageAloneEqualsItsPlaceInTheBatch(_ g: Conv2dGeometry) {
        let x = KernelBuffer(random: g.inputCount, seed: 31)
        let w = KernelBuffer(random: g.weightCount, seed: 32, scale: 0.5)
        let bias = KernelBuffer(random: g.outChannels, seed: 33)
        let dy = KernelBuffer(random: g.outputCount, seed: 34)
        let y = KernelBuffer(zeros: g.outputCount), dx = KernelBuffer(zeros: g.inputCount)
        CPUBackend.shared.conv2dForward(g, input: x.p, weight: w.p, bias: bias.p, output: y.pointer)
        CPUBackend.shared.conv2dBackward(g, input: x.p, weight: w.p, gradOutput: dy.p, gradInput: dx.pointer,
                                         gradWeight: nil, gradBias: nil)
        var one = g
        one.batch = 1
        let outputPerImage = g.outputCount / g.batch, inputPerImage = g.inputCount / g.batch
        for image in 0..<g.batch {
            let alone = KernelBuffer(zeros: outputPerImage), aloneDx = KernelBuffer(zeros: inputPerImage)
            CPUBackend.shared.conv2dForward(one, input: x.p + image * inputPerImage, weight: w.p, bias: bias.p,
                                            output: alone.pointer)
            CPUBackend.shared.conv2dBackward(one, input: x.p + image * inputPerImage, weight: w.p,
                                             gradOutput: dy.p + image * outputPerImage, gradInput: aloneDx.pointer,
                                             gradWeight: nil, gradBias: nil)
            let outputs = (image * outputPerImage)..<((image + 1) * outputPerImage)
            let inputs = (image * inputPerImage)..<((image + 1) * inputPerImage)
            #expect(bitIdentical(alone.array, Array(y.array[outputs])), "image \(image) of \(g)")
            #expect(bitIdentical(aloneDx.array, Array(dx.array[inputs])), "image \(image) of \(g)")
        }
    }
}
