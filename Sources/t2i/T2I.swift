import ArgumentParser
import Foundation
import TensorCore
import Distributed

/// A command that runs as the ranks of an mpirun job (DESIGN §11).
protocol DataParallelCommand {}

extension TrainEncoderCommand: DataParallelCommand {}
extension TrainAECommand: DataParallelCommand {}
extension TrainUNetCommand: DataParallelCommand {}

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
        // A newcomer's first two commands first, then the stages in training order.
        subcommands: [QuickstartCommand.self, GenerateCommand.self, TrainEncoderCommand.self, TrainAECommand.self, TrainUNetCommand.self,
                      EvalCommand.self, DiffuseCommand.self, DataCommand.self, TokenizerCommand.self, ConfigCommand.self,
                      ExportCommand.self, BenchCommand.self, ServeCommand.self]
    )

    /// Runs the command; a Foundation file error that escaped a command's own handling is printed
    /// as one plain line with its path (never `Error Domain=NSCocoaErrorDomain Code=…`).
    static func main() {
        // Under mpirun (a training command), MPI ends cleanly on success and on an interrupt all
        // ranks agreed on; any other failure exits at once and mpirun ends the other ranks.
        if let value = Backends.invalidEnvironmentValue {
            FileHandle.standardError.write(Data("Error: T2I_BACKEND=\(value) names no backend (use one of: \(Backends.names.joined(separator: ", ")))\n".utf8))
            Foundation.exit(1)
        }
        if let value = VectorISA.invalidEnvironmentValue {
            FileHandle.standardError.write(Data("Error: T2I_VECTOR_ISA=\(value) names no instruction set this CPU runs (use one of: \(VectorISA.available.map(\.rawValue).joined(separator: ", ")))\n".utf8))
            Foundation.exit(1)
        }
        do {
            var command = try parseAsRoot()
            // Only the training stages are data parallel; any other command under mpirun would run
            // once per rank, each writing the same files.
            if MPIProcessGroup.isLaunched, !(command is any DataParallelCommand) {
                let name = type(of: command).configuration.commandName ?? "this command"
                FileHandle.standardError.write(Data("Error: t2i \(name) does not run under mpirun; only train-encoder, train-ae and train-unet do (each rank would repeat the command and write the same files)\n".utf8))
                Foundation.exit(1)
            }
            try command.run()
            World.finish()
        } catch where FileErrorText.isFoundationError(error) {
            let path = FileErrorText.path(of: error).map { "\($0): " } ?? ""
            FileHandle.standardError.write(Data("Error: \(World.errorPrefix)\(path)\(FileErrorText.reason(of: error))\n".utf8))
            Foundation.exit(1)
        } catch let code as ExitCode {
            if code.rawValue == 130 { World.finish() }
            exit(withError: code)
        } catch {
            if !World.errorPrefix.isEmpty {
                let message = fullMessage(for: error)
                let text = message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
                FileHandle.standardError.write(Data("Error: \(World.errorPrefix)\(text)\n".utf8))
                Foundation.exit(exitCode(for: error).rawValue)
            }
            exit(withError: error)
        }
    }
}
