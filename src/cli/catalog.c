#include "catalog.h"

#include <string.h>

typedef const WsCommand *(*Describe)(void);

static const Describe all[] = {ws_cmd_gen_describe, ws_cmd_solve_describe, ws_cmd_predict_describe,
                               ws_cmd_info_describe};

int ws_catalog_count(void) {
  return (int)(sizeof all / sizeof *all);
}

const WsCommand *ws_catalog_command(int i) {
  return i >= 0 && i < ws_catalog_count() ? all[i]() : NULL;
}

const WsCommand *ws_catalog_find(const char *name) {
  for (int i = 0; i < ws_catalog_count(); i++)
    if (strcmp(all[i]()->name, name) == 0) return all[i]();
  return NULL;
}
