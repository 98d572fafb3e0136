import ArgumentParser
import Foundation
import Diffusion
import TensorCore

/// `t2i export`: a run's pipeline as a self-contained model folder, optionally half precision.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy a run's trained pipeline into a model folder (optionally as F16/BF16 weights).",
        discussion: """
            Writes model_index.json, config.yaml, tokenizer/, text_encoder/, vae/, unet/, scheduler/ \
            and clip/ (no training state, logs or previews), loads the copy as a pipeline to check \
            it, then renames it into place. Data/models/shapes-32 was made with
            t2i export --run runs/shapes-32 --out Data/models/shapes-32 --dtype f16
            """
    )

    @Option(name: .customLong("run"), help: "The trained run folder.")
    var runPath: String = "runs/shapes-32"

    @Option(name: .long, help: "The model folder to write.")
    var out: String

    @Option(name: .long, help: "Weight precision: f32, f16 or bf16.")
    var dtype: String = "f32"

    @Flag(name: .long, help: "Replace an existing model folder.")
    var force = false

    func run() throws {
        guard let type = SafetensorsDType(rawValue: dtype.uppercased()), [.f32, .f16, .bf16].contains(type) else {
            throw ValidationError("--dtype must be f32, f16 or bf16, got \(dtype)")
        }
        let export = try ModelExport(source: RunFolder(URL(fileURLWithPath: runPath)), destination: URL(fileURLWithPath: out), dtype: type)
        let report = try export.run(replace: force)
        for file in report.weights {
            print(String(format: "%@: %d tensors, %.2f MB (%@)", file.path, file.tensors, Double(file.bytes) / 1e6, type.rawValue))
        }
        print(String(format: "wrote %@: %.2f MB in all", out, Double(report.totalBytes) / 1e6))
    }
}
