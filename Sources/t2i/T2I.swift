import ArgumentParser

/// The `t2i` command: train the three modules of a latent diffusion model and generate images.
///
/// Wiring only (DESIGN §1): each subcommand parses its arguments, calls into the libraries and
/// prints; the work itself lives in the library targets.
@main
struct T2I: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "t2i",
        abstract: "Text-to-image latent diffusion, trained from scratch on the CPU.",
        discussion: """
            A SentencePiece text encoder, a KL autoencoder and a conditional U-Net, each trained \
            separately, joined in a pipeline that turns a prompt into an image.
            """,
        version: T2IVersion.string,
        subcommands: [TokenizerCommand.self, DataCommand.self, TrainEncoderCommand.self, TrainAECommand.self, TrainUNetCommand.self, EvalCommand.self, ConfigCommand.self, BenchCommand.self, GenerateCommand.self, DiffuseCommand.self, ExportCommand.self, QuickstartCommand.self]
    )
}
