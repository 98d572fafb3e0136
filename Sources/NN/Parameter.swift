import TensorCore

/// A trainable tensor owned by a module.
///
/// A class, so that the module tree, the optimizer's flat buffer and a gradient tape can all refer
/// to the same parameter: rebinding `value` (to a flat-buffer view, or to a tracked copy during
/// `valueAndGradient`) is seen by the layer that reads it.
public final class Parameter {
    /// The current value.
    public var value: Tensor

    /// A parameter holding `value`.
    public init(_ value: Tensor) {
        self.value = value
    }

    /// The parameter's shape.
    public var shape: [Int] { value.shape }
}
