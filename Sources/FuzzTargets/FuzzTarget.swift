import Datasets
import Diffusion
import Foundation
import Imaging
import TensorCore

/// The parsers that read bytes from outside, as fuzzing entry points (issue 13).
///
/// Each target takes arbitrary bytes and must end normally: a thrown error is the expected way to
/// refuse bad input, while a trap (a Swift runtime error, a failed precondition, a sanitizer report)
/// is a bug. Where a parse succeeds, the target also uses what it parsed the way t2i would (reads
/// every tensor, re-parses what it wrote) and traps when an invariant breaks, so the fuzzer finds
/// wrong results as well as crashes.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `SafetensorsFile(bytes:)`: the 8-byte length, the JSON header, dtypes, shapes and offsets.
    case safetensors
    /// `Image(pngData:)`: the chunk walk, then libpng's decoding, as RGB and as RGBA.
    case png
    /// The PNG text chunks and the generation record `t2i generate --from` reads.
    case pngMetadata = "png-metadata"
    /// `Image(jpegData:)` (libjpeg's header and decoding, the EXIF orientation), the generic reader
    /// `Image(imageData:)` that sniffs the format, and the EXIF parser on the raw bytes.
    case jpeg
    /// A `captions.jsonl` file: line splitting, each line's JSON, and the in-folder check of its path.
    case captions
    /// A run config: YAML, merged over the defaults, decoded and validated.
    case config

    /// Runs the target on one input.
    public func run(_ data: UnsafeRawBufferPointer) {
        let bytes = [UInt8](data)
        switch self {
        case .safetensors: Self.safetensors(bytes)
        case .png: Self.png(bytes)
        case .pngMetadata: Self.pngMetadata(bytes)
        case .jpeg: Self.jpeg(bytes)
        case .captions: Self.captions(bytes)
        case .config: Self.config(bytes)
        }
    }

    /// Runs the target on one input given as an array.
    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }

    // MARK: Targets

    private static func safetensors(_ bytes: [UInt8]) {
        guard let file = try? SafetensorsFile(bytes: bytes, name: "fuzz.safetensors") else { return }
        for name in file.names {
            guard let info = try? file.info(name) else { fatalError("listed tensor \(name) has no info") }
            let size = info.dtype.byteSize * info.elementCount
            guard info.dataOffsets.count == size, info.dataOffsets.upperBound <= bytes.count else {
                fatalError("tensor \(name): offsets \(info.dataOffsets) do not hold \(info.shape) of \(info.dtype)")
            }
            guard let raw = try? file.bytes(name), raw.count == size else { fatalError("tensor \(name): bytes unreadable") }
            _ = try? file.floats(name)
            _ = try? file.int32s(name)
        }
    }

    private static func png(_ bytes: [UInt8]) {
        for format in [PixelFormat.rgb, .rgba] {
            guard let image = try? Image(pngData: bytes, name: "fuzz.png", as: format) else { return }
            guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * format.channels else {
                fatalError("decoded \(image.width)x\(image.height) with \(image.pixels.count) bytes as \(format)")
            }
        }
    }

    private static func jpeg(_ bytes: [UInt8]) {
        // The input as an APP1 payload or a bare TIFF structure: any bytes give an answer or nil.
        if let orientation = EXIFOrientation(exifData: bytes), !(1...8).contains(orientation.rawValue) {
            fatalError("EXIF orientation \(orientation.rawValue) outside 1...8")
        }
        let decoded = Result { try Image(jpegData: bytes, name: "fuzz.jpg") }
        let read = Result { try Image(imageData: bytes, name: "fuzz.jpg") }
        if case .success(let image) = decoded {
            guard image.format == .rgb, image.width > 0, image.height > 0,
                  image.pixels.count == image.width * image.height * 3 else {
                fatalError("decoded \(image.width)x\(image.height) with \(image.pixels.count) bytes as RGB")
            }
            // The generic reader sniffs a JPEG and must give the same image.
            guard case .success(let again) = read, again == image else {
                fatalError("Image(imageData:) disagrees with Image(jpegData:) on a \(image.width)x\(image.height) JPEG")
            }
        }
        if case .success(let image) = read {
            guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * 3 else {
                fatalError("read \(image.width)x\(image.height) with \(image.pixels.count) bytes as RGB")
            }
        }
        // Every refusal is one line naming the input.
        for case .failure(let error) in [decoded.map { _ in () }, read.map { _ in () }] {
            let text = "\(error)"
            guard text.hasPrefix("fuzz.jpg: "), !text.contains("\n") else { fatalError("error text: \(text)") }
        }
    }

    private static func pngMetadata(_ bytes: [UInt8]) {
        guard let entries = try? Image.readPNGText(pngData: bytes, name: "fuzz.png") else { return }
        guard let metadata = try? GenerationMetadata(textEntries: entries, file: "fuzz.png") else { return }
        // What --from would regenerate must be a request the CLI's bounds accept, and it must
        // survive being written and read again.
        let request = metadata.request
        guard request.steps >= 1, request.guidance.isFinite, request.eta.isFinite,
              (1...GenerationFiles.maxGrid).contains(metadata.count) else {
            fatalError("accepted an out-of-bounds record: \(metadata.parameters)")
        }
        let again = try? GenerationMetadata(textEntries: metadata.textEntries, file: "again.png")
        guard let again, again.textEntries.map(\.key) == metadata.textEntries.map(\.key),
              again.textEntries.map(\.value) == metadata.textEntries.map(\.value) else {
            fatalError("record does not survive a round trip: \(metadata.parameters)")
        }
    }

    private static func captions(_ bytes: [UInt8]) {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("t2i-fuzz-dataset", isDirectory: true)
        for line in CaptionsLine.lines(of: Data(bytes)) {
            guard case .success(let parsed) = CaptionsLine.parse(line.text, line: line.number) else { continue }
            guard !parsed.file.isEmpty, !parsed.text.allSatisfy(\.isWhitespace) else {
                fatalError("line \(line.number) accepted with an empty file or caption")
            }
            if let url = CaptionedDataset.inside(folder, parsed.file),
               !url.standardizedFileURL.path.hasPrefix(folder.standardizedFileURL.path + "/") {
                fatalError("\(parsed.file) accepted although it leaves the dataset folder (\(url.path))")
            }
        }
    }

    private static func config(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let config = try? ConfigLoader.resolve(yaml: text, source: "fuzz.yaml") else { return }
        // A config that loads is what runs store; the stored YAML must load to the same config.
        guard let yaml = try? ConfigLoader.yaml(config) else { fatalError("an accepted config cannot be written") }
        guard let again = try? ConfigLoader.resolve(yaml: yaml, source: "config.yaml") else {
            fatalError("a stored config does not load again:\n\(yaml)")
        }
        guard (try? ConfigLoader.firstDifference(config, again)) == .some(nil) else {
            fatalError("a stored config loads differently:\n\(yaml)")
        }
    }
}
