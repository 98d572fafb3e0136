import Imaging
import Testing

/// `Image.grid` places cells row by row with padding around and between them.
@Suite struct ImageGridTests {
    @Test func threeImagesTwoColumns() throws {
        let colours: [(UInt8, UInt8, UInt8)] = [(200, 0, 0), (0, 200, 0), (0, 0, 200)]
        let images = try colours.map { try Image(width: 2, height: 2, format: .rgb, fill: $0) }
        let grid = try Image.grid(images, columns: 2, padding: 1, background: (9, 9, 9))
        // 2 columns: 2*2 + 3*1 = 7 wide; 2 rows: 2*2 + 3*1 = 7 high.
        #expect(grid.width == 7 && grid.height == 7 && grid.format == .rgb)
        // Cell k's top-left pixel: (1 + (k % 2) * 3, 1 + (k / 2) * 3); the 4th cell stays background.
        for y in 0..<7 {
            for x in 0..<7 {
                var expected: [UInt8] = [9, 9, 9]
                for k in 0..<3 {
                    let (x0, y0) = (1 + (k % 2) * 3, 1 + (k / 2) * 3)
                    if (x0..<x0 + 2).contains(x), (y0..<y0 + 2).contains(y) {
                        expected = [colours[k].0, colours[k].1, colours[k].2]
                    }
                }
                #expect(grid.pixel(x: x, y: y) == expected, "pixel (\(x), \(y))")
            }
        }
    }

    /// Pixels keep their position inside a cell (not just a fill colour).
    @Test func cellContentsAreCopiedInPlace() throws {
        let a = try Image(width: 2, height: 1, format: .rgba, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        let b = try Image(width: 2, height: 1, format: .rgba, pixels: [11, 12, 13, 14, 15, 16, 17, 18])
        let grid = try Image.grid([a, b], columns: 1, padding: 0)
        #expect(grid.width == 2 && grid.height == 2)
        #expect(grid.pixels == a.pixels + b.pixels)
    }

    @Test func fewerImagesThanColumns() throws {
        let image = try Image(width: 2, height: 2, format: .rgba, fill: (1, 2, 3))
        let grid = try Image.grid([image], columns: 4, padding: 2)
        #expect(grid.width == 6 && grid.height == 6)
        #expect(grid.pixel(x: 0, y: 0) == [255, 255, 255, 255])
        #expect(grid.pixel(x: 2, y: 3) == [1, 2, 3, 255])
    }

    @Test func invalidArguments() throws {
        let small = try Image(width: 2, height: 2, format: .rgb, fill: (0, 0, 0))
        let big = try Image(width: 3, height: 2, format: .rgb, fill: (0, 0, 0))
        let rgba = try Image(width: 2, height: 2, format: .rgba, fill: (0, 0, 0))
        for (images, columns, padding) in [([small, big], 2, 1), ([small, rgba], 2, 1), ([], 2, 1),
                                           ([small], 0, 1), ([small], 1, -1)] {
            let error = #expect(throws: ImagingError.self) {
                try Image.grid(images, columns: columns, padding: padding)
            }
            guard case .invalidArgument? = error else {
                Issue.record("expected .invalidArgument, got \(String(describing: error))")
                continue
            }
        }
    }
}
