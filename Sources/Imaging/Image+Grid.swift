extension Image {
    /// Lays images out in a grid, row by row, with `padding` pixels around and between cells.
    ///
    /// All images must share size and format; the result has their format. With `n` images the grid
    /// has `min(columns, n)` columns and `ceil(n / columns)` rows, so it is
    /// `cols * w + (cols + 1) * padding` wide and `rows * h + (rows + 1) * padding` high. Padding and
    /// empty cells take `background` (alpha 255 for RGBA).
    ///
    /// - Throws: ``ImagingError/invalidArgument(_:)`` for no images, mixed sizes or formats,
    ///   `columns < 1`, `padding < 0`, or a grid too large.
    public static func grid(_ images: [Image], columns: Int, padding: Int = 2,
                            background: (UInt8, UInt8, UInt8) = (255, 255, 255)) throws -> Image {
        guard let first = images.first else {
            throw ImagingError.invalidArgument("grid needs at least one image")
        }
        guard columns >= 1, padding >= 0 else {
            throw ImagingError.invalidArgument("grid needs columns >= 1 and padding >= 0, got \(columns) and \(padding)")
        }
        if let odd = images.firstIndex(where: {
            $0.width != first.width || $0.height != first.height || $0.format != first.format
        }) {
            let o = images[odd]
            throw ImagingError.invalidArgument("grid image \(odd) is \(o.width)x\(o.height) \(o.format), "
                                               + "image 0 is \(first.width)x\(first.height) \(first.format)")
        }
        let cols = min(columns, images.count)
        let rows = (images.count + cols - 1) / cols
        let (w, h, c) = (first.width, first.height, first.channels)
        let (gridWidth, o1) = (cols * w).addingReportingOverflow((cols + 1) * padding)
        let (gridHeight, o2) = (rows * h).addingReportingOverflow((rows + 1) * padding)
        guard !o1, !o2, gridWidth.multipliedReportingOverflow(by: gridHeight).overflow == false else {
            throw ImagingError.invalidArgument("grid of \(rows)x\(cols) cells of \(w)x\(h) is too large")
        }
        var pixels = try Image(width: gridWidth, height: gridHeight, format: first.format, fill: background).pixels
        let rowBytes = w * c
        pixels.withUnsafeMutableBufferPointer { out in
            // cell k at (row k / cols, column k % cols); its top-left pixel sits after `padding`
            // pixels of border plus one (cell + padding) per cell to its left and above.
            for (k, image) in images.enumerated() {
                let x0 = padding + (k % cols) * (w + padding)
                let y0 = padding + (k / cols) * (h + padding)
                image.pixels.withUnsafeBufferPointer { src in
                    for y in 0..<h {
                        let dst = ((y0 + y) * gridWidth + x0) * c
                        for i in 0..<rowBytes { out[dst + i] = src[y * rowBytes + i] }
                    }
                }
            }
        }
        return Image(unchecked: gridWidth, gridHeight, first.format, pixels)
    }
}
