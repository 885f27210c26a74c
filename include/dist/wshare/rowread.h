/* Reading a rank's rows of an input dataset, whatever its storage (README "Input files"):
 * contiguous or chunked (any chunk shape), unfiltered or compressed, any integer or float
 * type in either byte order, stored as rows (m x n) or transposed (n x m, --X-layout
 * columns).  After the file's collective open, every rank reads only the storage that
 * covers its rows, on its own (independent reads), so decompression runs on all ranks at
 * once; the functions are collective only in agreeing on the outcome.  Three methods,
 * chosen per rank:
 *   mapped   contiguous or chunked storage of whole rows, unfiltered, in the memory type,
 *            rows layout: the rows are mapped from the file (zero-copy), one run of rows per
 *            stretch of adjacent storage;
 *   decoded  other chunked storage whose filters are deflate (gzip) and shuffle: each chunk
 *            covering the rank's rows is read raw, inflated and unshuffled here, converted to
 *            the memory type by HDF5 and copied (transposed for columns) into place;
 *   hdf5     everything else, and all datasets when the environment sets WSHARE_IO=hdf5:
 *            H5Dread of blocks aligned to the chunk grid (so each chunk is decoded once),
 *            with HDF5's filters and conversion. */
#ifndef WSHARE_ROWREAD_H
#define WSHARE_ROWREAD_H

#include <stdint.h>

#include "wshare/progress.h"
#include "wshare/dataset.h"
#include "wshare/h5file.h"

typedef enum { WS_LAYOUT_ROWS = 0, WS_LAYOUT_COLUMNS = 1 } WsLayout;
/* The layouts' option names ("rows", "columns"), NULL-terminated, in the enum's order. */
const char *const *ws_rowread_layout_names(void);

/* A dataset as wshare reads it. */
typedef struct {
  int ndims;         /* stored rank: 1 or 2 */
  int64_t rows;      /* logical rows (stored dimension 0, or 1 with the columns layout) */
  int64_t cols;      /* values per logical row (1 for a 1-D dataset) */
  WsDtype dtype;     /* memory type: float32 when every stored value is exactly a float32 */
  char type[48];     /* stored type, e.g. "int8", "float64 big-endian" */
  char storage[128]; /* e.g. "contiguous", "chunked 2048 x 256, gzip" */
  int mappable;      /* the rows can be mapped from the file as they are (method "mapped") */
} WsRowInfo;

/* A run of consecutive local rows that sit together in memory. */
typedef struct {
  int64_t first;    /* local index of the run's first row */
  int64_t count;    /* rows in the run */
  const void *data; /* the run's rows, row-major, cols values each */
} WsRowRun;

typedef struct WsRowMapping WsRowMapping;

/* A rank's rows in memory: runs in row order covering local rows [0, count). */
typedef struct {
  int64_t count;
  int64_t cols;
  WsDtype dtype;
  int n_runs;
  WsRowRun *runs;
  const char *method; /* "mapped", "decoded" or "hdf5" */
  int n_maps;
  WsRowMapping *maps; /* the file mappings, or the anonymous memory the rows were read into */
} WsRowBlock;

/* Local: shape, stored type and storage of dataset name of f in the given layout (a 1-D
 * dataset is read as rows whatever the layout).  A missing or non-numeric dataset, or one
 * of more than 2 dimensions, is an input error naming it. */
WsErr ws_rowread_inspect(const WsH5File *f, const char *name, WsLayout layout, WsRowInfo *info);

/* Collective: this rank's rows [part.start, part.start + part.count) of the dataset as
 * converted to dtype, mapped from the file where its storage allows, else read; a read
 * reports the rows done to progress (may be NULL). */
WsErr ws_rowread_block(const WsH5File *f, const char *name, WsLayout layout,
                       const WsPartition *part, WsDtype dtype, WsProgress *progress,
                       WsRowBlock **out);
/* Collective: the same rows read (never mapped) into buf, part.count x cols values of dtype. */
WsErr ws_rowread_into(const WsH5File *f, const char *name, WsLayout layout, const WsPartition *part,
                      WsDtype dtype, void *buf);
/* Unmaps or frees the rows; accepts NULL and sets *block to NULL.  Not collective. */
void ws_rowread_destroy(WsRowBlock **block);

/* Local row i of a block, and in *avail how many rows follow it contiguously (itself
 * included).  i must be in [0, count). */
const void *ws_rowread_row(const WsRowBlock *block, int64_t i, int64_t *avail);

#endif
