import NN

/// Submodules of different types under explicit names: a container whose only job is to reproduce
/// a PyTorch parameter path such as `ff.net.0.proj` / `ff.net.2` (an `nn.ModuleList` holding
/// different layer types, with a parameter-free `Dropout` at index 1).
final class UNetNamedModules: Module {
    let children: [(name: String, module: any Module)]

    init(_ children: [(name: String, module: any Module)]) {
        self.children = children
    }
}
