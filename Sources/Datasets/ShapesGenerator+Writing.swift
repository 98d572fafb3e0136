import Foundation
import Imaging
import TensorCore

extension ShapesGenerator {
    /// Samples per parallel block: fixed, so output never depends on the number of threads.
    static let writeBlockSize = 128

    /// The file name of sample `index` in a dataset of `count`: zero-padded to at least 6 digits.
    public static func fileName(index: Int, count: Int) -> String {
        let digits = max(6, String(max(count - 1, 0)).count)
        let number = String(index)
        return String(repeating: "0", count: max(0, digits - number.count)) + number + ".png"
    }

    /// Writes samples `0..<count` as a dataset folder: `000000.png`, … and `captions.jsonl`.
    ///
    /// Each PNG carries its caption in a `Description` text chunk; each caption line carries the
    /// scene's ``ShapesScene/attributesJSON(canvas:)`` under `"attributes"`. Rendering, encoding and
    /// writing run in parallel over fixed blocks; every file is written atomically, and
    /// `captions.jsonl` last, in index order. The same generator gives byte-identical files. The
    /// folder is created if needed; files already there with other names are left alone.
    ///
    /// - Throws: ``DatasetError/invalidArgument(_:)`` for a negative count,
    ///   ``DatasetError/writeFailed(_:reason:)`` naming the first file that could not be written
    ///   (then, as on an interruption, the files written are removed).
    ///
    /// `shouldStop` (Ctrl-C) is asked before each image: once it says yes, no more images are
    /// written, those written are removed (and the folder, if this call made it), and
    /// `DatasetError.interrupted` is thrown — an interrupted run leaves nothing half made.
    @discardableResult
    public func write(count: Int, to folder: URL, shouldStop: () -> Bool = { false }) throws -> ShapesWriteSummary {
        guard count >= 0 else {
            throw DatasetError.invalidArgument("sample count must be non-negative, got \(count)")
        }
        let created = !FileManager.default.fileExists(atPath: folder.path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw DatasetError.writeFailed(folder.path, reason: error.localizedDescription)
        }
        let generator = self
        let results = Parallel.mapInBlocks(count: count, blockSize: Self.writeBlockSize) { index -> WriteResult in
            shouldStop() ? .skipped : generator.writeSample(index, count: count, folder: folder)
        }
        let stopped = results.contains(where: { if case .skipped = $0 { true } else { false } })
        let failure = results.lazy.compactMap { if case .failed(let error) = $0 { error } else { nil } }.first
        if stopped || failure != nil {
            // Interrupted, or a file could not be written (a full disk): leave nothing half made.
            var removed = 0
            for (index, result) in results.enumerated() {
                guard case .written = result else { continue }
                _ = unlink(folder.appendingPathComponent(Self.fileName(index: index, count: count)).path)  // plain unlink: hundreds of files in milliseconds
                removed += 1
            }
            if created { try? FileManager.default.removeItem(at: folder) }
            if let failure { throw failure }
            throw DatasetError.interrupted(folder.path, removed: removed)
        }
        var lines: [String] = []
        lines.reserveCapacity(count)
        var twoObjects = 0
        for result in results {
            switch result {
            case .failed(let error): throw error
            case .skipped: continue
            case .written(let line, let pair):
                lines.append(line)
                if pair { twoObjects += 1 }
            }
        }
        try CaptionsFile.write(lines: lines, to: folder)
        return ShapesWriteSummary(count: count, twoObjectCount: twoObjects)
    }

    /// One sample's caption line and whether it has two objects, or the error writing it.
    private enum WriteResult: Sendable {
        case written(String, twoObjects: Bool)
        case failed(DatasetError)
        case skipped
    }

    private func writeSample(_ index: Int, count: Int, folder: URL) -> WriteResult {
        let scene = scene(at: index)
        let caption = scene.caption
        let name = Self.fileName(index: index, count: count)
        let url = folder.appendingPathComponent(name)
        do {
            let png = try scene.render(size: size).pngData(text: [
                (key: "Description", value: caption),
                (key: "Comment", value: "t2i data shapes: seed \(seed), sample \(index), size \(size)"),
            ])
            try AtomicFile.write(png, to: url)
        } catch let error as FileWriteError {
            return .failed(.writeFailed(url.path, reason: error.reason))
        } catch {
            return .failed(.writeFailed(url.path, reason: "\(error)"))
        }
        let line = CaptionsLine.make(file: name, text: caption,
                                     extra: [(key: "attributes", json: scene.attributesJSON(canvas: size))])
        return .written(line, twoObjects: scene.objects.count == 2)
    }
}
