#include "wshare/h5small.h"
#include "wshare/memory.h"

#include <stdlib.h>
#include <string.h>

static hid_t create_parents_lcpl(void) {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  return lcpl;
}

static WsErr write_nd(hid_t file, const char *name, hid_t type, const void *data, int rank,
                      const hsize_t *dims) {
  hsize_t len = 1;
  for (int d = 0; d < rank; d++)
    len *= dims[d];
  hid_t space = H5Screate_simple(rank, dims, NULL);
  hid_t lcpl = create_parents_lcpl();
  hid_t d = H5Dcreate2(file, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = d < 0 ? -1 : (len > 0 ? H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0);
  if (d >= 0) H5Dclose(d);
  H5Pclose(lcpl);
  H5Sclose(space);
  WS_CHECK(st >= 0, WS_ERR_RUNTIME, "cannot write dataset %s", name);
  return WS_OK;
}

WsErr ws_h5small_write_f64(hid_t file, const char *name, const double *data, int64_t len) {
  hsize_t dims[1] = {(hsize_t)len};
  return write_nd(file, name, H5T_NATIVE_DOUBLE, data, 1, dims);
}

WsErr ws_h5small_write_f64_2d(hid_t file, const char *name, const double *data, int64_t rows,
                              int64_t cols) {
  hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
  return write_nd(file, name, H5T_NATIVE_DOUBLE, data, 2, dims);
}

WsErr ws_h5small_write_i64(hid_t file, const char *name, const int64_t *data, int64_t len) {
  hsize_t dims[1] = {(hsize_t)len};
  return write_nd(file, name, H5T_NATIVE_INT64, data, 1, dims);
}

WsErr ws_h5small_write_scalar(hid_t file, const char *name, double value) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(file, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
  if (d >= 0) H5Dclose(d);
  H5Sclose(space);
  WS_CHECK(st >= 0, WS_ERR_RUNTIME, "cannot write dataset %s", name);
  return WS_OK;
}

/* Writes an attribute of the given dataspace (which it closes). */
static WsErr write_attr_in(hid_t obj, const char *name, hid_t type, hid_t space,
                           const void *value) {
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, type, value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  WS_CHECK(st >= 0, WS_ERR_RUNTIME, "cannot write attribute %s", name);
  return WS_OK;
}

static WsErr write_attr(hid_t obj, const char *name, hid_t type, const void *value) {
  return write_attr_in(obj, name, type, H5Screate(H5S_SCALAR), value);
}

WsErr ws_h5small_attr_f64(hid_t obj, const char *name, double value) {
  return write_attr(obj, name, H5T_NATIVE_DOUBLE, &value);
}

WsErr ws_h5small_attr_i64(hid_t obj, const char *name, int64_t value) {
  return write_attr(obj, name, H5T_NATIVE_INT64, &value);
}

WsErr ws_h5small_attr_f64_array(hid_t obj, const char *name, const double *values, int64_t len) {
  hsize_t dims[1] = {(hsize_t)len};
  return write_attr_in(obj, name, H5T_NATIVE_DOUBLE, H5Screate_simple(1, dims, NULL), values);
}

WsErr ws_h5small_attr_str(hid_t obj, const char *name, const char *value) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, strlen(value) + 1);
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  WsErr err = write_attr(obj, name, type, value);
  H5Tclose(type);
  return err;
}

int64_t ws_h5small_length(hid_t file, const char *name) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return -1;
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t s = H5Dget_space(d);
  hsize_t dims[1] = {0};
  int nd = H5Sget_simple_extent_ndims(s);
  if (nd == 1) H5Sget_simple_extent_dims(s, dims, NULL);
  H5Sclose(s);
  H5Dclose(d);
  return nd == 1 ? (int64_t)dims[0] : -1;
}

WsErr ws_h5small_read_f64(hid_t file, const char *what, const char *name, double *data,
                          int64_t len) {
  int64_t have = ws_h5small_length(file, name);
  WS_CHECK(have == len, WS_ERR_INPUT, "%s: dataset %s has %lld values, expected %lld", what, name,
           (long long)have, (long long)len);
  if (len == 0) return WS_OK;
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  herr_t st = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(d);
  WS_CHECK(st >= 0, WS_ERR_INPUT, "%s: cannot read dataset %s", what, name);
  return WS_OK;
}

WsErr ws_h5small_read_attr_f64(hid_t obj, const char *what, const char *name, double *value) {
  WS_CHECK(H5Aexists(obj, name) > 0, WS_ERR_INPUT, "%s: attribute %s missing", what, name);
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  herr_t st = H5Aread(a, H5T_NATIVE_DOUBLE, value);
  H5Aclose(a);
  WS_CHECK(st >= 0, WS_ERR_INPUT, "%s: cannot read attribute %s", what, name);
  return WS_OK;
}

WsErr ws_h5small_read_attr_str(hid_t obj, const char *what, const char *name, char **value) {
  WS_CHECK(H5Aexists(obj, name) > 0, WS_ERR_INPUT, "%s: attribute %s missing", what, name);
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = H5Aget_type(a);
  WsErr err = WS_OK;
  if (H5Tget_class(t) != H5T_STRING || H5Tis_variable_str(t) > 0) {
    err = ws_error_set(WS_ERR_INPUT, "%s: attribute %s is not a fixed-length string", what, name);
  } else {
    size_t size = H5Tget_size(t);
    *value = ws_memory_calloc(size + 1, 1);
    if (!*value || H5Aread(a, t, *value) < 0)
      err = ws_error_set(WS_ERR_INPUT, "%s: cannot read attribute %s", what, name);
  }
  H5Tclose(t);
  H5Aclose(a);
  return err;
}
