import Foundation
import Serving
import Testing

/// The job queue behind the routes: one generation at a time, progress while it runs, interrupts,
/// a bounded queue, clients that go away, the time limit.
@Suite("t2i serve queue", .serialized)
struct ServingQueueTests {
    typealias F = ServingFixture

    /// A generation long enough to be caught in the middle: 1000 steps (the most a request may ask)
    /// of a batch of 8 — 71 s on 2 quiet cores, one image 16 s (`t2i generate --steps 1000 --count
    /// 8|1`, shipped model) — interrupted long before. The batch keeps it running however slowly a
    /// loaded machine answers the progress polls.
    static func long(_ id: String) -> String {
        #"{"prompt": "\#(F.prompt)", "seed": 1, "steps": 1000, "batch_size": 8, "force_task_id": "\#(id)"}"#
    }

    @Test("progress while generating, then POST /sdapi/v1/interrupt stops the job mid-way: 409 naming the step")
    func interrupt() async throws {
        try await F.withServer { probe, _ in
            let answer = Task { try await probe.post("/sdapi/v1/txt2img", json: Self.long("long-1")) }
            let progress = try await F.waitForProgress(probe, until: F.running("long-1", pastStep: 3))
            let state = try #require(progress["state"] as? [String: Any])
            #expect(state["job"] as? String == "long-1")
            #expect(state["job_count"] as? Int == 1)
            #expect(state["sampling_steps"] as? Int == 1000)
            let fraction = try #require(progress["progress"] as? Double)
            #expect(fraction > 0 && fraction < 1)
            #expect((progress["eta_relative"] as? Double ?? 0) > 0)
            let interrupt = try await probe.post("/sdapi/v1/interrupt", json: "{}")
            #expect(interrupt.status == 200)
            #expect(interrupt.object["interrupted"] as? String == "long-1")
            let response = try await answer.value
            #expect(response.status == 409)
            let message = try #require(response.error)
            #expect(message.hasPrefix("interrupted at step "))
            #expect(message.hasSuffix(" of 1000 (POST /sdapi/v1/interrupt)"))
            let step = Int(message.dropFirst("interrupted at step ".count).prefix { $0.isNumber }) ?? 1000
            #expect(step >= 3 && step < 1000)
            let idle = try await probe.get("/sdapi/v1/progress").object
            #expect(F.queue(idle).isEmpty)
            #expect(idle["textinfo"] as? String == "idle")
            // Interrupting when nothing runs is harmless.
            #expect(try await probe.post("/sdapi/v1/interrupt", json: "{}").text == #"{"interrupted":null}"#)
        }
    }

    @Test("a full queue answers 429 at once; waiting jobs show their place; the server goes on")
    func fullQueue() async throws {
        try await F.withServer(ServerSettings(limits: ServerLimits(queueLength: 1))) { probe, _ in
            let first = Task { try await probe.post("/sdapi/v1/txt2img", json: Self.long("a")) }
            _ = try await F.waitForProgress(probe, until: F.running("a", pastStep: 1))
            let second = Task { try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "seed": 2, "steps": 2, "force_task_id": "b"}"#) }
            let both = try await F.waitForProgress(probe) { F.queue($0).count == 2 }
            #expect(F.queue(both).map { $0["id"] as? String } == ["a", "b"])
            #expect(F.queue(both).map { $0["state"] as? String } == ["running", "queued"])
            #expect(F.queue(both)[1]["position"] as? Int == 1)
            let started = Date()
            let third = try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 2}"#)
            #expect(third.status == 429)
            #expect(third.error == "queue full: 1 waiting behind the running job (t2i serve --queue 1); try again later")
            #expect(third.headers["retry-after"] == "2")
            #expect(Date().timeIntervalSince(started) < 5, "429 comes at once, not after the running job")
            let openAI = try await probe.post("/v1/images/generations", json: #"{"prompt": "x"}"#)
            #expect(openAI.status == 429)
            _ = try await probe.post("/sdapi/v1/interrupt", json: "{}")
            #expect(try await first.value.status == 409)
            let done = try await second.value
            #expect(done.status == 200)
            #expect((done.object["images"] as? [String])?.count == 1)
        }
    }

    @Test("with no room to wait (--queue 0) an idle server still generates; a busy one answers 429")
    func noWaiting() async throws {
        try await F.withServer(ServerSettings(limits: ServerLimits(queueLength: 0))) { probe, _ in
            #expect(try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 2}"#).status == 200)
            let long = Task { try await probe.post("/sdapi/v1/txt2img", json: Self.long("only")) }
            _ = try await F.waitForProgress(probe, until: F.running("only", pastStep: 1))
            let busy = try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 2}"#)
            #expect(busy.status == 429)
            #expect(busy.error == "queue full: 0 waiting behind the running job (t2i serve --queue 0); try again later")
            _ = try await probe.post("/sdapi/v1/interrupt", json: "{}")
            #expect(try await long.value.status == 409)
        }
    }

    @Test("a client that hangs up has its job stopped (running or waiting); the next request is served")
    func clientGone() async throws {
        try await F.withServer { probe, _ in
            try await probe.postAndHangUp("/sdapi/v1/txt2img", json: Self.long("gone"), after: 0.7)
            // The job was running when the client left; it stops within a step or two.
            let idle = try await F.waitForProgress(probe, seconds: 10) { F.queue($0).isEmpty }
            #expect(idle["textinfo"] as? String == "idle")
            let next = try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 2}"#)
            #expect(next.status == 200)
        }
    }

    @Test("the request time limit stops a generation that runs too long: 503 naming the limit")
    func timeLimit() async throws {
        try await F.withServer(ServerSettings(limits: ServerLimits(requestSeconds: 0.5))) { probe, _ in
            let started = Date()
            let response = try await probe.post("/sdapi/v1/txt2img", json: Self.long("slow"))
            #expect(response.status == 503)
            let message = try #require(response.error)
            #expect(message.hasPrefix("stopped at step "))
            #expect(message.hasSuffix("the request took longer than the limit of 0.5 s (t2i serve --timeout)"))
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(try await probe.post("/sdapi/v1/txt2img", json: #"{"prompt": "x", "steps": 1}"#).status == 200)
        }
    }
}
