#include "CFuzzerDriver.h"

#ifdef T2I_LIBFUZZER
// libFuzzer's entry point for programs that keep their own main (LLVM >= 11).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int t2i_fuzz_run_driver(int *argc, char ***argv, t2i_fuzz_callback callback) {
    return LLVMFuzzerRunDriver(argc, argv, callback);
}
#else
int t2i_fuzz_run_driver(int *argc, char ***argv, t2i_fuzz_callback callback) {
    (void)argc; (void)argv; (void)callback;
    return -1;
}
#endif
