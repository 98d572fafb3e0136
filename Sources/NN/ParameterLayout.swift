import TensorCore

/// Where each parameter of a module lives in one flat buffer: the layout shared by the parameters,
/// their gradients and the optimizer's moments (DESIGN §2).
public struct ParameterLayout {
    /// One parameter's place.
    public struct Entry {
        public let name: String
        public let parameter: Parameter
        public let offset: Int
        public var count: Int { parameter.value.count }
    }

    /// Entries in traversal order, packed without gaps.
    public let entries: [Entry]
    /// Total floats.
    public let count: Int

    /// The layout of `module`'s parameters in `namedParameters` order.
    public init(_ module: any Module) {
        var offset = 0
        var entries: [Entry] = []
        for (name, p) in module.namedParameters() {
            entries.append(Entry(name: name, parameter: p, offset: offset))
            offset += p.value.count
        }
        self.entries = entries
        self.count = offset
    }

    /// Moves every parameter's value into one new flat buffer and rebinds each parameter to a view
    /// of its slice; returns the buffer. Later in-place updates of the buffer are the parameters'.
    public func flatten() -> FlatBuffer {
        let buffer = FlatBuffer(count: count)
        for e in entries {
            buffer.write(e.parameter.value, at: e.offset)
            e.parameter.value = buffer.view(offset: e.offset, shape: e.parameter.shape)
        }
        return buffer
    }
}
