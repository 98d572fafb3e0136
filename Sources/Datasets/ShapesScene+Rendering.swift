import Imaging

extension ShapesScene {
    /// Sub-samples per pixel side: coverage is measured on a 4×4 grid of points per pixel.
    public static let supersampling = 4

    /// Draws the scene on an S×S RGB canvas (`size` ≥ 1).
    ///
    /// Edges are anti-aliased by coverage: a pixel takes `(colour · n + under · (16 − n)) / 16`,
    /// rounded, where `n` of its 4×4 sub-sample points fall inside the shape. Fully covered pixels
    /// therefore hold the exact colour of DESIGN §5, and untouched ones the exact background.
    public func render(size canvas: Int) -> Image {
        precondition(canvas >= 1, "a shapes canvas needs a side of at least 1, got \(canvas)")
        let bg = background.rgb
        var pixels = [UInt8](repeating: 0, count: canvas * canvas * 3)
        for p in 0..<(canvas * canvas) {
            pixels[p * 3] = bg.0
            pixels[p * 3 + 1] = bg.1
            pixels[p * 3 + 2] = bg.2
        }
        for object in objects {
            draw(object, canvas: canvas, into: &pixels)
        }
        guard let image = try? Image(width: canvas, height: canvas, format: .rgb, pixels: pixels) else {
            preconditionFailure("a \(canvas)x\(canvas) RGB canvas has \(pixels.count) bytes")
        }
        return image
    }

    /// Blends one object's coverage into the canvas; only pixels of its bounding box are visited.
    private func draw(_ object: ShapeObject, canvas: Int, into pixels: inout [UInt8]) {
        let centre = object.centre(canvas: canvas)
        let half = object.boxSide(canvas: canvas) / 2
        let x0 = max(0, Int((centre.x - half).rounded(.down)))
        let x1 = min(canvas - 1, Int((centre.x + half).rounded(.up)))
        let y0 = max(0, Int((centre.y - half).rounded(.down)))
        let y1 = min(canvas - 1, Int((centre.y + half).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let k = Self.supersampling
        let samples = k * k
        let colour = object.colour.rgb
        let fill = [Int(colour.0), Int(colour.1), Int(colour.2)]
        // pixels: (S, S, 3); sub-sample (i, j) of pixel (x, y) sits at (x + (i + ½)/k, y + (j + ½)/k)
        for y in y0...y1 {
            for x in x0...x1 {
                var covered = 0
                for j in 0..<k {
                    let sy = Double(y) + (Double(j) + 0.5) / Double(k)
                    for i in 0..<k {
                        let sx = Double(x) + (Double(i) + 0.5) / Double(k)
                        if object.contains(x: sx, y: sy, centre: centre, half: half) { covered += 1 }
                    }
                }
                guard covered > 0 else { continue }
                let base = (y * canvas + x) * 3
                for c in 0..<3 {
                    let under = Int(pixels[base + c])
                    // + samples/2 rounds the division to nearest.
                    pixels[base + c] = UInt8((fill[c] * covered + under * (samples - covered) + samples / 2) / samples)
                }
            }
        }
    }
}
