#ifndef T2I_CFUZZERDRIVER_H
#define T2I_CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// The per-input callback libFuzzer calls: returns 0 (-1 asks libFuzzer not to add the input to
/// its corpus).
typedef int (*t2i_fuzz_callback)(const uint8_t *data, size_t size);

/// Hands control to libFuzzer's driver with `argc`/`argv` (its `-flag=value` options and corpus
/// folders) when the binary was built with `-sanitize=fuzzer` and `-DT2I_LIBFUZZER`; returns the
/// driver's exit code. Returns -1 at once in an ordinary build, which has no libFuzzer.
int t2i_fuzz_run_driver(int *argc, char ***argv, t2i_fuzz_callback callback);

#endif
