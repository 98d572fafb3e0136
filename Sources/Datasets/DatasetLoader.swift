import TensorCore

/// Delivers shuffled batches of a ``CaptionedDataset`` as NCHW tensors in [−1, 1], resumably.
///
/// Each epoch visits the loader's `indices` once in an order fixed by `(seed, epoch)` (Fisher–Yates
/// with TensorCore's Philox on a stream keyed by both), so the order of epoch *e* does not depend on what came
/// before, and ``position`` — epoch and index within the epoch — is all a checkpoint needs to resume
/// the exact same batches. Every other random choice is drawn from `(seed, epoch, index)` too, on
/// streams of its own: the random crop, the caption of an image with several (when the loader
/// shuffles; otherwise the first), and the optional horizontal flip, which never applies when the
/// chosen caption says "left" or "right" (flipping would make the caption false).
public struct DatasetLoader: Sendable {
    /// The dataset batches come from.
    public let dataset: CaptionedDataset
    /// The entry indices this loader draws from (for example one split), in their unshuffled order.
    public let indices: [Int]
    /// Images per batch.
    public let batchSize: Int
    /// The seed of the shuffles and flips.
    public let seed: UInt64
    /// Whether each epoch is shuffled (otherwise `indices` order).
    public let shuffle: Bool
    /// Whether images are flipped left–right with probability ½ (captions without "left"/"right").
    public let horizontalFlip: Bool
    /// Whether an epoch's last, smaller batch is skipped so that every batch has `batchSize` images.
    public let dropLast: Bool
    /// Which square of each image a batch takes.
    public let crop: CropMode

    /// Where the next batch starts.
    public private(set) var position: DatasetPosition
    /// `indices` in the order of `position.epoch`.
    private var order: [Int]
    /// Per caption row of the dataset: whether the caption allows flipping.
    private let flippable: [Bool]

    /// Creates a loader.
    ///
    /// - Parameters:
    ///   - indices: the entries to draw from; all entries when nil.
    ///   - position: where to start (a saved ``position`` resumes).
    /// - Throws: ``DatasetError/invalidArgument(_:)`` for a batch size below 1, an index outside the
    ///   dataset, no indices, fewer indices than `batchSize` with `dropLast`, or a position outside
    ///   the epoch.
    public init(dataset: CaptionedDataset, indices: [Int]? = nil, batchSize: Int, seed: UInt64 = 0,
                shuffle: Bool = true, horizontalFlip: Bool = false, dropLast: Bool = true, crop: CropMode = .center,
                position: DatasetPosition = .start) throws {
        let chosen = indices ?? Array(dataset.entries.indices)
        guard batchSize >= 1 else {
            throw DatasetError.invalidArgument("batch size must be at least 1, got \(batchSize)")
        }
        guard !chosen.isEmpty else {
            throw DatasetError.invalidArgument("a loader needs at least one image, got none")
        }
        if let bad = chosen.first(where: { $0 < 0 || $0 >= dataset.count }) {
            throw DatasetError.invalidArgument("index \(bad) is outside the dataset's 0..<\(dataset.count)")
        }
        guard !dropLast || chosen.count >= batchSize else {
            throw DatasetError.invalidArgument(
                "batch size \(batchSize) is larger than the \(chosen.count) images, so every batch would be dropped")
        }
        self.dataset = dataset
        self.indices = chosen
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.horizontalFlip = horizontalFlip
        self.dropLast = dropLast
        self.crop = crop
        self.flippable = dataset.captionTexts.map { !Self.captionMentionsSide($0) }
        self.position = .start
        self.order = []
        try seek(to: position)
    }

    /// Batches per epoch: `count / batchSize` with `dropLast`, rounded up without.
    public var batchesPerEpoch: Int {
        dropLast ? indices.count / batchSize : (indices.count + batchSize - 1) / batchSize
    }

    /// Moves to a saved position, so that the next batch is the one that followed it.
    ///
    /// - Throws: ``DatasetError/invalidArgument(_:)`` when the epoch is negative or the index is not
    ///   the start of a batch this loader can deliver in an epoch.
    public mutating func seek(to newPosition: DatasetPosition) throws {
        let lastStart = dropLast ? indices.count - batchSize : indices.count - 1
        guard newPosition.epoch >= 0, newPosition.index >= 0, newPosition.index <= lastStart else {
            throw DatasetError.invalidArgument(
                "loader position \(newPosition) is outside an epoch of \(indices.count) images "
                    + "(index 0...\(lastStart))")
        }
        if order.isEmpty || newPosition.epoch != position.epoch {
            order = order(forEpoch: newPosition.epoch)
        }
        position = newPosition
    }

    /// The order in which epoch `epoch` visits `indices`.
    public func order(forEpoch epoch: Int) -> [Int] {
        var result = indices
        guard shuffle else { return result }
        var rng = KeyedRandom(seed: seed, stream: Self.orderStream(epoch: epoch))
        // Fisher–Yates (Knuth, TAOCP vol. 2, Algorithm P), from the end.
        var i = result.count - 1
        while i > 0 {
            let j = rng.nextInt(below: i + 1)
            result.swapAt(i, j)
            i -= 1
        }
        return result
    }

    /// The next batch; moves ``position`` on, to the next epoch after the last batch of one.
    public mutating func nextBatch() -> DatasetBatch {
        let start = position.index
        let end = min(start + batchSize, order.count)
        let chosen = Array(order[start..<end])
        let epoch = position.epoch
        // Position k of the epoch draws its caption, crop and flip from block k of each stream.
        let rows = chosen.enumerated().map { k, entry -> Int in
            let range = dataset.captionRows(of: entry)
            guard shuffle, range.count > 1 else { return range.lowerBound }
            return range.lowerBound + Self.draw(seed, Self.captionStream(epoch: epoch), start + k, below: range.count)
        }
        let corners = chosen.enumerated().map { k, entry -> (x: Int, y: Int) in
            guard crop == .random else { return dataset.centreCrop(of: entry) }
            let (w, h) = dataset.storedSize(of: entry)
            let word = Philox.block(seed: seed, stream: Self.cropStream(epoch: epoch), counter: UInt64(start + k))
            return (Self.scaled(word.0, word.1, below: w - dataset.size + 1), Self.scaled(word.2, word.3, below: h - dataset.size + 1))
        }
        var flips = [Bool](repeating: false, count: chosen.count)
        if horizontalFlip {
            for k in chosen.indices where flippable[rows[k]] {
                flips[k] = KeyedRandom.coin(seed: seed, stream: Self.flipStream(epoch: epoch), index: start + k)
            }
        }
        let keys = chosen.indices.map { k in
            let word = Philox.block(seed: seed, stream: Self.keyStream(epoch: epoch), counter: UInt64(start + k))
            return UInt64(word.0) | UInt64(word.1) << 32
        }
        let images = Self.tensor(of: chosen, corners: corners, flipped: flips, from: dataset)
        let batch = DatasetBatch(images: images, captions: rows.map { dataset.captionTexts[$0] }, captionRows: rows,
                                 indices: chosen, flipped: flips, keys: keys)
        let nextStart = end
        let epochOver = dropLast ? nextStart + batchSize > order.count : nextStart >= order.count
        if epochOver {
            position = DatasetPosition(epoch: position.epoch + 1, index: 0)
            order = order(forEpoch: position.epoch)
        } else {
            position.index = nextStart
        }
        return batch
    }

    /// A uniform integer in `0..<bound` from block `index` of `stream`.
    private static func draw(_ seed: UInt64, _ stream: UInt64, _ index: Int, below bound: Int) -> Int {
        let word = Philox.block(seed: seed, stream: stream, counter: UInt64(index))
        return scaled(word.0, word.1, below: bound)
    }

    /// Two 32-bit words as a uniform integer in `0..<bound` (the high half of a 64×64 product).
    private static func scaled(_ low: UInt32, _ high: UInt32, below bound: Int) -> Int {
        Int((UInt64(low) | UInt64(high) << 32).multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Epoch `e`'s order comes from stream 2e and its flips from stream 2e + 1, so the two never share
    /// random numbers.
    private static func orderStream(epoch: Int) -> UInt64 { 2 &* UInt64(epoch) }
    private static func flipStream(epoch: Int) -> UInt64 { 2 &* UInt64(epoch) &+ 1 }
    /// Crops, captions and sample keys draw from streams with the top bits set, apart from the first two.
    private static func cropStream(epoch: Int) -> UInt64 { 0x4000_0000_0000_0000 | UInt64(epoch) }
    private static func captionStream(epoch: Int) -> UInt64 { 0x8000_0000_0000_0000 | UInt64(epoch) }
    private static func keyStream(epoch: Int) -> UInt64 { 0xC000_0000_0000_0000 | UInt64(epoch) }

    /// Whether a caption contains the word "left" or "right" (any case), which a flip would falsify.
    public static func captionMentionsSide(_ caption: String) -> Bool {
        caption.lowercased().split { !$0.isLetter }.contains { $0 == "left" || $0 == "right" }
    }
}
