// 2-D convolution and nearest upsampling through the backend kernels.

extension Tensor {
    /// 2-D cross-correlation of (B, Cin, H, W) with weight (Cout, Cin, KH, KW) (PyTorch `F.conv2d`).
    public func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(rank == 4 && weight.rank == 4 && weight.shape[1] == shape[1],
                     "conv2d: input \(shape) does not fit weight \(weight.shape)")
        let geometry = Conv2dGeometry(batch: shape[0], inChannels: shape[1], height: shape[2], width: shape[3],
                                      outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                                      strideH: stride, strideW: stride, padH: padding, padW: padding)
        let x = self, w = weight, backend = Backends.current
        let flops = 2 * geometry.batch * geometry.outChannels * geometry.outHeight * geometry.outWidth
            * geometry.inChannels * geometry.kernelHeight * geometry.kernelWidth
        FlopCounter.current?.add(flops)
        var out = Tensor(computing: [geometry.batch, geometry.outChannels, geometry.outHeight, geometry.outWidth]) { y in
            backend.conv2dForward(geometry, input: x.pointer, weight: w.pointer, bias: bias?.pointer, output: y)
        }
        let b0 = bias ?? Tensor(zeros: [0])
        Tensor.record(&out, [x, w, b0]) { g in
            FlopCounter.current?.add(flops * ((x.node != nil ? 1 : 0) + (w.node != nil ? 1 : 0)))
            backend.conv2dBackward(geometry, input: x.pointer, weight: w.pointer, gradOutput: g,
                                   gradInput: x.node?.gradBuffer(), gradWeight: w.node?.gradBuffer(),
                                   gradBias: bias == nil ? nil : b0.node?.gradBuffer())
        }
        return out
    }

    /// Nearest-neighbour 2× upsampling of (N, C, H, W) (PyTorch `F.interpolate(scale_factor=2)`).
    public func upsampleNearest2x() -> Tensor {
        precondition(rank == 4, "upsampleNearest2x needs (N, C, H, W), got \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let x = self, backend = Backends.current
        var out = Tensor(computing: [n, c, 2 * h, 2 * w]) { y in
            backend.upsampleNearest2xForward(input: x.pointer, output: y, batch: n, channels: c, height: h, width: w)
        }
        Tensor.record(&out, [x]) { g in
            guard let gx = x.node?.gradBuffer() else { return }
            backend.upsampleNearest2xBackward(gradOutput: g, gradInput: gx, batch: n, channels: c, height: h, width: w)
        }
        return out
    }
}
