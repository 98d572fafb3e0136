import Foundation
import Testing
import Imaging
import Diffusion

/// The text chunks a generated PNG carries, and reading them back.
@Suite("generation metadata")
struct GenerationMetadataTests {
    static func request() -> GenerationRequest {
        var r = GenerationRequest(prompt: "a large red circle in the center on a white background")
        r.negativePrompt = "blue 🟦"
        r.seed = 18_446_744_073_709_551_615
        r.count = 1
        r.steps = 37
        r.sampler = "dpmpp_2m"
        r.guidance = 3.3
        r.eta = 0.1
        return r
    }

    @Test("round trip through a PNG file: every field, Float bits included")
    func roundTrip() throws {
        let folder = try TestFiles.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let metadata = GenerationMetadata(request: Self.request(), model: "runs/shapes-32", version: "0.1.0")
        let url = folder.appendingPathComponent("a.png")
        try Image(width: 4, height: 4, format: .rgb).writePNG(to: url, text: metadata.textEntries)
        let back = try GenerationMetadata(contentsOf: url)
        #expect(back == metadata)
        #expect(back.request == Self.request())
        #expect(back.guidance.bitPattern == Float(3.3).bitPattern)
    }

    @Test("keys in a fixed order, parameters last; count only for a grid")
    func keyOrder() {
        let single = GenerationMetadata(request: Self.request(), model: "m", version: "v")
        #expect(single.textEntries.map(\.key) == ["t2i:prompt", "t2i:negative_prompt", "t2i:seed", "t2i:sampler", "t2i:steps",
                                                  "t2i:guidance", "t2i:eta", "t2i:model", "t2i:version", "parameters"])
        #expect(single.parameters.hasPrefix("a large red circle in the center on a white background, Negative prompt: blue 🟦, Steps: 37"))
        var batch = Self.request()
        batch.count = 4
        batch.seed = 7
        let grid = GenerationMetadata(request: batch, model: "m", version: "v")
        #expect(grid.textEntries.map(\.key).contains("t2i:count"))
        // Image 2 of the batch records seed 9 and no count: the record of a single image of seed 9.
        var nine = batch
        nine.seed = 9
        nine.count = 1
        #expect(grid.image(2) == GenerationMetadata(request: nine, model: "m", version: "v"))
        #expect(!grid.image(2).textEntries.map(\.key).contains("t2i:count"))
    }

    @Test("a missing or malformed key is an error naming the file and the key")
    func missingKey() throws {
        #expect(throws: GenerationMetadataError.self) { try GenerationMetadata(textEntries: [], file: "x.png") }
        do {
            _ = try GenerationMetadata(textEntries: [(key: "Description", value: "hi")], file: "x.png")
            Issue.record("expected an error")
        } catch let error as GenerationMetadataError {
            #expect(error.description.hasPrefix("x.png: t2i:prompt: "))
        }
        var entries = GenerationMetadata(request: Self.request(), model: "m", version: "v").textEntries
        entries.removeAll { $0.key == "t2i:seed" }
        do {
            _ = try GenerationMetadata(textEntries: entries, file: "y.png")
            Issue.record("expected an error")
        } catch let error as GenerationMetadataError {
            #expect(error.file == "y.png" && error.key == "t2i:seed")
        }
        entries = GenerationMetadata(request: Self.request(), model: "m", version: "v").textEntries
            .map { $0.key == "t2i:steps" ? (key: $0.key, value: "many") : $0 }
        do {
            _ = try GenerationMetadata(textEntries: entries, file: "z.png")
            Issue.record("expected an error")
        } catch let error as GenerationMetadataError {
            #expect(error.key == "t2i:steps" && error.description.contains("'many'"))
        }
    }
}
