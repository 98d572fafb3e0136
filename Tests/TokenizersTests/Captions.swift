/// Shape captions like the synthetic dataset's: "a small red circle in the top left on a white
/// background", in a fixed order (no randomness).
enum Captions {
    static let sizes = ["small", "large", "tiny", "big"]
    static let colors = ["red", "green", "blue", "yellow", "purple", "orange"]
    static let shapes = ["circle", "square", "triangle", "star"]
    static let places = ["in the top left", "in the center", "in the bottom right", "on the left"]
    static let backgrounds = ["white", "black", "gray"]

    /// `count` distinct captions, cycling through the attribute combinations.
    static func make(count: Int = 200) -> [String] {
        var captions: [String] = []
        var index = 0
        while captions.count < count {
            // Co-prime strides mix the attributes instead of varying only the last one.
            let size = sizes[index % sizes.count]
            let color = colors[(index / 2) % colors.count]
            let shape = shapes[(index / 3) % shapes.count]
            let place = places[(index / 5) % places.count]
            let background = backgrounds[(index / 7) % backgrounds.count]
            captions.append("a \(size) \(color) \(shape) \(place) on a \(background) background")
            index += 1
        }
        return captions
    }
}
