/// Conversions between Float32 and the two 16-bit float formats safetensors stores.
///
/// Both narrowings round to nearest, ties to even, as PyTorch's `.half()` and `.bfloat16()` do, so a
/// checkpoint converted here and in PyTorch has the same bits.
public enum HalfPrecision {
    /// IEEE 754 binary16 bits → Float.
    @inlinable
    public static func float(fromF16 bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// Float → IEEE 754 binary16 bits (round to nearest even; overflow gives ±inf).
    @inlinable
    public static func f16Bits(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// bfloat16 bits → Float: bfloat16 is the top half of a Float32.
    @inlinable
    public static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float → bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
    @inlinable
    public static func bf16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN {
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        // Add 0x7FFF plus the lowest kept bit, so exact halves round towards the even neighbour.
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
