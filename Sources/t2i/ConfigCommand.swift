import ArgumentParser
import Foundation
import Diffusion

/// `t2i config show|validate FILE`: print a resolved config, or only check it.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print a resolved run config, or check one for errors.",
        subcommands: [Show.self, Validate.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print FILE with every default filled in and --set applied.")

        @Argument(help: "A YAML config (omit for the built-in defaults).")
        var file: String?

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a key (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        func run() throws {
            let config = try ConfigLoader.load(file: file.map { URL(fileURLWithPath: $0) }, overrides: overrides)
            print(try ConfigLoader.yaml(config), terminator: "")
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check FILE as a stage would: unknown keys, types, ranges, names, divisibility, size limits; prints 'ok' or the error.")

        @Argument(help: "A YAML config.")
        var file: String

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a key (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        func run() throws {
            let config = try ConfigLoader.load(file: URL(fileURLWithPath: file), overrides: overrides)
            do {
                try config.validatePipeline(source: file)
            } catch let error as ConfigError {
                // Name where the bad value came from: the last --set of that key, else the file.
                if let key = error.key, let given = overrides.last(where: { $0.hasPrefix(key + "=") }) {
                    throw ConfigError(source: "--set \(given)", key: key, error.message)
                }
                throw error
            }
            print("\(file): ok")
        }
    }
}
