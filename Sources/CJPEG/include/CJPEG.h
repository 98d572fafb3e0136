#ifndef T2I_CJPEG_H
#define T2I_CJPEG_H
// A plain C surface over libjpeg(-turbo)'s decompressor, from memory to memory.
//
// libjpeg reports errors through error_exit, which by default calls exit(). Every function here
// installs its own error manager whose error_exit (and emit_message, for warnings) formats
// libjpeg's message into the caller's buffer and longjmps back into the same C function, which
// frees libjpeg's state and returns a status code: no setjmp/longjmp ever crosses a Swift frame.
#include <stddef.h>

/// The status codes the functions return.
enum {
    /// Success.
    T2I_JPEG_OK = 0,
    /// libjpeg raised an error or a warning about the data (truncated, damaged, malformed); the
    /// message buffer holds libjpeg's text. Warnings count: a file libjpeg would only half decode
    /// (filling the rest with grey) is refused.
    T2I_JPEG_CORRUPT = 1,
    /// The data is a JPEG this build of libjpeg cannot decode (12-bit samples, an unknown colour
    /// space, too many scans); the message buffer says why.
    T2I_JPEG_UNSUPPORTED = 2,
    /// The caller's arguments do not fit the image (an output buffer of the wrong size), or libjpeg's
    /// output is not what the bridge asked for.
    T2I_JPEG_BAD_CALL = 3,
};

/// Bytes a message buffer needs for every message: libjpeg's (JMSG_LENGTH_MAX, 200) after
/// "libjpeg: ", or the bridge's own.
enum { T2I_JPEG_MESSAGE_CAPACITY = 256 };

/// Bytes an EXIF buffer needs for the largest APP1 marker payload.
enum { T2I_JPEG_EXIF_CAPACITY = 65533 };

/// The colour space of the compressed data, as libjpeg guesses it from the JFIF and Adobe markers
/// and the component count (jpeglib.h's J_COLOR_SPACE values).
enum {
    T2I_JPEG_CS_UNKNOWN = 0,
    T2I_JPEG_CS_GRAYSCALE = 1,
    T2I_JPEG_CS_RGB = 2,
    T2I_JPEG_CS_YCBCR = 3,
    T2I_JPEG_CS_CMYK = 4,
    T2I_JPEG_CS_YCCK = 5,
};

/// What the header of a JPEG says, read without decoding any pixel.
typedef struct {
    /// Image width and height in pixels (1 to 65500 each).
    unsigned int width, height;
    /// Components per pixel in the file (1, 3 or 4 for the colour spaces t2i decodes).
    int components;
    /// One of the T2I_JPEG_CS_ values.
    int color_space;
    /// 1 if an Adobe APP14 marker was found; `adobe_transform` is then its transform code
    /// (0: none, 1: YCbCr, 2: YCCK).
    int saw_adobe_marker;
    int adobe_transform;
    /// 1 for a progressive (multi-scan) JPEG.
    int progressive;
    /// 8 for the JPEGs this build decodes.
    int data_precision;
    /// Bytes of the first APP1 "Exif" marker copied into the caller's buffer (starting with
    /// "Exif\0\0"); 0 if there is none.
    size_t exif_size;
} t2i_jpeg_header;

/// Reads the markers up to the first scan of `data` and fills `header`; if `exif` is not NULL, the
/// payload of the first APP1 marker starting with "Exif\0\0" is copied into it (at most
/// `exif_capacity` bytes; T2I_JPEG_EXIF_CAPACITY always suffice).
///
/// Returns a T2I_JPEG_ status; on failure `message` (NUL-terminated, at most `message_capacity`
/// bytes) says why: "libjpeg: " and libjpeg's message, or the bridge's own words.
int t2i_jpeg_read_header(const unsigned char *data, size_t size, t2i_jpeg_header *header,
                         unsigned char *exif, size_t exif_capacity,
                         char *message, size_t message_capacity);

/// Decodes `data` to 8-bit interleaved RGB, `width * height * 3` bytes into `rgb` (`rgb_size` must
/// be exactly that, or T2I_JPEG_BAD_CALL is returned before decoding).
///
/// Grayscale is replicated to RGB and YCbCr converted by libjpeg. CMYK and YCCK are read as CMYK
/// and converted the way Pillow does (`convert("RGB")` of what its JPEG plugin reads): the samples
/// are taken as Adobe-inverted (as Photoshop writes them), `R = K' - K' * (255 - C') / 255` with
/// C', K' the stored samples, rounded like Pillow's MULDIV255. A progressive JPEG with more than
/// `max_scans` scans is refused (T2I_JPEG_UNSUPPORTED): each scan can cost a pass over the whole
/// image, so a small file could otherwise take minutes.
int t2i_jpeg_decode_rgb(const unsigned char *data, size_t size, unsigned char *rgb, size_t rgb_size,
                        int max_scans, char *message, size_t message_capacity);

#endif
