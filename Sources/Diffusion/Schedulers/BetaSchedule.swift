/// How the forward-process variances β_t are spaced (diffusers' `beta_schedule`).
public enum BetaSchedule: String, CaseIterable, Sendable {
    /// β evenly spaced from `beta_start` to `beta_end` (Ho et al. 2020).
    case linear
    /// √β evenly spaced, then squared: latent diffusion's schedule.
    case scaledLinear = "scaled_linear"
    /// The cosine ᾱ of Nichol & Dhariwal 2021, β capped at 0.999 (`betas_for_alpha_bar`).
    case squaredcosCapV2 = "squaredcos_cap_v2"
}
