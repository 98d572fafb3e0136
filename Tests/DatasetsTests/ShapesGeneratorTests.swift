import Datasets
import Foundation
import Imaging
import Testing

@Suite("shapes generator: determinism, files, grammar of generated captions")
struct ShapesGeneratorTests {
    /// Every caption the grammar of DESIGN §5 allows, spelled out independently of the library.
    static let grammar: Set<String> = {
        let sizes = ["small", "large"], colours = ["red", "green", "blue", "yellow", "purple", "orange"]
        let shapes = ["circle", "square", "triangle"], grounds = ["white", "gray", "black"]
        let places = ["in the top left", "at the top", "in the top right", "on the left", "in the center",
                      "on the right", "in the bottom left", "at the bottom", "in the bottom right"]
        var all = Set<String>()
        for g in grounds {
            for c in colours {
                for s in shapes {
                    for z in sizes {
                        for p in places { all.insert("a \(z) \(c) \(s) \(p) on a \(g) background") }
                    }
                    for r in ["to the left of", "above"] {
                        for c2 in colours where c2 != c {
                            for s2 in shapes { all.insert("a \(c) \(s) \(r) a \(c2) \(s2) on a \(g) background") }
                        }
                    }
                }
            }
        }
        return all
    }()

    static func matches(_ caption: String) -> Bool { grammar.contains(caption) }

    @Test("generated captions follow the grammar and cover every position, relation and word")
    func generatedCaptions() throws {
        let generator = try ShapesGenerator(size: 32, seed: 3, twoObjectFraction: 0.2)
        var phrases = Set<String>()
        var pairs = 0
        for i in 0..<2000 {
            let scene = generator.scene(at: i)
            #expect(Self.matches(scene.caption), "\(scene.caption)")
            if scene.objects.count == 2 {
                pairs += 1
                phrases.insert(scene.relation?.phrase ?? "")
            } else {
                phrases.insert(scene.objects[0].position.phrase)
            }
        }
        #expect(phrases.count == 11)  // nine positions and two relations
        #expect(Self.grammar.count == 2 * 6 * 3 * 9 * 3 + 6 * 3 * 2 * 5 * 3 * 3)
        #expect((300...500).contains(pairs))  // 20 % of 2000, give or take
    }

    @Test("fraction 0 gives only single objects, 1 only pairs")
    func fractions() throws {
        let none = try ShapesGenerator(seed: 1, twoObjectFraction: 0)
        let all = try ShapesGenerator(seed: 1, twoObjectFraction: 1)
        #expect((0..<200).allSatisfy { none.scene(at: $0).objects.count == 1 })
        #expect((0..<200).allSatisfy { all.scene(at: $0).objects.count == 2 })
    }

    @Test("bad generator settings are refused with their values")
    func badSettings() {
        #expect(throws: DatasetError.invalidArgument("shapes size must be in 8...4096, got 4")) {
            try ShapesGenerator(size: 4)
        }
        #expect(throws: DatasetError.invalidArgument("two-object fraction must be in [0, 1], got 1.5")) {
            try ShapesGenerator(twoObjectFraction: 1.5)
        }
    }

    static func files(in folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            result[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return result
    }

    @Test("same seed, byte-identical files; sample i does not depend on the count; other seeds differ")
    func determinism() throws {
        let root = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let generator = try ShapesGenerator(size: 16, seed: 42, twoObjectFraction: 0.3)
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        let c = root.appendingPathComponent("c"), d = root.appendingPathComponent("d")
        let summary = try generator.write(count: 300, to: a)
        try generator.write(count: 300, to: b)
        try generator.write(count: 40, to: c)
        try ShapesGenerator(size: 16, seed: 43, twoObjectFraction: 0.3).write(count: 40, to: d)
        #expect(summary.count == 300)
        let filesA = try Self.files(in: a)
        #expect(filesA.count == 301)
        #expect(filesA == (try Self.files(in: b)))
        let filesC = try Self.files(in: c)
        for i in 0..<40 {
            let name = ShapesGenerator.fileName(index: i, count: 40)
            #expect(filesC[name] == filesA[name], "\(name)")
        }
        let filesD = try Self.files(in: d)
        #expect((0..<40).contains { filesD[ShapesGenerator.fileName(index: $0, count: 40)] != filesC[ShapesGenerator.fileName(index: $0, count: 40)] })
        let captions = String(decoding: filesA["captions.jsonl"] ?? Data(), as: UTF8.self)
        let lines = captions.split(separator: "\n")
        #expect(lines.count == 300)
        #expect(summary.twoObjectCount == lines.filter { $0.contains("\"relation\"") }.count)
    }

    @Test("file names are zero-padded, captions.jsonl is in index order with attributes, PNGs carry the caption")
    func fileContents() throws {
        let folder = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let generator = try ShapesGenerator(size: 32, seed: 5, twoObjectFraction: 0)
        try generator.write(count: 12, to: folder)
        #expect(ShapesGenerator.fileName(index: 7, count: 12) == "000007.png")
        #expect(ShapesGenerator.fileName(index: 1234567, count: 2_000_000) == "1234567.png")
        let text = try String(contentsOf: folder.appendingPathComponent("captions.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 12)
        for (i, line) in lines.enumerated() {
            let scene = generator.scene(at: i)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["file"] as? String == String(format: "%06d.png", i))
            #expect(object["text"] as? String == scene.caption)
            let attributes = try #require(object["attributes"] as? [String: Any])
            #expect(attributes["background"] as? String == scene.background.rawValue)
            let objects = try #require(attributes["objects"] as? [[String: Any]])
            let o = scene.objects[0]
            #expect(objects.first?["colour"] as? String == o.colour.rawValue)
            #expect(objects.first?["position"] as? String == o.position.rawValue)
            // The file holds exactly the rendered scene, its caption in a text chunk.
            let url = folder.appendingPathComponent(String(format: "%06d.png", i))
            #expect(try Image.readPNG(at: url) == scene.render(size: 32))
            #expect(try Image.readPNGText(at: url).first?.value == scene.caption)
        }
    }

    @Test("a generated image has its caption's colour at the object's centre pixel")
    func generatedPixels() throws {
        let generator = try ShapesGenerator(size: 32, seed: 11, twoObjectFraction: 0.5)
        for i in 0..<300 {
            let scene = generator.scene(at: i)
            let image = scene.render(size: 32)
            for object in scene.objects {
                let p = object.centrePixel(canvas: 32)
                #expect(image.pixel(x: p.x, y: p.y) == ShapesGrammarTests.bytes(object.colour.rgb))
                #expect(scene.caption.contains(object.colour.word))
            }
        }
    }
}

/// Ctrl-C during dataset generation (DESIGN §7): generation stops at once and leaves nothing behind.
@Suite struct ShapesInterruptTests {
    /// Counts calls across threads.
    final class Calls: @unchecked Sendable {
        // Sendable because `count` is only touched under `lock`.
        private let lock = NSLock()
        private var count = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; count += 1; return count }
    }

    @Test func interruptedGenerationRemovesWhatItWrote() throws {
        let parent = try TestFolders.scratch()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("shapes")
        let calls = Calls()
        let error = #expect(throws: DatasetError.self) {
            try ShapesGenerator(size: 16, seed: 1).write(count: 2000, to: folder) { calls.next() > 300 }
        }
        guard case .interrupted(let path, let removed)? = error else {
            Issue.record("expected interrupted, got \(String(describing: error))")
            return
        }
        #expect(path == folder.path && removed >= 1 && removed <= 300)
        #expect(error?.description == "\(folder.path): interrupted; removed the \(removed) images written, no captions.jsonl was written")
        #expect(!FileManager.default.fileExists(atPath: folder.path), "the folder this call made is gone")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)

        // Into a folder that already existed: it stays, empty of what the call wrote.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let again = Calls()
        #expect(throws: DatasetError.self) { try ShapesGenerator(size: 16, seed: 1).write(count: 500, to: folder) { again.next() > 100 } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
    }
}
