import CJPEG

/// The only place that calls libjpeg(-turbo), through the C bridge `CJPEG`, from memory to memory.
///
/// libjpeg's error_exit longjmps back inside the C function that called it (Sources/CJPEG), which
/// returns a status code and the message, so no longjmp crosses a Swift frame (DESIGN §1). Warnings
/// ("Premature end of JPEG file", "Corrupt JPEG data: …") are errors there too: a truncated or
/// damaged JPEG is refused rather than decoded with grey fill.
enum LibJPEG {
    /// The colour space of a JPEG's compressed data, as libjpeg reads it from the markers.
    enum ColorSpace: Equatable {
        case grayscale, rgb, yCbCr, cmyk, ycck, unknown
    }

    /// What a JPEG's header says, read without decoding.
    struct Header: Equatable {
        var width: Int
        var height: Int
        var components: Int
        var colorSpace: ColorSpace
        /// The transform code of an Adobe APP14 marker (0 none, 1 YCbCr, 2 YCCK), nil without one.
        var adobeTransform: Int?
        var progressive: Bool
        /// The first APP1 "Exif" marker's payload (starting with "Exif\0\0"), nil without one.
        var exif: [UInt8]?
    }

    /// The most scans a progressive JPEG may have: encoders write about ten, and each scan can cost
    /// a pass over the whole image (libjpeg-turbo's djpeg -maxscans guards the same way).
    static let maxScans: Int32 = 100

    /// Reads the header of `bytes` (through the first SOS marker).
    static func header(_ bytes: [UInt8], name: String) throws -> Header {
        var header = t2i_jpeg_header()
        var exif = [UInt8](repeating: 0, count: Int(T2I_JPEG_EXIF_CAPACITY))
        var message = [CChar](repeating: 0, count: Int(T2I_JPEG_MESSAGE_CAPACITY))
        let status = bytes.withUnsafeBufferPointer { data in
            exif.withUnsafeMutableBufferPointer { exifBuffer in
                Int(t2i_jpeg_read_header(data.baseAddress, data.count, &header,
                                         exifBuffer.baseAddress, exifBuffer.count, &message, message.count))
            }
        }
        try check(status, message, name: name)
        let colorSpace: ColorSpace = switch Int(header.color_space) {
        case Int(T2I_JPEG_CS_GRAYSCALE): .grayscale
        case Int(T2I_JPEG_CS_RGB): .rgb
        case Int(T2I_JPEG_CS_YCBCR): .yCbCr
        case Int(T2I_JPEG_CS_CMYK): .cmyk
        case Int(T2I_JPEG_CS_YCCK): .ycck
        default: .unknown
        }
        let exifSize = min(header.exif_size, exif.count)
        return Header(width: Int(header.width), height: Int(header.height), components: Int(header.components),
                      colorSpace: colorSpace,
                      adobeTransform: header.saw_adobe_marker != 0 ? Int(header.adobe_transform) : nil,
                      progressive: header.progressive != 0,
                      exif: exifSize > 0 ? Array(exif[..<exifSize]) : nil)
    }

    /// Decodes `bytes`, whose header is `header`, to 8-bit interleaved RGB.
    ///
    /// Grayscale is replicated, YCbCr converted by libjpeg, CMYK and YCCK converted the way Pillow
    /// converts them (Adobe-inverted samples; see Sources/CJPEG/include/CJPEG.h). The caller has
    /// checked the size against ``Image/maxPixelCount``.
    static func decodeRGB(_ bytes: [UInt8], header: Header, name: String) throws -> [UInt8] {
        let count = header.width * header.height * 3
        var status = T2I_JPEG_OK
        var message = [CChar](repeating: 0, count: Int(T2I_JPEG_MESSAGE_CAPACITY))
        // Not zero-filled: pages of a large image are touched only as rows are decoded, so a small
        // file that claims a large size and then ends costs little.
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = bytes.withUnsafeBufferPointer { data in
                Int(t2i_jpeg_decode_rgb(data.baseAddress, data.count, buffer.baseAddress, count,
                                        maxScans, &message, message.count))
            }
            initialized = status == T2I_JPEG_OK ? count : 0
        }
        try check(status, message, name: name)
        return pixels
    }

    /// Throws the error a status code stands for, with libjpeg's (or the bridge's) message.
    private static func check(_ status: Int, _ message: [CChar], name: String) throws {
        guard status != T2I_JPEG_OK else { return }
        // The bridge's text: "libjpeg: " and libjpeg's message, or its own words.
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let reason = text.isEmpty ? "libjpeg failed without a message" : text
        if status == T2I_JPEG_UNSUPPORTED { throw ImagingError.unsupportedJPEG(name, reason: reason) }
        throw ImagingError.corruptJPEG(name, reason: reason)
    }
}
