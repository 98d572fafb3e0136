#ifndef T2I_CMPI_H
#define T2I_CMPI_H

#include <stddef.h>

// A small bridge over Open MPI: Swift sees plain C functions, never MPI's handle macros.
// Every function returns 0 on success or writes one line into `error` and returns non-zero.

/// Whether this process was started by mpirun/mpiexec (Open MPI's or PMIx's environment).
int t2i_mpi_launched(void);

/// MPI_Init on MPI_COMM_WORLD with errors returned (not fatal); its rank and size.
int t2i_mpi_init(int *rank, int *size, char *error, size_t error_length);

/// Every rank sends `count` floats; `recv` receives size × count floats in rank order.
int t2i_mpi_allgather_floats(const float *send, long count, float *recv, char *error, size_t error_length);

/// The maximum of `value` over all ranks.
int t2i_mpi_allreduce_max(int value, int *result, char *error, size_t error_length);

/// All ranks reach this point.
int t2i_mpi_barrier(char *error, size_t error_length);

/// MPI_Finalize.
int t2i_mpi_finalize(void);

#endif
