import Foundation

/// Runs the built `t2i` executable as a subprocess.
///
/// The executable sits in the build products folder beside the test runner
/// (`t2iPackageTests.xctest`), found through `/proc/self/exe`; failing that, in the package's
/// `.build/release` or `.build/debug`, found from this file's path.
struct T2IBinary {
    /// What a run of `t2i` printed and how it exited.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    enum LocateError: Error, CustomStringConvertible {
        case notFound([String])
        var description: String {
            switch self {
            case let .notFound(paths): "t2i executable not found; looked at \(paths.joined(separator: ", "))"
            }
        }
    }

    let url: URL

    init() throws {
        var candidates: [String] = []
        let fileManager = FileManager.default
        if let runner = try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: runner).deletingLastPathComponent().appendingPathComponent("t2i").path)
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("t2i").path)
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for configuration in ["release", "debug"] {
            candidates.append(packageRoot.appendingPathComponent(".build/\(configuration)/t2i").path)
        }
        guard let found = candidates.first(where: { fileManager.isExecutableFile(atPath: $0) }) else {
            throw LocateError.notFound(candidates)
        }
        url = URL(fileURLWithPath: found)
    }

    /// A `t2i` process started by `start(_:in:)`; its output goes to files in its folder.
    final class Started {
        let process: Process
        private let stdoutFile: URL, stderrFile: URL
        private let stdoutHandle: FileHandle, stderrHandle: FileHandle

        fileprivate init(url: URL, arguments: [String], folder: URL, environment extra: [String: String]) throws {
            stdoutFile = folder.appendingPathComponent("stdout-\(UUID().uuidString).txt")
            stderrFile = folder.appendingPathComponent("stderr-\(UUID().uuidString).txt")
            // Output goes to files, so a full pipe can never block the child.
            try Data().write(to: stdoutFile)
            try Data().write(to: stderrFile)
            stdoutHandle = try FileHandle(forWritingTo: stdoutFile)
            stderrHandle = try FileHandle(forWritingTo: stderrFile)
            process = Process()
            process.executableURL = url
            process.arguments = arguments
            process.currentDirectoryURL = folder
            // The model lookup ends in the user's data folder and reads T2I_MODEL: keep both out of
            // the tests, so a t2i installed on this machine never answers for a missing model.
            var environment = ProcessInfo.processInfo.environment
            environment["T2I_MODEL"] = nil
            environment["XDG_DATA_HOME"] = folder.appendingPathComponent(".no-user-data").path
            environment.merge(extra) { $1 }
            process.environment = environment
            process.standardOutput = stdoutHandle
            process.standardError = stderrHandle
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        /// Waits for the process and returns what it printed; the output files are removed.
        func finish() throws -> Output {
            process.waitUntilExit()
            defer {
                try? FileManager.default.removeItem(at: stdoutFile)
                try? FileManager.default.removeItem(at: stderrFile)
            }
            try stdoutHandle.close()
            try stderrHandle.close()
            return Output(
                status: process.terminationStatus,
                stdout: String(decoding: try Data(contentsOf: stdoutFile), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: stderrFile), as: UTF8.self))
        }
    }

    /// Starts `t2i` with `arguments` in `folder` (and `environment` added to this process's)
    /// without waiting for it.
    func start(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> Started {
        try Started(url: url, arguments: arguments, folder: folder, environment: environment)
    }

    /// Runs `t2i` with `arguments` in `folder`, and waits for it.
    func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> Output {
        try start(arguments, in: folder, environment: environment).finish()
    }
}

/// A fresh, empty folder for one test's files.
func makeScratchFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("T2ICommandTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
