import TensorCore

/// A layer or model: named parameters and named submodules, like PyTorch's `nn.Module`.
///
/// Names are PyTorch's dotted paths (`down_blocks.0.resnets.1.conv1.weight`), so a state written
/// here loads with strict key matching into the reference implementations (DESIGN §3).
public protocol Module: AnyObject {
    /// Parameters owned directly by this module, in registration order.
    var ownParameters: [(name: String, parameter: Parameter)] { get }
    /// Direct submodules, in registration order.
    var children: [(name: String, module: any Module)] { get }
}

extension Module {
    public var ownParameters: [(name: String, parameter: Parameter)] { [] }
    public var children: [(name: String, module: any Module)] { [] }

    /// Every parameter with its dotted path: own parameters first, then each child's, depth-first in
    /// registration order (PyTorch's `named_parameters` order).
    public func namedParameters(prefix: String = "") -> [(name: String, parameter: Parameter)] {
        var out = ownParameters.map { (prefix + $0.name, $0.parameter) }
        for child in children {
            out += child.module.namedParameters(prefix: prefix + child.name + ".")
        }
        return out
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int {
        namedParameters().reduce(0) { $0 + $1.parameter.value.count }
    }
}

/// An indexed list of submodules named "0", "1", … (PyTorch `nn.ModuleList`).
public final class ModuleList<Element: Module>: Module {
    /// The submodules in order.
    public let items: [Element]

    /// A list of `items`.
    public init(_ items: [Element]) {
        self.items = items
    }

    public var children: [(name: String, module: any Module)] {
        items.enumerated().map { (String($0.offset), $0.element as any Module) }
    }

    /// The submodule at `index`.
    public subscript(index: Int) -> Element { items[index] }

    /// Number of submodules.
    public var count: Int { items.count }
}
