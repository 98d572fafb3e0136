import CMPI

/// One failed MPI call, as one line.
public struct ProcessGroupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The ranks of an Open MPI job (`mpirun -np N t2i …`), through the CMPI bridge.
public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int

    /// Whether this process was started by mpirun (its environment says so).
    public static var isLaunched: Bool { t2i_mpi_launched() != 0 }

    /// Initialises MPI; call once per process.
    public init() throws {
        var r: Int32 = 0, s: Int32 = 0
        try Self.check { t2i_mpi_init(&r, &s, $0, $1) }
        rank = Int(r)
        size = Int(s)
    }

    public func allGather(_ local: UnsafeBufferPointer<Float>, into all: UnsafeMutableBufferPointer<Float>) throws {
        precondition(all.count == local.count * size, "allGather receives size × local floats")
        try Self.check { t2i_mpi_allgather_floats(local.baseAddress, local.count, all.baseAddress, $0, $1) }
    }

    public func any(_ flag: Bool) throws -> Bool {
        var result: Int32 = 0
        try Self.check { t2i_mpi_allreduce_max(flag ? 1 : 0, &result, $0, $1) }
        return result != 0
    }

    public func barrier() throws {
        try Self.check { t2i_mpi_barrier($0, $1) }
    }

    /// MPI_Finalize: the last MPI call of a rank that ends normally.
    public func finish() {
        _ = t2i_mpi_finalize()
    }

    private static func check(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        guard code == 0 else {
            throw ProcessGroupError(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}
