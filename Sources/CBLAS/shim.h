// OpenBLAS's CBLAS interface (include path from pkg-config `openblas`).
#include <cblas.h>
// Lets the engine keep OpenBLAS single-threaded inside its own parallel loops (DESIGN §2).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
