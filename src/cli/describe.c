#include "describe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wshare/h5small.h"

static int has_attr(hid_t obj, const char *name) {
  return H5Aexists(obj, name) > 0;
}

static herr_t find_2d(hid_t loc, const char *name, const H5O_info_t *info, void *data) {
  if (info->type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  hid_t s = d < 0 ? H5I_INVALID_HID : H5Dget_space(d);
  int nd = s < 0 ? -1 : H5Sget_simple_extent_ndims(s);
  if (s >= 0) H5Sclose(s);
  if (d >= 0) H5Dclose(d);
  if (nd == 2) *(int *)data = 1;
  return nd == 2; /* stop at the first */
}

WsFileKind ws_describe_kind(const WsH5File *f) {
  hid_t file = f->file;
  if (has_attr(file, "fingerprint")) return WS_FILE_CHECKPOINT;
  if (has_attr(file, "solver") && ws_h5file_exists(f, "/w")) return WS_FILE_RESULT;
  if (ws_h5file_exists(f, "/y_pred")) return WS_FILE_PREDICTIONS;
  int found = 0;
  H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, find_2d, &found, H5O_INFO_BASIC);
  return found ? WS_FILE_DATA : WS_FILE_OTHER;
}

/* ---- attributes ---- */

char *ws_describe_attr_text(hid_t obj, const char *name) {
  if (!has_attr(obj, name)) return NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a < 0 ? H5I_INVALID_HID : H5Aget_type(a);
  hid_t space = a < 0 ? H5I_INVALID_HID : H5Aget_space(a);
  /* One string only: the buffers below hold one. */
  int single = space >= 0 && H5Sget_simple_extent_npoints(space) == 1;
  if (space >= 0) H5Sclose(space);
  char *text = NULL;
  if (!single) {
    /* not one string: NULL */
  } else if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
    /* Variable length, as h5py writes Python strings: HDF5 allocates the copy. */
    char *vl = NULL;
    hid_t mem = H5Tget_native_type(t, H5T_DIR_ASCEND);
    if (H5Aread(a, mem, &vl) >= 0 && vl) {
      text = strdup(vl);
      H5free_memory(vl);
    }
    H5Tclose(mem);
  } else if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
    text = calloc(H5Tget_size(t) + 1, 1);
    if (text && H5Aread(a, t, text) < 0) {
      free(text);
      text = NULL;
    }
  }
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return text;
}

static void print_str_attr(FILE *out, hid_t file, const char *label, const char *name) {
  char *value = ws_describe_attr_text(file, name);
  if (value) fprintf(out, "%s: %s\n", label, value);
  free(value);
}

static int read_number(hid_t file, const char *name, double *value) {
  return has_attr(file, name) && ws_h5small_read_attr_f64(file, "", name, value) == WS_OK;
}

static void print_num_attr(FILE *out, hid_t file, const char *label, const char *name) {
  double v;
  if (read_number(file, name, &v)) fprintf(out, "%s: %.10g\n", label, v);
}

static void print_int_attr(FILE *out, hid_t file, const char *label, const char *name) {
  double v;
  if (read_number(file, name, &v)) fprintf(out, "%s: %lld\n", label, (long long)v);
}

static void print_yes_no(FILE *out, hid_t file, const char *label, const char *name) {
  double v;
  if (read_number(file, name, &v)) fprintf(out, "%s: %s\n", label, v != 0.0 ? "yes" : "no");
}

/* Every line of a multi-line text attribute, indented under a heading. */
static void print_text_block(FILE *out, hid_t file, const char *heading, const char *name) {
  char *text = ws_describe_attr_text(file, name);
  if (!text) {
    fprintf(out, "%s: (none)\n", heading);
    return;
  }
  fprintf(out, "%s:\n", heading);
  for (char *line = text; *line;) {
    char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len) fprintf(out, "  %.*s\n", (int)len, line);
    line += len + (end != NULL);
  }
  free(text);
}

/* ---- datasets ---- */

static const char *type_name(hid_t t, char *buf, size_t size) {
  size_t bits = 8 * H5Tget_size(t);
  switch (H5Tget_class(t)) {
  case H5T_FLOAT:
    snprintf(buf, size, "float%zu", bits);
    break;
  case H5T_INTEGER:
    snprintf(buf, size, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", bits);
    break;
  case H5T_STRING:
    snprintf(buf, size, "string");
    break;
  default:
    snprintf(buf, size, "other");
  }
  if ((H5Tget_class(t) == H5T_FLOAT || H5Tget_class(t) == H5T_INTEGER) && bits > 8 &&
      H5Tget_order(t) == H5T_ORDER_BE)
    strncat(buf, " big-endian", size - strlen(buf) - 1);
  return buf;
}

static void print_shape(FILE *out, hid_t space) {
  hsize_t dims[H5S_MAX_RANK];
  int nd = H5Sget_simple_extent_dims(space, dims, NULL);
  if (nd == 0) fprintf(out, "scalar");
  for (int i = 0; i < nd; i++)
    fprintf(out, "%s%llu", i ? " x " : "", (unsigned long long)dims[i]);
}

/* "contiguous", "compact" or "chunked (c0 x c1), deflate 4, shuffle". */
static void print_layout(FILE *out, hid_t d) {
  hid_t dcpl = H5Dget_create_plist(d);
  H5D_layout_t layout = H5Pget_layout(dcpl);
  if (layout == H5D_CONTIGUOUS) {
    fprintf(out, "contiguous");
  } else if (layout == H5D_COMPACT) {
    fprintf(out, "compact");
  } else if (layout == H5D_CHUNKED) {
    hsize_t chunk[H5S_MAX_RANK];
    int nd = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
    fprintf(out, "chunked (");
    for (int i = 0; i < nd; i++)
      fprintf(out, "%s%llu", i ? " x " : "", (unsigned long long)chunk[i]);
    fprintf(out, ")");
  } else {
    fprintf(out, "virtual");
  }
  int nf = H5Pget_nfilters(dcpl);
  for (int i = 0; i < nf; i++) {
    unsigned flags, cd[8];
    size_t ncd = 8;
    char name[64] = "";
    H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
    if (id == H5Z_FILTER_DEFLATE)
      fprintf(out, ", deflate %u", ncd > 0 ? cd[0] : 0);
    else if (id == H5Z_FILTER_SHUFFLE)
      fprintf(out, ", shuffle");
    else if (id == H5Z_FILTER_FLETCHER32)
      fprintf(out, ", fletcher32");
    else if (id == H5Z_FILTER_SZIP)
      fprintf(out, ", szip");
    else
      fprintf(out, ", filter %d (%s)", (int)id, name);
  }
  H5Pclose(dcpl);
}

/* "200 x 6 float64, contiguous" for an open dataset. */
static void print_storage(FILE *out, hid_t d) {
  hid_t s = H5Dget_space(d), t = H5Dget_type(d);
  char type[64];
  print_shape(out, s);
  fprintf(out, " %s, ", type_name(t, type, sizeof type));
  print_layout(out, d);
  H5Tclose(t);
  H5Sclose(s);
}

static herr_t print_dataset(hid_t loc, const char *name, const H5O_info_t *info, void *data) {
  FILE *out = data;
  if (info->type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return 0;
  fprintf(out, "  /%s: ", name);
  print_storage(out, d);
  fprintf(out, "\n");
  H5Dclose(d);
  return 0;
}

void ws_describe_datasets(FILE *out, const WsH5File *f) {
  H5Ovisit2(f->file, H5_INDEX_NAME, H5_ITER_INC, print_dataset, out, H5O_INFO_BASIC);
}

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The ties of a groups dataset (1-D n or n x q): how many groups, unshared (-1), fixed at
 * zero (-2) and invalid (< -2) entries, and the group sizes. */
static void print_groups(FILE *out, hid_t file, const char *name) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return;
  hid_t s = H5Dget_space(d), t = H5Dget_type(d);
  hssize_t count = H5Sget_simple_extent_npoints(s);
  int numeric = H5Tget_class(t) == H5T_INTEGER || H5Tget_class(t) == H5T_FLOAT;
  int64_t *ids = numeric && count > 0 ? malloc((size_t)count * sizeof *ids) : NULL;
  if (ids && H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids) >= 0) {
    long long unshared = 0, zero = 0, invalid = 0, tied = 0;
    for (hssize_t i = 0; i < count; i++) {
      unshared += ids[i] == -1;
      zero += ids[i] == -2;
      invalid += ids[i] < -2;
    }
    /* Group sizes from the sorted tied ids. */
    int64_t *sorted = malloc((size_t)count * sizeof *sorted);
    long long groups = 0, smallest = 0, largest = 0;
    if (sorted) {
      for (hssize_t i = 0; i < count; i++)
        if (ids[i] >= 0) sorted[tied++] = ids[i];
      qsort(sorted, (size_t)tied, sizeof *sorted, compare_i64);
      for (long long i = 0; i < tied;) {
        long long j = i;
        while (j < tied && sorted[j] == sorted[i])
          j++;
        long long size = j - i;
        if (groups == 0 || size < smallest) smallest = size;
        if (size > largest) largest = size;
        groups++;
        i = j;
      }
      free(sorted);
    }
    fprintf(out, "groups: %s, ", name);
    print_storage(out, d);
    fprintf(out, "; %lld groups", groups);
    if (groups > 0) fprintf(out, " (sizes %lld to %lld)", smallest, largest);
    fprintf(out, ", %lld unshared (-1), %lld fixed at zero (-2)", unshared, zero);
    if (invalid) fprintf(out, ", %lld invalid (below -2)", invalid);
    fprintf(out, "\n");
  } else {
    fprintf(out, "groups: %s: not readable as integers\n", name);
  }
  free(ids);
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
}

/* The datasets a solve reads by default, by role. */
static void describe_data(FILE *out, const WsH5File *f) {
  static const char *const roles[][2] = {{"X", "/X"}, {"y", "/y"}, {"Y", "/Y"}, {"A", "/A"}};
  for (size_t r = 0; r < sizeof roles / sizeof *roles; r++) {
    if (!ws_h5file_exists(f, roles[r][1])) {
      if (r == 0) fprintf(out, "X: no /X (name the design dataset with --X)\n");
      continue;
    }
    hid_t d = H5Dopen2(f->file, roles[r][1], H5P_DEFAULT);
    if (d < 0) continue;
    fprintf(out, "%s: %s, ", roles[r][0], roles[r][1]);
    print_storage(out, d);
    fprintf(out, "\n");
    H5Dclose(d);
  }
  if (ws_h5file_exists(f, "/groups")) print_groups(out, f->file, "/groups");
  print_str_attr(out, f->file, "generated by", "generator");
}

static void describe_result(FILE *out, const WsH5File *f) {
  hid_t file = f->file;
  print_str_attr(out, file, "solver", "solver");
  print_int_attr(out, file, "iterations", "iterations");
  print_yes_no(out, file, "converged", "converged");
  print_str_attr(out, file, "stop reason", "stop_reason");
  print_num_attr(out, file, "loss", "loss");
  print_num_attr(out, file, "|A grad L|", "grad_norm");
  print_num_attr(out, file, "r2", "r2");
  print_num_attr(out, file, "rmse", "rmse");
  print_int_attr(out, file, "rows", "rows");
  print_int_attr(out, file, "columns", "cols");
  print_str_attr(out, file, "sharing", "sharing");
  print_int_attr(out, file, "groups", "groups");
  print_yes_no(out, file, "intercept", "fit_intercept");
  print_int_attr(out, file, "ranks", "ranks");
  if (has_attr(file, "learned_groups")) {
    print_int_attr(out, file, "learned groups (K)", "learned_groups");
    int64_t path = ws_h5small_length(file, "/learn/k");
    if (path > 0) fprintf(out, "learning path: %lld values of K\n", (long long)path);
  }
}

static void describe_checkpoint(FILE *out, const WsH5File *f) {
  hid_t file = f->file;
  double complete = 0.0;
  if (read_number(file, "complete", &complete) && complete == 1.0)
    fprintf(out, "complete: yes\n");
  else
    fprintf(out, "complete: no (no completion mark: the write was torn)\n");
  print_int_attr(out, file, "iteration", "iteration");
  int64_t hl = ws_h5small_length(file, "/history/loss");
  if (hl >= 0) fprintf(out, "history: %lld iterations\n", (long long)hl);
  print_num_attr(out, file, "seconds of solving so far", "elapsed");
  print_text_block(out, file, "fingerprint", "fingerprint");
  print_text_block(out, file, "continues the run", "config");
}

static void describe_predictions(FILE *out, const WsH5File *f) {
  hid_t file = f->file;
  int64_t n = ws_h5small_length(file, "/y_pred");
  if (n >= 0) fprintf(out, "predictions: %lld\n", (long long)n);
  print_num_attr(out, file, "rmse", "rmse");
  print_num_attr(out, file, "r2", "r2");
}

void ws_describe_summary(FILE *out, const WsH5File *f, WsFileKind kind) {
  hid_t file = f->file;
  static const char *const names[] = {"data", "result", "checkpoint", "predictions",
                                      "other (not recognised as a wshare file)"};
  fprintf(out, "kind: %s\n", names[kind]);
  print_str_attr(out, file, "wshare version", "wshare_version");
  if (kind == WS_FILE_DATA) describe_data(out, f);
  if (kind == WS_FILE_RESULT) describe_result(out, f);
  if (kind == WS_FILE_CHECKPOINT) describe_checkpoint(out, f);
  if (kind == WS_FILE_PREDICTIONS) describe_predictions(out, f);
}
