/// The shapes of a 2-D convolution: input (B, Cin, H, W), weight (Cout, Cin, KH, KW), output (B, Cout, OH, OW).
///
/// Matches PyTorch's `nn.Conv2d` with `groups=1`, `dilation=1`, zero padding.
public struct Conv2dGeometry: Sendable, Equatable {
    /// Images in the batch (B).
    public var batch: Int
    /// Input channels (Cin).
    public var inChannels: Int
    /// Input height (H).
    public var height: Int
    /// Input width (W).
    public var width: Int
    /// Output channels (Cout).
    public var outChannels: Int
    /// Kernel height (KH).
    public var kernelHeight: Int
    /// Kernel width (KW).
    public var kernelWidth: Int
    /// Vertical stride.
    public var strideH: Int
    /// Horizontal stride.
    public var strideW: Int
    /// Zero rows added above and below the input.
    public var padH: Int
    /// Zero columns added left and right of the input.
    public var padW: Int

    /// Output height: ⌊(H + 2·padH − KH) / strideH⌋ + 1 (PyTorch `Conv2d` shape formula, dilation 1).
    public var outHeight: Int { (height + 2 * padH - kernelHeight) / strideH + 1 }
    /// Output width: ⌊(W + 2·padW − KW) / strideW⌋ + 1.
    public var outWidth: Int { (width + 2 * padW - kernelWidth) / strideW + 1 }

    /// Elements of the input tensor.
    public var inputCount: Int { batch * inChannels * height * width }
    /// Elements of the weight tensor.
    public var weightCount: Int { outChannels * inChannels * kernelHeight * kernelWidth }
    /// Elements of the output tensor.
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }
    /// Multiply-adds of the forward pass: B·Cout·OH·OW·Cin·KH·KW (FLOPs are twice this).
    public var forwardMultiplyAdds: Int { outputCount * inChannels * kernelHeight * kernelWidth }

    /// A geometry; a single `stride` / `padding` applies to both axes.
    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideH: Int = 1, strideW: Int = 1,
                padH: Int = 0, padW: Int = 0) {
        self.batch = batch
        self.inChannels = inChannels
        self.height = height
        self.width = width
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
    }

    /// A square-kernel geometry with the same stride and padding on both axes.
    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kernelSize: Int, stride: Int = 1, padding: Int = 0) {
        self.init(batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
                  kernelHeight: kernelSize, kernelWidth: kernelSize, strideH: stride, strideW: stride,
                  padH: padding, padW: padding)
    }

    /// Whether the shapes describe a convolution with at least one output pixel.
    public var isValid: Bool {
        batch >= 0 && inChannels > 0 && outChannels > 0 && height > 0 && width > 0
            && kernelHeight > 0 && kernelWidth > 0 && strideH > 0 && strideW > 0 && padH >= 0 && padW >= 0
            && height + 2 * padH >= kernelHeight && width + 2 * padW >= kernelWidth
    }

    /// A 1×1, stride-1, unpadded convolution: a plain matrix product, no im2col needed.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
}
