#include "wshare/dataset.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* MPI-IO reads in pieces of at most this many bytes per rank: ROMIO counts are int. */
static const int64_t WS_IO_CHUNK_BYTES = (int64_t)1 << 30;

static hid_t collective_dxpl(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  /* Every rank's rows are one contiguous piece of the file: two-phase aggregation only
   * adds copies, so keep the collective call but let each rank do its own I/O. */
  H5Pset_dxpl_mpio_collective_opt(dxpl, H5FD_MPIO_INDIVIDUAL_IO);
  return dxpl;
}

/* Reads or writes a block of rows in pieces small enough for MPI-IO; every rank makes the
 * same number of calls (derived from the common block size), as collectives require. */
static WsErr transfer_rows(const WsH5File *f, hid_t dset, const char *name, const WsPartition *part,
                           int64_t cols, hid_t mem_type, void *buf, int writing) {
  size_t elem = H5Tget_size(mem_type);
  int64_t row_bytes = cols * (int64_t)elem;
  int64_t rows_per_call = WS_IO_CHUNK_BYTES / (row_bytes > 0 ? row_bytes : 1);
  if (rows_per_call < 1) rows_per_call = 1;
  int64_t calls = (part->block + rows_per_call - 1) / rows_per_call;
  if (calls < 1) calls = 1;
  hid_t fspace = H5Dget_space(dset);
  int nd = H5Sget_simple_extent_ndims(fspace);
  hid_t dxpl = collective_dxpl();
  herr_t status = 0;
  for (int64_t c = 0; c < calls && status >= 0; c++) {
    int64_t first = c * rows_per_call;
    int64_t count = part->count - first;
    if (count > rows_per_call) count = rows_per_call;
    if (count < 0) count = 0;
    /* A 1-D dataset is addressed in elements: a "row" of it is cols consecutive values. */
    hsize_t start[2] = {(hsize_t)(part->start + first), 0};
    hsize_t extent[2] = {(hsize_t)count, (hsize_t)cols};
    if (nd == 1) {
      start[0] *= (hsize_t)cols;
      extent[0] *= (hsize_t)cols;
    }
    hsize_t mdims[1] = {(hsize_t)(count * cols > 0 ? count * cols : 1)};
    hid_t mspace = H5Screate_simple(1, mdims, NULL);
    if (count > 0) {
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, extent, NULL);
    } else {
      H5Sselect_none(fspace);
      H5Sselect_none(mspace);
    }
    char *p = (char *)buf + first * row_bytes;
    status = writing ? H5Dwrite(dset, mem_type, mspace, fspace, dxpl, p)
                     : H5Dread(dset, mem_type, mspace, fspace, dxpl, p);
    H5Sclose(mspace);
  }
  H5Pclose(dxpl);
  H5Sclose(fspace);
  WS_CHECK(status >= 0, WS_ERR_RUNTIME, "%s: %s of dataset %s failed", f->path,
           writing ? "write" : "read", name);
  return WS_OK;
}

WsErr ws_dataset_read_rows(const WsH5File *f, const char *name, const WsPartition *part,
                           int64_t cols, WsDtype dtype, void *buf) {
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WsErr err =
      d < 0 ? ws_error_set(WS_ERR_INPUT, "%s: dataset %s not found", f->path, name)
            : transfer_rows(f, d, name, part, cols,
                            dtype == WS_DTYPE_F32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE, buf, 0);
  if (d >= 0) H5Dclose(d);
  return ws_comm_agree(f->comm, err);
}

WsErr ws_dataset_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                            hid_t mem_type, const void *buf) {
  WsErr err = transfer_rows(f, dset, "(output)", part, cols, mem_type, (void *)buf, 1);
  return ws_comm_agree(f->comm, err);
}

/* 1 when the dataset's bytes sit contiguously in the file in the memory type of dtype. */
static int mappable(hid_t d, WsDtype dtype, haddr_t *offset) {
  hid_t dcpl = H5Dget_create_plist(d), type = H5Dget_type(d);
  hid_t native = dtype == WS_DTYPE_F32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  int ok = H5Pget_layout(dcpl) == H5D_CONTIGUOUS && H5Pget_nfilters(dcpl) == 0 &&
           H5Tequal(type, native) > 0;
  *offset = ok ? H5Dget_offset(d) : HADDR_UNDEF;
  H5Tclose(type);
  H5Pclose(dcpl);
  return ok && *offset != HADDR_UNDEF;
}

WsErr ws_dataset_map_rows(const WsH5File *f, const char *name, const WsPartition *part,
                          int64_t cols, WsDtype dtype, WsRowMap *map, int *mapped) {
  memset(map, 0, sizeof *map);
  *mapped = 0;
  const char *io = getenv("WSHARE_IO");
  if (io && strcmp(io, "hdf5") == 0) return WS_OK;
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  haddr_t offset = HADDR_UNDEF;
  int ok = d >= 0 && mappable(d, dtype, &offset);
  if (d >= 0) H5Dclose(d);
  size_t elem = dtype == WS_DTYPE_F32 ? sizeof(float) : sizeof(double);
  if (ok && part->count > 0) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t first = (size_t)offset + (size_t)part->start * (size_t)cols * elem;
    size_t start = first / page * page;
    map->length = first - start + (size_t)part->count * (size_t)cols * elem;
    int fd = open(f->path, O_RDONLY);
    /* MAP_POPULATE brings the rows in now (one call, not a fault per page). */
    void *p =
        fd < 0 ? MAP_FAILED
               : mmap(NULL, map->length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)start);
    if (fd >= 0) close(fd);
    if (p == MAP_FAILED) {
      ok = 0;
    } else {
      map->base = p;
      map->rows = (char *)p + (first - start);
    }
  }
  /* Map only if every rank can, so all ranks take the same (collective) path. */
  int all = ok;
  WS_MPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, f->comm));
  if (!all) ws_dataset_unmap_rows(map);
  *mapped = all;
  return WS_OK;
}

void ws_dataset_unmap_rows(WsRowMap *map) {
  if (map->base) munmap(map->base, map->length);
  memset(map, 0, sizeof *map);
}
