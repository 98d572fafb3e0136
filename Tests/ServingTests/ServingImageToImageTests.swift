import Diffusion
import Foundation
import Imaging
import Serving
import TensorCore
import Testing

/// `POST /sdapi/v1/img2img`: image to image and inpainting from uploaded PNGs.
@Suite("t2i serve img2img", .serialized)
struct ServingImageToImageTests {
    typealias F = ServingFixture

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    @Test("img2img and inpainting: the PNG is what the pipeline makes from the same picture, recording its SHA-256 and the strength")
    func imageToImage() async throws {
        let mask = try [UInt8](Data(contentsOf: F.repository.appendingPathComponent("Data/examples/mask-middle-band.png")))
        try await F.withServer { probe, server in
            let source = try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "\#(F.prompt)", "seed": 1, "steps": 6}"#)
            let picture = try #require(Data(base64Encoded: (source.object["images"] as? [String])?.first ?? "")).map { $0 }
            for withMask in [false, true] {
                let maskField = withMask ? #", "mask": "\#(Self.base64(mask))""# : ""
                let response = try await probe.post("/sdapi/v1/img2img", json: """
                    {"prompt": "a large blue circle in the center on a white background", "seed": 2, "steps": 10,
                     "denoising_strength": 0.5, "init_images": ["data:image/png;base64,\(Self.base64(picture))"]\(maskField)}
                    """)
                #expect(response.status == 200, "\(response.text.prefix(300))")
                let served = try #require(Data(base64Encoded: (response.object["images"] as? [String])?.first ?? "")).map { $0 }
                let text = Dictionary(try Image.readPNGText(pngData: served, name: "served").map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
                #expect(text["t2i:init_image"] == "init_images[0]")
                #expect(text["t2i:init_image_sha256"] == SHA256.hex(picture))
                #expect(text["t2i:strength"] == "0.5")
                #expect(text["t2i:mask_sha256"] == (withMask ? SHA256.hex(mask) : nil))
                #expect((response.object["parameters"] as? [String: Any])?["denoising_strength"] as? Double == 0.5)

                // The same generation from files, as t2i generate --init-image runs it.
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ServingI2I-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let file = folder.appendingPathComponent("init.png"), maskFile = folder.appendingPathComponent("mask.png")
                try Data(picture).write(to: file)
                try Data(mask).write(to: maskFile)
                let (pipeline, _) = try F.load()
                let input = try ImageToImageInput(loading: InitialImage(path: file.path, maskPath: withMask ? maskFile.path : nil, strength: 0.5),
                                                  size: pipeline.imageSize)
                var request = server.model.defaults
                request.prompt = "a large blue circle in the center on a white background"
                request.seed = 2
                request.steps = 10
                request.initial = InitialImage(path: "init_images[0]", sha256: SHA256.hex(picture), maskPath: withMask ? "mask" : nil,
                                               maskSHA256: withMask ? SHA256.hex(mask) : nil, strength: 0.5)
                let metadata = GenerationMetadata(request: request, model: server.model.path, version: "test")
                var expected: [[UInt8]] = []
                try GenerationBatches.run(request, pipeline: pipeline, input: input) { first, images in
                    expected += try GenerationFiles.encodeSeparate(images, first: first, metadata: metadata)
                }
                #expect(expected == [served])
            }
        }
    }

    @Test("bad uploads are 400s naming the field; a PNG declaring a huge size is refused before decoding")
    func badUploads() async throws {
        let png = try Image(width: 8, height: 8, format: .rgb).pngData()
        var huge = Array(png.prefix(33))
        huge.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])  // 100000 × 100000
        let mask = try Image(width: 4, height: 4, format: .rgb).pngData()
        let cases: [(String, String)] = [
            (#"{"prompt": "x"}"#, "init_images: required (a list holding one base64 PNG)"),
            (#"{"prompt": "x", "init_images": []}"#, "init_images: expected a list holding one base64 PNG, got an empty list"),
            (#"{"prompt": "x", "init_images": "abc"}"#, "init_images: expected a list holding one base64 PNG, got a string"),
            (#"{"prompt": "x", "init_images": [3]}"#, "init_images[0]: expected a base64 PNG string, got an integer"),
            (#"{"prompt": "x", "init_images": ["%%%"]}"#, "init_images[0]: not base64 (send the PNG file's bytes base64-encoded)"),
            (#"{"prompt": "x", "init_images": ["\#(Self.base64(Array("GIF89a, not a png at all".utf8)))"]}"#, "init_images[0]: not a PNG"),
            (#"{"prompt": "x", "init_images": ["\#(Self.base64(huge))"]}"#, "init_images[0]: 100000×100000 pixels; at most 16777216 (4096×4096) are accepted"),
            (#"{"prompt": "x", "init_images": ["\#(Self.base64(png))"], "denoising_strength": 0}"#, "denoising_strength: must be more than 0 and at most 1, got 0"),
            (#"{"prompt": "x", "init_images": ["\#(Self.base64(png))"], "denoising_strength": 1.5}"#, "denoising_strength: 1.5 is out of range (0 to 1)"),
            (#"{"prompt": "x", "init_images": ["\#(Self.base64(png))"], "denoising_strength": 0.01, "steps": 20}"#,
             "denoising_strength: 0.01 with 20 steps runs no denoising step"),
            (#"{"prompt": "x", "init_images": ["\#(Self.base64(png))"], "mask": "\#(Self.base64(mask))"}"#,
             "mask: the mask is 4×4 but the init image init_images[0] is 8×8"),
        ]
        try await F.withServer { probe, _ in
            for (body, message) in cases {
                let response = try await probe.post("/sdapi/v1/img2img", json: body)
                #expect(response.status == 400, "\(body.prefix(100)): \(response.text.prefix(200))")
                #expect(response.error?.hasPrefix(message) == true, "\(body.prefix(100)): \(response.error ?? response.text)")
            }
            let good = try await probe.post("/sdapi/v1/img2img", json: #"{"prompt": "x", "steps": 4, "init_images": ["\#(Self.base64(png))"]}"#)
            #expect(good.status == 200)
        }
    }
}
