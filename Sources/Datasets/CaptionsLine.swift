import Foundation
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

    /// One non-blank line of a captions file and its 1-based number.
    public struct Numbered: Sendable, Equatable {
        public let number: Int
        public let text: String

        public init(number: Int, text: String) {
            self.number = number
            self.text = text
        }
    }

    /// A line's two required fields.
    public struct Parsed: Sendable, Equatable {
        public let file: String
        /// The captions, at least one, none blank.
        public let texts: [String]

        public init(file: String, texts: [String]) {
            self.file = file
            self.texts = texts
        }

        /// The first caption.
        public var text: String { texts[0] }
    }

    /// The non-blank lines of a captions file's bytes, numbered from 1.
    ///
    /// Split on the newline byte, not on Characters: Swift treats "\r\n" as one Character, so a CRLF
    /// file would not split at all. Invalid UTF-8 is repaired to U+FFFD, so the line then fails as
    /// malformed JSON or keeps a visibly odd caption rather than being lost.
    public static func lines(of data: Data) -> [Numbered] {
        var lines: [Numbered] = []
        var number = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let bytes = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
            let text = String(decoding: bytes, as: UTF8.self)
            if text.allSatisfy(\.isWhitespace) { continue }
            lines.append(Numbered(number: number, text: text))
        }
        return lines
    }

    /// Parses one line: a JSON object with a non-empty string file name under `fileKey` and, under
    /// `textKey`, a caption string that is not blank or a list of captions (blank ones are dropped,
    /// at least one must remain); other keys are allowed and ignored. Or the issue that makes it bad,
    /// naming `source` and the line.
    ///
    /// The defaults read `captions.jsonl`; `metadata.jsonl` in Hugging Face's `imagefolder`
    /// convention is `fileKey: "file_name"`, `textKey: "text"` (or the configured caption column).
    public static func parse(_ text: String, line: Int, fileKey: String = "file", textKey: String = "text",
                             source: String = CaptionedDataset.captionsFileName) -> Result<Parsed, DatasetIssue> {
        func issue(_ kind: DatasetIssue.Kind, _ file: String?, _ detail: String) -> Result<Parsed, DatasetIssue> {
            .failure(DatasetIssue(kind: kind, line: line, file: file, detail: detail, source: source))
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
        } catch {
            return issue(.malformedJSON, nil, "not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            return issue(.malformedJSON, nil, "not a JSON object")
        }
        guard let file = dictionary[fileKey] as? String, !file.isEmpty else {
            return issue(.malformedJSON, nil, "\"\(fileKey)\" is missing or not a non-empty string")
        }
        let captions: [String]
        if let caption = dictionary[textKey] as? String {
            captions = [caption]
        } else if let list = dictionary[textKey] as? [Any], let strings = list as? [String] {
            captions = strings
        } else {
            return issue(.malformedJSON, file, "\"\(textKey)\" is missing or not a string or a list of strings")
        }
        let kept = captions.filter { !$0.allSatisfy(\.isWhitespace) }
        guard !kept.isEmpty else { return issue(.emptyCaption, file, "") }
        return .success(Parsed(file: file, texts: kept))
    }
}
