/*
 * recommend.c — the smallest useful RecLite program.
 *
 * Opens a .rlm model, recommends the top K items for a user and prints their
 * ids, titles and scores.
 *
 *   cc recommend.c -I include -L dist/x86_64-linux-gnu -lreclite -o recommend
 *   ./recommend movies.rlm 42 10
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "reclite.h"

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s MODEL USER_ID [K]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  int64_t user = strtoll(argv[2], NULL, 10);
  long k = argc == 4 ? strtol(argv[3], NULL, 10) : 10;
  if (k < 1 || k > 1000) {
    fprintf(stderr, "K must be between 1 and 1000\n");
    return 2;
  }

  reclite_model *model = NULL;
  if (reclite_model_open(path, &model) != RECLITE_OK) {
    fprintf(stderr, "cannot open %s: %s\n", path, reclite_last_error());
    return 1;
  }

  /* The session allocates its arena once, here; recommending allocates nothing. */
  reclite_session *session = NULL;
  if (reclite_session_create(model, NULL, 0, &session) != RECLITE_OK) {
    fprintf(stderr, "cannot create a session: %s\n", reclite_last_error());
    reclite_model_close(model);
    return 1;
  }

  int64_t *ids = calloc((size_t)k, sizeof *ids);
  float *scores = calloc((size_t)k, sizeof *scores);
  size_t n = 0;
  reclite_request request = RECLITE_REQUEST_INIT(user);
  reclite_status status = ids && scores
      ? reclite_recommend(session, &request, (size_t)k, NULL, 0, ids, scores, &n)
      : RECLITE_E_NO_MEMORY;
  if (status != RECLITE_OK) {
    fprintf(stderr, "recommend failed (%s): %s\n", reclite_status_name(status),
            reclite_session_last_error(session));
  } else {
    printf("top %zu for user %" PRId64 " (arena %zu bytes):\n", n, user,
           reclite_model_arena_size(model));
    for (size_t i = 0; i < n; i++) {
      const char *title = reclite_model_item_title(model, ids[i]);
      printf("%3zu. %8" PRId64 "  %.4f  %s\n", i + 1, ids[i], scores[i], title ? title : "");
    }
  }

  free(ids);
  free(scores);
  reclite_session_close(session);
  reclite_model_close(model);
  return status == RECLITE_OK ? 0 : 1;
}
