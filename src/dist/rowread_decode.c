/* The row reader's own decoding of chunked datasets (README "Input files"): each chunk that
 * covers a rank's rows is read raw from the file, inflated (gzip) and unshuffled here with
 * one set of reused chunk buffers, converted to the memory type by HDF5, and copied (or
 * transposed, for the columns layout) into place.  HDF5's own filter pipeline allocates and
 * frees chunk-sized buffers for every chunk, about four times the page faults of the data
 * itself on these machines. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "rowread_impl.h"

/* Side of a transposition tile. */
enum { WS_TILE = 32 };

/* ---------------------------------------------------------------------------- copying */

/* Transposes an e0 x e1 block (leading dimension ld) into dest rows of dld values. */
#define WS_DEFINE_TRANSPOSE(NAME, T)                                                               \
  static void NAME(const void *src_, size_t ld, hsize_t e0, hsize_t e1, void *dest_, size_t dld) { \
    const T *src = src_;                                                                           \
    T *dest = dest_;                                                                               \
    for (hsize_t i0 = 0; i0 < e0; i0 += WS_TILE)                                                   \
      for (hsize_t j0 = 0; j0 < e1; j0 += WS_TILE)                                                 \
        for (hsize_t j = j0; j < j0 + WS_TILE && j < e1; j++)                                      \
          for (hsize_t i = i0; i < i0 + WS_TILE && i < e0; i++)                                    \
            dest[j * dld + i] = src[i * ld + j];                                                   \
  }
WS_DEFINE_TRANSPOSE(transpose_f32, float)
WS_DEFINE_TRANSPOSE(transpose_f64, double)

void ws_rowread_put_box(const Stored *s, const char *src, size_t ld, hsize_t o0, hsize_t o1,
                        hsize_t e0, hsize_t e1, int64_t a, char *dest) {
  size_t m = s->msize, cols = (size_t)s->info.cols;
  if (s->pdim == 0 && o1 == 0 && e1 == cols && ld == cols) {
    memcpy(dest + (o0 - a) * cols * m, src, e0 * e1 * m);
    return;
  }
  if (s->pdim == 0) {
    for (hsize_t i = 0; i < e0; i++)
      memcpy(dest + (((o0 + i) - a) * cols + o1) * m, src + i * ld * m, e1 * m);
    return;
  }
  /* Stored (o0 + i, o1 + j) is logical row o1 + j, column o0 + i. */
  char *d = dest + ((o1 - a) * cols + o0) * m;
  if (m == sizeof(float))
    transpose_f32(src, ld, e0, e1, d, cols);
  else
    transpose_f64(src, ld, e0, e1, d, cols);
}

/* ---------------------------------------------------------------------------- decoded */

typedef struct {
  unsigned char *raw, *work[2];
  size_t raw_size, work_size;
  z_stream z;
  int z_ready;
} Decoder;

static void decoder_free(Decoder *dc) {
  free(dc->raw);
  free(dc->work[0]);
  free(dc->work[1]);
  if (dc->z_ready) inflateEnd(&dc->z);
}

static int inflate_chunk(Decoder *dc, const unsigned char *in, size_t in_len, unsigned char *out,
                         size_t out_len, size_t *got) {
  if (!dc->z_ready) {
    memset(&dc->z, 0, sizeof dc->z);
    if (inflateInit(&dc->z) != Z_OK) return 0;
    dc->z_ready = 1;
  } else if (inflateReset(&dc->z) != Z_OK) {
    return 0;
  }
  dc->z.next_in = (unsigned char *)in;
  dc->z.avail_in = (uInt)in_len;
  dc->z.next_out = out;
  dc->z.avail_out = (uInt)out_len;
  int rc = inflate(&dc->z, Z_FINISH);
  *got = out_len - dc->z.avail_out;
  return rc == Z_STREAM_END;
}

/* HDF5's shuffle stores byte b of every element together; bytes past the last whole
 * element are kept as they are. */
static void unshuffle(const unsigned char *in, size_t nbytes, size_t esize, unsigned char *out) {
  size_t n = nbytes / esize;
  for (size_t b = 0; b < esize; b++) {
    const unsigned char *src = in + b * n;
    for (size_t i = 0; i < n; i++)
      out[i * esize + b] = src[i];
  }
  memcpy(out + n * esize, in + n * esize, nbytes - n * esize);
}

/* Reads one chunk raw and undoes its filters (those its mask did not skip, last first);
 * *out gets the chunk's elements in the stored type. */
static WsErr decode_chunk(const Stored *s, Decoder *dc, int fd, const hsize_t coord[2],
                          unsigned char **out, int *fallback) {
  hsize_t size = 0;
  unsigned mask = 0;
  haddr_t addr = HADDR_UNDEF;
  WS_H5(H5Dget_chunk_info_by_coord(s->dset, coord, &mask, &addr, &size),
        "%s: cannot locate a chunk of %s", s->path, s->name);
  if (addr == HADDR_UNDEF) { /* never written: fill values, which HDF5 knows */
    *fallback = 1;
    return WS_OK;
  }
  if (size > dc->raw_size) {
    free(dc->raw);
    dc->raw = ws_memory_alloc(size);
    dc->raw_size = dc->raw ? size : 0;
    WS_CHECK(dc->raw, WS_ERR_RUNTIME, "out of memory reading %s", s->path);
  }
  for (hsize_t done = 0; done < size;) {
    ssize_t got = pread(fd, dc->raw + done, size - done, (off_t)(addr + done));
    WS_CHECK(got > 0 || (got < 0 && errno == EINTR), WS_ERR_RUNTIME,
             "%s: reading a chunk of %s failed: %s", s->path, s->name,
             got < 0 ? strerror(errno) : "file too short");
    if (got > 0) done += (hsize_t)got;
  }
  size_t chunk_bytes = s->cdims[0] * s->cdims[1] * s->fsize, len = size;
  unsigned char *cur = dc->raw;
  for (int i = s->nfilters - 1; i >= 0; i--) {
    if (mask & (1u << i)) continue;
    unsigned char *next = cur == dc->work[0] ? dc->work[1] : dc->work[0];
    if (s->filter[i] == H5Z_FILTER_DEFLATE) {
      size_t got = 0;
      WS_CHECK(inflate_chunk(dc, cur, len, next, chunk_bytes, &got), WS_ERR_INPUT,
               "%s: dataset %s: the gzip chunk at (%llu, %llu) does not inflate (corrupt file?)",
               s->path, s->name, (unsigned long long)coord[0],
               (unsigned long long)(s->ndims == 2 ? coord[1] : 0));
      len = got;
    } else {
      unshuffle(cur, len, s->shuffle_size[i] > 0 ? s->shuffle_size[i] : 1, next);
    }
    cur = next;
  }
  WS_CHECK(len == chunk_bytes, WS_ERR_INPUT,
           "%s: dataset %s: the chunk at (%llu, %llu) holds %zu bytes, expected %zu (corrupt "
           "file?)",
           s->path, s->name, (unsigned long long)coord[0],
           (unsigned long long)(s->ndims == 2 ? coord[1] : 0), len, chunk_bytes);
  if (!s->native) {
    if (cur == dc->raw) {
      memcpy(dc->work[0], cur, len);
      cur = dc->work[0];
    }
    WS_H5(H5Tconvert(s->ftype, s->mtype, s->cdims[0] * s->cdims[1], cur, NULL, H5P_DEFAULT),
          "%s: cannot convert a chunk of %s", s->path, s->name);
  }
  *out = cur;
  return WS_OK;
}

WsErr ws_rowread_decode_rows(const Stored *s, int64_t a, int64_t count, char *dest, int *fallback) {
  Decoder dc;
  memset(&dc, 0, sizeof dc);
  size_t elems = s->cdims[0] * s->cdims[1];
  dc.work_size = elems * (s->fsize > s->msize ? s->fsize : s->msize);
  dc.work[0] = ws_memory_alloc(dc.work_size);
  dc.work[1] = ws_memory_alloc(dc.work_size);
  int fd = open(s->path, O_RDONLY);
  WsErr err =
      !dc.work[0] || !dc.work[1] ? WS_ERR_RUNTIME
      : fd < 0 ? ws_error_set(WS_ERR_INPUT, "cannot open file '%s': %s", s->path, strerror(errno))
               : WS_OK;
  int p = s->pdim, o = 1 - p;
  hsize_t b = (hsize_t)(a + count), cp = s->cdims[p], co = s->cdims[o];
  for (hsize_t k = (hsize_t)a / cp * cp; !err && !*fallback && k < b; k += cp) {
    for (hsize_t q = 0; !err && !*fallback && q < s->sdims[o]; q += co) {
      hsize_t coord[2];
      coord[p] = k;
      coord[o] = q;
      unsigned char *chunk = NULL;
      err = decode_chunk(s, &dc, fd, coord, &chunk, fallback);
      if (err || *fallback) break;
      /* The box: the chunk within the dataset's extent and, along rows, within [a, b). */
      hsize_t lo = k > (hsize_t)a ? k : (hsize_t)a;
      hsize_t hi = k + cp < b ? k + cp : b;
      hsize_t end_o = q + co < s->sdims[o] ? q + co : s->sdims[o];
      hsize_t o0 = p == 0 ? lo : q, o1 = p == 0 ? q : lo;
      hsize_t e0 = p == 0 ? hi - lo : end_o - q, e1 = p == 0 ? end_o - q : hi - lo;
      const char *src =
          (const char *)chunk + ((o0 - coord[0]) * s->cdims[1] + (o1 - coord[1])) * s->msize;
      ws_rowread_put_box(s, src, s->cdims[1], o0, o1, e0, e1, a, dest);
    }
    hsize_t done = (k + cp < b ? k + cp : b) - (hsize_t)a;
    ws_progress_update(s->progress, (double)done / (double)count, NULL);
  }
  if (fd >= 0) close(fd);
  decoder_free(&dc);
  return err;
}
