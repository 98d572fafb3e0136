/// Which `size × size` square of a prepared image (shorter side `size`) a batch takes.
public enum CropMode: String, Sendable, Codable, CaseIterable {
    /// The centre (the surplus halved, rounded down): the same square every epoch.
    case center
    /// A uniformly random square per image and epoch, keyed by (seed, epoch, position in epoch).
    case random
}
