import TensorCore

/// The MLP activation named by a CLIP config's `hidden_act` (transformers `ACT2FN`).
public enum CLIPActivation: String, Sendable, CaseIterable {
    /// Exact erf GELU (`GELUActivation`, `nn.functional.gelu`).
    case gelu
    /// x·σ(1.702x), OpenAI CLIP's activation (`QuickGELUActivation`).
    case quickGelu = "quick_gelu"
    /// tanh-approximated GELU (`NewGELUActivation`).
    case geluNew = "gelu_new"
    /// tanh-approximated GELU through PyTorch (`PytorchGELUTanh`): the same function as `gelu_new`.
    case geluPytorchTanh = "gelu_pytorch_tanh"

    /// The activation called `name` in a config; `source` and `key` name the setting in the error.
    public init(name: String, source: String, key: String) throws {
        guard let activation = CLIPActivation(rawValue: name) else {
            let known = CLIPActivation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ConfigError(source: source, key: key, "unknown activation \"\(name)\" (known: \(known))")
        }
        self = activation
    }

    /// The activation applied elementwise.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: x.gelu()
        case .quickGelu: x.quickGelu()
        case .geluNew, .geluPytorchTanh: x.geluTanh()
        }
    }
}
