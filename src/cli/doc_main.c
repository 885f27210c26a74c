/* wshare_doc: writes the manual page, the bash completion or the option list (to FILE, or
 * stdout); used at build time, so MPI is linked but never started. */
#include <stdio.h>
#include <string.h>

#include "doc.h"

int main(int argc, char **argv) {
  const char *what = argc >= 2 ? argv[1] : "";
  FILE *out = argc == 3 ? fopen(argv[2], "w") : stdout;
  if (!out) {
    perror(argv[2]);
    return 1;
  }
  if (argc > 3) what = "";
  if (strcmp(what, "man") == 0) {
    ws_doc_man(out);
  } else if (strcmp(what, "completion") == 0) {
    ws_doc_completion(out);
  } else if (strcmp(what, "options") == 0) {
    ws_doc_options(out);
  } else {
    fprintf(stderr, "usage: wshare_doc man|completion|options [FILE]\n");
    return 2;
  }
  return fclose(out) == 0 ? 0 : 1;
}
