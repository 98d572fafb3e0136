/// How the attention kernels find head `bh` (of `batchHeads = B·H`) in q, k, v, the output and
/// their gradients; the probabilities are (BH, Lq, Lk) either way.
public enum AttentionLayout: Sendable, Equatable {
    /// (BH, L, D): each head's rows contiguous, as PyTorch's (B, H, L, D) tensors.
    case headMajor
    /// (B, L, H·D): the H heads side by side in each row, as the q, k, v projections write them
    /// and the output projection reads them, so no split or merge copy is needed.
    case interleaved(heads: Int)

    /// Heads per row: 1 for `.headMajor`.
    public var rowHeads: Int {
        switch self {
        case .headMajor: 1
        case .interleaved(let heads): heads
        }
    }

    /// Elements from one row of a head to its next: D, or H·D.
    public func rowStride(headDim: Int) -> Int { rowHeads * headDim }

    /// Where head `bh`'s first row starts in a tensor of `length` rows per batch item.
    public func offset(head bh: Int, length: Int, headDim: Int) -> Int {
        let h = rowHeads
        return ((bh / h) * length * h + bh % h) * headDim
    }

    /// Checks that `batchHeads` splits into whole batch items of this layout's heads.
    func check(batchHeads: Int) {
        precondition(rowHeads > 0 && batchHeads % rowHeads == 0,
                     "attention: \(batchHeads) batch·heads not divisible by the layout's \(rowHeads) heads")
    }
}

/// Which gradients `attentionBackward` sets instead of adding to: a first writer of a gradient
/// buffer that nothing has written yet skips its zero fill (`TapeNode.gradTarget()`).
public struct AttentionGradients: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let query = AttentionGradients(rawValue: 1)
    public static let key = AttentionGradients(rawValue: 2)
    public static let value = AttentionGradients(rawValue: 4)

    /// Zeroes the named gradients: dQ of `queryCount` floats, dK and dV of `keyCount`.
    func zero(gradQ: UnsafeMutablePointer<Float>?, gradK: UnsafeMutablePointer<Float>?, gradV: UnsafeMutablePointer<Float>?,
              queryCount: Int, keyCount: Int) {
        if contains(.query) { gradQ?.update(repeating: 0, count: queryCount) }
        if contains(.key) { gradK?.update(repeating: 0, count: keyCount) }
        if contains(.value) { gradV?.update(repeating: 0, count: keyCount) }
    }
}
