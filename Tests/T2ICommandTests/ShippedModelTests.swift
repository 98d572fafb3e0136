import Foundation
import Testing
import Imaging
import Datasets
import Diffusion

/// The model committed in Data/models/shapes-32: what a newcomer's first command draws with.
@Suite("shipped model")
struct ShippedModelTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/models/shapes-32")

    @Test("the README's main-job command, with no run folder here, draws the prompt with the shipped model")
    func mainJob() throws {
        try #require(FileManager.default.fileExists(atPath: Self.shipped.appendingPathComponent("unet/config.json").path),
                     "\(Self.shipped.path) holds no U-Net")
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A checkout's layout, without a trained runs/shapes-32.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Data/models"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("Data/models/shapes-32"), withDestinationURL: Self.shipped)

        let prompt = "a large red circle in the center on a white background"
        let out = try T2IBinary().run(["generate", prompt], in: folder)
        try #require(out.status == 0, "\(out.stderr)")
        let file = folder.appendingPathComponent("outputs/a-large-red-circle-in-the-center-on-a-white-background-s0.png")
        let text = Dictionary(try Image.readPNGText(at: file).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(text["t2i:model"] == "Data/models/shapes-32")
        #expect(text["t2i:steps"] == "50" && text["t2i:sampler"] == "ddim")

        let image = try Image.readPNG(at: file)
        #expect(image.width == 32 && image.height == 32)
        let reading = ShapesProbeScorer.read(image)
        #expect(reading.colour == .red && reading.shape == .circle && reading.size == .large, "\(reading)")
        #expect(reading.position == .center && reading.background == .white, "\(reading)")
    }
}
