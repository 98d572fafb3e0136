import TensorCore

/// Builds the lines of a `captions.jsonl` file: `{"file": …, "text": …, extra keys…}`.
///
/// Written by hand rather than with `JSONEncoder` so that key order and number formatting are fixed,
/// which keeps generated datasets byte-identical from run to run.
public enum CaptionsLine {
    /// One JSON line (without the newline) with `file`, `text`, then `extra` keys in the given order;
    /// each extra value must already be JSON (a quoted string, a number, an object).
    public static func make(file: String, text: String, extra: [(key: String, json: String)] = []) -> String {
        var line = "{\"file\":\(JSONString.quoted(file)),\"text\":\(JSONString.quoted(text))"
        for (key, json) in extra {
            line += ",\(JSONString.quoted(key)):\(json)"
        }
        return line + "}"
    }
}
