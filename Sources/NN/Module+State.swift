import Foundation
import TensorCore

/// A checkpoint did not match the module: names the file and every missing, unused and mis-shaped key.
public struct StateLoadError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let missing: [String]
    public let unused: [String]
    /// (name, shape the module expects, shape in the file)
    public let mismatched: [ShapeMismatch]

    public struct ShapeMismatch: Equatable, Sendable {
        public let name: String
        public let expected: [Int]
        public let found: [Int]

        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    public var description: String {
        var parts: [String] = []
        func list(_ names: [String]) -> String {
            names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", … (\(names.count - 5) more)" : "")
        }
        if !missing.isEmpty { parts.append("\(missing.count) missing key\(missing.count == 1 ? "" : "s") (\(list(missing)))") }
        if !unused.isEmpty { parts.append("\(unused.count) unused key\(unused.count == 1 ? "" : "s") (\(list(unused)))") }
        if !mismatched.isEmpty {
            let items = mismatched.prefix(5).map { "\($0.name): expected \($0.expected), found \($0.found)" }
            parts.append("\(mismatched.count) shape mismatch\(mismatched.count == 1 ? "" : "es") (\(items.joined(separator: "; ")))")
        }
        return "\(path): checkpoint does not fit the model: " + parts.joined(separator: "; ")
    }
}

/// A checkpoint holds NaN or ±∞ in a parameter: names the file and the tensor.
public struct NonFiniteStateError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let name: String
    /// Non-finite values in the tensor, and its size.
    public let count: Int, total: Int

    public var description: String {
        "\(path): tensor \(name) holds \(count) of \(total) values that are NaN or infinite (a damaged file, or weights of a diverged training); nothing was loaded"
    }
}

extension Module {
    /// Writes every parameter to a safetensors file at `url` (atomically), stored as `dtype`.
    public func saveState(to url: URL, metadata: [String: String] = [:], dtype: SafetensorsDType = .f32) throws {
        var writer = SafetensorsWriter(metadata: metadata)
        for (name, p) in namedParameters() {
            try writer.add(name, floats: p.value.scalars, shape: p.shape, as: dtype)
        }
        try writer.write(to: url)
    }

    /// Loads every parameter from `file` with strict matching (mlx-swift `update(parameters:verify:)`):
    /// any missing key, unused key or shape mismatch fails the whole load and nothing is changed, and
    /// so does a NaN or ±∞ in any parameter (`NonFiniteStateError`).
    /// `prefix` selects a sub-tree of the file's keys (e.g. "text_model.").
    public func loadState(from file: SafetensorsFile, prefix: String = "", allowUnused: Bool = false) throws {
        let params = namedParameters()
        var missing: [String] = [], mismatched: [StateLoadError.ShapeMismatch] = []
        for (name, p) in params {
            guard let info = file.tensors[prefix + name] else { missing.append(prefix + name); continue }
            if info.shape != p.shape {
                mismatched.append(.init(name: prefix + name, expected: p.shape, found: info.shape))
            }
        }
        let known = Set(params.map { prefix + $0.name })
        let unused = allowUnused ? [] : file.names.filter { $0.hasPrefix(prefix) && !known.contains($0) }
        guard missing.isEmpty, unused.isEmpty, mismatched.isEmpty else {
            throw StateLoadError(path: file.path, missing: missing, unused: unused, mismatched: mismatched)
        }
        // Convert everything before assigning anything, so a failure leaves the module unchanged.
        let values = try params.map { try Tensor(shape: $0.parameter.shape, data: file.floats(prefix + $0.name)) }
        for ((name, _), v) in zip(params, values) {
            let bad = v.nonFiniteCount
            guard bad == 0 else { throw NonFiniteStateError(path: file.path, name: prefix + name, count: bad, total: v.count) }
        }
        for ((_, p), v) in zip(params, values) { p.value = v }
    }
}
