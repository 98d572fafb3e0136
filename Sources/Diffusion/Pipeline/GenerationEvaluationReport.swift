import Foundation

/// What `GenerationEvaluation.evaluate` measured.
public struct GenerationEvaluationReport: Sendable {
    /// Mean CLIP score of each prompt's images.
    public let perPrompt: [(prompt: String, score: Double)]
    /// Mean CLIP score over all generated images.
    public let clipScore: Double
    public let generatedImages: Int
    /// Validation images the FID compares with (and whose CLIP score with their own captions is
    /// `validationClipScore`, a reference: what real images of the data score).
    public let validationImages: Int
    public let validationClipScore: Double
    /// nil when either set has fewer than 2 images.
    public let fid: Double?
    /// Width of the features the FID is computed on.
    public let featureDim: Int
    public let settings: GenerationEvaluation.Settings

    /// The printed summary.
    public var lines: [String] {
        let t = settings.template
        var out = ["generated \(generatedImages) images (\(perPrompt.count) prompts × \(settings.perPrompt) seed\(settings.perPrompt == 1 ? "" : "s") from \(settings.seed)), "
                   + "\(t.sampler) \(t.steps) steps, guidance \(t.guidance)"]
        for (prompt, score) in perPrompt { out.append(String(format: "  %6.2f  ", score) + prompt) }
        out.append(String(format: "CLIP score (run's own CLIP model): %.2f generated; %.2f for %d validation images with their own captions",
                          clipScore, validationClipScore, validationImages))
        let fidText = fid.map { String(format: "%.3f", $0) } ?? "n/a (needs at least 2 images per set)"
        out.append("CLIP-feature FID (run's own CLIP image tower, NOT Inception FID): \(fidText) "
                   + "(\(generatedImages) generated vs \(validationImages) validation images, \(featureDim)-d projected image features)")
        if generatedImages < 2 * featureDim {
            out.append("note: with fewer images than twice the feature width (\(2 * featureDim)) the FID is biased upwards; compare runs at equal image counts")
        }
        return out
    }
}
