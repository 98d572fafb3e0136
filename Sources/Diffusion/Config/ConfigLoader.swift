import Foundation
import TensorCore
import Yams

/// Reads a run config: the defaults of `RunConfig`, then a YAML file, then `--set key=value`
/// overrides (DESIGN §6). Every key given must exist in the defaults — an unknown or mistyped key is
/// an error that names it and suggests the closest known key — and every value must have the
/// default's type.
public enum ConfigLoader {
    /// The config from `file` (nil: the defaults) with `overrides` ("a.b=value") applied.
    public static func load(file: URL?, overrides: [String] = []) throws -> RunConfig {
        var yaml = ""
        var source = "defaults"
        if let file {
            source = file.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
                throw ConfigError(source: source, key: nil, "no such config file")
            }
            guard !isDirectory.boolValue else { throw ConfigError(source: source, key: nil, "is a folder, not a config file") }
            guard (try? FileManager.default.attributesOfItem(atPath: file.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType == .typeRegular else {
                throw ConfigError(source: source, key: nil, "not a regular file")
            }
            let bytes: Data
            do {
                bytes = try Data(contentsOf: file)
            } catch {
                throw ConfigError(source: source, key: nil, "cannot read the file: \(FileErrorText.reason(of: error))")
            }
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw ConfigError(source: source, key: nil, "not UTF-8 text")
            }
            yaml = text
        }
        return try resolve(yaml: yaml, source: source, overrides: overrides)
    }

    /// The config from YAML text; `source` names it in errors.
    public static func resolve(yaml: String, source: String, overrides: [String] = []) throws -> RunConfig {
        var tree = try defaultsTree()
        let user: Node?
        do {
            user = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(source: source, key: nil, "not valid YAML: \(oneLine(error))")
        }
        if let user {
            tree = try merge(tree, user, path: [], source: source)
        }
        for override in overrides {
            tree = try apply(override: override, to: tree)
        }
        let config = try decode(tree, source: overrides.isEmpty ? source : "\(source) with --set")
        do {
            try config.validate(source: source)
        } catch let error as ConfigError {
            // Name where the bad value came from: the last --set of that key, else the file.
            if let key = error.key, let given = overrides.last(where: { $0.hasPrefix(key + "=") }) {
                throw ConfigError(source: "--set \(given)", key: key, error.message)
            }
            throw error
        }
        return config
    }

    /// Whether the YAML text sets `key` ("a.b") itself; false also when it is not valid YAML.
    public static func spellsOut(_ key: String, in yaml: String) -> Bool {
        guard var node = (try? Yams.compose(yaml: yaml)) ?? nil else { return false }
        for part in key.split(separator: ".") {
            guard let child = node.mapping?[String(part)] else { return false }
            node = child
        }
        return true
    }

    /// `config` as YAML, every key spelled out (what `t2i config show` prints and runs store).
    public static func yaml(_ config: RunConfig) throws -> String {
        try YAMLEncoder().encode(config)
    }

    // MARK: Merging

    private static func defaultsTree() throws -> Node {
        guard let node = try Yams.compose(yaml: yaml(RunConfig())) else {
            throw ConfigError(source: "defaults", key: nil, "the built-in defaults did not encode")
        }
        return node
    }

    /// `user` laid over `base`: mappings merge key by key, anything else replaces the default.
    private static func merge(_ base: Node, _ user: Node, path: [String], source: String) throws -> Node {
        let dotted = path.joined(separator: ".")
        switch (base, user) {
        case let (.mapping(baseMap), .mapping(userMap)):
            var pairs = baseMap.map { ($0.key, $0.value) }
            let known = pairs.compactMap { $0.0.string }
            for (k, v) in userMap {
                guard let name = k.string else {
                    throw ConfigError(source: source, key: dotted.isEmpty ? nil : dotted, "keys must be strings, got \(k)")
                }
                guard let index = pairs.firstIndex(where: { $0.0.string == name }) else {
                    throw unknownKey(name, path: path, known: known, source: source)
                }
                pairs[index].1 = try merge(pairs[index].1, v, path: path + [name], source: source)
            }
            return Node(pairs)
        case (.mapping, _):
            if case .scalar = user, user.null != nil { return base }  // "section:" with nothing under it
            throw ConfigError(source: source, key: dotted, "expected a section of keys, got a single value")
        case (_, .mapping):
            throw ConfigError(source: source, key: dotted, "expected a single value, got a section of keys")
        default:
            return user
        }
    }

    private static func apply(override: String, to tree: Node) throws -> Node {
        guard let eq = override.firstIndex(of: "=") else {
            throw ConfigError(source: "--set", key: nil, "'\(override)' is not of the form key=value")
        }
        let key = String(override[..<eq]).trimmingCharacters(in: .whitespaces)
        let text = String(override[override.index(after: eq)...])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, !path.contains("") else {
            throw ConfigError(source: "--set", key: key, "is not a dotted key such as unet.layers_per_block")
        }
        let value: Node
        do {
            value = try Yams.compose(yaml: text) ?? Node("")
        } catch {
            throw ConfigError(source: "--set", key: key, "value '\(text)' is not valid YAML: \(oneLine(error))")
        }
        // Nest the value under its path and merge, so unknown keys are caught the same way.
        var nested = value
        for name in path.reversed() { nested = Node([(Node(name), nested)]) }
        return try merge(tree, nested, path: [], source: "--set")
    }

    private static func decode(_ tree: Node, source: String) throws -> RunConfig {
        do {
            return try YAMLDecoder().decode(RunConfig.self, from: tree)
        } catch let error as DecodingError {
            switch error {
            case let .typeMismatch(type, context), let .valueNotFound(type, context):
                throw ConfigError(source: source, key: keyPath(context.codingPath), "expected \(describe(type))")
            case let .dataCorrupted(context):
                throw ConfigError(source: source, key: keyPath(context.codingPath), oneLine(context.debugDescription))
            case let .keyNotFound(key, context):
                throw ConfigError(source: source, key: keyPath(context.codingPath + [key]), "missing")
            @unknown default:
                throw ConfigError(source: source, key: nil, oneLine(error))
            }
        }
    }

    // MARK: Messages

    private static func unknownKey(_ name: String, path: [String], known: [String], source: String) -> ConfigError {
        let dotted = (path + [name]).joined(separator: ".")
        let best = known.min { editDistance($0, name) < editDistance($1, name) }
        if let best, editDistance(best, name) <= max(2, name.count / 3) {
            let suggestion = (path + [best]).joined(separator: ".")
            return ConfigError(source: source, key: dotted, "unknown key (did you mean '\(suggestion)'?)")
        }
        let section = path.isEmpty ? "the top level" : "'\(path.joined(separator: "."))'"
        return ConfigError(source: source, key: dotted, "unknown key; \(section) has: \(known.joined(separator: ", "))")
    }

    private static func keyPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        case is [Int].Type: "a list of integers"
        case is [String].Type: "a list of strings"
        case is Node.Scalar.Type: "a single value (quote text that contains \": \")"
        default: "a value of type \(type)"
        }
    }

    private static func oneLine(_ value: Any) -> String {
        let text = String(describing: value).split(whereSeparator: \.isNewline).joined(separator: " ")
        // Yams puts the whole document in some messages ("… 'key'. Context: <every line> in line 49,
        // column 3"): keep the message and where, not the file.
        if let context = text.range(of: " Context: "), let place = text.range(of: " in line ", options: .backwards),
           context.upperBound <= place.lowerBound {
            return String(text[..<context.lowerBound]) + " (line " + text[place.upperBound...].trimmingCharacters(in: .whitespaces) + ")"
        }
        return text
    }

    /// Levenshtein distance, for "did you mean" suggestions.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

extension ConfigLoader {
    /// The first dotted key whose value differs between `a` and `b`, or nil when they are equal.
    public static func firstDifference(_ a: RunConfig, _ b: RunConfig) throws -> String? {
        guard let na = try Yams.compose(yaml: yaml(a)), let nb = try Yams.compose(yaml: yaml(b)) else { return nil }
        func walk(_ x: Node, _ y: Node, _ path: [String]) -> String? {
            if case let .mapping(mx) = x, case let .mapping(my) = y {
                for (k, vx) in mx {
                    guard let name = k.string else { continue }
                    guard let vy = my[k] else { return (path + [name]).joined(separator: ".") }
                    if let d = walk(vx, vy, path + [name]) { return d }
                }
                return nil
            }
            return x == y ? nil : path.joined(separator: ".")
        }
        return walk(na, nb, [])
    }
}
