extension CaptionedDataset {
    /// The default validation share: 50 per mille (5 %).
    public static let defaultValidationPerMille = 50

    /// The split bucket of a file, 0…999: FNV-1a (64-bit) of the file name's UTF-8 bytes, mod 1000.
    ///
    /// Stable across runs, machines and Swift versions (unlike `Hasher`, which is seeded per process),
    /// and a property of the file alone: adding or removing other files never moves a file between
    /// train and validation.
    public static func splitBucket(forFile file: String) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a 64 offset basis
        for byte in file.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3  // FNV-1a 64 prime
        }
        return Int(hash % 1000)
    }

    /// The split a file belongs to: validation when its bucket is below `validationPerMille`.
    public static func split(ofFile file: String, validationPerMille: Int = defaultValidationPerMille) -> DatasetSplit {
        splitBucket(forFile: file) < validationPerMille ? .validation : .train
    }

    /// The entry indices of one split, ascending; `validationPerMille` is clamped to 0…1000.
    public func indices(in split: DatasetSplit, validationPerMille: Int = defaultValidationPerMille) -> [Int] {
        let perMille = min(max(validationPerMille, 0), 1000)
        return entries.indices.filter { Self.split(ofFile: entries[$0].file, validationPerMille: perMille) == split }
    }
}
