extension CPUBackend {
    /// Nearest-neighbour 2× upsampling (PyTorch `F.interpolate(scale_factor=2, mode="nearest")`), parallel over planes.
    public func upsampleNearest2xForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                         batch: Int, channels: Int, height: Int, width: Int) {
        precondition(batch >= 0 && channels >= 0 && height >= 0 && width >= 0, "upsample: negative shape")
        let (h, w) = (height, width)
        // x: (N·C, H, W)  y: (N·C, 2H, 2W)
        Parallel.forEach(range: batch * channels, blockSize: Self.planesPerBlock(h * w)) { planes in
            for plane in planes {
                let x = input + plane * h * w
                let y = output + plane * 4 * h * w
                for i in 0..<h {
                    let (src, top) = (x + i * w, y + 2 * i * 2 * w)
                    for j in 0..<w {
                        top[2 * j] = src[j]
                        top[2 * j + 1] = src[j]
                    }
                    (top + 2 * w).update(from: top, count: 2 * w)  // the second row repeats the first
                }
            }
        }
    }

    /// Gradient of nearest 2× upsampling: each input pixel accumulates its 4 children.
    public func upsampleNearest2xBackward(gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                                          batch: Int, channels: Int, height: Int, width: Int) {
        precondition(batch >= 0 && channels >= 0 && height >= 0 && width >= 0, "upsample: negative shape")
        let (h, w) = (height, width)
        // dy: (N·C, 2H, 2W)  dx: (N·C, H, W)
        Parallel.forEach(range: batch * channels, blockSize: Self.planesPerBlock(h * w)) { planes in
            for plane in planes {
                let dy = gradOutput + plane * 4 * h * w
                let dx = gradInput + plane * h * w
                for i in 0..<h {
                    let (top, bottom, row) = (dy + 2 * i * 2 * w, dy + (2 * i + 1) * 2 * w, dx + i * w)
                    for j in 0..<w {
                        row[j] += (top[2 * j] + top[2 * j + 1]) + (bottom[2 * j] + bottom[2 * j + 1])
                    }
                }
            }
        }
    }

    /// Planes per parallel block: about 16K input elements, fixed by the plane size.
    static func planesPerBlock(_ planeSize: Int) -> Int { max(1, (1 << 14) / max(planeSize, 1)) }
}
