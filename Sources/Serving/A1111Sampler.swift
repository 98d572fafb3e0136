import Diffusion

/// The samplers under the names AUTOMATIC1111's clients show and send (`sampler_name`), with
/// t2i's own names as aliases.
public enum A1111Sampler {
    /// A1111's display name of each t2i sampler.
    public static func displayName(_ kind: SamplerKind) -> String {
        switch kind {
        case .ddim: "DDIM"
        case .ddpm: "DDPM"
        case .eulerAncestral: "Euler a"
        case .dpmpp2m: "DPM++ 2M"
        }
    }

    /// Other names clients use for the same sampler (t2i's name first).
    public static func aliases(_ kind: SamplerKind) -> [String] {
        switch kind {
        case .ddim: ["ddim"]
        case .ddpm: ["ddpm"]
        case .eulerAncestral: ["euler_ancestral", "k_euler_a", "k_euler_ancestral"]
        case .dpmpp2m: ["dpmpp_2m", "k_dpmpp_2m"]
        }
    }

    /// The sampler a client's `name` means (display name or alias, any letter case).
    ///
    /// - Throws: ``ServingError`` (400) naming `field` and the known names.
    public static func kind(named name: String, field: String) throws -> SamplerKind {
        let wanted = name.lowercased()
        for kind in SamplerKind.allCases where ([displayName(kind)] + aliases(kind)).contains(where: { $0.lowercased() == wanted }) {
            return kind
        }
        let known = SamplerKind.allCases.map { "'\(displayName($0))'" }.joined(separator: ", ")
        throw ServingError(.badRequest, "\(field): unknown sampler '\(name)' (known: \(known), or t2i's names \(SamplerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
    }

    /// `GET /sdapi/v1/samplers`: `[{name, aliases, options}]`.
    public static var list: JSONValue {
        .array(SamplerKind.allCases.map { kind in
            .object([("name", .string(displayName(kind))), ("aliases", .array(aliases(kind).map { .string($0) })), ("options", .object([]))])
        })
    }
}
