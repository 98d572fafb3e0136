/// A safetensors file could not be read or written; names the file and, where there is one, the tensor.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, so callers and tests can tell the cases apart.
    public enum Kind: Sendable, Equatable {
        case fileNotFound
        case io
        case truncated
        case headerTooLarge
        case invalidHeader
        case unknownDType
        case shapeMismatch
        case rangeOutsideFile
        case overlappingRanges
        case missingTensor
        case duplicateTensor
        case unsupportedConversion
    }

    public let kind: Kind
    /// The file (or, for in-memory buffers, the name given to them).
    public let path: String
    /// The tensor concerned, if the problem belongs to one.
    public let tensor: String?
    /// A human explanation.
    public let detail: String

    public init(_ kind: Kind, path: String, tensor: String? = nil, _ detail: String) {
        self.kind = kind
        self.path = path
        self.tensor = tensor
        self.detail = detail
    }

    public var description: String {
        if let tensor {
            return "\(path): tensor '\(tensor)': \(detail)"
        }
        return "\(path): \(detail)"
    }
}
