import Foundation
import Testing

/// DESIGN §1's seam, checked on the sources: code above `TensorCore` (NN, Optim, Diffusion,
/// Serving, Distributed, the CLI) must not name `CPUBackend`, and touches tensor memory only at
/// the places listed here, each with its reason. A new touch anywhere else fails this test, and so
/// does a listed file that no longer touches memory (so the list shrinks as the seam closes).
///
/// A touch is any of: `CPUBackend`, `.pointer` (a FlatBuffer's or tensor's host memory),
/// `withUnsafe[Mutable]BufferPointer`, `Unsafe[Mutable]Pointer<Float>`, a `Tensor(shape: …) { … }`
/// initializer closure (writing host memory), `.scalars` (reading it all back).
@Suite struct BackendSeamTests {
    /// Why a place may touch memory: a named transfer point (the issue's "load/save, PNG, logging
    /// a scalar"). No arithmetic on tensor memory is left above the seam.
    enum Reason: String {
        case saveLoad = "transfer: weights and checkpoints to and from files"
        case images = "transfer: images to and from tensors (or image bytes, not tensor memory)"
        case exchange = "transfer: the MPI exchange of gradients and embeddings"
        case metrics = "transfer: evaluation metrics, latent statistics (the scaling factor) and bench checksums computed on the host"
    }

    /// File (under Sources/) → (touches, reason).
    static let allowed: [String: (count: Int, reason: Reason)] = [
        "NN/Module+State.swift": (1, .saveLoad),
        "Diffusion/Training/TrainingCheckpoint.swift": (2, .saveLoad),
        "Diffusion/Pipeline/Image+BatchTensor.swift": (2, .images),
        "Diffusion/Stages/Image+Tensor.swift": (1, .images),
        "Diffusion/Pipeline/ShapesProbeScorer.swift": (1, .images),
        "Diffusion/Training/StageTrainer.swift": (7, .exchange),
        "Distributed/MPIProcessGroup.swift": (1, .exchange),
        "Diffusion/Pipeline/GenerationEvaluation.swift": (4, .metrics),
        "Diffusion/Stages/PSNR.swift": (2, .metrics),
        "Diffusion/Stages/Retrieval+Evaluation.swift": (1, .metrics),
        "Diffusion/Stages/TextStateSpread.swift": (1, .metrics),
        "t2i/DataCommand+Bench.swift": (1, .metrics),
        "Diffusion/Stages/AutoencoderStage.swift": (1, .metrics),
    ]

    static let layers = ["NN", "Optim", "Diffusion", "Serving", "Distributed", "t2i"]

    static let touch = try! NSRegularExpression(pattern:
        #"CPUBackend|\.pointer\b|withUnsafe(Mutable)?BufferPointer|Unsafe(Mutable)?Pointer<Float>|Tensor\(shape: [^)]*\) \{|\.scalars\b"#)

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
    }

    /// Touches per file (relative to Sources/) in the layers above TensorCore; comment lines skipped.
    static func touches() throws -> [String: Int] {
        var found: [String: Int] = [:]
        for layer in layers {
            let root = sources.appendingPathComponent(layer)
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            #expect(!files.isEmpty, "no Swift files under \(root.path)")
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                var count = 0
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    let code = String(line)
                    if code.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                    count += touch.numberOfMatches(in: code, range: NSRange(code.startIndex..., in: code))
                }
                if count > 0 { found[layer + "/" + file.path.dropFirst(root.path.count + 1)] = count }
            }
        }
        return found
    }

    @Test func nothingAboveTensorCoreNamesCPUBackend() throws {
        for layer in Self.layers {
            let root = Self.sources.appendingPathComponent(layer)
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            #expect(!files.isEmpty, "no Swift files under \(root.path)")
            for file in files {
                let names = try String(contentsOf: file, encoding: .utf8).contains("CPUBackend")
                #expect(!names, "\(file.path) names CPUBackend")
            }
        }
    }

    @Test func tensorMemoryIsTouchedOnlyAtTheListedPlaces() throws {
        let found = try Self.touches()
        // The optimizer, clipping and EMA go through the backend's update ops.
        #expect(!found.keys.contains { $0.hasPrefix("Optim/") }, "Optim touches memory: \(found.filter { $0.key.hasPrefix("Optim/") })")
        for (file, count) in found.sorted(by: { $0.key < $1.key }) {
            guard let entry = Self.allowed[file] else {
                Issue.record("Sources/\(file) touches tensor memory \(count)× and is not a listed transfer point: go through a Backend op (or list it, with the reason)")
                continue
            }
            #expect(count <= entry.count, "Sources/\(file): \(count) touches, \(entry.count) allowed (\(entry.reason.rawValue))")
        }
        for file in Self.allowed.keys where found[file] == nil {
            Issue.record("Sources/\(file) no longer touches tensor memory: remove it from BackendSeamTests.allowed")
        }
    }
}
