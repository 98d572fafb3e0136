import Foundation
import Testing
import TensorCore
import Datasets
import Diffusion

/// `ShapesProbe.reconstructionReport`: the probe read off an autoencoder's reconstructions.
@Suite struct ShapesProbeReconstructionTests {
    static let shippedVAE = TestFiles.shippedModel.appendingPathComponent("vae")

    @Test("the shipped autoencoder gives back every scene of both probes fully right")
    func shipped() throws {
        try #require(FileManager.default.fileExists(atPath: Self.shippedVAE.appendingPathComponent("config.json").path),
                     "\(Self.shippedVAE.path) holds no autoencoder")
        let vae = try AutoencoderKL(contentsOf: Self.shippedVAE)
        let report = try ShapesProbe.reconstructionReport(vae: vae)
        #expect(report.items.count == 72)
        #expect(report.items.map(\.scene) == ShapesProbe.prompts)
        #expect(report.fullyRight == 1, "\(report.itemLines.filter { !$0.hasPrefix("✓") })")
        #expect(report.items.allSatisfy { $0.image.width == 32 && $0.image.height == 32 })
        let pairs = try ShapesProbe.pairReconstructionReport(vae: vae)
        #expect(pairs.items.map(\.scene) == ShapesProbe.pairPrompts)
        #expect(pairs.fullyRight == 1, "\(pairs.itemLines.filter { !$0.hasPrefix("✓") })")
        #expect(pairs.compactLine.hasPrefix("colours 100.0 %, shapes 100.0 %, relation 100.0 %, count 100.0 %"))
    }

    @Test("an untrained autoencoder's reconstructions are scored, not the rendered scenes: almost nothing reads right")
    func untrained() throws {
        var generator = Philox(seed: 3)
        let vae = try AutoencoderKL(config: AutoencoderFolderTests.smallConfig(), generator: &generator)
        let report = try ShapesProbe.reconstructionReport(vae: vae)
        #expect(report.items.count == 72)
        #expect(report.items.allSatisfy { $0.image.width == 16 })
        #expect(report.fullyRight < 0.1, "\(report.compactLine)")
        #expect(report.compactLine.hasPrefix("colour ") && report.compactLine.contains(", fully right "))
        let pairs = try ShapesProbe.pairReconstructionReport(vae: vae)
        #expect(pairs.items.count == 60)
        #expect(pairs.fullyRight < 0.1, "\(pairs.compactLine)")
    }
}
