import ArgumentParser
import Foundation
import Diffusion
import Imaging

/// `t2i generate`: prompt → PNG(s) with a trained pipeline; each PNG records how to regenerate it.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate images from a prompt; each PNG records what regenerates it (--from IMAGE.png).",
        discussion: """
            The model: --run/--model DIR, else T2I_MODEL, else runs/shapes-32 when it holds a \
            trained pipeline, else the shipped Data/models/shapes-32, else \
            $XDG_DATA_HOME/t2i/models/shapes-32 (default ~/.local/share; scripts/install.sh puts \
            the shipped model there). Sampler, steps, guidance and eta default to the run's \
            config.yaml `sampling` section. Image i of --count N --seed S is the image --seed S+i \
            gives alone, and is written as <out stem>-<i>.png recording seed S+i (or, with --grid, \
            all in one grid PNG). Text chunks: t2i:prompt, t2i:negative_prompt, t2i:seed, \
            t2i:sampler, t2i:steps, t2i:guidance, t2i:eta, t2i:model, t2i:version (t2i:count for a \
            grid) and an AUTOMATIC1111-style `parameters` line. --trajectory also writes \
            <out stem>-trajectory.png: the predicted clean image x̂₀ every steps/10 steps, one row \
            per image.

            Image to image: --init-image IMG.png starts from a picture (any size: shorter side \
            scaled to the model's size, centre crop), noised by --strength S in (0, 1] and denoised \
            for ⌊steps × S⌋ of the steps, as diffusers' img2img pipeline; S = 1 ignores the picture \
            except where a mask keeps it. --mask MASK.png (the init image's size; white = repaint, \
            black = keep) inpaints: the kept region follows the input at every step and its pixels \
            are pasted back unchanged, with a soft edge inside the mask. The PNG records both \
            files' paths and SHA-256 (t2i:init_image, t2i:init_image_sha256, t2i:strength, \
            t2i:mask, t2i:mask_sha256); --from refuses files with other bytes.
            """
    )

    @Argument(help: "The prompt (omit with --from).")
    var prompt: String?

    @Option(name: [.customLong("run"), .customLong("model")], help: ArgumentHelp("The run (pipeline) folder.", valueName: "dir"))
    var runPath: String?

    @Option(name: .long, help: "Negative prompt: what guidance steers away from (default: none).")
    var negative: String?

    @Option(name: .long, parsing: .unconditional, help: "Seed of the first image (default 0); image i uses seed + i.")
    var seed: UInt64?

    @Option(name: .long, parsing: .unconditional, help: "Number of images (default 1).")
    var count: Int?

    @Option(name: .long, parsing: .unconditional, help: "Denoising steps (default: the run's sampling.steps).")
    var steps: Int?

    @Option(name: .long, help: "ddim, ddpm, euler_ancestral or dpmpp_2m (default: the run's sampling.sampler).")
    var sampler: String?

    @Option(name: .long, parsing: .unconditional, help: "Classifier-free guidance scale; 1 turns it off (default: the run's sampling.guidance).")
    var guidance: Float?

    @Option(name: .long, parsing: .unconditional, help: "DDIM's η (default: the run's sampling.eta).")
    var eta: Float?

    @Option(name: .long, help: ArgumentHelp("Output PNG (default: outputs/<prompt>-s<seed>.png; with --from, IMAGE-regenerated.png).", valueName: "path"))
    var out: String?

    @Option(name: .customLong("init-image"), help: ArgumentHelp("Start from this PNG (image to image); with --from, where the recorded init image is now.", valueName: "image.png"))
    var initImage: String?

    @Option(name: .long, help: ArgumentHelp("Inpainting mask PNG of the init image's size: white = repaint, black = keep; with --from, where the recorded mask is now.", valueName: "mask.png"))
    var mask: String?

    @Option(name: .long, parsing: .unconditional, help: "How much of the init image to noise away, in (0, 1] (default 0.8, or 1 with --mask).")
    var strength: Double?

    @Flag(name: .long, help: "Write all images of --count into one grid PNG.")
    var grid = false

    @Flag(name: .long, help: "Also write <out stem>-trajectory.png: x̂₀ every few steps, one row per image.")
    var trajectory = false

    @Option(name: .long, help: ArgumentHelp("Regenerate the image(s) of a PNG written by t2i generate, from its text chunks, and compare bytes.", valueName: "image.png"))
    var from: String?

    func validate() throws {
        if from != nil {
            let conflicting = [("PROMPT", prompt != nil), ("--negative", negative != nil), ("--seed", seed != nil),
                               ("--count", count != nil), ("--steps", steps != nil), ("--sampler", sampler != nil),
                               ("--guidance", guidance != nil), ("--eta", eta != nil), ("--grid", grid), ("--strength", strength != nil)]
                .filter(\.1).map(\.0)
            guard conflicting.isEmpty else {
                throw ValidationError("--from takes every setting from the image; drop \(conflicting.joined(separator: ", "))")
            }
        } else {
            guard prompt != nil else { throw ValidationError("give a prompt, or --from IMAGE.png") }
        }
        if let count {
            do { try GenerationFiles.checkCount(count, grid: grid, source: "--count") } catch { throw ValidationError("\(error)") }
        }
        if let out {
            guard !out.isEmpty else { throw ValidationError("--out must name a PNG file") }
            guard !out.hasSuffix("/") else { throw ValidationError("--out \(out) names a folder; give a file name such as \(out)image.png") }
        }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if let guidance, !guidance.isFinite { throw ValidationError("--guidance must be a finite number") }
        if let eta, !(eta.isFinite && eta >= 0) { throw ValidationError("--eta must be a number ≥ 0, got \(eta)") }
        if let sampler { _ = try SamplerKind(name: sampler, source: "--sampler") }
        if from == nil, initImage == nil {
            if mask != nil { throw ValidationError("--mask needs --init-image: the picture whose unmasked part is kept") }
            if strength != nil { throw ValidationError("--strength needs --init-image: the picture to start from") }
        }
        if let strength {
            do { try InitialImage.checkStrength(strength) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        if let from {
            try regenerate(URL(fileURLWithPath: from))
            return
        }
        let (folder, modelPath) = try PipelineLocator().locate(run: runPath)
        var request = try GenerationRequest(prompt: prompt ?? "", defaultsOf: folder)
        if let negative { request.negativePrompt = negative }
        if let seed { request.seed = seed }
        if let count { request.count = count }
        if let steps { request.steps = steps }
        if let sampler { request.sampler = sampler }
        if let guidance { request.guidance = guidance }
        if let eta { request.eta = eta }
        if let initImage {
            request.initial = try InitialImage(path: initImage, maskPath: mask, strength: strength ?? (mask == nil ? 0.8 : 1))
        }
        let kind = request.initial == nil ? "" : mask == nil ? "-img2img" : "-inpaint"
        let output = out.map { URL(fileURLWithPath: $0) }
            ?? GenerationFiles.unusedOutput(prompt: request.prompt, seed: request.seed, suffix: kind, count: request.count, grid: grid,
                                            extra: trajectory ? ["-trajectory"] : [])
        let (files, strip) = try Self.generate(request, folder: folder, modelPath: modelPath, out: output, grid: grid, trajectory: trajectory)
        for (i, file) in files.enumerated() {
            let seedText = files.count == 1 && request.count > 1 ? "seeds \(request.seed)…\(request.seed &+ UInt64(request.count - 1))"
                                                                 : "seed \(request.seed &+ UInt64(i))"
            print("wrote \(file.path) (\(seedText))")
        }
        if let strip { print(strip) }
    }

    /// Regenerates the image(s) recorded in `source` and compares the bytes.
    private func regenerate(_ source: URL) throws {
        let metadata = try GenerationMetadata(contentsOf: source)
        if metadata.version != T2IVersion.string {
            FileHandle.standardError.write(Data("note: \(source.path) was written by t2i \(metadata.version), this is t2i \(T2IVersion.string); the pixels may differ\n".utf8))
        }
        let request = metadata.request
        var files: InitialImage?
        if var initial = request.initial {
            // The recorded files, or where the user says they are now (digests checked on loading);
            // the new file records the paths the source recorded, so its bytes can match.
            if let initImage { initial.path = initImage }
            if let mask {
                guard initial.maskPath != nil else { throw ValidationError("--mask: \(source.path) records no mask (it is not an inpainting)") }
                initial.maskPath = mask
            }
            files = initial
        } else if initImage != nil || mask != nil {
            throw ValidationError("\(source.path) records no init image (it is text to image); drop --init-image and --mask")
        }
        let (folder, modelPath) = try PipelineLocator().locate(run: runPath ?? metadata.model)
        let output = URL(fileURLWithPath: out ?? GenerationFiles.sibling(of: source, suffix: "-regenerated").path)
        let (written, strip) = try Self.generate(request, loadingFrom: files, folder: folder, modelPath: modelPath, out: output,
                                                 grid: metadata.count > 1, trajectory: trajectory)
        let same = FileManager.default.contentsEqual(atPath: source.path, andPath: written[0].path)
        print("wrote \(written[0].path) (\(metadata.parameters))")
        if let strip { print(strip) }
        print(same ? "identical: \(written[0].path) is byte for byte \(source.path)"
                   : "DIFFERENT: \(written[0].path) does not match \(source.path) byte for byte")
    }

    /// Generates `request` with the pipeline in `folder` and writes the PNG(s) and, when asked, the
    /// trajectory strip; returns the files and a line about the strip. An init image (and mask)
    /// is read from `moved` when given (where the recorded files are now), else from `request.initial`.
    static func generate(_ request: GenerationRequest, loadingFrom moved: InitialImage? = nil, folder: RunFolder, modelPath: String,
                         out: URL, grid: Bool, trajectory: Bool) throws -> (files: [URL], strip: String?) {
        // Refuse a target that must not be replaced before spending time on denoising.
        for file in GenerationFiles.imageFiles(out: out, count: request.count, grid: grid) { try GenerationFiles.checkReplaceable(file) }
        if trajectory { try GenerationFiles.checkReplaceable(GenerationFiles.sibling(of: out, suffix: "-trajectory")) }
        try GenerationFiles.checkCount(request.count, grid: grid && request.count > 1, source: "--count")
        let pipeline = try TextToImagePipeline(folder: folder)
        let metadata = GenerationMetadata(request: request, model: modelPath, version: T2IVersion.string)
        let stepsRun = GenerationBatches.stepsRun(request)
        let input = try (moved ?? request.initial).map { try ImageToImageInput(loading: $0, size: pipeline.imageSize) }
        // Separate files are written as each batch finishes, a grid at the end.
        var gridImages: [Image] = [], files: [URL] = []
        var bar: StepProgress?, barFirst = -1
        let strips = try GenerationBatches.run(request, pipeline: pipeline, input: input, trajectory: trajectory, progress: { at in
            if at.first != barFirst {
                barFirst = at.first
                bar = StepProgress(label: request.count > at.count ? "denoising \(at.first + 1)–\(at.first + at.count) of \(request.count)" : "denoising")
            }
            bar?.update(at.step, of: at.steps)
        }) { first, images in
            if grid && request.count > 1 {
                gridImages += images
            } else {
                files += try GenerationFiles.writeSeparate(images, first: first, metadata: metadata, to: out)
            }
        }
        if grid && request.count > 1 { files = try GenerationFiles.write(gridImages, metadata: metadata, to: out, grid: true) }
        if trajectory, let frames = strips.first {
            let file = GenerationFiles.sibling(of: out, suffix: "-trajectory")
            try GenerationTrajectory.strip(strips).writePNG(to: file, text: [
                (key: "Description", value: "t2i generate --trajectory: predicted x0 after steps \(frames.stepList) of \(stepsRun); one row per image"),
                (key: GenerationMetadata.Key.parameters, value: metadata.parameters),
            ])
            return (files, "wrote \(file.path) (x̂₀ after steps \(frames.stepList); one row per image)")
        }
        return (files, nil)
    }
}

extension GenerateCommand {
    /// `label [#####-----] done/total  unit/s  ETA` on one stderr line for a terminal; one summary
    /// line at the end otherwise.
    final class StepProgress {
        private let label: String
        private let unit: String
        private let isTerminal = isatty(STDERR_FILENO) != 0
        private let started = Date()
        private var lastDraw = Date.distantPast

        init(label: String, unit: String = "steps") {
            self.label = label
            self.unit = unit
        }

        func update(_ step: Int, of total: Int) {
            let now = Date()
            let last = step == total
            let elapsed = now.timeIntervalSince(started)
            if !isTerminal {
                if last { note(String(format: "%@: %d %@ in %.1f s", label, total, unit, elapsed)) }
                return
            }
            guard last || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            let width = 24
            let filled = Int(Double(width) * Double(step) / Double(max(total, 1)))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let rate = elapsed > 0 ? Double(step) / elapsed : 0
            let left = rate > 0 ? Double(total - step) / rate : .infinity
            let line = String(format: "%@ [%@] %d/%d  %.1f %@/s  ETA %@", label, bar, step, total, rate, unit, ProgressBar.duration(left))
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (last ? "\n" : "")).utf8))
        }

        func note(_ message: String) {
            FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + message + "\n").utf8))
        }
    }
}
