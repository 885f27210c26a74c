/* Reading a rank's rows of a dataset (the methods are described in rowread.h and in the
 * README, "Input files").
 *
 * Why not one collective H5Dread, as before: measured on a 10^6 x 256 float64 /X in
 * 2048-row chunks, the old read took 5-12 s at 2 ranks against ~1 s for a contiguous copy.
 * The cause was the shape of the memory dataspace: a 1-D memory space against a 2-D file
 * selection makes HDF5 build each chunk's memory selection element by element (~4 s of CPU
 * per rank for 1.3e8 elements); a 2-D memory space of the selection's shape reads the same
 * data in ~1.2 s.  What remains is the copy into fresh memory, which on these VMs costs
 * about 0.5-0.9 s per GB of page faults, more than the whole solve; hence whole-row chunks
 * are mapped like contiguous storage.  For gzip, HDF5's pipeline allocates and frees
 * chunk-sized buffers per chunk (4x the page faults of the data itself); decoding here
 * reuses one set of chunk buffers, and each rank decodes only its own chunks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rowread_impl.h"

struct WsRowMapping {
  void *base;
  size_t length;
};

/* Mappings per rank at most (the kernel's map count is finite), and the largest gap of
 * unrelated bytes (an index node between chunks) one mapping may span. */
enum { WS_MAX_MAPS = 1024 };
static const uint64_t WS_MAP_GAP = (uint64_t)1 << 20;
/* Memory written by one H5Dread on the hdf5 method. */
static const size_t WS_BLOCK_BYTES = (size_t)16 << 20;

const char *const *ws_rowread_layout_names(void) {
  static const char *const names[] = {"rows", "columns", NULL};
  return names;
}

static int force_hdf5(void) {
  const char *io = getenv("WSHARE_IO");
  return io && strcmp(io, "hdf5") == 0;
}

/* float32 when every value of the stored type is exactly a float32: integers of at most 24
 * bits, IEEE-like floats with at most 8 exponent and 23 mantissa bits (float16, bfloat16). */
static WsDtype memory_dtype(hid_t ftype) {
  if (H5Tget_class(ftype) == H5T_INTEGER)
    return H5Tget_precision(ftype) <= 24 ? WS_DTYPE_F32 : WS_DTYPE_F64;
  size_t spos, epos, esize, mpos, msize;
  if (H5Tget_fields(ftype, &spos, &epos, &esize, &mpos, &msize) < 0) return WS_DTYPE_F64;
  int ieee_bias = esize >= 2 && H5Tget_ebias(ftype) == ((size_t)1 << (esize - 1)) - 1;
  return esize <= 8 && msize <= 23 && ieee_bias && H5Tget_norm(ftype) == H5T_NORM_IMPLIED
             ? WS_DTYPE_F32
             : WS_DTYPE_F64;
}

static void describe_type(hid_t ftype, char *out, size_t size) {
  size_t bits = H5Tget_size(ftype) * 8;
  if (H5Tget_class(ftype) == H5T_INTEGER)
    snprintf(out, size, "%sint%zu", H5Tget_sign(ftype) == H5T_SGN_NONE ? "u" : "", bits);
  else
    snprintf(out, size, "float%zu", bits);
  if (H5Tget_order(ftype) == H5T_ORDER_BE && bits > 8)
    snprintf(out + strlen(out), size - strlen(out), " big-endian");
}

static const char *filter_name(H5Z_filter_t id) {
  switch (id) {
  case H5Z_FILTER_DEFLATE:
    return "gzip";
  case H5Z_FILTER_SHUFFLE:
    return "shuffle";
  case H5Z_FILTER_FLETCHER32:
    return "fletcher32";
  case H5Z_FILTER_SZIP:
    return "szip";
  case H5Z_FILTER_NBIT:
    return "nbit";
  case H5Z_FILTER_SCALEOFFSET:
    return "scaleoffset";
  default:
    return NULL;
  }
}

/* Layout and filters from the creation properties. */
static WsErr read_storage(Stored *s, hid_t dcpl) {
  WsRowInfo *info = &s->info;
  H5D_layout_t layout = H5Pget_layout(dcpl);
  s->chunked = layout == H5D_CHUNKED;
  if (s->chunked) {
    hsize_t c[2] = {1, 1};
    WS_H5(H5Pget_chunk(dcpl, s->ndims, c), "%s: cannot read the chunk shape of %s", s->path,
          s->name);
    s->cdims[0] = c[0];
    s->cdims[1] = s->ndims == 2 ? c[1] : 1;
    snprintf(info->storage, sizeof info->storage, "chunked %llu", (unsigned long long)c[0]);
    if (s->ndims == 2)
      snprintf(info->storage + strlen(info->storage), sizeof info->storage - strlen(info->storage),
               " x %llu", (unsigned long long)c[1]);
  } else {
    snprintf(info->storage, sizeof info->storage, "%s",
             layout == H5D_COMPACT ? "compact" : "contiguous");
  }
  s->nfilters = H5Pget_nfilters(dcpl);
  unsigned opts = 0;
  if (s->chunked) H5Pget_chunk_opts(dcpl, &opts);
  /* Unfiltered partial edge chunks carry no mark of it in their filter masks. */
  s->decodable = s->chunked && !(opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS);
  for (int i = 0; i < s->nfilters; i++) {
    unsigned flags, config, cd[8] = {0};
    size_t ncd = sizeof cd / sizeof *cd;
    char name[64] = "";
    s->filter[i] = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, &config);
    const char *label = filter_name(s->filter[i]);
    if (!label) label = name[0] ? name : "unnamed";
    size_t used = strlen(info->storage);
    snprintf(info->storage + used, sizeof info->storage - used, ", %s", label);
    WS_CHECK(H5Zfilter_avail(s->filter[i]) > 0, WS_ERR_INPUT,
             "%s: dataset %s uses HDF5 filter %d (%s), which this HDF5 cannot decode (is its "
             "plugin on HDF5_PLUGIN_PATH?)",
             s->path, s->name, (int)s->filter[i], label);
    s->shuffle_size[i] = ncd > 0 ? cd[0] : 0;
    if (s->filter[i] == H5Z_FILTER_SHUFFLE && ncd == 0) s->decodable = 0;
    if (s->filter[i] != H5Z_FILTER_DEFLATE && s->filter[i] != H5Z_FILTER_SHUFFLE) s->decodable = 0;
  }
  return WS_OK;
}

static void stored_close(Stored *s) {
  if (s->ftype >= 0) H5Tclose(s->ftype);
  if (s->dset >= 0) H5Dclose(s->dset);
  s->ftype = s->dset = H5I_INVALID_HID;
}

/* Opens the dataset of the open file f and describes it; dtype < 0 takes the memory type
 * the stored type calls for.  Every call after the file's collective open is this rank's
 * own (independent reads of metadata and data). */
static WsErr stored_open(const WsH5File *f, const char *name, WsLayout layout, int dtype,
                         Stored *s) {
  const char *path = f->path;
  memset(s, 0, sizeof *s);
  s->path = path;
  s->name = name;
  s->dset = s->ftype = H5I_INVALID_HID;
  WS_CHECK(name[0] == '/', WS_ERR_INPUT, "%s: dataset name '%s' must start with '/'", path, name);
  WS_CHECK(ws_h5file_exists(f, name), WS_ERR_INPUT, "%s: dataset %s not found", path, name);
  s->dset = H5Dopen2(f->file, name, H5P_DEFAULT);
  WS_CHECK(s->dset >= 0, WS_ERR_INPUT, "%s: %s is not a dataset (a group or another object)", path,
           name);
  hid_t space = H5Dget_space(s->dset);
  hsize_t dims[H5S_MAX_RANK];
  s->ndims = H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  WS_CHECK(s->ndims >= 1 && s->ndims <= 2, WS_ERR_INPUT,
           "%s: dataset %s has %d dimensions (1 or 2 expected)", path, name, s->ndims);
  s->sdims[0] = dims[0];
  s->sdims[1] = s->ndims == 2 ? dims[1] : 1;
  s->pdim = s->ndims == 2 && layout == WS_LAYOUT_COLUMNS ? 1 : 0;
  s->ftype = H5Dget_type(s->dset);
  H5T_class_t cls = H5Tget_class(s->ftype);
  WS_CHECK(cls == H5T_INTEGER || cls == H5T_FLOAT, WS_ERR_INPUT,
           "%s: dataset %s must hold integers or floats (found %s)", path, name,
           cls == H5T_ENUM ? "an enum, e.g. numpy bool: store it as uint8"
                           : ws_h5file_type_name(cls, H5Tget_size(s->ftype)));
  WsRowInfo *info = &s->info;
  info->ndims = s->ndims;
  info->rows = (int64_t)s->sdims[s->pdim];
  info->cols = (int64_t)s->sdims[1 - s->pdim];
  info->dtype = dtype >= 0 ? (WsDtype)dtype : memory_dtype(s->ftype);
  describe_type(s->ftype, info->type, sizeof info->type);
  s->mtype = info->dtype == WS_DTYPE_F32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  s->fsize = H5Tget_size(s->ftype);
  s->msize = H5Tget_size(s->mtype);
  s->native = H5Tequal(s->ftype, s->mtype) > 0;
  hid_t dcpl = H5Dget_create_plist(s->dset);
  WsErr err = read_storage(s, dcpl);
  H5Pclose(dcpl);
  /* Whole rows, stored as they are used, nothing to decode (the pieces are found per rank). */
  info->mappable = !err && s->pdim == 0 && s->nfilters == 0 && s->native &&
                   (!s->chunked || s->cdims[1] == s->sdims[1]) && !force_hdf5();
  if (!err && s->pdim == 1) {
    size_t used = strlen(info->storage);
    snprintf(info->storage + used, sizeof info->storage - used, ", stored transposed");
  }
  return err;
}

WsErr ws_rowread_inspect(const WsH5File *f, const char *name, WsLayout layout, WsRowInfo *info) {
  Stored s;
  WsErr err = stored_open(f, name, layout, -1, &s);
  if (!err) *info = s.info;
  stored_close(&s);
  return err;
}

/* ---------------------------------------------------------------------------- mapped */

/* Byte range of a piece of the file holding consecutive rows. */
typedef struct {
  int64_t first, count;
  uint64_t lo, hi;
} Piece;

/* The file pieces holding rows [a, a + count) when they can be mapped; 0 pieces when not. */
static int map_pieces(const Stored *s, int64_t a, int64_t count, Piece *pieces, int max_pieces) {
  uint64_t row_bytes = s->sdims[1] * s->fsize;
  if (!s->chunked) {
    haddr_t off = H5Dget_offset(s->dset);
    if (off == HADDR_UNDEF) return 0;
    pieces[0] = (Piece){0, count, off + a * row_bytes, off + (a + count) * row_bytes};
    return 1;
  }
  int n = 0;
  hsize_t c0 = s->cdims[0];
  for (hsize_t k = (hsize_t)a / c0; k * c0 < (hsize_t)(a + count); k++) {
    hsize_t coord[2] = {k * c0, 0}, size = 0;
    unsigned mask = 0;
    haddr_t addr = HADDR_UNDEF;
    if (H5Dget_chunk_info_by_coord(s->dset, coord, &mask, &addr, &size) < 0 ||
        addr == HADDR_UNDEF || size != c0 * row_bytes)
      return 0;
    int64_t r0 = (int64_t)(k * c0) > a ? (int64_t)(k * c0) : a;
    int64_t r1 = (int64_t)((k + 1) * c0) < a + count ? (int64_t)((k + 1) * c0) : a + count;
    uint64_t lo = addr + (r0 - (int64_t)(k * c0)) * row_bytes, hi = lo + (r1 - r0) * row_bytes;
    if (n > 0 && pieces[n - 1].hi == lo) {
      pieces[n - 1].count += r1 - r0;
      pieces[n - 1].hi = hi;
    } else {
      if (n == max_pieces) return 0;
      pieces[n++] = (Piece){r0 - a, r1 - r0, lo, hi};
    }
  }
  return n;
}

static void unmap_all(WsRowBlock *b) {
  for (int i = 0; i < b->n_maps; i++)
    munmap(b->maps[i].base, b->maps[i].length);
  b->n_maps = 0;
}

/* Maps the rows when the storage allows; 1 when mapped.  Pieces close together in the file
 * share one mapping; MAP_POPULATE brings the pages in with one call, not a fault each. */
static int try_map(const Stored *s, int64_t a, WsRowBlock *b) {
  if (!s->info.mappable) return 0;
  int max_pieces = WS_MAX_MAPS;
  Piece *pieces = malloc((size_t)max_pieces * sizeof *pieces);
  b->runs = malloc((size_t)max_pieces * sizeof *b->runs);
  b->maps = malloc((size_t)max_pieces * sizeof *b->maps);
  int n = pieces && b->runs && b->maps ? map_pieces(s, a, b->count, pieces, max_pieces) : 0;
  int fd = n > 0 ? open(s->path, O_RDONLY) : -1;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  int ok = fd >= 0;
  for (int i = 0; ok && i < n;) {
    uint64_t start = pieces[i].lo / page * page, hi = pieces[i].hi;
    int j = i + 1;
    while (j < n && pieces[j].lo >= hi && pieces[j].lo - hi <= WS_MAP_GAP)
      hi = pieces[j++].hi;
    void *p = mmap(NULL, hi - start, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)start);
    if (p == MAP_FAILED) {
      ok = 0;
      break;
    }
    b->maps[b->n_maps++] = (WsRowMapping){p, hi - start};
    for (; i < j; i++)
      b->runs[b->n_runs++] =
          (WsRowRun){pieces[i].first, pieces[i].count, (char *)p + (pieces[i].lo - start)};
  }
  if (fd >= 0) close(fd);
  free(pieces);
  if (!ok || n == 0) {
    unmap_all(b);
    b->n_runs = 0;
    return 0;
  }
  b->method = "mapped";
  return 1;
}

/* ---------------------------------------------------------------------------- hdf5 */

/* H5Dread of blocks of rows whose boundaries fall on the chunk grid, so each chunk is
 * decoded once; a 2-D memory space of the selection's shape (see the top of the file).
 * The columns layout reads a block of stored columns and transposes it into place. */
static WsErr read_hdf5(const Stored *s, int64_t a, int64_t count, char *dest) {
  int p = s->pdim;
  size_t cols = (size_t)s->info.cols, row_bytes = cols * s->msize;
  hsize_t unit = s->chunked ? s->cdims[p] : 1;
  hsize_t per = WS_BLOCK_BYTES / row_bytes / unit * unit;
  if (per < unit) per = unit;
  char *scratch = NULL;
  if (p == 1) {
    scratch = ws_memory_alloc((size_t)per * row_bytes);
    WS_CHECK(scratch, WS_ERR_RUNTIME, "out of memory reading %s", s->path);
  }
  hid_t fspace = H5Dget_space(s->dset);
  herr_t status = 0;
  hsize_t b = (hsize_t)(a + count);
  for (hsize_t r = (hsize_t)a; status >= 0 && r < b;) {
    hsize_t end = r / unit * unit + per < b ? r / unit * unit + per : b;
    hsize_t start[2] = {0, 0}, extent[2] = {s->sdims[0], s->sdims[1]};
    start[p] = r;
    extent[p] = end - r;
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, extent, NULL);
    hid_t mspace = H5Screate_simple(s->ndims, extent, NULL);
    char *to = p == 0 ? dest + (r - (hsize_t)a) * row_bytes : scratch;
    status = H5Dread(s->dset, s->mtype, mspace, fspace, H5P_DEFAULT, to);
    H5Sclose(mspace);
    if (status >= 0 && p == 1)
      ws_rowread_put_box(s, scratch, end - r, 0, r, cols, end - r, a, dest);
    r = end;
    ws_progress_update(s->progress, (double)(r - (hsize_t)a) / (double)count, NULL);
  }
  H5Sclose(fspace);
  free(scratch);
  WS_CHECK(status >= 0, WS_ERR_RUNTIME, "%s: reading dataset %s failed", s->path, s->name);
  return WS_OK;
}

/* ---------------------------------------------------------------------------- entry */

static WsErr read_local(const Stored *s, int64_t a, int64_t count, void *dest,
                        const char **method) {
  if (count <= 0) return WS_OK;
  if (s->decodable && !force_hdf5()) {
    int fallback = 0;
    WS_CALL(ws_rowread_decode_rows(s, a, count, dest, &fallback));
    *method = "decoded";
    if (!fallback) return WS_OK;
  }
  *method = "hdf5";
  return read_hdf5(s, a, count, dest);
}

/* Memory for the rows: an anonymous mapping populated in one call, which costs these VMs
 * (fresh memory is backed lazily by the host) about half of a fault per page; it is kept
 * as one of the block's mappings. */
static void *fresh_rows(WsRowBlock *b, size_t bytes) {
  if (!b->maps) b->maps = malloc(sizeof *b->maps);
  void *p = b->maps ? mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
                    : MAP_FAILED;
  if (p == MAP_FAILED) {
    ws_error_set(WS_ERR_RUNTIME, "out of memory: %zu bytes for a rank's rows", bytes);
    return NULL;
  }
  b->maps[b->n_maps++] = (WsRowMapping){p, bytes};
  return p;
}

static WsErr read_block(const WsH5File *f, const char *name, WsLayout layout,
                        const WsPartition *part, WsDtype dtype, WsProgress *progress, WsRowBlock *b,
                        void *into) {
  Stored s;
  WsErr err = stored_open(f, name, layout, (int)dtype, &s);
  s.progress = progress;
  if (!err && s.info.rows != part->rows)
    err = ws_error_set(WS_ERR_INPUT, "%s: dataset %s has %lld rows, expected %lld", f->path, name,
                       (long long)s.info.rows, (long long)part->rows);
  b->count = part->count;
  b->cols = s.info.cols;
  b->dtype = dtype;
  b->method = "hdf5";
  int mapped = !err && !into && part->count > 0 && !force_hdf5() && try_map(&s, part->start, b);
  if (!err && !mapped) {
    void *dest = into;
    if (!dest) {
      size_t bytes = (size_t)(part->count > 0 ? part->count : 1) * b->cols * s.msize;
      dest = fresh_rows(b, bytes);
      if (!dest) err = WS_ERR_RUNTIME;
    }
    if (!err) err = read_local(&s, part->start, part->count, dest, &b->method);
    if (!err && !into && part->count > 0) {
      free(b->runs);
      b->runs = ws_memory_alloc(sizeof *b->runs);
      if (b->runs) b->runs[0] = (WsRowRun){0, part->count, dest};
      b->n_runs = b->runs ? 1 : 0;
      if (!b->runs) err = WS_ERR_RUNTIME;
    }
  }
  stored_close(&s);
  return err;
}

WsErr ws_rowread_block(const WsH5File *f, const char *name, WsLayout layout,
                       const WsPartition *part, WsDtype dtype, WsProgress *progress,
                       WsRowBlock **out) {
  WsRowBlock *b = ws_memory_calloc(1, sizeof *b);
  WsErr err = b ? read_block(f, name, layout, part, dtype, progress, b, NULL) : WS_ERR_RUNTIME;
  err = ws_comm_agree(f->comm, err);
  if (err) ws_rowread_destroy(&b);
  *out = b;
  return err;
}

WsErr ws_rowread_into(const WsH5File *f, const char *name, WsLayout layout, const WsPartition *part,
                      WsDtype dtype, void *buf) {
  WsRowBlock b;
  memset(&b, 0, sizeof b);
  WsErr err = read_block(f, name, layout, part, dtype, NULL, &b, buf);
  free(b.runs);
  free(b.maps);
  return ws_comm_agree(f->comm, err);
}

void ws_rowread_destroy(WsRowBlock **block) {
  if (!block || !*block) return;
  WsRowBlock *b = *block;
  unmap_all(b);
  free(b->maps);
  free(b->runs);
  free(b);
  *block = NULL;
}

const void *ws_rowread_row(const WsRowBlock *b, int64_t i, int64_t *avail) {
  int lo = 0, hi = b->n_runs - 1;
  while (lo < hi) { /* the last run starting at or before i */
    int mid = (lo + hi + 1) / 2;
    if (b->runs[mid].first <= i)
      lo = mid;
    else
      hi = mid - 1;
  }
  const WsRowRun *r = &b->runs[lo];
  size_t elem = b->dtype == WS_DTYPE_F32 ? sizeof(float) : sizeof(double);
  if (avail) *avail = r->first + r->count - i;
  return (const char *)r->data + (size_t)(i - r->first) * (size_t)b->cols * elem;
}
