/* Private: what the two halves of the row reader share (rowread.c: opening, mapping, HDF5
 * reads; rowread_decode.c: chunks decoded here). */
#ifndef WSHARE_ROWREAD_IMPL_H
#define WSHARE_ROWREAD_IMPL_H

#include "wshare/rowread.h"

/* What is known about one stored dataset of the open file. */
typedef struct {
  const char *path, *name;
  hid_t dset, ftype, mtype;
  int ndims;
  hsize_t sdims[2]; /* stored extent ([m, 1] for a 1-D dataset) */
  int pdim;         /* stored dimension holding the logical rows */
  int chunked;
  hsize_t cdims[2];
  int nfilters;
  H5Z_filter_t filter[H5Z_MAX_NFILTERS];
  unsigned shuffle_size[H5Z_MAX_NFILTERS];
  int decodable; /* chunked, and every filter is deflate or shuffle */
  size_t fsize, msize;
  int native; /* stored type equals the memory type: bytes are used as they are */
  WsRowInfo info;
  WsProgress *progress; /* rows read so far, reported while reading (may be NULL) */
} Stored;

/* Copies a box of stored elements, already in the memory type, into the local rows: src
 * holds stored element (o0, o1) first with leading dimension ld; the box is e0 x e1, and
 * the local rows start at logical row a. */
void ws_rowread_put_box(const Stored *s, const char *src, size_t ld, hsize_t o0, hsize_t o1,
                        hsize_t e0, hsize_t e1, int64_t a, char *dest);
/* rowread_decode.c: every chunk covering rows [a, a + count) read raw and decoded here
 * (deflate, shuffle), once each; *fallback is set (nothing done) when a chunk is one HDF5
 * must supply (never written). */
WsErr ws_rowread_decode_rows(const Stored *s, int64_t a, int64_t count, char *dest, int *fallback);

#endif
