import Foundation
import FuzzTargets
import TensorCore
import Testing

/// Replays the committed seed corpus of every fuzz target (Tests/Fixtures/fuzz/TARGET/), which also
/// holds every input a fuzzing run found to crash, and a fixed set of mutations of it: each must be
/// refused or accepted without a trap. A target whose corpus folder is missing or thin fails.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz", isDirectory: true)

    static func corpus(_ target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let folder = corpusRoot.appendingPathComponent(target.rawValue, isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { ($0, [UInt8](try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    @Test("every seed of the corpus runs without a trap", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) throws {
        let seeds = try Self.corpus(target)
        #expect(seeds.count >= 8, "Tests/Fixtures/fuzz/\(target.rawValue) holds \(seeds.count) seeds; expected at least 8")
        for seed in seeds { target.run(seed.bytes) }
    }

    @Test("500 seeded mutations of the corpus run without a trap", arguments: FuzzTarget.allCases)
    func mutations(_ target: FuzzTarget) throws {
        let seeds = try Self.corpus(target)
        try #require(!seeds.isEmpty)
        var random = Philox(seed: 0x7432_6966_757A_7A00 &+ UInt64(target.rawValue.count), stream: 13)
        for _ in 0..<500 {
            var bytes = seeds[random.nextInt(below: seeds.count)].bytes
            for _ in 0...random.nextInt(below: 4) { Self.mutate(&bytes, &random) }
            target.run(bytes)
        }
    }

    /// One of libFuzzer's simpler mutations: flip a bit, set a byte to an edge value, insert or
    /// erase a run, or copy a run over another place.
    static func mutate(_ bytes: inout [UInt8], _ random: inout Philox) {
        let edges: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "-"), UInt8(ascii: "9")]
        let at = bytes.isEmpty ? 0 : random.nextInt(below: bytes.count)
        switch random.nextInt(below: 5) {
        case 0 where !bytes.isEmpty: bytes[at] ^= UInt8(1) << random.nextInt(below: 8)
        case 1 where !bytes.isEmpty: bytes[at] = edges[random.nextInt(below: edges.count)]
        case 2: bytes.insert(contentsOf: [UInt8](repeating: UInt8(random.nextInt(below: 256)), count: random.nextInt(below: 8) + 1), at: at)
        case 3 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + random.nextInt(below: 16) + 1))
        default:
            guard bytes.count > 2 else { return }
            let length = random.nextInt(below: min(bytes.count - at, 16)) + 1
            let to = random.nextInt(below: bytes.count - length + 1)
            bytes.replaceSubrange(to..<(to + length), with: bytes[at..<(at + length)])
        }
    }
}
