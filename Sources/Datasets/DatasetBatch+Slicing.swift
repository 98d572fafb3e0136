import TensorCore

extension DatasetBatch {
    /// Samples `range` of the batch (images, captions, rows, indices, flips and keys): the micro-batch
    /// or the process's shard of a step. The images share the batch's memory.
    public func slice(_ range: Range<Int>) -> DatasetBatch {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "samples \(range) of a batch of \(count)")
        return DatasetBatch(images: images.slice(rows: range), captions: Array(captions[range]),
                            captionRows: Array(captionRows[range]), indices: Array(indices[range]), flipped: Array(flipped[range]),
                            keys: Array(keys[range]))
    }
}
