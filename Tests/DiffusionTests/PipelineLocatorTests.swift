import Foundation
import Testing
import Diffusion

/// The model lookup every generating command shares: --model/--run, T2I_MODEL, ./runs/shapes-32,
/// ./Data/models/shapes-32, then the user data folder ($XDG_DATA_HOME or ~/.local/share).
@Suite("model lookup order")
struct PipelineLocatorTests {
    /// Marks `folder` as a complete pipeline (the marker file of every part).
    static func makeModel(_ folder: URL) throws {
        let run = RunFolder(folder)
        for part in PipelineLocator.Part.allCases {
            let file = part.marker(in: run)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: file)
        }
    }

    /// A scratch tree: `cwd/` (the working directory), `xdg/`, `home/`, `env-model/`.
    static func tree() throws -> URL {
        let root = try TestFiles.scratchFolder()
        for name in ["cwd", "xdg", "home", "env-model"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        return root
    }

    static func chosen(_ root: URL, env: [String: String], run: String? = nil) throws -> String {
        try PipelineLocator(environment: env, directory: root.appendingPathComponent("cwd")).locate(run: run).path
    }

    @Test("each place is used only when the ones before it give nothing, in the documented order")
    func order() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let cwd = root.appendingPathComponent("cwd")
        let env = ["XDG_DATA_HOME": root.appendingPathComponent("xdg").path, "HOME": root.appendingPathComponent("home").path]
        let xdgModel = root.appendingPathComponent("xdg/t2i/models/shapes-32")
        let homeModel = root.appendingPathComponent("home/.local/share/t2i/models/shapes-32")

        // Nothing anywhere: one line naming the places and the ways out.
        do {
            _ = try Self.chosen(root, env: env)
            Issue.record("expected no model found")
        } catch let error as TrainingError {
            #expect(error.message.hasPrefix("no model found: runs/shapes-32 is not a trained pipeline"))
            #expect(error.message.contains(xdgModel.path))
            #expect(error.message.contains("--model DIR or T2I_MODEL=DIR"))
        }
        // Only ~/.local/share when XDG_DATA_HOME is unset (or relative, which XDG says to ignore).
        try Self.makeModel(homeModel)
        #expect(try Self.chosen(root, env: ["HOME": env["HOME"]!]) == homeModel.path)
        #expect(try Self.chosen(root, env: ["HOME": env["HOME"]!, "XDG_DATA_HOME": "relative/data"]) == homeModel.path)
        // XDG_DATA_HOME wins over HOME once it holds a model.
        try Self.makeModel(xdgModel)
        #expect(try Self.chosen(root, env: env) == xdgModel.path)
        // The shipped model under the working directory comes before the user data folder…
        try Self.makeModel(cwd.appendingPathComponent("Data/models/shapes-32"))
        #expect(try Self.chosen(root, env: env) == cwd.appendingPathComponent("Data/models/shapes-32").path)
        // …a run trained here before the shipped model…
        try Self.makeModel(cwd.appendingPathComponent("runs/shapes-32"))
        #expect(try Self.chosen(root, env: env) == cwd.appendingPathComponent("runs/shapes-32").path)
        // …T2I_MODEL before both…
        try Self.makeModel(root.appendingPathComponent("env-model"))
        var withVariable = env
        withVariable["T2I_MODEL"] = root.appendingPathComponent("env-model").path
        #expect(try Self.chosen(root, env: withVariable) == root.appendingPathComponent("env-model").path)
        // …and --model/--run before everything.
        let named = root.appendingPathComponent("named")
        try Self.makeModel(named)
        #expect(try Self.chosen(root, env: withVariable, run: named.path) == named.path)
    }

    @Test("a T2I_MODEL that is not a complete model is an error naming the variable, not a silent fallback")
    func badVariable() throws {
        let root = try Self.tree()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.makeModel(root.appendingPathComponent("cwd/Data/models/shapes-32"))
        let missing = root.appendingPathComponent("nowhere").path
        do {
            _ = try Self.chosen(root, env: ["T2I_MODEL": missing])
            Issue.record("expected an error")
        } catch let error as TrainingError {
            #expect(error.message == "T2I_MODEL=\(missing): no such run folder (train one with t2i train-encoder, train-ae and train-unet --run \(missing))")
        }
        let partial = root.appendingPathComponent("env-model")
        do {
            _ = try Self.chosen(root, env: ["T2I_MODEL": partial.path])
            Issue.record("expected an error")
        } catch let error as TrainingError {
            #expect(error.message.hasPrefix("T2I_MODEL=\(partial.path)/tokenizer/tokenizer.model: missing"))
        }
        // An empty variable counts as unset.
        #expect(try Self.chosen(root, env: ["T2I_MODEL": ""]) == root.appendingPathComponent("cwd/Data/models/shapes-32").path)
    }

    @Test("the user data folder: XDG_DATA_HOME when absolute, else HOME/.local/share, else none")
    func userFolder() throws {
        let locator = PipelineLocator(environment: [:])
        #expect(locator.userModel == nil)
        #expect(PipelineLocator(environment: ["HOME": "/home/u"]).userModel == "/home/u/.local/share/t2i/models/shapes-32")
        #expect(PipelineLocator(environment: ["HOME": "/home/u", "XDG_DATA_HOME": "/data"]).userModel == "/data/t2i/models/shapes-32")
    }
}
