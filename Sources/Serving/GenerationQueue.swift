import Diffusion
import Foundation
import Imaging
import Synchronization

/// One generation at a time on the model, with a bounded queue behind it (DESIGN §10).
///
/// Generation is synchronous CPU work, so it runs on a thread of its own, never on the HTTP
/// server's event loops, which keep answering (progress, interrupts, 429s) while it works. A job
/// can be stopped while it waits (it is dropped) or while it runs (before its next step).
public final class GenerationQueue: Sendable {
    /// The pipeline, touched only by the worker thread (the one unchecked-Sendable wrapper: a
    /// `TextToImagePipeline` is a plain class, and this queue is what serialises its use).
    private final class Worker: @unchecked Sendable {
        let pipeline: TextToImagePipeline
        init(_ pipeline: TextToImagePipeline) { self.pipeline = pipeline }
    }

    private struct State {
        var waiting: [GenerationJob] = []
        var running: GenerationJob?
        var closed = false
        var counter = 0
    }

    public let model: ServedModel
    public let capacity: Int
    private let worker: Worker
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the worker thread for `pipeline`; `capacity` jobs may wait behind the running one.
    public init(pipeline: TextToImagePipeline, model: ServedModel, capacity: Int) {
        self.model = model
        self.capacity = capacity
        worker = Worker(pipeline)
        let thread = Thread { [self] in self.work() }
        thread.name = "t2i generation"
        thread.start()
    }

    /// Queues `job`.
    ///
    /// - Throws: ``ServingError`` 429 when `capacity` jobs already wait, 503 after ``close()``.
    public func submit(_ job: ImageJob) throws -> GenerationJob {
        let queued: GenerationJob = try state.withLock {
            guard !$0.closed else { throw ServingError(.serviceUnavailable, "the server is shutting down") }
            // `capacity` jobs may wait behind a running one; with nothing running or waiting a job
            // starts at once, even with no room to wait (--queue 0).
            guard $0.waiting.count < capacity || ($0.running == nil && $0.waiting.isEmpty) else {
                throw ServingError(.tooManyRequests, "queue full: \($0.waiting.count) waiting behind the running job (t2i serve --queue \(capacity)); try again later",
                                   headers: [.retryAfter: "2"])
            }
            $0.counter += 1
            let queued = GenerationJob(id: job.taskID ?? "job-\($0.counter)", job: job)
            $0.waiting.append(queued)
            return queued
        }
        wake.signal()
        return queued
    }

    /// Stops `job`: a waiting job leaves the queue at once, a running one before its next step.
    public func stop(_ job: GenerationJob, _ reason: StopReason) {
        job.requestStop(reason)
        let dropped = state.withLock { s -> Bool in
            guard let i = s.waiting.firstIndex(where: { $0 === job }) else { return false }
            s.waiting.remove(at: i)
            return true
        }
        if dropped { job.finish(.stopped(reason, step: 0, of: job.job.request.steps)) }
    }

    public typealias StopReason = GenerationJob.StopReason

    /// Interrupts the running job (A1111's `POST /sdapi/v1/interrupt`); returns it, or nil when idle.
    @discardableResult
    public func interruptRunning() -> GenerationJob? {
        guard let running = state.withLock({ $0.running }) else { return nil }
        running.requestStop(.interrupted)
        return running
    }

    /// The running job and the waiting ones, in order.
    public var snapshot: (running: GenerationJob?, waiting: [GenerationJob]) {
        state.withLock { ($0.running, $0.waiting) }
    }

    /// Refuses new jobs, stops the waiting and running ones and ends the worker thread.
    public func close() {
        let (running, waiting) = state.withLock { s -> (GenerationJob?, [GenerationJob]) in
            s.closed = true
            let waiting = s.waiting
            s.waiting = []
            return (s.running, waiting)
        }
        running?.requestStop(.interrupted)
        for job in waiting { job.finish(.stopped(.interrupted, step: 0, of: job.job.request.steps)) }
        wake.signal()
    }

    private func work() {
        while true {
            wake.wait()
            let next: GenerationJob?? = state.withLock { s in
                if s.closed { return .some(nil) }
                guard !s.waiting.isEmpty else { return nil }
                let job = s.waiting.removeFirst()
                s.running = job
                return .some(job)
            }
            guard let next else { continue }  // a job stopped while waiting left a spare signal
            guard let job = next else { return }
            job.markRunning()
            let outcome = run(job)
            // Free the slot before answering: a client that sends its next request the moment it
            // has this answer must find the server idle (with --queue 0 it got a 429 otherwise).
            state.withLock { $0.running = nil }
            job.finish(outcome)
        }
    }

    /// Generates the job's images as `t2i generate` would and encodes them as its PNGs.
    private func run(_ job: GenerationJob) -> GenerationJob.Outcome {
        if let reason = job.stopReason { return .stopped(reason, step: 0, of: job.job.request.steps) }
        let request = job.job.request
        let metadata = GenerationMetadata(request: request, model: model.path, version: model.version)
        var pngs: [[UInt8]] = []
        do {
            try GenerationBatches.run(request, pipeline: worker.pipeline, input: job.job.input, progress: { job.report($0) },
                                      shouldStop: { job.stopReason != nil }) { first, images in
                pngs += try GenerationFiles.encodeSeparate(images, first: first, metadata: metadata)
            }
            return .images(pngs)
        } catch let stopped as GenerationStopped {
            return .stopped(job.stopReason ?? .interrupted, step: stopped.step, of: stopped.total)
        } catch let error as SamplerError {
            return .failed(error.message, badInput: true)
        } catch let error as ImageToImageError {
            return .failed(error.message, badInput: true)
        } catch {
            return .failed("\(error)", badInput: false)
        }
    }
}
