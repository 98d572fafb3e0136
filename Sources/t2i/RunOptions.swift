import ArgumentParser
import Foundation
import Diffusion

/// The options every stage command shares: which config, which run folder, and overrides.
struct RunOptions: ParsableArguments {
    @Option(name: .long, help: "The run's YAML config (default: Configs/shapes-32.yaml, or the run's own config.yaml when resuming).")
    var config: String?

    @Option(name: .long, help: "The run folder (created when missing).")
    var run: String = "runs/shapes-32"

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set unet.layers_per_block=1 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(name: .customLong("allow-bad"), help: "Skip bad dataset entries however many there are (sets data.allow_bad_entries, recorded in the run's config.yaml).")
    var allowBad = false

    /// The run folder.
    var runFolder: RunFolder { RunFolder(URL(fileURLWithPath: run)) }

    /// The config this run's stage uses (see `RunFolder.stageConfig`): the run's own config.yaml
    /// when it has one, else the given file (or the default one); `--set` overrides on top.
    func stageConfig() throws -> RunConfig {
        try runFolder.stageConfig(explicit: config.map { URL(fileURLWithPath: $0) }, defaultFile: defaultConfigFile(),
                                  overrides: overrides + (allowBad ? ["data.allow_bad_entries=true"] : []))
    }

    /// `Configs/shapes-32.yaml` when it exists here, else nil (the built-in defaults are the same).
    private func defaultConfigFile() -> URL? {
        let url = URL(fileURLWithPath: "Configs/shapes-32.yaml")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
