/*
 * score_dump.c — every score and top-K list of a model, for comparing
 * architectures (scripts/compare_scores.py compares two dumps).
 *
 *   score_dump MODEL OUT [USERS [EVERY]]
 *
 * For users 1..USERS (default or 0: the model's user count; raw ids, as MovieLens
 * and `reclite sample-model` number them) and for one unknown user with and
 * without the popularity fallback: reclite_recommend of the top K = 10,
 * excluding one item per user, and for every EVERY-th record (default 1: all)
 * reclite_score over the whole catalog. Context features get value user mod
 * their value count. The output (native byte order) is: "RLSD", catalog size
 * n, records r, K (uint32 each), the catalog ids (int64 × n, ascending); then
 * per record: user id (int64), flags, top-K count, whether catalog scores
 * follow, 0 (uint32 each), ids (int64 × K), top scores (float × K), then the
 * catalog scores (float × n) when scored.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclite.h"

enum { K = 10, MAX_CONTEXT = 16 };

static int compare_ids(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int fail(const char *what, reclite_status status, reclite_session *session) {
  fprintf(stderr, "score_dump: %s: %s (%s)\n", what, reclite_status_name(status),
          session ? reclite_session_last_error(session) : reclite_last_error());
  return 1;
}

/* The catalog's ids, ascending: the unknown user's full ranking without fallback. */
static int64_t *catalog_ids(reclite_session *session, uint32_t n) {
  int64_t *ids = malloc((size_t)n * sizeof *ids);
  size_t count = 0;
  reclite_request request = RECLITE_REQUEST_INIT(INT64_MIN);
  request.flags = RECLITE_REQUEST_NO_FALLBACK;
  if (ids == NULL || reclite_recommend(session, &request, n, NULL, 0, ids, NULL, &count) != RECLITE_OK || count != n) {
    free(ids);
    return NULL;
  }
  qsort(ids, n, sizeof *ids, compare_ids);
  return ids;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s MODEL OUT [USERS [EVERY]]\n", argv[0]);
    return 2;
  }
  reclite_model *model = NULL;
  reclite_status status = reclite_model_open(argv[1], &model);
  if (status != RECLITE_OK) return fail(argv[1], status, NULL);
  reclite_model_info info = RECLITE_MODEL_INFO_INIT;
  reclite_model_get_info(model, &info);
  uint32_t users = argc >= 4 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
  if (users == 0) users = info.user_count;
  uint32_t every = argc == 5 ? (uint32_t)strtoul(argv[4], NULL, 10) : 1;
  if (every == 0) every = 1;
  uint32_t n = info.catalog_size;

  reclite_context_value context[MAX_CONTEXT];
  uint64_t context_values[MAX_CONTEXT];
  size_t context_count = 0;
  for (uint32_t f = 0; f < info.feature_count && context_count < MAX_CONTEXT; f++) {
    reclite_feature_info feature = RECLITE_FEATURE_INFO_INIT;
    if (reclite_model_get_feature(model, f, &feature) == RECLITE_OK && feature.kind == RECLITE_FEATURE_CONTEXT) {
      context[context_count].feature = f;
      context_values[context_count++] = feature.value_count > 0 ? feature.value_count : 1;
    }
  }

  reclite_session *session = NULL;
  status = reclite_session_create(model, NULL, 0, &session);
  if (status != RECLITE_OK) return fail("session", status, NULL);
  int64_t *catalog = catalog_ids(session, n);
  float *scores = malloc(((size_t)n + 1) * sizeof *scores);
  FILE *out = fopen(argv[2], "wb");
  if (catalog == NULL || scores == NULL || out == NULL) return fail("catalog, memory or output file", RECLITE_E_NO_MEMORY, session);

  uint32_t records = users + 2;
  uint32_t header[3] = {n, records, K};
  fwrite("RLSD", 1, 4, out);
  fwrite(header, sizeof header, 1, out);
  fwrite(catalog, sizeof *catalog, n, out);
  for (uint32_t r = 0; r < records; r++) {
    int64_t user = r < users ? (int64_t)r + 1 : -7;
    uint32_t flags = r == users + 1 ? RECLITE_REQUEST_NO_FALLBACK : 0;
    reclite_request request = RECLITE_REQUEST_INIT(user);
    request.flags = flags;
    for (size_t c = 0; c < context_count; c++) context[c].value = (int64_t)((uint64_t)(user + 7) % context_values[c]);
    request.context = context_count ? context : NULL;
    request.context_count = context_count;
    int64_t top_ids[K] = {0};
    float top_scores[K] = {0};
    size_t top = 0;
    int64_t exclude = catalog[(uint64_t)(user + 7) % n];
    uint32_t scored = r % every == 0 || r >= users;
    status = scored ? reclite_score(session, &request, catalog, n, scores) : RECLITE_OK;
    if (status != RECLITE_OK) return fail("score", status, session);
    status = reclite_recommend(session, &request, K, &exclude, 1, top_ids, top_scores, &top);
    if (status != RECLITE_OK) return fail("recommend", status, session);
    uint32_t counts[4] = {flags, (uint32_t)top, scored, 0};
    fwrite(&user, sizeof user, 1, out);
    fwrite(counts, sizeof counts, 1, out);
    fwrite(top_ids, sizeof top_ids, 1, out);
    fwrite(top_scores, sizeof top_scores, 1, out);
    if (scored) fwrite(scores, sizeof *scores, n, out);
  }
  int written = fclose(out) == 0;
  printf("score_dump: %s: %u records with a top %d, %u of them with all %u catalog scores\n", argv[1], records, K,
         (users + every - 1) / every + 2, n);
  free(catalog);
  free(scores);
  reclite_session_close(session);
  reclite_model_close(model);
  return written ? 0 : 1;
}
