/// The processes that train one model together (DESIGN §11): one process, or the ranks of an
/// `mpirun` job. Every collective is called by all ranks in the same order.
public protocol ProcessGroup: AnyObject, Sendable {
    /// This process's index, 0 ..< size; rank 0 alone writes the run folder.
    var rank: Int { get }
    /// How many processes share the work.
    var size: Int { get }
    /// Each rank contributes `local` (the same count on every rank); `all` receives size × that
    /// many floats, rank 0's first.
    func allGather(_ local: UnsafeBufferPointer<Float>, into all: UnsafeMutableBufferPointer<Float>) throws
    /// Whether `flag` is true on any rank (all ranks get the same answer).
    func any(_ flag: Bool) throws -> Bool
    /// Returns when every rank has called it.
    func barrier() throws
}

extension ProcessGroup {
    /// Whether this process writes checkpoints, logs, previews and models.
    public var isWriter: Bool { rank == 0 }

    /// Runs `body` on rank 0 first and on the other ranks only after it returned (a barrier
    /// between): what rank 0 writes while preparing (a generated dataset, a prepared-image file, a
    /// tokenizer) the others then only read. A rank that fails exits, and mpirun ends the job.
    public func writerFirst<T>(_ body: () throws -> T) throws -> T {
        guard size > 1 else { return try body() }
        if isWriter {
            let value = try body()
            try barrier()
            return value
        }
        try barrier()
        return try body()
    }
}

/// The group of a process that runs alone: collectives are copies.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allGather(_ local: UnsafeBufferPointer<Float>, into all: UnsafeMutableBufferPointer<Float>) throws {
        precondition(all.count == local.count, "one process gathers its own floats")
        _ = all.initialize(from: local)
    }
    public func any(_ flag: Bool) throws -> Bool { flag }
    public func barrier() throws {}
}
