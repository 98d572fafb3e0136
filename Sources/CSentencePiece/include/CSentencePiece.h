// A plain C surface over SentencePiece (DESIGN §1, C bridges).
//
// No C++ type, exception or longjmp crosses this boundary: every function returns a status
// (0 = success), and on failure stores a malloc'd, NUL-terminated message in `*error` (when `error`
// is not NULL) that the caller frees with `t2i_sp_free_string`. Buffers handed back are malloc'd and
// freed with the matching `t2i_sp_free_*` function.

#ifndef T2I_CSENTENCEPIECE_H
#define T2I_CSENTENCEPIECE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A loaded SentencePiece model. Immutable after loading.
typedef struct t2i_sp_processor t2i_sp_processor;

/// Status codes returned by every function.
enum {
    T2I_SP_OK = 0,
    T2I_SP_ERROR = 1
};

/// Trains a model from in-memory sentences with SentencePiece's flag string `args`
/// (e.g. "--model_type=unigram --vocab_size=64"; no `--input` or `--model_prefix`).
/// On success `*model_out` holds the serialized ModelProto (`*model_len` bytes); free it with
/// `t2i_sp_free_bytes`.
int t2i_sp_train(const char *args,
                 const char *const *sentences, const size_t *sentence_lengths, size_t count,
                 char **model_out, size_t *model_len,
                 char **error);

/// Loads a model from serialized ModelProto bytes. Free the processor with `t2i_sp_free`.
int t2i_sp_load_from_bytes(const void *bytes, size_t length,
                           t2i_sp_processor **processor_out,
                           char **error);

/// Loads a model from a file. Free the processor with `t2i_sp_free`.
int t2i_sp_load_from_file(const char *path,
                          t2i_sp_processor **processor_out,
                          char **error);

/// Encodes UTF-8 `text` (`length` bytes) into piece ids, without bos/eos.
/// Free `*ids_out` with `t2i_sp_free_ids`.
int t2i_sp_encode(const t2i_sp_processor *processor,
                  const char *text, size_t length,
                  int32_t **ids_out, size_t *count_out,
                  char **error);

/// Decodes piece ids into UTF-8 text (`*text_len` bytes, NUL-terminated).
/// Free `*text_out` with `t2i_sp_free_string`.
int t2i_sp_decode(const t2i_sp_processor *processor,
                  const int32_t *ids, size_t count,
                  char **text_out, size_t *text_len,
                  char **error);

/// The number of pieces in the vocabulary.
int t2i_sp_piece_size(const t2i_sp_processor *processor, int32_t *size_out, char **error);

/// The piece for `id` (`*piece_len` bytes, NUL-terminated); free it with `t2i_sp_free_string`.
int t2i_sp_id_to_piece(const t2i_sp_processor *processor, int32_t id,
                       char **piece_out, size_t *piece_len,
                       char **error);

/// The serialized ModelProto of a loaded model; free it with `t2i_sp_free_bytes`.
int t2i_sp_serialized_model(const t2i_sp_processor *processor,
                            char **model_out, size_t *model_len,
                            char **error);

/// Frees a processor. NULL is allowed.
void t2i_sp_free(t2i_sp_processor *processor);

/// Frees a string returned by this API (messages, decoded text, pieces). NULL is allowed.
void t2i_sp_free_string(char *string);

/// Frees a byte buffer returned by this API. NULL is allowed.
void t2i_sp_free_bytes(char *bytes);

/// Frees an id buffer returned by this API. NULL is allowed.
void t2i_sp_free_ids(int32_t *ids);

#ifdef __cplusplus
}
#endif

#endif
