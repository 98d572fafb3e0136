import Diffusion
import Foundation
import Imaging
import Serving
import Testing

/// Every route of `t2i serve` on a live server (127.0.0.1, a free port), with the shipped model.
@Suite("t2i serve routes", .serialized)
struct ServingRouteTests {
    typealias F = ServingFixture

    static func pngs(_ response: HTTPProbe.Response, key: String = "images") throws -> [[UInt8]] {
        let list = try #require(response.object[key] as? [String])
        return try list.map { try #require(Data(base64Encoded: $0)).map { $0 } }
    }

    static func text(_ png: [UInt8]) throws -> [String: String] {
        Dictionary(try Image.readPNGText(pngData: png, name: "served").map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("txt2img: A1111's answer, PNGs byte for byte what t2i generate writes for the same settings")
    func txt2img() async throws {
        try await F.withServer { probe, server in
            let response = try await probe.post("/sdapi/v1/txt2img", json: """
                {"prompt": "\(F.prompt)", "negative_prompt": "blue", "seed": 7, "steps": 6, "cfg_scale": 3.5,
                 "sampler_name": "Euler a", "batch_size": 2, "n_iter": 1, "width": 32, "height": 32, "restore_faces": false}
                """)
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json; charset=utf-8")
            let images = try Self.pngs(response)
            #expect(images.count == 2)
            let parameters = try #require(response.object["parameters"] as? [String: Any])
            #expect(parameters["seed"] as? Int == 7)
            #expect(parameters["sampler_name"] as? String == "Euler a")
            #expect(parameters["steps"] as? Int == 6)
            let infoText = try #require(response.object["info"] as? String)
            let info = try #require(try JSONSerialization.jsonObject(with: Data(infoText.utf8)) as? [String: Any])
            #expect(info["all_seeds"] as? [Int] == [7, 8])
            #expect(info["seed"] as? Int == 7)
            let infotexts = try #require(info["infotexts"] as? [String])
            #expect(infotexts.count == 2)
            #expect(infotexts[1].hasPrefix("\(F.prompt), Negative prompt: blue, Steps: 6, Sampler: euler_ancestral, CFG scale: 3.5, Eta: 0.0, Seed: 8"))

            // The same request through the code t2i generate runs, encoded as its files are.
            var request = server.model.defaults
            request.prompt = F.prompt
            request.negativePrompt = "blue"
            request.seed = 7
            request.steps = 6
            request.guidance = 3.5
            request.sampler = "euler_ancestral"
            request.count = 2
            let metadata = GenerationMetadata(request: request, model: server.model.path, version: "test")
            var expected: [[UInt8]] = []
            let (pipeline, _) = try F.load()
            try GenerationBatches.run(request, pipeline: pipeline) { first, batch in
                expected += try GenerationFiles.encodeSeparate(batch, first: first, metadata: metadata)
            }
            #expect(images == expected)
            let second = try Self.text(images[1])
            #expect(second["t2i:prompt"] == F.prompt)
            #expect(second["t2i:seed"] == "8")
            #expect(second["t2i:sampler"] == "euler_ancestral")
            #expect(second["t2i:model"] == F.modelPath)
            #expect(second["parameters"] == infotexts[1])
            let decoded = try Image(pngData: images[0], name: "served")
            #expect(decoded.width == 32 && decoded.height == 32)
        }
    }

    @Test("seed −1 (or none) draws a random seed below 2³², recorded in the answer and the PNG")
    func randomSeed() async throws {
        try await F.withServer { probe, _ in
            for body in [#"{"prompt": "x", "seed": -1, "steps": 1}"#, #"{"prompt": "x", "steps": 1}"#] {
                let response = try await probe.post("/sdapi/v1/txt2img", json: body)
                #expect(response.status == 200)
                let info = try #require(try JSONSerialization.jsonObject(with: Data((response.object["info"] as? String ?? "").utf8)) as? [String: Any])
                let seed = try #require(info["seed"] as? Int)
                #expect(seed >= 0 && seed < 1 << 32)
                #expect(try Self.text(Self.pngs(response)[0])["t2i:seed"] == String(seed))
            }
        }
    }

    @Test("every sampler, by A1111's name or t2i's, generates and is recorded under t2i's name")
    func samplers() async throws {
        try await F.withServer { probe, _ in
            let list = try #require(try await probe.get("/sdapi/v1/samplers").json as? [[String: Any]])
            #expect(list.map { $0["name"] as? String } == ["DDPM", "DDIM", "Euler a", "DPM++ 2M"])
            #expect((list[2]["aliases"] as? [String])?.contains("euler_ancestral") == true)
            for (name, recorded) in [("DDPM", "ddpm"), ("DDIM", "ddim"), ("Euler a", "euler_ancestral"), ("DPM++ 2M", "dpmpp_2m"), ("dpmpp_2m", "dpmpp_2m")] {
                let response = try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "seed": 1, "steps": 2, "sampler_name": "\#(name)"}"#)
                #expect(response.status == 200, "\(name): \(response.text)")
                #expect(try Self.text(Self.pngs(response)[0])["t2i:sampler"] == recorded)
            }
        }
    }

    @Test("sd-models and options: one model; the checkpoint can be set to it and only to it")
    func modelsAndOptions() async throws {
        try await F.withServer { probe, server in
            let models = try #require(try await probe.get("/sdapi/v1/sd-models").json as? [[String: Any]])
            #expect(models.count == 1)
            #expect(models[0]["model_name"] as? String == "shapes-32")
            let title = try #require(models[0]["title"] as? String)
            #expect(title == "shapes-32 [\(server.model.shortHash)]")
            #expect(server.model.sha256.count == 64)
            let options = try await probe.get("/sdapi/v1/options").object
            #expect(options["sd_model_checkpoint"] as? String == title)
            let defaults = try #require(options["t2i_defaults"] as? [String: Any])
            #expect(defaults["steps"] as? Int == server.model.defaults.steps)
            #expect(defaults["sampler_name"] as? String == "DDIM")
            // Open WebUI posts the options it read back, with its choice of checkpoint.
            let set = try await probe.post("/sdapi/v1/options", json: #"{"sd_model_checkpoint": "\#(title)", "samples_format": "png", "other": [1]}"#)
            #expect(set.status == 200)
            #expect(set.object["sd_model_checkpoint"] as? String == title)
            #expect(try await probe.post("/sdapi/v1/options", json: #"{"sd_model_checkpoint": "shapes-32"}"#).status == 200)
            let wrong = try await probe.post("/sdapi/v1/options", json: #"{"sd_model_checkpoint": "sd_xl_base_1.0.safetensors"}"#)
            #expect(wrong.status == 400)
            #expect(wrong.error == "sd_model_checkpoint: 'sd_xl_base_1.0.safetensors' is not a model this server holds (it holds '\(title)')")
            let wrongType = try await probe.post("/sdapi/v1/options", json: #"{"sd_model_checkpoint": 3}"#)
            #expect(wrongType.error == "sd_model_checkpoint: expected a string, got an integer")
        }
    }

    @Test("OpenAI images: n PNGs as b64_json with the prompt recorded; size and response_format checked")
    func openAI() async throws {
        try await F.withServer { probe, _ in
            let response = try await probe.post("/v1/images/generations", json: #"{"prompt": "\#(F.prompt)", "n": 2, "size": "32x32", "response_format": "b64_json", "model": "dall-e-3"}"#)
            #expect(response.status == 200)
            let data = try #require(response.object["data"] as? [[String: Any]])
            #expect(data.count == 2)
            let png = try #require(Data(base64Encoded: data[1]["b64_json"] as? String ?? "")).map { $0 }
            let text = try Self.text(png)
            #expect(text["t2i:prompt"] == F.prompt)
            let first = try Self.text(try #require(Data(base64Encoded: data[0]["b64_json"] as? String ?? "")).map { $0 })
            #expect(UInt64(text["t2i:seed"] ?? "") == UInt64(first["t2i:seed"] ?? "").map { $0 + 1 })
            #expect(response.object["created"] as? Int != nil)
            let cases: [(String, String)] = [
                (#"{"n": 1}"#, "prompt: required"),
                (#"{"prompt": "x", "size": "512x512"}"#, "size: 512x512; this model makes 32x32 images"),
                (#"{"prompt": "x", "size": "big"}"#, "size: 'big' is not WIDTHxHEIGHT (this model makes 32x32)"),
                (#"{"prompt": "x", "response_format": "url"}"#, "response_format: 'url'; only b64_json is served (the server keeps no files to link to)"),
                (#"{"prompt": "x", "n": 0}"#, "n: 0 is out of range (1 to 64)"),
            ]
            for (body, message) in cases {
                let bad = try await probe.post("/v1/images/generations", json: body)
                #expect(bad.status == 400, "\(body)")
                #expect(bad.error == message)
            }
        }
    }

    @Test("bad bodies: malformed JSON, wrong types and out-of-range values are one-line 400s naming the field")
    func badInput() async throws {
        let cases: [(String, String)] = [
            ("{bad", "request body: not valid JSON"),
            ("", "request body: not valid JSON"),
            (String(repeating: "[", count: 100_000), "request body: not valid JSON"),
            ("[1, 2]", "request body: expected a JSON object, got an array"),
            ("\"x\"", "request body: expected a JSON object, got a string"),
            (#"{"prompt": 1}"#, "prompt: expected a string, got an integer"),
            (#"{"prompt": "x", "negative_prompt": ["a"]}"#, "negative_prompt: expected a string, got an array"),
            (#"{"prompt": "x", "steps": "20"}"#, "steps: expected an integer, got a string"),
            (#"{"prompt": "x", "steps": 2.5}"#, "steps: expected an integer, got a number"),
            (#"{"prompt": "x", "steps": 0}"#, "steps: 0 is out of range (1 to 1000)"),
            (#"{"prompt": "x", "steps": 1001}"#, "steps: 1001 is out of range (1 to 1000)"),
            (#"{"prompt": "x", "steps": 99999999999999999999}"#, "steps: 1e+20 is out of range (1 to 1000)"),
            (#"{"prompt": "x", "cfg_scale": "high"}"#, "cfg_scale: expected a number, got a string"),
            (#"{"prompt": "x", "cfg_scale": 1e300}"#, "cfg_scale: must be a finite number"),
            (#"{"prompt": "x", "eta": -0.5}"#, "eta: -0.5 is out of range (0 to any)"),
            (#"{"prompt": "x", "sampler_name": "Heun"}"#, "sampler_name: unknown sampler 'Heun' (known: 'DDPM', 'DDIM', 'Euler a', 'DPM++ 2M', or t2i's names ddpm, ddim, euler_ancestral, dpmpp_2m)"),
            (#"{"prompt": "x", "sampler_name": 2}"#, "sampler_name: expected a string, got an integer"),
            (#"{"prompt": "x", "batch_size": 17}"#, "batch_size: 17 is out of range (1 to 16)"),
            (#"{"prompt": "x", "batch_size": 16, "n_iter": 5}"#, "batch_size × n_iter: 80 images; this server makes 1 to 64 per request (t2i serve --max-images)"),
            (#"{"prompt": "x", "n_iter": true}"#, "n_iter: expected an integer, got a boolean"),
            (#"{"prompt": "x", "width": 512}"#, "width: 512; this model makes 32×32 images (send 32 or leave it out)"),
            (#"{"prompt": "x", "height": -3}"#, "height: -3 is out of range (1 to 65536)"),
            (#"{"prompt": "x", "seed": -2}"#, "seed: -2 is not a seed (−1 for a random one, or 0 to 18446744073709551615)"),
            (#"{"prompt": "x", "seed": "7"}"#, "seed: expected an integer seed, got a string"),
        ]
        try await F.withServer { probe, _ in
            for (body, message) in cases {
                let response = try await probe.post("/sdapi/v1/txt2img", json: body)
                #expect(response.status == 400, "\(body.prefix(80)): \(response.status) \(response.text.prefix(200))")
                #expect(response.error?.hasPrefix(message) == true, "\(body.prefix(80)): \(response.error ?? response.text)")
            }
            // …and the server still generates afterwards.
            #expect(try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 1}"#).status == 200)
        }
    }

    @Test("a body over the limit is refused with 413, whether Content-Length says so or not")
    func bodyLimit() async throws {
        try await F.withServer(ServerSettings(limits: ServerLimits(maxBodyBytes: 1000))) { probe, _ in
            let big = #"{"prompt": "\#(String(repeating: "a", count: 5000))"}"#
            let declared = try await probe.post("/sdapi/v1/txt2img", json: big)
            #expect(declared.status == 413)
            #expect(declared.error == "request body: larger than the limit of 1000 bytes (t2i serve --max-body)")
            // Chunked, with no length announced: counted as it arrives.
            let half = big.utf8.count / 2
            let chunks = [Array(big.utf8.prefix(half)), Array(big.utf8.dropFirst(half))]
            let encoded = chunks.flatMap { Array(String($0.count, radix: 16).utf8) + [13, 10] + $0 + [13, 10] } + Array("0\r\n\r\n".utf8)
            let chunked = try await probe.send("POST", "/sdapi/v1/txt2img", body: encoded, headers: ["Transfer-Encoding": "chunked", "Content-Length": ""])
            #expect(chunked.status == 413)
            #expect(chunked.error == "request body: larger than the limit of 1000 bytes (t2i serve --max-body)")
            #expect(try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 1}"#).status == 200)
        }
    }

    @Test("with --token every route but the page needs the bearer token (or Basic auth with it); 401 otherwise")
    func token() async throws {
        try await F.withServer(ServerSettings(token: "s3cret")) { probe, _ in
            let missing = try await probe.get("/sdapi/v1/samplers")
            #expect(missing.status == 401)
            #expect(missing.error == "missing token: send the header 'Authorization: Bearer <token>' given to t2i serve --token")
            #expect(missing.headers["www-authenticate"] == "Bearer realm=\"t2i\"")
            let wrong = try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 1}"#, headers: ["Authorization": "Bearer s3cre"])
            #expect(wrong.status == 401)
            #expect(wrong.error?.hasPrefix("wrong token") == true)
            #expect(try await probe.post("/v1/images/generations", json: #"{"prompt": "x"}"#).status == 401)
            #expect(try await probe.get("/sdapi/v1/progress", headers: ["Authorization": "Basic \(Data("user:nope".utf8).base64EncodedString())"]).status == 401)
            let right = try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 1}"#, headers: ["Authorization": "Bearer s3cret"])
            #expect(right.status == 200)
            let basic = try await probe.get("/sdapi/v1/options", headers: ["Authorization": "Basic \(Data("webui:s3cret".utf8).base64EncodedString())"])
            #expect(basic.status == 200)
            let page = try await probe.get("/")
            #expect(page.status == 200)
            #expect(page.text.contains("id=\"token\""))
        }
    }

    @Test("CORS headers only for the --cors-origin given; none by default")
    func cors() async throws {
        try await F.withServer { probe, _ in
            let plain = try await probe.get("/sdapi/v1/samplers", headers: ["Origin": "http://evil.example"])
            #expect(plain.status == 200)
            #expect(plain.headers["access-control-allow-origin"] == nil)
        }
        try await F.withServer(ServerSettings(token: "t", corsOrigin: "http://localhost:8080")) { probe, _ in
            let preflight = try await probe.send("OPTIONS", "/sdapi/v1/txt2img", headers: [
                "Origin": "http://localhost:8080", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type",
            ])
            #expect(preflight.status == 204 || preflight.status == 200)
            #expect(preflight.headers["access-control-allow-origin"] == "http://localhost:8080")
            let call = try await probe.get("/sdapi/v1/samplers", headers: ["Origin": "http://localhost:8080", "Authorization": "Bearer t"])
            #expect(call.headers["access-control-allow-origin"] == "http://localhost:8080")
        }
    }

    @Test("the page: one self-contained document with the form, progress and gallery; unknown routes answer JSON 404")
    func page() async throws {
        try await F.withServer { probe, _ in
            let page = try await probe.get("/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            for id in ["prompt", "negative_prompt", "seed", "steps", "cfg_scale", "sampler_name", "count", "generate", "gallery", "bar"] {
                #expect(page.text.contains("id=\"\(id)\""), "\(id)")
            }
            #expect(page.text.contains("/sdapi/v1/progress"))
            #expect(page.text.contains("Use these settings"))
            #expect(!page.text.contains("http://") && !page.text.contains("https://"), "no external assets")
            let missing = try await probe.get("/sdapi/v1/nothing")
            #expect(missing.status == 404)
            #expect(missing.error == "no route GET /sdapi/v1/nothing")
        }
    }
}
