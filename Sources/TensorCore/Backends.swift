import Foundation

/// Which `Backend` tensor ops run on: the process's (named by `T2I_BACKEND`: `cpu`, the default, or
/// `reference`), or one installed for a body with `with(_:_:)` (task-local, as `Tape.current`), so
/// tests can run the same ops on every backend side by side.
///
/// A tensor's storage remembers the backend that allocated it; mixing tensors of two backends in
/// one op is a programming error.
public enum Backends {
    /// Every backend, the default first.
    public static let all: [any Backend] = [CPUBackend.shared, ReferenceBackend.shared]

    /// The backends' names.
    public static var names: [String] { all.map(\.name) }

    /// The backend called `name`, or nil for an unknown name.
    public static func named(_ name: String) -> (any Backend)? {
        all.first { $0.name == name }
    }

    /// `T2I_BACKEND`, as the process was started with it.
    static let environmentValue = ProcessInfo.processInfo.environment["T2I_BACKEND"]

    /// `T2I_BACKEND`'s value, when it is set and names no backend (the CLI refuses to start).
    public static var invalidEnvironmentValue: String? {
        environmentValue.flatMap { named($0) == nil ? $0 : nil }
    }

    /// The process's backend: `T2I_BACKEND`'s, else the CPU backend.
    public static let process: any Backend = {
        guard let value = environmentValue else { return CPUBackend.shared }
        guard let backend = named(value) else {
            preconditionFailure("T2I_BACKEND=\(value) names no backend (use one of: \(names.joined(separator: ", ")))")
        }
        return backend
    }()

    @TaskLocal static var installed: (any Backend)?

    /// The backend new tensors are made on and ops run on now.
    public static var current: any Backend { installed ?? process }

    /// Runs `body` with `backend` as the current backend (for this task).
    public static func with<R>(_ backend: any Backend, _ body: () throws -> R) rethrows -> R {
        try $installed.withValue(backend) { try body() }
    }
}
