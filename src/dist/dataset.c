#include "wshare/dataset.h"

#include <stdio.h>

/* MPI-IO writes in pieces of at most this many bytes per rank: ROMIO counts are int. */
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

/* Local: selects piece [first, first + count) of this rank's rows in fspace and a memory
 * space of the selection's shape (a 1-D memory space against a 2-D file selection makes
 * HDF5 map it element by element). */
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
  hsize_t mdims[2] = {extent[0] > 0 ? extent[0] : 1, extent[1] > 0 ? extent[1] : 1};
  *mspace = H5Screate_simple(nd, mdims, NULL);
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

WsErr ws_dataset_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                            hid_t mem_type, const void *buf) {
  char name[256] = "";
  if (H5Iget_name(dset, name, sizeof name) <= 0) snprintf(name, sizeof name, "(unnamed)");
  int64_t row_bytes = cols * (int64_t)H5Tget_size(mem_type);
  int64_t rows_per_call = WS_IO_CHUNK_BYTES / (row_bytes > 0 ? row_bytes : 1);
  if (rows_per_call < 1) rows_per_call = 1;
  /* The same number of collective calls on every rank (from the common block size), and a
   * local failure agreed on before the next one, so none is left waiting. */
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
    if (!err &&
        H5Dwrite(dset, mem_type, mspace, fspace, dxpl, (const char *)buf + first * row_bytes) < 0)
      err = ws_h5file_write_failed(f->file, __FILE__, __LINE__, __func__,
                                   "%s: write of dataset %s failed", f->path, name);
    if (mspace >= 0) H5Sclose(mspace);
    if (err) break;
  }
  if (dxpl >= 0) H5Pclose(dxpl);
  if (fspace >= 0) H5Sclose(fspace);
  return ws_comm_agree(f->comm, err);
}
