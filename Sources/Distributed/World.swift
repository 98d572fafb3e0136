/// The process group of this process: the MPI job's when mpirun started it, else one process.
public enum World {
    nonisolated(unsafe) private static var cached: (any ProcessGroup)?

    /// Initialises MPI on first use when launched by mpirun; one process otherwise (the same
    /// binary runs either way, and MPI is never initialised without mpirun).
    public static func group() throws -> any ProcessGroup {
        if let cached { return cached }
        let group: any ProcessGroup = MPIProcessGroup.isLaunched ? try MPIProcessGroup() : SingleProcess()
        cached = group
        return group
    }
}

extension World {
    /// Ends MPI cleanly (MPI_Finalize) when it was started; call when the command ends normally
    /// or on an interrupt every rank agreed on. Nothing otherwise.
    public static func finish() {
        (cached as? MPIProcessGroup)?.finish()
    }

    /// "rank R: " when several processes run, so an error line says which one failed.
    public static var errorPrefix: String {
        guard let cached, cached.size > 1 else { return "" }
        return "rank \(cached.rank): "
    }
}
