/// What validation found in a dataset: how many entries, and which are bad.
public struct DatasetReport: Sendable, Equatable, Codable {
    /// How many issues errors and summaries name before saying "…".
    public static let namedIssueLimit = 5

    /// Entries read: the non-blank lines of the caption file, or the images and caption files found.
    public let entryCount: Int
    /// Every bad entry, in line order, then by file (one per bad entry: the first thing found wrong).
    public let issues: [DatasetIssue]

    /// Creates a report.
    public init(entryCount: Int, issues: [DatasetIssue]) {
        self.entryCount = entryCount
        self.issues = issues.sorted { ($0.line, $0.file ?? "") < ($1.line, $1.file ?? "") }
    }

    /// The number of bad entries.
    public var badCount: Int { issues.count }

    /// The number of bad entries of one kind.
    public func count(of kind: DatasetIssue.Kind) -> Int {
        issues.reduce(0) { $0 + ($1.kind == kind ? 1 : 0) }
    }

    /// Whether more than `percent` % of the entries are bad (always false with no entries).
    public func exceeds(percent: Double) -> Bool {
        Double(badCount) * 100 > percent * Double(entryCount)
    }

    /// The non-zero counts per kind, e.g. `"1 missing file, 2 malformed JSON lines"`, or `"none"`.
    public var countsSummary: String {
        let parts = DatasetIssue.Kind.allCases.compactMap { kind -> String? in
            let n = count(of: kind)
            return n > 0 ? kind.counted(n) : nil
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// The first ``namedIssueLimit`` issues joined by `"; "`, with `"; …"` when there are more.
    public var firstIssuesSummary: String {
        let named = issues.prefix(Self.namedIssueLimit).map(\.description).joined(separator: "; ")
        return issues.count > Self.namedIssueLimit ? named + "; …" : named
    }
}
