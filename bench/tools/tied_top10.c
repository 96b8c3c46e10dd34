/*
 * tied_top10.c — how many users' top-10 lists hold tied scores, through the C API.
 *
 * Reads raw user ids (one per line) on stdin, recommends the top 10 for each
 * with every model named on the command line, and prints per model the users
 * whose list has two or more scores at exactly 1.0f (a saturated sigmoid) and
 * the users whose list has any two equal scores. Ties rank by item id, not by
 * the model, so a ranking model should show none unless its logits tie.
 *
 *   cut -d, -f1 data/ml-latest-small/ratings.csv | tail -n +2 | sort -un | \
 *     build/bin/tied_top10 out/demo/teacher-seed1.rlm out/demo/two-tower-distilled-seed1.rlm
 */
#include <stdio.h>
#include <stdlib.h>

#include "reclite.h"

enum { K = 10, MAX_USERS = 1000000 };

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL.rlm... < user_ids\n", argv[0]);
    return 2;
  }
  int64_t *users = malloc(MAX_USERS * sizeof *users);
  size_t user_count = 0;
  long long id;
  while (users && user_count < MAX_USERS && scanf("%lld", &id) == 1) users[user_count++] = id;
  printf("%-40s %8s %22s %18s\n", "model", "users", "≥2 scores at 1.0f", "any tie in top 10");
  for (int m = 1; m < argc; m++) {
    reclite_model *model = NULL;
    reclite_session *session = NULL;
    if (reclite_model_open(argv[m], &model) != RECLITE_OK ||
        reclite_session_create(model, NULL, 0, &session) != RECLITE_OK) {
      fprintf(stderr, "%s: %s\n", argv[m], reclite_last_error());
      reclite_model_close(model);
      return 1;
    }
    size_t saturated = 0, tied = 0;
    for (size_t u = 0; u < user_count; u++) {
      reclite_request request = RECLITE_REQUEST_INIT(users[u]);
      int64_t ids[K];
      float scores[K];
      size_t n = 0;
      if (reclite_recommend(session, &request, K, NULL, 0, ids, scores, &n) != RECLITE_OK) {
        fprintf(stderr, "%s: %s\n", argv[m], reclite_session_last_error(session));
        return 1;
      }
      size_t ones = 0, equal = 0;
      for (size_t i = 0; i < n; i++) ones += scores[i] == 1.0f;
      for (size_t i = 1; i < n; i++) equal += scores[i] == scores[i - 1];
      saturated += ones >= 2;
      tied += equal > 0;
    }
    printf("%-40s %8zu %22zu %18zu\n", argv[m], user_count, saturated, tied);
    reclite_session_close(session);
    reclite_model_close(model);
  }
  free(users);
  return 0;
}
