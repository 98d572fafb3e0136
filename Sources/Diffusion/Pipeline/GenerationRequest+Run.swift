import Foundation

extension GenerationRequest {
    /// A request for `prompt` with the sampling defaults of `run`'s `config.yaml` (`sampling`:
    /// sampler, steps, guidance, eta) when it has one, else the type's own defaults.
    public init(prompt: String, defaultsOf run: RunFolder) throws {
        self.init(prompt: prompt)
        guard let config = try run.readConfig() else { return }
        let sampling = config.sampling
        sampler = sampling.sampler
        steps = sampling.steps
        guidance = Float(sampling.guidance)
        eta = Float(sampling.eta)
    }
}
