/// Builds the lines of a `captions.jsonl` file: `{"file": …, "text": …, extra keys…}`.
///
/// Written by hand rather than with `JSONEncoder` so that key order and number formatting are fixed,
/// which keeps generated datasets byte-identical from run to run.
public enum CaptionsLine {
    /// One JSON line (without the newline) with `file`, `text`, then `extra` keys in the given order;
    /// each extra value must already be JSON (a quoted string, a number, an object).
    public static func make(file: String, text: String, extra: [(key: String, json: String)] = []) -> String {
        var line = "{\"file\":\(quoted(file)),\"text\":\(quoted(text))"
        for (key, json) in extra {
            line += ",\(quoted(key)):\(json)"
        }
        return line + "}"
    }

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
