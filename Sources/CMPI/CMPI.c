#include "CMPI.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <mpi/mpi.h>

static void describe(int code, const char *what, char *error, size_t length) {
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(code, text, &n) != MPI_SUCCESS) snprintf(text, sizeof text, "error %d", code);
    snprintf(error, length, "%s: %s", what, text);
}

int t2i_mpi_launched(void) {
    static const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", NULL};
    for (int i = 0; names[i]; i++) {
        if (getenv(names[i])) return 1;
    }
    return 0;
}

int t2i_mpi_init(int *rank, int *size, char *error, size_t error_length) {
    int code = MPI_Init(NULL, NULL);
    if (code != MPI_SUCCESS) { describe(code, "MPI_Init", error, error_length); return 1; }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if ((code = MPI_Comm_rank(MPI_COMM_WORLD, rank)) != MPI_SUCCESS) { describe(code, "MPI_Comm_rank", error, error_length); return 1; }
    if ((code = MPI_Comm_size(MPI_COMM_WORLD, size)) != MPI_SUCCESS) { describe(code, "MPI_Comm_size", error, error_length); return 1; }
    return 0;
}

int t2i_mpi_allgather_floats(const float *send, long count, float *recv, char *error, size_t error_length) {
    if (count < 0 || count > INT_MAX) {
        snprintf(error, error_length, "MPI_Allgather: %ld floats per process is more than one call carries (%d)", count, INT_MAX);
        return 1;
    }
    int code = MPI_Allgather(send, (int)count, MPI_FLOAT, recv, (int)count, MPI_FLOAT, MPI_COMM_WORLD);
    if (code != MPI_SUCCESS) { describe(code, "MPI_Allgather", error, error_length); return 1; }
    return 0;
}

int t2i_mpi_allreduce_max(int value, int *result, char *error, size_t error_length) {
    int code = MPI_Allreduce(&value, result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (code != MPI_SUCCESS) { describe(code, "MPI_Allreduce", error, error_length); return 1; }
    return 0;
}

int t2i_mpi_barrier(char *error, size_t error_length) {
    int code = MPI_Barrier(MPI_COMM_WORLD);
    if (code != MPI_SUCCESS) { describe(code, "MPI_Barrier", error, error_length); return 1; }
    return 0;
}

int t2i_mpi_finalize(void) { return MPI_Finalize() == MPI_SUCCESS ? 0 : 1; }
