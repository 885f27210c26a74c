/* The initial weights of a run (`--init`): zeros, uniform on [-1, 1), standard normal
 * (counter-based, so the same on every rank for any rank count), or read from a dataset. */
#ifndef WSHARE_INITIAL_H
#define WSHARE_INITIAL_H

#include <stdint.h>

#include "wshare/h5file.h"

/* The --init value: "zeros", "uniform", "normal" or "FILE:DATASET". */
typedef struct {
  const char *spec;
  uint64_t seed;
} WsInitial;

/* 1 when spec is a valid --init value. */
int ws_initial_valid(const char *spec);
/* The file part of a FILE:DATASET spec into path (size bytes); 0 when spec names no file. */
int ws_initial_file(const WsInitial *init, char *path, size_t size);
/* Collective over comm: fills the n x q weights w (a dataset: n values, or n x q for q > 1).
 * file is the open FILE of a FILE:DATASET spec (NULL otherwise). */
WsErr ws_initial_weights(const WsInitial *init, const WsH5File *file, int n, int q, MPI_Comm comm,
                         double *w);

#endif
