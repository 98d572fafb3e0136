#include "CJPEG.h"

#include <setjmp.h>
#include <stdio.h>  // jpeglib.h uses FILE
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// The error manager every function installs (libjpeg's example.c, "Error handling"): error_exit
// and warnings format the message and longjmp to `jump`, which is set in the same function that
// calls libjpeg, so the jump never leaves C.
struct t2i_error_manager {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int status;
    char message[T2I_JPEG_MESSAGE_CAPACITY];
};

// Errors that mean "a JPEG this build cannot decode" rather than "damaged data".
static int status_of(int code) {
    switch (code) {
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_IMAGE_TOO_BIG:
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
        return T2I_JPEG_UNSUPPORTED;
    default:
        return T2I_JPEG_CORRUPT;
    }
}

// libjpeg's message for its current msg_code, as "libjpeg: …".
static void format_libjpeg_message(j_common_ptr cinfo, struct t2i_error_manager *err) {
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(err->message, sizeof err->message, "libjpeg: %s", text);
}

static void t2i_error_exit(j_common_ptr cinfo) {
    struct t2i_error_manager *err = (struct t2i_error_manager *)cinfo->err;
    format_libjpeg_message(cinfo, err);
    err->status = status_of(cinfo->err->msg_code);
    longjmp(err->jump, 1);
}

// msg_level -1 is a warning: libjpeg goes on after it (with grey fill for missing data, skipped
// bytes, a guessed resync), so t2i stops instead. The one exception is an unknown JFIF version,
// which says nothing about the pixels. Levels 0 and up are trace messages, ignored.
static void t2i_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0 || cinfo->err->msg_code == JWRN_JFIF_MAJOR) return;
    struct t2i_error_manager *err = (struct t2i_error_manager *)cinfo->err;
    format_libjpeg_message(cinfo, err);
    err->status = T2I_JPEG_CORRUPT;
    longjmp(err->jump, 1);
}

static void t2i_output_message(j_common_ptr cinfo) { (void)cinfo; }  // never print to stderr

// Stops with our own message (from C code that runs under the same setjmp), without "libjpeg: ".
static void t2i_fail(j_common_ptr cinfo, int status, const char *text) {
    struct t2i_error_manager *err = (struct t2i_error_manager *)cinfo->err;
    snprintf(err->message, sizeof err->message, "%s", text);
    err->status = status;
    longjmp(err->jump, 1);
}

static void copy_message(const struct t2i_error_manager *err, char *message, size_t capacity) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", err->message[0] != 0 ? err->message : "libjpeg failed without a message");
}

static void init_error_manager(struct t2i_error_manager *err) {
    memset(err, 0, sizeof *err);
    jpeg_std_error(&err->pub);
    err->pub.error_exit = t2i_error_exit;
    err->pub.emit_message = t2i_emit_message;
    err->pub.output_message = t2i_output_message;
    err->status = T2I_JPEG_CORRUPT;
}

// The scan limit, checked by libjpeg's progress hook while jpeg_start_decompress reads the scans of
// a multi-scan file (djpeg's -maxscans does the same).
struct t2i_progress {
    struct jpeg_progress_mgr pub;
    int max_scans;
};

static void t2i_progress_monitor(j_common_ptr cinfo) {
    struct t2i_progress *progress = (struct t2i_progress *)cinfo->progress;
    if (((j_decompress_ptr)cinfo)->input_scan_number > progress->max_scans) {
        char text[64];
        snprintf(text, sizeof text, "more than %d progressive scans", progress->max_scans);
        t2i_fail(cinfo, T2I_JPEG_UNSUPPORTED, text);
    }
}

static int color_space_code(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return T2I_JPEG_CS_GRAYSCALE;
    case JCS_RGB: return T2I_JPEG_CS_RGB;
    case JCS_YCbCr: return T2I_JPEG_CS_YCBCR;
    case JCS_CMYK: return T2I_JPEG_CS_CMYK;
    case JCS_YCCK: return T2I_JPEG_CS_YCCK;
    default: return T2I_JPEG_CS_UNKNOWN;
    }
}

int t2i_jpeg_read_header(const unsigned char *data, size_t size, t2i_jpeg_header *header,
                         unsigned char *exif, size_t exif_capacity,
                         char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    struct t2i_error_manager err;
    memset(&cinfo, 0, sizeof cinfo);
    memset(header, 0, sizeof *header);
    init_error_manager(&err);
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        copy_message(&err, message, message_capacity);
        jpeg_destroy_decompress(&cinfo);
        return err.status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    if (exif != NULL) jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);

    header->width = cinfo.image_width;
    header->height = cinfo.image_height;
    header->components = cinfo.num_components;
    header->color_space = color_space_code(cinfo.jpeg_color_space);
    header->saw_adobe_marker = cinfo.saw_Adobe_marker ? 1 : 0;
    header->adobe_transform = cinfo.Adobe_transform;
    header->progressive = cinfo.progressive_mode ? 1 : 0;
    header->data_precision = cinfo.data_precision;
    for (jpeg_saved_marker_ptr marker = cinfo.marker_list; exif != NULL && marker != NULL; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length >= 6 &&
            memcmp(marker->data, "Exif\0\0", 6) == 0) {
            size_t n = marker->data_length < exif_capacity ? marker->data_length : exif_capacity;
            memcpy(exif, marker->data, n);
            header->exif_size = n;
            break;
        }
    }
    jpeg_destroy_decompress(&cinfo);
    return T2I_JPEG_OK;
}

// Pillow's MULDIV255 (libImaging/ImPlatform.h): a * b / 255, rounded.
static unsigned char muldiv255(unsigned int a, unsigned int b) {
    unsigned int t = a * b + 128;
    return (unsigned char)(((t >> 8) + t) >> 8);
}

// One row of Adobe-inverted CMYK (what libjpeg gives for CMYK and YCCK files) to RGB, as Pillow does:
// its JPEG plugin reads 4-component files as "CMYK;I" (inverting every sample), then cmyk2rgb
// (libImaging/Convert.c) computes nk = 255 - K, R = nk - C * nk / 255. With the stored samples
// C' = 255 - C, K' = 255 - K that is R = K' - (255 - C') * K' / 255.
static void inverted_cmyk_to_rgb(const unsigned char *cmyk, unsigned char *rgb, unsigned int width) {
    for (unsigned int x = 0; x < width; x++) {
        unsigned int nk = cmyk[3];
        for (int c = 0; c < 3; c++) {
            rgb[c] = (unsigned char)(nk - muldiv255(255u - cmyk[c], nk));  // never below 0: muldiv255(a, nk) <= nk
        }
        cmyk += 4;
        rgb += 3;
    }
}

int t2i_jpeg_decode_rgb(const unsigned char *data, size_t size, unsigned char *rgb, size_t rgb_size,
                        int max_scans, char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    struct t2i_error_manager err;
    struct t2i_progress progress;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&progress, 0, sizeof progress);
    init_error_manager(&err);
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        copy_message(&err, message, message_capacity);
        jpeg_destroy_decompress(&cinfo);
        return err.status;
    }
    jpeg_create_decompress(&cinfo);
    progress.pub.progress_monitor = t2i_progress_monitor;
    progress.max_scans = max_scans;
    cinfo.progress = &progress.pub;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_RGB:
    case JCS_YCbCr:
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;  // libjpeg turns YCCK into CMYK
        cmyk = 1;
        break;
    default:
        t2i_fail((j_common_ptr)&cinfo, T2I_JPEG_UNSUPPORTED, "unknown colour space");
    }
    // 64-bit size_t: the product of two sides below 65536 and 3 cannot overflow.
    size_t row_bytes = (size_t)cinfo.image_width * 3;
    if (rgb == NULL || rgb_size != row_bytes * cinfo.image_height) {
        t2i_fail((j_common_ptr)&cinfo, T2I_JPEG_BAD_CALL, "the output buffer does not fit the image");
    }
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_width != cinfo.image_width || cinfo.output_height != cinfo.image_height ||
        cinfo.output_components != (cmyk ? 4 : 3)) {
        t2i_fail((j_common_ptr)&cinfo, T2I_JPEG_BAD_CALL, "libjpeg's output does not have the expected layout");
    }
    // The CMYK row lives in libjpeg's image pool, freed by jpeg_destroy_decompress on every path.
    JSAMPARRAY cmyk_row = cmyk
        ? (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, cinfo.output_width * 4, 1)
        : NULL;
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *out = rgb + row_bytes * cinfo.output_scanline;
        JSAMPROW row = cmyk ? cmyk_row[0] : out;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            t2i_fail((j_common_ptr)&cinfo, T2I_JPEG_CORRUPT, "libjpeg returned no scanline");
        }
        if (cmyk) inverted_cmyk_to_rgb(cmyk_row[0], out, cinfo.output_width);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return T2I_JPEG_OK;
}
