import Foundation

/// Paths the tests share: committed fixtures and a scratch folder per test.
enum TestFiles {
    /// `Tests/Fixtures`, found from this source file so it works from any working directory.
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// `Data/models/shapes-32`, the model the repository ships.
    static let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/models/shapes-32")

    /// A new empty folder under the system's temporary directory.
    static func scratchFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("t2i-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
