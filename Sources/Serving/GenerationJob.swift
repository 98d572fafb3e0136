import Diffusion
import Foundation
import Synchronization

/// One request in the server's queue: waiting, running on the model, or done; its progress, and
/// the flag that stops it (an interrupt, a client gone, the time limit).
public final class GenerationJob: Sendable {
    /// Why a job stopped before it finished.
    public enum StopReason: String, Sendable, Equatable {
        case interrupted, clientGone = "client gone", timeLimit = "time limit"
    }

    /// How a job ended.
    public enum Outcome: Sendable {
        /// The PNGs (each with its own metadata), in seed order.
        case images([[UInt8]])
        /// Stopped before the end: why, and how far the batch being denoised had got.
        case stopped(StopReason, step: Int, of: Int)
        /// Refused by the pipeline: one line, and whether the request caused it (e.g. a guidance
        /// scale that turned the latents non-finite).
        case failed(String, badInput: Bool)
    }

    public enum Phase: String, Sendable { case queued, running, done }

    public let id: String
    public let job: ImageJob
    public let submitted = Date()

    private struct State {
        var phase: Phase = .queued
        var started: Date?
        var progress: GenerationBatches.Progress?
        var stop: StopReason?
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    private let state = Mutex(State())

    init(id: String, job: ImageJob) {
        self.id = id
        self.job = job
    }

    public var phase: Phase { state.withLock { $0.phase } }
    public var progress: GenerationBatches.Progress? { state.withLock { $0.progress } }
    public var started: Date? { state.withLock { $0.started } }
    /// Why the job was asked to stop, if it was.
    public var stopReason: StopReason? { state.withLock { $0.stop } }

    /// Asks the job to stop (the first reason wins); a running job stops before its next step.
    func requestStop(_ reason: StopReason) {
        state.withLock { if $0.stop == nil, $0.phase != .done { $0.stop = reason } }
    }

    func markRunning() {
        state.withLock {
            $0.phase = .running
            $0.started = Date()
        }
    }

    func report(_ progress: GenerationBatches.Progress) {
        state.withLock { $0.progress = progress }
    }

    /// Ends the job with `outcome` (once) and wakes whoever waits for it.
    func finish(_ outcome: Outcome) {
        let waiter: CheckedContinuation<Outcome, Never>? = state.withLock { s in
            guard s.outcome == nil else { return nil }
            s.phase = .done
            s.outcome = outcome
            let waiter = s.waiter
            s.waiter = nil
            return waiter
        }
        waiter?.resume(returning: outcome)
    }

    /// Waits for the job's end.
    public func outcome() async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready: Outcome? = state.withLock {
                if let outcome = $0.outcome { return outcome }
                $0.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
