/* wshare info FILE: lists datasets (shape, type) and root attributes of any HDF5 file. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "options.h"
#include "wshare/h5file.h"

static herr_t print_object(hid_t loc, const char *name, const H5O_info_t *info, void *data) {
  (void)data;
  if (info->type == H5O_TYPE_GROUP) {
    if (name[0] != '.') printf("  /%s/  (group)\n", name);
    return 0;
  }
  if (info->type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  hid_t s = d < 0 ? H5I_INVALID_HID : H5Dget_space(d), t = d < 0 ? H5I_INVALID_HID : H5Dget_type(d);
  hsize_t dims[H5S_MAX_RANK];
  int nd = s < 0 ? -1 : H5Sget_simple_extent_dims(s, dims, NULL);
  if (nd < 0 || t < 0) {
    /* Shown, not fatal: info describes damaged files as far as it can. */
    printf("  /%-22s (unreadable)\n", name);
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    if (d >= 0) H5Dclose(d);
    return 0;
  }
  const char *kind = H5Tget_class(t) == H5T_FLOAT     ? "float"
                     : H5Tget_class(t) == H5T_INTEGER ? "int"
                                                      : "other";
  printf("  /%-22s %s%zu  ", name, kind, 8 * H5Tget_size(t));
  if (nd == 0) printf("scalar");
  for (int i = 0; i < nd; i++)
    printf("%s%llu", i ? " x " : "", (unsigned long long)dims[i]);
  printf("\n");
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
  return 0;
}

static herr_t print_attr(hid_t loc, const char *name, const H5A_info_t *ainfo, void *data) {
  (void)ainfo;
  (void)data;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t t = a < 0 ? H5I_INVALID_HID : H5Aget_type(a), s = a < 0 ? H5I_INVALID_HID : H5Aget_space(a);
  hssize_t n = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
  H5T_class_t cls = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  printf("  %-16s = ", name);
  if (cls == H5T_STRING && H5Tis_variable_str(t) == 0) {
    size_t size = H5Tget_size(t);
    char *buf = calloc(size + 1, 1);
    if (buf && H5Aread(a, t, buf) >= 0) {
      for (char *c = buf; *c; c++)
        if (*c == '\n') *c = ';';
      printf("%s", buf);
    } else {
      printf("(unreadable)");
    }
    free(buf);
  } else if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && n >= 0) {
    double *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
    if (v && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0) {
      for (hssize_t i = 0; i < n && i < 8; i++)
        printf("%s%.10g", i ? ", " : "", v[i]);
      if (n > 8) printf(", ... (%lld values)", (long long)n);
    } else {
      printf("(unreadable)");
    }
    free(v);
  } else {
    printf("(unprintable)");
  }
  printf("\n");
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return 0;
}

WsErr ws_cmd_info(MPI_Comm comm, int argc, char **argv) {
  static const WsOptionSpec specs[] = {{"dummy-never-used", NULL, NULL, ""}};
  WsOptions *o = NULL;
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WS_CALL(ws_comm_agree(comm, ws_options_create("info", specs, 0, argc, argv, 0, &o)));
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0) ws_options_print_help(o, "wshare info FILE", "Describes an HDF5 file.");
  } else if (o->n_positional != 1) {
    err = ws_error_set(WS_ERR_INPUT, "info: expected one FILE argument, found %d", o->n_positional);
  } else if (rank == 0) {
    const char *path = o->positional[0];
    hid_t f;
    err = ws_h5file_open_local(path, &f);
    if (!err) {
      printf("%s\ndatasets:\n", path);
      herr_t walked = H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, print_object, NULL, H5O_INFO_BASIC);
      printf("attributes:\n");
      if (walked >= 0) walked = H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, NULL, print_attr, NULL);
      /* A file that opens but cannot be walked is damaged input. */
      if (walked < 0 && ws_h5file_failed(__FILE__, __LINE__, __func__,
                                         "info: cannot list the contents of '%s'", path))
        err = WS_ERR_INPUT;
      H5Fclose(f);
    }
  }
  ws_options_destroy(&o);
  return ws_comm_agree(comm, err);
}
