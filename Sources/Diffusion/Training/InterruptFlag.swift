import Foundation
import Synchronization

/// Turns Ctrl-C (SIGINT) and SIGTERM into a flag the training loop checks between steps, so an
/// interrupted run saves a checkpoint and exits cleanly instead of dying mid-write (DESIGN §7).
public final class InterruptFlag {
    /// The flag itself, shared with the signal handlers.
    private final class State: Sendable {
        let raised = Atomic<Bool>(false)
    }

    private let state = State()
    private let sources: [any DispatchSourceSignal]

    /// Starts catching SIGINT and SIGTERM when `catching` (until this object is released); a flag
    /// that does not catch signals is only raised by `raise()` (tests, library callers).
    public init(catching: Bool = true) {
        guard catching else {
            sources = []
            return
        }
        let queue = DispatchQueue(label: "t2i.signals")
        let state = self.state
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)  // the dispatch source sees it instead of the default handler
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { state.raised.store(true, ordering: .relaxed) }
            source.resume()
            return source
        }
    }

    /// Whether an interrupt arrived.
    public var isRaised: Bool { state.raised.load(ordering: .relaxed) }

    /// Raises the flag by hand.
    public func raise() { state.raised.store(true, ordering: .relaxed) }

    deinit {
        for s in sources { s.cancel() }
        if !sources.isEmpty {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
    }
}
