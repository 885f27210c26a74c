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
  hid_t t = H5Aget_type(a), s = H5Aget_space(a);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  printf("  %-16s = ", name);
  char *text = H5Tget_class(t) == H5T_STRING ? ws_describe_attr_text(loc, name) : NULL;
  if (text) {
    for (char *c = text; *c; c++)
      if (*c == '\n') *c = ';';
    printf("%s", text);
    free(text);
  } else if (H5Tget_class(t) == H5T_INTEGER || H5Tget_class(t) == H5T_FLOAT) {
    double *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
    H5Aread(a, H5T_NATIVE_DOUBLE, v);
    for (hssize_t i = 0; i < n && i < 8; i++)
      printf("%s%.10g", i ? ", " : "", v[i]);
    if (n > 8) printf(", ... (%lld values)", (long long)n);
    free(v);
  } else {
    printf("(unprintable)");
  }
  printf("\n");
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return 0;
}

WsErr ws_cmd_info(MPI_Comm comm, int argc, char **argv) {
  const WsCommand *c = ws_cmd_info_describe();
  WsOptions *o = NULL;
  WS_CALL(ws_options_create(c->name, c->specs, c->count, argc, argv, 0, &o));
  int rank;
  MPI_Comm_rank(comm, &rank);
  WsErr err = WS_OK;
  if (o->help) {
    if (rank == 0) ws_help_print(stdout, c);
  } else if (o->n_positional != 1) {
    err = ws_error_set(WS_ERR_INPUT, "info: expected one FILE argument");
  } else {
    WsH5File *f = NULL;
    err = ws_h5file_open(o->positional[0], comm, &f);
    if (!err && rank == 0) {
      printf("%s\n", f->path);
      ws_describe_summary(stdout, f, ws_describe_kind(f));
      printf("all datasets:\n");
      ws_describe_datasets(stdout, f);
      printf("all attributes:\n");
      H5Aiterate2(f->file, H5_INDEX_NAME, H5_ITER_INC, NULL, print_attr, NULL);
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
