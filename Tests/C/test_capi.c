/*
 * test_capi.c — the C API as a C program sees it, against the released
 * (Embedded Swift) libreclite.
 *
 * This program defines malloc and friends itself, so every allocation the
 * library makes goes through the counters below (ELF symbol interposition;
 * under a sanitizer, which owns malloc, through its allocator hooks).
 * It proves that, once a session exists, scoring and recommending perform
 * zero heap allocations — error paths included — and that sessions on
 * several threads share one model safely.
 *
 * usage: test_capi SAMPLE_MODEL   (from `reclite sample-model`: users 1..50, items 1..200)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reclite.h"

#include "count_allocations.h"

enum { CANDIDATES = 64, K = 10 };

/* One unit of work: score candidates and recommend, as a server would per request. */
static reclite_status serve(reclite_session *session, int64_t user, float *scores, int64_t *ids,
                            float *top_scores, size_t *n) {
  int64_t candidates[CANDIDATES];
  for (int i = 0; i < CANDIDATES; i++) candidates[i] = 1 + (user * 7 + i * 3) % 230; /* some unknown */
  int64_t exclude[3] = {user, user + 1, 99999};
  reclite_context_value hour = {2, user % 24};
  reclite_request request = RECLITE_REQUEST_INIT(user);
  request.context = &hour;
  request.context_count = 1;
  reclite_status status = reclite_score(session, &request, candidates, CANDIDATES, scores);
  if (status != RECLITE_OK) return status;
  return reclite_recommend(session, &request, K, exclude, 3, ids, top_scores, n);
}

static void test_versions(void) {
  CHECK(strcmp(reclite_version(), RECLITE_VERSION_STRING) == 0);
  CHECK(reclite_version_number() == RECLITE_VERSION_NUMBER);
  CHECK(RECLITE_VERSION_NUMBER == RECLITE_VERSION_MAJOR * 10000 + RECLITE_VERSION_MINOR * 100 + RECLITE_VERSION_PATCH);
  CHECK(reclite_abi_version() == RECLITE_ABI_VERSION);
  CHECK(strcmp(reclite_status_name(RECLITE_E_ARENA_TOO_SMALL), "RECLITE_E_ARENA_TOO_SMALL") == 0);
  CHECK(strcmp(reclite_status_name((reclite_status)77), "RECLITE_E_UNKNOWN") == 0);
  reclite_model_close(NULL);
  reclite_session_close(NULL);
  CHECK(reclite_model_arena_size(NULL) == 0);
}

static void test_bad_files(const char *directory) {
  reclite_model *model = NULL;
  CHECK_STATUS(reclite_model_open("/no/such/model.rlm", &model), RECLITE_E_IO);
  CHECK(strstr(reclite_last_error(), "No such file") != NULL);
  CHECK_STATUS(reclite_model_open(directory, &model), RECLITE_E_IO);
  CHECK_STATUS(reclite_model_open(NULL, &model), RECLITE_E_INVALID_ARGUMENT);
  static const char garbage[64] __attribute__((aligned(64))) = "definitely not a model";
  CHECK_STATUS(reclite_model_open_buffer(garbage, sizeof garbage, 0, &model), RECLITE_E_BAD_MODEL);
  CHECK(strstr(reclite_last_error(), "not a RecLite model") != NULL);
  CHECK(model == NULL);
}

/* Loads the file, flips bits, and requires a clean status for every variant. */
static void test_corrupted_copies(const char *path) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  if (f == NULL) return;
  fseek(f, 0, SEEK_END);
  long length = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = malloc((size_t)length);
  CHECK(fread(bytes, 1, (size_t)length, f) == (size_t)length);
  fclose(f);
  int rejected = 0;
  for (long i = 0; i < length; i += 97) {
    bytes[i] ^= 0x10;
    reclite_model *model = NULL;
    reclite_status status = reclite_model_open_buffer(bytes, (size_t)length, RECLITE_OPEN_COPY, &model);
    if (status == RECLITE_E_BAD_MODEL) rejected++;
    else fprintf(stderr, "flipping byte %ld gave %s\n", i, reclite_status_name(status));
    reclite_model_close(model);
    bytes[i] ^= 0x10;
  }
  CHECK(rejected == (length + 96) / 97);
  for (long cut = 0; cut < length; cut += length / 7) {
    reclite_model *model = NULL;
    CHECK_STATUS(reclite_model_open_buffer(bytes, (size_t)cut, RECLITE_OPEN_COPY, &model), RECLITE_E_BAD_MODEL);
  }
  free(bytes);
}

static void test_zero_allocations(reclite_model *model) {
  size_t arena_size = reclite_model_arena_size(model);
  void *arena = malloc(arena_size);
  reclite_session *session = NULL;
  CHECK_STATUS(reclite_session_create(model, arena, arena_size - 1, &session), RECLITE_E_ARENA_TOO_SMALL);
  CHECK(strstr(reclite_last_error(), "needs") != NULL);
  CHECK_STATUS(reclite_session_create(model, arena, arena_size, &session), RECLITE_OK);

  float scores[CANDIDATES], top_scores[K];
  int64_t ids[K];
  size_t n = 0;
  CHECK_STATUS(serve(session, 1, scores, ids, top_scores, &n), RECLITE_OK); /* warm-up */

  atomic_store(&allocations, 0);
  atomic_store(&counting, 1);
  int calls = 0;
  for (int i = 0; i < 500; i++) {
    reclite_status status = serve(session, 1 + i % 60, scores, ids, top_scores, &n);
    calls += 2;
    if (status != RECLITE_OK) failures++;
  }
  /* Nor does batch scoring. */
  reclite_request batch[2] = {RECLITE_REQUEST_INIT(4), RECLITE_REQUEST_INIT(5)};
  int64_t batch_items[3] = {1, 2, 3};
  float batch_scores[6];
  reclite_status batch_status = reclite_score_batch(session, batch, 2, batch_items, 3, batch_scores);
  /* Error paths must not allocate either. */
  reclite_request request = RECLITE_REQUEST_INIT(3);
  reclite_status bad_k = reclite_recommend(session, &request, 0, NULL, 0, ids, top_scores, &n);
  reclite_status bad_ids = reclite_score(session, &request, NULL, 5, scores);
  atomic_store(&counting, 0);
  long counted = atomic_load(&allocations);

  CHECK(batch_status == RECLITE_OK);
  CHECK(bad_k == RECLITE_E_INVALID_ARGUMENT && bad_ids == RECLITE_E_INVALID_ARGUMENT);
  CHECK(counted == 0);
  printf("arena: %zu bytes; heap allocations during %d score/recommend calls (+1 batch, +2 failing calls): %ld\n",
         arena_size, calls, counted);
  reclite_session_close(session);
  free(arena);
}

struct worker {
  reclite_model *model;
  int64_t ids[60][K];
  float scores[60][K];
  reclite_status status;
};

static void *work(void *argument) {
  struct worker *w = argument;
  reclite_session *session = NULL;
  w->status = reclite_session_create(w->model, NULL, 0, &session);
  float scores[CANDIDATES];
  size_t n = 0;
  for (int round = 0; round < 20 && w->status == RECLITE_OK; round++)
    for (int u = 0; u < 60 && w->status == RECLITE_OK; u++)
      w->status = serve(session, u + 1, scores, w->ids[u], w->scores[u], &n);
  reclite_session_close(session);
  return NULL;
}

static void test_threads_share_a_model(reclite_model *model) {
  static struct worker workers[3];
  pthread_t threads[3];
  for (int t = 0; t < 3; t++) {
    workers[t].model = model;
    CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0);
  }
  for (int t = 0; t < 3; t++) pthread_join(threads[t], NULL);
  for (int t = 0; t < 3; t++) {
    CHECK(workers[t].status == RECLITE_OK);
    CHECK(memcmp(workers[t].ids, workers[0].ids, sizeof workers[0].ids) == 0);
    CHECK(memcmp(workers[t].scores, workers[0].scores, sizeof workers[0].scores) == 0);
  }
}

static void test_requests(reclite_model *model) {
  reclite_session *session = NULL;
  CHECK_STATUS(reclite_session_create(model, NULL, 0, &session), RECLITE_OK);
  reclite_model_info info = RECLITE_MODEL_INFO_INIT;
  CHECK_STATUS(reclite_model_get_info(model, &info), RECLITE_OK);
  CHECK(info.catalog_size == 200 && info.user_count == 50 && info.arena_bytes == reclite_model_arena_size(model));

  /* k larger than the catalog returns the whole catalog, best first. */
  int64_t *ids = malloc(500 * sizeof *ids);
  float *scores = malloc(500 * sizeof *scores);
  size_t n = 0;
  reclite_request request = RECLITE_REQUEST_INIT(7);
  CHECK_STATUS(reclite_recommend(session, &request, 500, NULL, 0, ids, scores, &n), RECLITE_OK);
  CHECK(n == 200);
  for (size_t i = 1; i < n; i++) CHECK(scores[i - 1] >= scores[i]);

  /* An unknown user gets the popularity fallback (items 1, 2, 3, ...). */
  reclite_request stranger = RECLITE_REQUEST_INIT(-5);
  int64_t exclude[1] = {2};
  CHECK_STATUS(reclite_recommend(session, &stranger, 3, exclude, 1, ids, scores, &n), RECLITE_OK);
  CHECK(n == 3 && ids[0] == 1 && ids[1] == 3 && ids[2] == 4);
  CHECK(reclite_model_item_title(model, 3) != NULL && strstr(reclite_model_item_title(model, 3), "Sample item 3") != NULL);

  /* Impossible arguments: a status and a message, never a crash. */
  CHECK_STATUS(reclite_recommend(session, &request, 0, NULL, 0, ids, scores, &n), RECLITE_E_INVALID_ARGUMENT);
  CHECK(strcmp(reclite_session_last_error(session), "k must be at least 1") == 0);
  CHECK_STATUS(reclite_recommend(session, NULL, 3, NULL, 0, ids, scores, &n), RECLITE_E_INVALID_ARGUMENT);
  CHECK_STATUS(reclite_recommend(session, &request, 3, NULL, 2, ids, scores, &n), RECLITE_E_INVALID_ARGUMENT);
  CHECK_STATUS(reclite_score(session, &request, ids, (size_t)-1, scores), RECLITE_E_INVALID_ARGUMENT);
  CHECK_STATUS(reclite_score(NULL, &request, ids, 1, scores), RECLITE_E_INVALID_ARGUMENT);
  reclite_request old = request;
  old.struct_size = 4;
  CHECK_STATUS(reclite_score(session, &old, ids, 1, scores), RECLITE_E_STRUCT_SIZE);
  uint32_t hour = 0;
  CHECK_STATUS(reclite_model_find_feature(model, "hour", &hour), RECLITE_OK);
  CHECK(hour == 2);
  CHECK_STATUS(reclite_model_find_feature(model, "weekday", &hour), RECLITE_E_INVALID_ARGUMENT);
  reclite_context_value wrong = {0, 3};
  request.context = &wrong;
  request.context_count = 1;
  CHECK_STATUS(reclite_score(session, &request, ids, 1, scores), RECLITE_E_INVALID_ARGUMENT);
  free(ids);
  free(scores);
  reclite_session_close(session);
}

/*
 * Counts and indices at 2^31 and beyond get a status, never a trap or a read out of
 * bounds — also where size_t and int have 32 bits (make test-cross runs this under qemu-arm,
 * where such a size_t does not fit the library's Int).
 */
static void test_arguments_past_int32(reclite_model *model) {
  reclite_session *session = NULL;
  CHECK_STATUS(reclite_session_create(model, NULL, 0, &session), RECLITE_OK);
  int64_t ids[200] = {1, 2, 3, 4};
  float scores[200];
  size_t n = 0;
  reclite_context_value hour = {2, 5};
  const size_t huge[] = {(size_t)INT32_MAX + 1, SIZE_MAX};
  for (int i = 0; i < 2; i++) {
    reclite_request request = RECLITE_REQUEST_INIT(7);
    CHECK_STATUS(reclite_score(session, &request, ids, huge[i], scores), RECLITE_E_INVALID_ARGUMENT);
    CHECK(strstr(reclite_session_last_error(session), "item count") != NULL);
    CHECK_STATUS(reclite_recommend(session, &request, 3, ids, huge[i], ids, scores, &n), RECLITE_E_INVALID_ARGUMENT);
    CHECK(strstr(reclite_session_last_error(session), "exclude count") != NULL);
    CHECK_STATUS(reclite_score_batch(session, &request, huge[i], ids, 1, scores), RECLITE_E_INVALID_ARGUMENT);
    CHECK(strstr(reclite_session_last_error(session), "request count") != NULL);
    CHECK_STATUS(reclite_score_batch(session, &request, 1, ids, huge[i], scores), RECLITE_E_INVALID_ARGUMENT);
    request.context = &hour;
    request.context_count = huge[i];
    CHECK_STATUS(reclite_score(session, &request, ids, 1, scores), RECLITE_E_INVALID_ARGUMENT);
    CHECK(strstr(reclite_session_last_error(session), "context count") != NULL);
  }
  /* A k beyond the catalog (on 32-bit, beyond the library's Int too) asks for the whole catalog. */
  reclite_request request = RECLITE_REQUEST_INIT(7);
  CHECK_STATUS(reclite_recommend(session, &request, SIZE_MAX, NULL, 0, ids, scores, &n), RECLITE_OK);
  CHECK(n == 200);
  /* Feature, metadata and context indices that do not fit a 32-bit int. */
  reclite_feature_info feature = RECLITE_FEATURE_INFO_INIT;
  CHECK_STATUS(reclite_model_get_feature(model, 0x80000000u, &feature), RECLITE_E_INVALID_ARGUMENT);
  CHECK_STATUS(reclite_model_get_feature(model, UINT32_MAX, &feature), RECLITE_E_INVALID_ARGUMENT);
  const char *key = NULL, *value = NULL;
  CHECK_STATUS(reclite_model_get_metadata(model, 0x80000000u, &key, &value), RECLITE_E_INVALID_ARGUMENT);
  reclite_context_value far = {0x80000000u, 1};
  request.context = &far;
  request.context_count = 1;
  CHECK_STATUS(reclite_score(session, &request, ids, 1, scores), RECLITE_E_INVALID_ARGUMENT);
  CHECK(strstr(reclite_session_last_error(session), "names feature 2147483648") != NULL);
  /* A struct_size beyond any struct: the library reads and writes only the fields it knows. */
  struct {
    reclite_model_info info;
    unsigned char canary[16];
  } big;
  memset(&big, 0xA5, sizeof big);
  big.info.struct_size = UINT32_MAX;
  CHECK_STATUS(reclite_model_get_info(model, &big.info), RECLITE_OK);
  CHECK(big.info.catalog_size == 200 && big.canary[0] == 0xA5 && big.canary[15] == 0xA5);
  reclite_session_close(session);
}

/* The first version of reclite_model_info, as a caller compiled against it sees it. */
struct model_info_v1 {
  uint32_t struct_size, format_version, catalog_size, user_count, feature_count, tensor_count, op_count, max_batch;
  uint64_t weight_bytes, file_bytes, arena_bytes;
  const char *description;
};

/* A caller compiled against a newer header: fields this library does not know yet. */
struct model_info_next {
  reclite_model_info known;
  uint64_t future_a;
  uint32_t future_b;
};

/* Older and newer callers: the library writes the fields it knows that fit, and nothing else. */
static void test_structs_grow(reclite_model *model) {
  CHECK(offsetof(struct model_info_v1, description) + sizeof(const char *) == RECLITE_MODEL_INFO_SIZE_V1);
  struct {
    struct model_info_v1 info;
    unsigned char canary[32];
  } old;
  memset(&old, 0xA5, sizeof old);
  old.info.struct_size = (uint32_t)RECLITE_MODEL_INFO_SIZE_V1;
  CHECK_STATUS(reclite_model_get_info(model, (reclite_model_info *)&old.info), RECLITE_OK);
  CHECK(old.info.catalog_size == 200 && old.info.user_count == 50 && strlen(old.info.description) > 0);
  const unsigned char *after = (const unsigned char *)&old + RECLITE_MODEL_INFO_SIZE_V1;
  for (size_t i = 0; i < sizeof old - RECLITE_MODEL_INFO_SIZE_V1; i++) CHECK(after[i] == 0xA5);

  struct model_info_next next;
  memset(&next, 0xA5, sizeof next);
  next.known.struct_size = sizeof next;
  CHECK_STATUS(reclite_model_get_info(model, &next.known), RECLITE_OK);
  CHECK(next.known.catalog_size == 200 && next.known.score_kind == RECLITE_SCORE_LOGIT && next.known.metadata_count >= 2);
  CHECK(next.future_a == 0xA5A5A5A5A5A5A5A5ull && next.future_b == 0xA5A5A5A5u);

  reclite_model_info small = RECLITE_MODEL_INFO_INIT;
  small.struct_size = (uint32_t)RECLITE_MODEL_INFO_SIZE_V1 - 1;
  CHECK_STATUS(reclite_model_get_info(model, &small), RECLITE_E_STRUCT_SIZE);

  /* A request from a newer caller: trailing fields are ignored. */
  struct {
    reclite_request known;
    uint64_t future;
  } request = {RECLITE_REQUEST_INIT(7), 42};
  request.known.struct_size = sizeof request;
  int64_t item = 3;
  float score = 0;
  reclite_session *session = NULL;
  CHECK_STATUS(reclite_session_create(model, NULL, 0, &session), RECLITE_OK);
  CHECK_STATUS(reclite_score(session, &request.known, &item, 1, &score), RECLITE_OK);
  reclite_request smaller = RECLITE_REQUEST_INIT(7);
  smaller.struct_size = (uint32_t)RECLITE_REQUEST_SIZE_V1 - 1;
  CHECK_STATUS(reclite_score(session, &smaller, &item, 1, &score), RECLITE_E_STRUCT_SIZE);
  reclite_session_close(session);
}

/* What a binding needs to discover a model: features, metadata, score kind. */
static void test_discovery(reclite_model *model) {
  reclite_model_info info = RECLITE_MODEL_INFO_INIT;
  CHECK_STATUS(reclite_model_get_info(model, &info), RECLITE_OK);
  CHECK(info.feature_count == 3);
  const char *expected[] = {"user", "item", "hour"};
  uint32_t kinds[] = {RECLITE_FEATURE_USER, RECLITE_FEATURE_ITEM, RECLITE_FEATURE_CONTEXT};
  for (uint32_t i = 0; i < info.feature_count && i < 3; i++) {
    reclite_feature_info feature = RECLITE_FEATURE_INFO_INIT;
    CHECK_STATUS(reclite_model_get_feature(model, i, &feature), RECLITE_OK);
    CHECK(strcmp(feature.name, expected[i]) == 0 && feature.kind == kinds[i]);
    uint32_t found = 99;
    CHECK_STATUS(reclite_model_find_feature(model, feature.name, &found), RECLITE_OK);
    CHECK(found == i);
  }
  reclite_feature_info feature = RECLITE_FEATURE_INFO_INIT;
  CHECK_STATUS(reclite_model_get_feature(model, info.feature_count, &feature), RECLITE_E_INVALID_ARGUMENT);
  int producer = 0;
  for (uint32_t i = 0; i < info.metadata_count; i++) {
    const char *key = NULL, *value = NULL;
    CHECK_STATUS(reclite_model_get_metadata(model, i, &key, &value), RECLITE_OK);
    if (key && strcmp(key, "producer") == 0) producer = value && strcmp(value, reclite_model_metadata(model, "producer")) == 0;
  }
  CHECK(producer);
  const char *key = NULL, *value = NULL;
  CHECK_STATUS(reclite_model_get_metadata(model, info.metadata_count, &key, &value), RECLITE_E_INVALID_ARGUMENT);
  /* The sample model ends in a sigmoid: scores are logits, and top-K's scores are score()'s. */
  CHECK(info.score_kind == RECLITE_SCORE_LOGIT);
}

/* A batch with one bad request writes no score at all. */
static void test_batch_is_all_or_nothing(reclite_model *model) {
  reclite_session *session = NULL;
  CHECK_STATUS(reclite_session_create(model, NULL, 0, &session), RECLITE_OK);
  reclite_context_value not_context = {0, 1};
  reclite_request requests[3] = {RECLITE_REQUEST_INIT(1), RECLITE_REQUEST_INIT(2), RECLITE_REQUEST_INIT(3)};
  requests[2].context = &not_context;
  requests[2].context_count = 1;
  int64_t items[2] = {1, 2};
  float scores[6];
  for (int i = 0; i < 6; i++) scores[i] = -7.0f;
  CHECK_STATUS(reclite_score_batch(session, requests, 3, items, 2, scores), RECLITE_E_INVALID_ARGUMENT);
  CHECK(strncmp(reclite_session_last_error(session), "request 2:", 10) == 0);
  for (int i = 0; i < 6; i++) CHECK(scores[i] == -7.0f);
  reclite_session_close(session);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SAMPLE_MODEL\n", argv[0]);
    return 2;
  }
  test_versions();
  test_bad_files("/tmp");
  test_corrupted_copies(argv[1]);
  reclite_model *model = NULL;
  CHECK_STATUS(reclite_model_open(argv[1], &model), RECLITE_OK);
  if (model == NULL) return 1;
  test_zero_allocations(model);
  test_requests(model);
  test_arguments_past_int32(model);
  test_structs_grow(model);
  test_discovery(model);
  test_batch_is_all_or_nothing(model);
  test_threads_share_a_model(model);
  reclite_model_close(model);
  return check_summary("test_capi");
}
