/// JSON string literals for the hand-written JSON of the project (safetensors headers, captions.jsonl,
/// config.json files): written by hand so key order and number formatting are fixed and files are
/// byte-identical from run to run.
public enum JSONString {
    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, other
    /// characters (UTF-8) kept as they are, as RFC 8259 §7 allows.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
