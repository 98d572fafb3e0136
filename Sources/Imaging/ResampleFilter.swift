import Foundation

/// The filters ``Image/resized(width:height:filter:)`` offers, with the kernels and supports of
/// Pillow's `Image.resize` (`libImaging/Resample.c`), so a dataset prepared by t2i matches one
/// prepared by a Python script with Pillow to the byte.
///
/// Every filter is scaled with the downsampling factor (its support grows by `input / output` when
/// shrinking), so each is a proper low-pass filter rather than point sampling.
public enum ResampleFilter: String, Sendable, CaseIterable, Codable {
    /// The box (area-averaging) filter.
    case box
    /// The triangle filter: Pillow's `BILINEAR`, torchvision's default `Resize` on PIL images.
    case bilinear
    /// The cubic filter with a = −0.5: Pillow's `BICUBIC`, its default for `Image.resize`.
    case bicubic
    /// Lanczos with three lobes: Pillow's `LANCZOS`.
    case lanczos

    /// The kernel's half-width, in source pixels at scale 1.
    var support: Double {
        switch self {
        case .box: 0.5
        case .bilinear: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    /// The kernel's value at `x` (source pixels, scale 1).
    func weight(_ x: Double) -> Double {
        switch self {
        case .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let x = abs(x)
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5, x = abs(x)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .lanczos:
            guard -3 <= x && x < 3 else { return 0 }
            return Self.sinc(x) * Self.sinc(x / 3)
        }
    }

    private static func sinc(_ x: Double) -> Double {
        x == 0 ? 1 : sin(x * .pi) / (x * .pi)
    }
}
