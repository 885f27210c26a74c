#include "wshare/fingerprint.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

WsErr ws_fingerprint_compute(const WsDesign *des, const WsSharing *sh, const WsProblemOptions *o,
                             MPI_Comm comm, char text[WS_FINGERPRINT_MAX]) {
  /* A wrapping sum of per-row hashes: the same for any partition of the rows. */
  uint64_t local = 0, global = 0;
  int q = des->q;
  for (int64_t i = 0; i < des->part.count * q; i++) {
    uint64_t bits;
    memcpy(&bits, &des->y[i], sizeof bits);
    local += mix(bits ^ mix((uint64_t)(des->part.start * q + i) + 0x9e3779b97f4a7c15ULL));
  }
  WS_MPI(MPI_Allreduce(&local, &global, 1, MPI_UINT64_T, MPI_SUM, comm));
  snprintf(text, WS_FINGERPRINT_MAX,
           "rows=%lld\ncols=%d\noutputs=%d\ndtype=%s\ny_checksum=%016llx\nsharing=%s\n"
           "sharing_checksum=%016llx\npoly_degree=%d\npoly_terms=%s\npoly_basis=%s\n"
           "ridge=%.17g\nintercept=%d\nstandardize=%d\nreproducible=%d\nsolver=%s\n",
           (long long)des->part.rows, des->n_raw, q, des->dtype == WS_DTYPE_F32 ? "f32" : "f64",
           (unsigned long long)global, ws_sharing_kind_name(sh->kind),
           (unsigned long long)sh->checksum, des->degree,
           ws_features_terms_names()[des->features->terms],
           ws_features_basis_names()[des->features->basis], o->ridge, o->intercept, o->standardize,
           o->reproducible, o->solver);
  return WS_OK;
}

/* Finds "key=" in text and copies its value. */
static int lookup(const char *text, const char *key, char *value, size_t size) {
  size_t kl = strlen(key);
  for (const char *line = text; line && *line;
       line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
      const char *v = line + kl + 1;
      size_t len = strcspn(v, "\n");
      snprintf(value, size, "%.*s", (int)len, v);
      return 1;
    }
  }
  return 0;
}

WsErr ws_fingerprint_compare(const char *saved, const char *current, const char *what) {
  /* clang-format off */
  static const char *const keys[] = {
      "rows",        "cols",        "outputs",    "dtype",      "y_checksum",
      "sharing",     "sharing_checksum", "poly_degree", "poly_terms", "poly_basis",
      "ridge",       "intercept",   "standardize", "reproducible", "solver"};
  static const char *const meaning[] = {
      "number of rows", "number of columns", "number of outputs", "data type",
      "checksum of y (different data)", "sharing kind", "sharing structure", "--poly-degree",
      "--poly-terms", "--poly-basis", "--ridge", "--intercept", "--standardize",
      "--reproducible", "--solver"};
  /* clang-format on */
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    char a[256] = "", b[256] = "";
    int has_a = lookup(saved, keys[i], a, sizeof a);
    lookup(current, keys[i], b, sizeof b);
    /* Checkpoints written before --reproducible existed summed the default way. */
    if (!has_a && strcmp(keys[i], "reproducible") == 0) has_a = snprintf(a, sizeof a, "0");
    WS_CHECK(has_a, WS_ERR_INPUT, "%s: checkpoint has no fingerprint entry '%s'", what, keys[i]);
    WS_CHECK(strcmp(a, b) == 0, WS_ERR_INPUT,
             "%s: checkpoint is of a different problem: %s differs (checkpoint %s, now %s)", what,
             meaning[i], a, b);
  }
  return WS_OK;
}
