#include "wshare/dataset.h"

/* MPI-IO writes in pieces of at most this many bytes per rank: ROMIO counts are int. */
static const int64_t WS_IO_CHUNK_BYTES = (int64_t)1 << 30;

static hid_t collective_dxpl(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (dxpl < 0) return dxpl;
  /* Every rank's rows are one contiguous piece of the file: two-phase aggregation only
   * adds copies, so keep the collective call but let each rank do its own I/O. */
  if (H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0 ||
      H5Pset_dxpl_mpio_collective_opt(dxpl, H5FD_MPIO_INDIVIDUAL_IO) < 0) {
    H5Pclose(dxpl);
    return H5I_INVALID_HID;
  }
  return dxpl;
}

/* One collective write of rows [first, first + count) of this rank's block; every rank calls
 * it (with count 0 when it has nothing left).  The memory space has the selection's shape:
 * a 1-D memory space against a 2-D file selection makes HDF5 map it element by element. */
static herr_t write_piece(hid_t dset, hid_t fspace, hid_t dxpl, int nd, hsize_t start0,
                          hsize_t count, hsize_t cols, hid_t mem_type, const void *p) {
  hsize_t start[2] = {start0, 0}, extent[2] = {count, cols};
  if (nd == 1) { /* a "row" of a 1-D dataset is cols consecutive values */
    start[0] *= cols;
    extent[0] *= cols;
  }
  hsize_t mdims[2] = {extent[0] > 0 ? extent[0] : 1, extent[1] > 0 ? extent[1] : 1};
  hid_t mspace = H5Screate_simple(nd, mdims, NULL);
  if (mspace < 0) return -1;
  herr_t status = count > 0 ? H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, extent, NULL)
                            : H5Sselect_none(fspace);
  if (status >= 0 && count == 0) status = H5Sselect_none(mspace);
  if (status >= 0) status = H5Dwrite(dset, mem_type, mspace, fspace, dxpl, p);
  H5Sclose(mspace);
  return status;
}

WsErr ws_dataset_write_rows(const WsH5File *f, hid_t dset, const WsPartition *part, int64_t cols,
                            hid_t mem_type, const void *buf) {
  int64_t row_bytes = cols * (int64_t)H5Tget_size(mem_type);
  int64_t rows_per_call = WS_IO_CHUNK_BYTES / (row_bytes > 0 ? row_bytes : 1);
  if (rows_per_call < 1) rows_per_call = 1;
  /* The same number of calls on every rank (from the common block size), as collectives
   * require. */
  int64_t calls = (part->block + rows_per_call - 1) / rows_per_call;
  if (calls < 1) calls = 1;
  hid_t fspace = H5Dget_space(dset), dxpl = collective_dxpl();
  int nd = fspace < 0 ? -1 : H5Sget_simple_extent_ndims(fspace);
  herr_t status = fspace < 0 || dxpl < 0 || nd < 1 ? -1 : 0;
  for (int64_t c = 0; c < calls && status >= 0; c++) {
    int64_t first = c * rows_per_call, count = part->count - first;
    if (count > rows_per_call) count = rows_per_call;
    if (count < 0) count = 0;
    status = write_piece(dset, fspace, dxpl, nd, (hsize_t)(part->start + first), (hsize_t)count,
                         (hsize_t)cols, mem_type, (const char *)buf + first * row_bytes);
  }
  if (dxpl >= 0) H5Pclose(dxpl);
  if (fspace >= 0) H5Sclose(fspace);
  WsErr err =
      status < 0 ? ws_error_set(WS_ERR_RUNTIME, "%s: writing a dataset failed", f->path) : WS_OK;
  return ws_comm_agree(f->comm, err);
}
