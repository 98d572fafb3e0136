import Synchronization

/// Whether a generation's client is still there, and its job once queued.
final class ClientWatch: Sendable {
    private let state = Mutex<(closed: Bool, job: GenerationJob?)>((false, nil))

    /// Records the job; true when the client had already gone (stop it).
    func attach(_ job: GenerationJob) -> Bool {
        state.withLock {
            $0.job = job
            return $0.closed
        }
    }

    /// Records that the client went away; returns the job to stop, if one was queued.
    func close() -> GenerationJob? {
        state.withLock {
            $0.closed = true
            return $0.job
        }
    }
}
