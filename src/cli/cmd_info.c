/* wshare info FILE: the kind of file and its key facts (describe.c), then every dataset
 * (shape, type, storage) and root attribute. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "describe.h"
#include "help.h"

static herr_t print_attr(hid_t loc, const char *name, const H5A_info_t *ainfo, void *data) {
  (void)ainfo;
  (void)data;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t t = a < 0 ? H5I_INVALID_HID : H5Aget_type(a), s = a < 0 ? H5I_INVALID_HID : H5Aget_space(a);
  hssize_t n = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
  H5T_class_t cls = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  printf("  %-16s = ", name);
  char *text = cls == H5T_STRING ? ws_describe_attr_text(loc, name) : NULL;
  if (text) {
    for (char *c = text; *c; c++)
      if (*c == '\n') *c = ';';
    printf("%s", text);
    free(text);
  } else if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && n >= 0) {
    /* Shown, not fatal: info describes damaged files as far as it can. */
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
  const WsCommand *c = ws_cmd_info_describe();
  WsOptions *o = NULL;
  /* Parsing is the same everywhere; only running out of memory could differ. */
  WS_CALL(ws_comm_agree(comm, ws_options_create(c->name, c->specs, c->count, argc, argv, 0, &o)));
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0) ws_help_print(stdout, c);
  } else if (o->n_positional != 1) {
    err = ws_error_set(WS_ERR_INPUT, "info: expected one FILE argument, found %d", o->n_positional);
  } else {
    WsH5File *f = NULL;
    err = ws_h5file_open(o->positional[0], comm, &f);
    if (!err && rank == 0) {
      printf("%s\n", f->path);
      ws_describe_summary(stdout, f, ws_describe_kind(f));
      printf("all datasets:\n");
      ws_describe_datasets(stdout, f);
      printf("all attributes:\n");
      herr_t walked = H5Aiterate2(f->file, H5_INDEX_NAME, H5_ITER_INC, NULL, print_attr, NULL);
      /* A file that opens but cannot be walked is damaged input. */
      if (walked < 0 && ws_h5file_failed(__FILE__, __LINE__, __func__,
                                         "info: cannot list the contents of '%s'", f->path))
        err = WS_ERR_INPUT;
    }
    ws_h5file_close(&f);
  }
  ws_options_destroy(&o);
  return ws_comm_agree(comm, err);
}

const WsCommand *ws_cmd_info_describe(void) {
  static const WsCommand c = {
      .name = "info",
      .summary = "describe an HDF5 data, result or checkpoint file",
      .synopsis = "wshare info FILE",
      .about = "Says what kind of file FILE is (data, result, checkpoint or predictions) and\n"
               "prints its key facts: for data the shapes, types, storage layout and the\n"
               "groups; for a result the solver, iterations, convergence, loss and r2; for a\n"
               "checkpoint whether it is complete, its iteration, its fingerprint and the run\n"
               "it continues.  Then it lists every dataset and root attribute.",
      .specs = NULL,
      .count = 0,
      .examples = {{"what a data file holds and how it is stored", "wshare info data.h5"},
                   {"how a fit ended: solver, iterations, convergence, loss, r2",
                    "wshare info fit.h5"}},
      .run = ws_cmd_info,
  };
  return &c;
}
