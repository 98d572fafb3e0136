import Imaging

extension CaptionedDataset {
    /// A grid of up to `count` images spread evenly over the dataset (image `i · n / count`), each
    /// enlarged `scale` times by pixel repetition, for looking at a dataset at a glance.
    ///
    /// - Throws: ``DatasetError/invalidArgument(_:)`` for a count, column count or scale below 1.
    public func contactSheet(count requested: Int = 64, columns: Int = 8, scale: Int = 2) throws -> Image {
        guard requested >= 1, columns >= 1, (1...16).contains(scale) else {
            throw DatasetError.invalidArgument(
                "contact sheet needs count ≥ 1, columns ≥ 1 and scale 1...16, got \(requested), \(columns), \(scale)")
        }
        let n = min(requested, count)
        let picks = (0..<n).map { $0 * count / n }
        let images = picks.map { enlarged(image(at: $0), by: scale) }
        do {
            return try Image.grid(images, columns: columns, padding: 2, background: (255, 255, 255))
        } catch {
            throw DatasetError.invalidArgument("contact sheet: \(error)")
        }
    }

    /// Nearest-neighbour enlargement of an RGB image by an integer factor.
    private func enlarged(_ image: Image, by scale: Int) -> Image {
        guard scale > 1 else { return image }
        let (w, h) = (image.width * scale, image.height * scale)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        // out: (h·s, w·s, 3)  image: (h, w, 3)
        for y in 0..<h {
            for x in 0..<w {
                let src = ((y / scale) * image.width + x / scale) * 3
                for c in 0..<3 { out[(y * w + x) * 3 + c] = image.pixels[src + c] }
            }
        }
        guard let result = try? Image(width: w, height: h, format: .rgb, pixels: out) else {
            preconditionFailure("\(w)x\(h) RGB has \(out.count) bytes")
        }
        return result
    }
}
