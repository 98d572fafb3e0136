// The C surface of CSentencePiece.h over SentencePiece's C++ API.
//
// Every entry point catches all exceptions (`catch (...)`) and reports them as a status plus a
// message, so nothing C++ crosses into Swift (DESIGN §1).

#include "CSentencePiece.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

// Declared in SentencePiece's internal common.h (not installed); exported by libsentencepiece.so.
namespace sentencepiece {
namespace logging {
void SetMinLogLevel(int v);
}  // namespace logging
}  // namespace sentencepiece

struct t2i_sp_processor {
    sentencepiece::SentencePieceProcessor processor;
};

namespace {

// A malloc'd, NUL-terminated copy of `bytes` (so C and Swift can free it with `free`).
char *copy_to_malloc(const char *bytes, size_t length) {
    char *out = static_cast<char *>(std::malloc(length + 1));
    if (out == nullptr) return nullptr;
    if (length > 0) std::memcpy(out, bytes, length);
    out[length] = '\0';
    return out;
}

int fail(char **error, const std::string &message) {
    if (error != nullptr) *error = copy_to_malloc(message.data(), message.size());
    return T2I_SP_ERROR;
}

int fail(char **error, const sentencepiece::util::Status &status) {
    const char *message = status.error_message();
    std::string text = (message != nullptr && message[0] != '\0') ? std::string(message) : status.ToString();
    return fail(error, text);
}

// Runs `body`, turning any escaping C++ exception into an error status.
template <typename Body>
int guarded(char **error, Body body) {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return fail(error, "SentencePiece: out of memory");
    } catch (const std::exception &e) {
        return fail(error, std::string("SentencePiece: ") + e.what());
    } catch (...) {
        return fail(error, "SentencePiece: unknown C++ exception");
    }
}

// Feeds in-memory sentences to the trainer, so no training input touches the disk.
class VectorSentenceIterator : public sentencepiece::SentenceIterator {
public:
    explicit VectorSentenceIterator(const std::vector<std::string> &sentences)
        : sentences_(sentences) {}

    bool done() const override { return index_ >= sentences_.size(); }
    void Next() override { ++index_; }
    const std::string &value() const override { return sentences_[index_]; }
    sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

private:
    const std::vector<std::string> &sentences_;
    size_t index_ = 0;
};

// SentencePiece logs INFO lines (and warnings such as BPE's "No valid symbol found") to stderr;
// raise its process-wide threshold to ERROR once, before any call. Failures still reach the caller
// as statuses. Level 2 is ERROR in SentencePiece's LOG(severity) scale (INFO 0, WARNING 1).
// The `--minloglevel` training flag is not enough: the trainer logs the command line before
// parsing it.
void silence_logging() {
    static std::once_flag once;
    std::call_once(once, [] { sentencepiece::logging::SetMinLogLevel(2); });
}

// SentencePiece's trainer sets process-wide state (its log level flag among others), so
// trainings are serialized.
std::mutex &training_mutex() {
    static std::mutex mutex;
    return mutex;
}

}  // namespace

extern "C" {

int t2i_sp_train(const char *args,
                 const char *const *sentences, const size_t *sentence_lengths, size_t count,
                 char **model_out, size_t *model_len,
                 char **error) {
    if (error != nullptr) *error = nullptr;
    if (args == nullptr || model_out == nullptr || model_len == nullptr || (sentences == nullptr && count > 0)) {
        return fail(error, "t2i_sp_train: NULL argument");
    }
    *model_out = nullptr;
    *model_len = 0;
    return guarded(error, [&]() -> int {
        silence_logging();
        std::vector<std::string> corpus;
        corpus.reserve(count);
        for (size_t i = 0; i < count; ++i) {
            const char *sentence = sentences[i];
            if (sentence == nullptr) return fail(error, "t2i_sp_train: NULL sentence");
            size_t length = sentence_lengths != nullptr ? sentence_lengths[i] : std::strlen(sentence);
            corpus.emplace_back(sentence, length);
        }
        VectorSentenceIterator iterator(corpus);
        std::string serialized;
        sentencepiece::util::Status status;
        {
            std::lock_guard<std::mutex> lock(training_mutex());
            status = sentencepiece::SentencePieceTrainer::Train(args, &iterator, &serialized);
        }
        if (!status.ok()) return fail(error, status);
        if (serialized.empty()) return fail(error, "SentencePiece: training produced an empty model");
        char *buffer = copy_to_malloc(serialized.data(), serialized.size());
        if (buffer == nullptr) return fail(error, "SentencePiece: out of memory");
        *model_out = buffer;
        *model_len = serialized.size();
        return T2I_SP_OK;
    });
}

int t2i_sp_load_from_bytes(const void *bytes, size_t length,
                           t2i_sp_processor **processor_out,
                           char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor_out == nullptr || (bytes == nullptr && length > 0)) {
        return fail(error, "t2i_sp_load_from_bytes: NULL argument");
    }
    *processor_out = nullptr;
    return guarded(error, [&]() -> int {
        silence_logging();
        auto *handle = new t2i_sp_processor();
        const char *data = bytes != nullptr ? static_cast<const char *>(bytes) : "";
        auto status = handle->processor.LoadFromSerializedProto(absl::string_view(data, length));
        if (!status.ok()) {
            delete handle;
            return fail(error, status);
        }
        *processor_out = handle;
        return T2I_SP_OK;
    });
}

int t2i_sp_load_from_file(const char *path,
                          t2i_sp_processor **processor_out,
                          char **error) {
    if (error != nullptr) *error = nullptr;
    if (path == nullptr || processor_out == nullptr) {
        return fail(error, "t2i_sp_load_from_file: NULL argument");
    }
    *processor_out = nullptr;
    return guarded(error, [&]() -> int {
        silence_logging();
        auto *handle = new t2i_sp_processor();
        auto status = handle->processor.Load(path);
        if (!status.ok()) {
            delete handle;
            return fail(error, status);
        }
        *processor_out = handle;
        return T2I_SP_OK;
    });
}

int t2i_sp_encode(const t2i_sp_processor *processor,
                  const char *text, size_t length,
                  int32_t **ids_out, size_t *count_out,
                  char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor == nullptr || ids_out == nullptr || count_out == nullptr || (text == nullptr && length > 0)) {
        return fail(error, "t2i_sp_encode: NULL argument");
    }
    *ids_out = nullptr;
    *count_out = 0;
    return guarded(error, [&]() -> int {
        silence_logging();
        std::vector<int> ids;
        const char *data = text != nullptr ? text : "";
        auto status = processor->processor.Encode(absl::string_view(data, length), &ids);
        if (!status.ok()) return fail(error, status);
        // One element at least, so that an empty result is still a valid malloc'd pointer.
        auto *buffer = static_cast<int32_t *>(std::malloc((ids.size() + 1) * sizeof(int32_t)));
        if (buffer == nullptr) return fail(error, "SentencePiece: out of memory");
        for (size_t i = 0; i < ids.size(); ++i) buffer[i] = static_cast<int32_t>(ids[i]);
        *ids_out = buffer;
        *count_out = ids.size();
        return T2I_SP_OK;
    });
}

int t2i_sp_decode(const t2i_sp_processor *processor,
                  const int32_t *ids, size_t count,
                  char **text_out, size_t *text_len,
                  char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor == nullptr || text_out == nullptr || text_len == nullptr || (ids == nullptr && count > 0)) {
        return fail(error, "t2i_sp_decode: NULL argument");
    }
    *text_out = nullptr;
    *text_len = 0;
    return guarded(error, [&]() -> int {
        silence_logging();
        const int size = processor->processor.GetPieceSize();
        std::vector<int> pieces;
        pieces.reserve(count);
        for (size_t i = 0; i < count; ++i) {
            // Checked here too: an id out of range would index past the model's piece table.
            if (ids[i] < 0 || ids[i] >= size) {
                return fail(error, "Invalid id: " + std::to_string(ids[i]) +
                                       " (vocabulary size " + std::to_string(size) + ")");
            }
            pieces.push_back(static_cast<int>(ids[i]));
        }
        std::string text;
        auto status = processor->processor.Decode(pieces, &text);
        if (!status.ok()) return fail(error, status);
        char *buffer = copy_to_malloc(text.data(), text.size());
        if (buffer == nullptr) return fail(error, "SentencePiece: out of memory");
        *text_out = buffer;
        *text_len = text.size();
        return T2I_SP_OK;
    });
}

int t2i_sp_piece_size(const t2i_sp_processor *processor, int32_t *size_out, char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor == nullptr || size_out == nullptr) {
        return fail(error, "t2i_sp_piece_size: NULL argument");
    }
    return guarded(error, [&]() -> int {
        silence_logging();
        *size_out = static_cast<int32_t>(processor->processor.GetPieceSize());
        return T2I_SP_OK;
    });
}

int t2i_sp_id_to_piece(const t2i_sp_processor *processor, int32_t id,
                       char **piece_out, size_t *piece_len,
                       char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor == nullptr || piece_out == nullptr || piece_len == nullptr) {
        return fail(error, "t2i_sp_id_to_piece: NULL argument");
    }
    *piece_out = nullptr;
    *piece_len = 0;
    return guarded(error, [&]() -> int {
        silence_logging();
        const int size = processor->processor.GetPieceSize();
        if (id < 0 || id >= size) {
            return fail(error, "Invalid id: " + std::to_string(id) +
                                   " (vocabulary size " + std::to_string(size) + ")");
        }
        const std::string &piece = processor->processor.IdToPiece(id);
        char *buffer = copy_to_malloc(piece.data(), piece.size());
        if (buffer == nullptr) return fail(error, "SentencePiece: out of memory");
        *piece_out = buffer;
        *piece_len = piece.size();
        return T2I_SP_OK;
    });
}

int t2i_sp_serialized_model(const t2i_sp_processor *processor,
                            char **model_out, size_t *model_len,
                            char **error) {
    if (error != nullptr) *error = nullptr;
    if (processor == nullptr || model_out == nullptr || model_len == nullptr) {
        return fail(error, "t2i_sp_serialized_model: NULL argument");
    }
    *model_out = nullptr;
    *model_len = 0;
    return guarded(error, [&]() -> int {
        silence_logging();
        const std::string serialized = processor->processor.serialized_model_proto();
        if (serialized.empty()) return fail(error, "SentencePiece: model is not loaded");
        char *buffer = copy_to_malloc(serialized.data(), serialized.size());
        if (buffer == nullptr) return fail(error, "SentencePiece: out of memory");
        *model_out = buffer;
        *model_len = serialized.size();
        return T2I_SP_OK;
    });
}

void t2i_sp_free(t2i_sp_processor *processor) {
    delete processor;
}

void t2i_sp_free_string(char *string) {
    std::free(string);
}

void t2i_sp_free_bytes(char *bytes) {
    std::free(bytes);
}

void t2i_sp_free_ids(int32_t *ids) {
    std::free(ids);
}

}  // extern "C"
