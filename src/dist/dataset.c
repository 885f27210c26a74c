#include "wshare/dataset.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* MPI-IO reads in pieces of at most this many bytes per rank: ROMIO counts are int. */
static const int64_t WS_IO_CHUNK_BYTES = (int64_t)1 << 30;

static hid_t collective_dxpl(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  /* Every rank's rows are one contiguous piece of the file: two-phase aggregation only
   * adds copies, so keep the collective call but let each rank do its own I/O. */
  if (dxpl >= 0 && (H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0 ||
                    H5Pset_dxpl_mpio_collective_opt(dxpl, H5FD_MPIO_INDIVIDUAL_IO) < 0)) {
    H5Pclose(dxpl);
    return H5I_INVALID_HID;
  }
  return dxpl;
}

/* Local: selects piece [first, first + count) of this rank's rows in fspace and a matching
 * memory space. */
static WsErr select_piece(const WsH5File *f, const char *name, hid_t fspace, int nd,
                          const WsPartition *part, int64_t first, int64_t count, int64_t cols,
                          hid_t *mspace) {
  /* A 1-D dataset is addressed in elements: a "row" of it is cols consecutive values. */
  hsize_t start[2] = {(hsize_t)(part->start + first), 0};
  hsize_t extent[2] = {(hsize_t)count, (hsize_t)cols};
  if (nd == 1) {
    start[0] *= (hsize_t)cols;
    extent[0] *= (hsize_t)cols;
  }
  hsize_t mdims[1] = {(hsize_t)(count * cols > 0 ? count * cols : 1)};
  *mspace = H5Screate_simple(1, mdims, NULL);
  WS_H5(*mspace, "%s: cannot select rows of dataset %s", f->path, name);
  if (count > 0)
    WS_H5(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, extent, NULL),
          "%s: cannot select rows %lld.. of dataset %s", f->path, (long long)(part->start + first),
          name);
  else
    WS_H5(H5Sselect_none(fspace) < 0 ? -1 : H5Sselect_none(*mspace),
          "%s: cannot select rows of dataset %s", f->path, name);
  return WS_OK;
}

/* Collective: reads or writes a block of rows in pieces small enough for MPI-IO.  Every
 * rank makes the same number of collective calls (derived from the common block size), and
 * a local failure is agreed on before the next collective call, so none is left waiting. */
static WsErr transfer_rows(const WsH5File *f, hid_t dset, const char *name, const WsPartition *part,
                           int64_t cols, hid_t mem_type, void *buf, int writing) {
  int64_t row_bytes = cols * (int64_t)H5Tget_size(mem_type);
  int64_t rows_per_call = WS_IO_CHUNK_BYTES / (row_bytes > 0 ? row_bytes : 1);
  if (rows_per_call < 1) rows_per_call = 1;
  int64_t calls = (part->block + rows_per_call - 1) / rows_per_call;
  if (calls < 1) calls = 1;
  WsErr err = WS_OK;
  hid_t fspace = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
  int nd = 0;
  WS_H5_TRY(err, fspace = H5Dget_space(dset), "%s: cannot get the shape of %s", f->path, name);
  WS_H5_TRY(err, nd = H5Sget_simple_extent_ndims(fspace), "%s: cannot get the shape of %s", f->path,
            name);
  WS_H5_TRY(err, dxpl = collective_dxpl(), "%s: cannot set up MPI-IO for %s", f->path, name);
  for (int64_t c = 0; c < calls; c++) {
    int64_t first = c * rows_per_call;
    int64_t count = part->count - first;
    if (count > rows_per_call) count = rows_per_call;
    if (count < 0) count = 0;
    hid_t mspace = H5I_INVALID_HID;
    if (!err) err = select_piece(f, name, fspace, nd, part, first, count, cols, &mspace);
    err = ws_comm_agree(f->comm, err);
    if (!err) {
      char *p = (char *)buf + first * row_bytes;
      herr_t status = writing ? H5Dwrite(dset, mem_type, mspace, fspace, dxpl, p)
                              : H5Dread(dset, mem_type, mspace, fspace, dxpl, p);
      if (status < 0 && writing)
        err = ws_h5file_write_failed(f->file, __FILE__, __LINE__, __func__,
                                     "%s: write of dataset %s failed", f->path, name);
      else if (status < 0)
        err = ws_h5file_failed(__FILE__, __LINE__, __func__, "%s: read of dataset %s failed",
                               f->path, name);
    }
    if (mspace >= 0) H5Sclose(mspace);
    if (err) break;
  }
  if (dxpl >= 0) H5Pclose(dxpl);
  if (fspace >= 0) H5Sclose(fspace);
  return ws_comm_agree(f->comm, err);
}

WsErr ws_dataset_read_rows(const WsH5File *f, const char *name, const WsPartition *part,
                           int64_t cols, WsDtype dtype, void *buf) {
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  WsErr err = d < 0 ? ws_error_set(WS_ERR_INPUT, "%s: dataset %s not found", f->path, name) : WS_OK;
  err = ws_comm_agree(f->comm, err);
  if (!err)
    err = transfer_rows(f, d, name, part, cols,
                        dtype == WS_DTYPE_F32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE, buf, 0);
  if (d >= 0) H5Dclose(d);
  return err;
}

WsErr ws_dataset_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                            hid_t mem_type, const void *buf) {
  char name[256] = "";
  if (H5Iget_name(dset, name, sizeof name) <= 0) snprintf(name, sizeof name, "(unnamed)");
  return transfer_rows(f, dset, name, part, cols, mem_type, (void *)buf, 1);
}

/* 1 when the dataset's bytes sit contiguously in the file in the memory type of dtype. */
static int mappable(hid_t d, WsDtype dtype, haddr_t *offset) {
  hid_t dcpl = H5Dget_create_plist(d), type = H5Dget_type(d);
  hid_t native = dtype == WS_DTYPE_F32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  /* Any failure to tell means "not mappable": the rows are then read through HDF5. */
  int ok = dcpl >= 0 && type >= 0 && H5Pget_layout(dcpl) == H5D_CONTIGUOUS &&
           H5Pget_nfilters(dcpl) == 0 && H5Tequal(type, native) > 0;
  *offset = ok ? H5Dget_offset(d) : HADDR_UNDEF;
  if (type >= 0) H5Tclose(type);
  if (dcpl >= 0) H5Pclose(dcpl);
  return ok && *offset != HADDR_UNDEF;
}

/* mappable() for the dataset name, unless WSHARE_IO=hdf5 rules mapping out. */
static int can_map(const WsH5File *f, const char *name, WsDtype dtype, haddr_t *offset) {
  const char *io = getenv("WSHARE_IO");
  if (io && strcmp(io, "hdf5") == 0) return 0;
  hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
  int ok = d >= 0 && mappable(d, dtype, offset);
  if (d >= 0) H5Dclose(d);
  return ok;
}

int ws_dataset_can_map(const WsH5File *f, const char *name, WsDtype dtype) {
  haddr_t offset;
  return can_map(f, name, dtype, &offset);
}

WsErr ws_dataset_map_rows(const WsH5File *f, const char *name, const WsPartition *part,
                          int64_t cols, WsDtype dtype, WsRowMap *map, int *mapped) {
  memset(map, 0, sizeof *map);
  *mapped = 0;
  haddr_t offset = HADDR_UNDEF;
  int ok = can_map(f, name, dtype, &offset);
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
