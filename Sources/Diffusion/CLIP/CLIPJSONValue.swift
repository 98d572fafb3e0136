import TensorCore

/// A JSON value written the way Python's `json.dump` writes a transformers config: floats always
/// carry a decimal point or exponent (`1.0`, not `1`).
///
/// Foundation's encoders write an integral `Double` as `1`, which transformers 5's strict config
/// dataclasses reject for float fields (`initializer_factor: float`), so configs are rendered here.
enum CLIPJSONValue {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([CLIPJSONValue])
    case object([(String, CLIPJSONValue)])

    /// Pretty-printed JSON (two-space indent, keys sorted, as `save_pretrained` writes them).
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
        switch self {
        case .bool(let v):
            return v ? "true" : "false"
        case .int(let v):
            return String(v)
        case .double(let v):
            // Swift's shortest round-trip form ("1.0", "1e-05", "2.6592") is valid JSON for finite values.
            precondition(v.isFinite, "JSON has no representation for \(v)")
            return v.description
        case .string(let s):
            return JSONString.quoted(s)
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 2) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            let sorted = pairs.sorted { $0.0 < $1.0 }
            return "{\n" + sorted.map { pad + JSONString.quoted($0.0) + ": " + $0.1.rendered(indent: indent + 2) }.joined(separator: ",\n")
                + "\n" + close + "}"
        }
    }
}
