/* Small serial HDF5 objects (result and checkpoint files, written by one rank): 1-D
 * datasets, scalars and attributes, with errors naming the file and object. */
#ifndef WSHARE_H5SMALL_H
#define WSHARE_H5SMALL_H

#include <hdf5.h>
#include <stdint.h>

#include "wshare/error.h"

/* Writes a 1-D float64 dataset (groups on the way are created). */
WsErr ws_h5small_write_f64(hid_t file, const char *name, const double *data, int64_t len);
/* Writes a 2-D float64 dataset of rows x cols values (row-major). */
WsErr ws_h5small_write_f64_2d(hid_t file, const char *name, const double *data, int64_t rows,
                              int64_t cols);
WsErr ws_h5small_write_i64(hid_t file, const char *name, const int64_t *data, int64_t len);
/* Writes a scalar float64 dataset. */
WsErr ws_h5small_write_scalar(hid_t file, const char *name, double value);
WsErr ws_h5small_attr_f64(hid_t obj, const char *name, double value);
WsErr ws_h5small_attr_i64(hid_t obj, const char *name, int64_t value);
/* A 1-D float64 attribute of len values. */
WsErr ws_h5small_attr_f64_array(hid_t obj, const char *name, const double *values, int64_t len);
WsErr ws_h5small_attr_str(hid_t obj, const char *name, const char *value);

/* Reads a 1-D float64 dataset of exactly len values; what names the file for messages. */
WsErr ws_h5small_read_f64(hid_t file, const char *what, const char *name, double *data,
                          int64_t len);
/* Length of a 1-D dataset, or -1 when absent. */
int64_t ws_h5small_length(hid_t file, const char *name);
WsErr ws_h5small_read_attr_f64(hid_t obj, const char *what, const char *name, double *value);
/* Reads a string attribute into a new malloc'ed buffer. */
WsErr ws_h5small_read_attr_str(hid_t obj, const char *what, const char *name, char **value);

#endif
