import Imaging
import Datasets
import TensorCore

/// Image-to-image and inpainting adherence on shapes models (`t2i eval edits`): each case draws a
/// source image from its own prompt, edits it, and scores the edit with `ShapesProbeScorer`
/// against the edited prompt.
///
/// - Recolour (image to image, no mask): a large object gets another colour at `strength`; shape,
///   size, position and background must stay.
/// - Move (inpainting): a small object is repainted elsewhere; the mask covers the squares of side
///   0.45·S around the old and the new place (box 0.28·S plus jitter and a margin), and the prompt
///   names the new place.
public enum ImageEditProbe {
    /// An edit to score: the source's prompt, the edited prompt, and the inpainting mask if any.
    public struct Case: Sendable {
        public let source: ShapesScene
        public let target: ShapesScene
        /// Repaint region for a move, (1, 1, S, S); nil for a recolour.
        public let mask: Tensor?
    }

    /// What `evaluate` found: the edits scored as a shapes probe, each with its source image.
    public struct Report: Sendable {
        public let recolour: ShapesProbeReport
        public let move: ShapesProbeReport
        public let recolourSources: [Image]
        public let moveSources: [Image]

        /// Summary lines of both kinds of edit.
        public var lines: [String] {
            ["recolour (image to image):"] + recolour.lines.dropFirst() + ["move (inpainting):"] + move.lines.dropFirst()
        }

        /// Rows of sources above rows of their edits (green band: the edit fully right), recolours first.
        public func grid(columns: Int = 9) throws -> Image {
            func rows(_ sources: [Image], _ report: ShapesProbeReport) throws -> [Image] {
                let edited = try report.cells()
                let plain = sources.map { source -> Image in
                    guard let padded = try? Image(width: source.width, height: source.height + 3, format: .rgb,
                                                  pixels: source.pixels + [UInt8](repeating: 255, count: 3 * source.width * 3)) else { return source }
                    return padded
                }
                var cells: [Image] = []
                for start in stride(from: 0, to: edited.count, by: columns) {
                    let end = min(start + columns, edited.count)
                    cells += plain[start..<end] + edited[start..<end]
                }
                return cells
            }
            return try Image.grid(rows(recolourSources, recolour) + rows(moveSources, move), columns: columns, padding: 2)
        }
    }

    /// 18 recolours (every colour × shape, large, every position twice over) and 18 moves (every
    /// colour × shape, small, from position p to the mirrored or shifted position).
    public static func cases(canvas: Int) -> [Case] {
        var out: [Case] = []
        for k in 0..<18 {
            let colour = ShapeColour.allCases[k / 3], shape = ShapeKind.allCases[k % 3]
            let position = GridPosition.allCases[k % 9], background = ShapeBackground.allCases[(k + k / 9) % 3]
            let newColour = ShapeColour.allCases[(k / 3 + 1 + k % 5) % ShapeColour.allCases.count]
            let source = ShapeObject(shape: shape, colour: colour, size: .large, position: position)
            var target = source
            target.colour = newColour
            out.append(Case(source: ShapesScene(background: background, object: source),
                            target: ShapesScene(background: background, object: target), mask: nil))
        }
        for k in 0..<18 {
            let colour = ShapeColour.allCases[k / 3], shape = ShapeKind.allCases[k % 3]
            let from = GridPosition.allCases[k % 9], to = GridPosition.allCases[(k % 9 + 4 + k / 9) % 9]
            let background = ShapeBackground.allCases[(k + 1) % 3]
            let source = ShapeObject(shape: shape, colour: colour, size: .small, position: from)
            var target = source
            target.position = to
            out.append(Case(source: ShapesScene(background: background, object: source),
                            target: ShapesScene(background: background, object: target),
                            mask: moveMask(from: source, to: target, canvas: canvas)))
        }
        return out
    }

    /// 1 inside the squares of side 0.45·`canvas` centred on both objects' grid places. (1, 1, S, S)
    static func moveMask(from a: ShapeObject, to b: ShapeObject, canvas s: Int) -> Tensor {
        let half = 0.225 * Double(s)
        let centres = [a.centre(canvas: s), b.centre(canvas: s)]
        return Tensor(shape: [1, 1, s, s], data: (0..<(s * s)).map { i in
            let (x, y) = (Double(i % s) + 0.5, Double(i / s) + 0.5)
            return centres.contains { abs(x - $0.x) <= half && abs(y - $0.y) <= half } ? 1 : 0
        })
    }

    /// Generates each case's source with `settings` (seeds `seed`, …), edits it with the same
    /// seeds (recolours at `strength`, moves at strength 1) and scores the edits.
    public static func evaluate(pipeline: TextToImagePipeline, settings: ShapesProbe.Settings, strength: Double,
                                progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        let all = cases(canvas: pipeline.imageSize)
        var recolour: [ShapesProbeReport.Item] = [], move: [ShapesProbeReport.Item] = []
        var recolourSources: [Image] = [], moveSources: [Image] = []
        for (k, c) in all.enumerated() {
            let sources = try pipeline.generate(settings.request(c.source.caption))
            for i in 0..<settings.seeds {
                var request = settings.request(c.target.caption)
                request.count = 1
                request.seed = settings.seed &+ UInt64(i)
                let source = sources.slice(rows: i..<(i + 1))
                let input = ImageToImageInput(image: source, mask: c.mask, strength: c.mask == nil ? strength : 1)
                let edited = try Image.images(fromBatch: pipeline.generate(request, input: input))[0]
                let reading = ShapesProbeScorer.read(edited)
                let item = ShapesProbeReport.Item(scene: c.target, seed: request.seed, image: edited, reading: reading,
                                                  verdict: reading.verdict(for: c.target))
                let sourceImage = try Image.images(fromBatch: source)[0]
                if c.mask == nil { recolour.append(item); recolourSources.append(sourceImage) } else { move.append(item); moveSources.append(sourceImage) }
            }
            progress?(k + 1, all.count)
        }
        return Report(recolour: ShapesProbeReport(items: recolour, settings: settings),
                      move: ShapesProbeReport(items: move, settings: settings),
                      recolourSources: recolourSources, moveSources: moveSources)
    }
}
