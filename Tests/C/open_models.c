/*
 * open_models.c — hostile model files through the C API, on any architecture.
 *
 *   open_models --manifest DIR
 *       DIR/manifest.tsv lists crafted files (written by the Swift suite
 *       ThirtyTwoBitModels): file, then the status and a part of the message
 *       expected where pointers have 32 bits, then where they have 64. Each
 *       file must open with the expected status and message for this build's
 *       pointer width; a file that opens must also score and recommend.
 *   open_models --survive FILE...
 *       Inputs that once crashed the fuzzer (Tests/Fuzz/regressions): each is
 *       opened with and without the checksum; it must fail with a status or
 *       give a model that scores and recommends. Never a crash.
 *
 * Prints one line per file and exits non-zero on the first mismatch count > 0.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclite.h"

static int failures;

/* Larger arenas are not allocated: a crafted model may legitimately need gigabytes on 64-bit. */
enum { ARENA_LIMIT = 64 << 20 };

/* Runs a session over an opened model: score a few ids, recommend a few. */
static reclite_status exercise(reclite_model *model) {
  if (reclite_model_arena_size(model) > ARENA_LIMIT) return RECLITE_OK;
  reclite_session *session = NULL;
  reclite_status status = reclite_session_create(model, NULL, 0, &session);
  if (status != RECLITE_OK) return status;
  int64_t candidates[6] = {0, 1, 10, 20, -1, INT64_MAX};
  float scores[6];
  int64_t ids[4];
  size_t n = 0;
  for (int64_t user = -1; user <= 3 && status == RECLITE_OK; user++) {
    reclite_request request = RECLITE_REQUEST_INIT(user);
    status = reclite_score(session, &request, candidates, 6, scores);
    reclite_status top = reclite_recommend(session, &request, 4, candidates, 2, ids, scores, &n);
    if (status == RECLITE_OK && top != RECLITE_E_UNSUPPORTED) status = top; /* score-only models cannot recommend */
  }
  reclite_session_close(session);
  return status;
}

static unsigned char *read_file(const char *path, size_t *length) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = malloc(size > 0 ? (size_t)size : 1);
  if (bytes != NULL && fread(bytes, 1, (size_t)size, f) != (size_t)size) {
    free(bytes);
    bytes = NULL;
  }
  fclose(f);
  *length = (size_t)size;
  return bytes;
}

/* Splits a manifest line in place into `count` tab-separated fields. */
static int split(char *line, char **fields, int count) {
  line[strcspn(line, "\n")] = 0;
  for (int i = 0; i < count; i++) {
    fields[i] = line;
    char *tab = strchr(line, '\t');
    if (tab == NULL) return i == count - 1;
    *tab = 0;
    line = tab + 1;
  }
  return 0;
}

static void check_manifest(const char *directory) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.tsv", directory);
  FILE *manifest = fopen(path, "r");
  if (manifest == NULL) {
    fprintf(stderr, "cannot read %s\n", path);
    failures++;
    return;
  }
  const int bits = (int)(sizeof(void *) * 8);
  char line[2048];
  int files = 0;
  while (fgets(line, sizeof line, manifest) != NULL) {
    char *field[5];
    if (!split(line, field, 5)) {
      fprintf(stderr, "bad manifest line: %s\n", line);
      failures++;
      continue;
    }
    const char *status_name = bits == 32 ? field[1] : field[3];
    const char *message = bits == 32 ? field[2] : field[4];
    snprintf(path, sizeof path, "%s/%s", directory, field[0]);
    reclite_model *model = NULL;
    reclite_status status = reclite_model_open(path, &model);
    const char *got = status == RECLITE_OK ? "" : reclite_last_error();
    if (status == RECLITE_OK) status = exercise(model);
    int ok = strcmp(reclite_status_name(status), status_name) == 0 && strstr(got, message) != NULL;
    printf("%s %d-bit %s: %s %s\n", ok ? "ok  " : "FAIL", bits, field[0], reclite_status_name(status), got);
    if (!ok) {
      printf("     expected %s containing \"%s\"\n", status_name, message);
      failures++;
    }
    reclite_model_close(model);
    files++;
  }
  fclose(manifest);
  if (files == 0) {
    fprintf(stderr, "%s lists no files\n", directory);
    failures++;
  }
}

static void survive(const char *path) {
  size_t length = 0;
  unsigned char *bytes = read_file(path, &length);
  if (bytes == NULL) {
    fprintf(stderr, "cannot read %s\n", path);
    failures++;
    return;
  }
  const uint32_t flags[2] = {RECLITE_OPEN_COPY, RECLITE_OPEN_COPY | RECLITE_OPEN_SKIP_CHECKSUM};
  for (int i = 0; i < 2; i++) {
    reclite_model *model = NULL;
    reclite_status status = reclite_model_open_buffer(bytes, length, flags[i], &model);
    const char *message = status == RECLITE_OK ? "" : reclite_last_error();
    if (status == RECLITE_OK) status = exercise(model);
    printf("ok   %s (%s): %s %s\n", path, i == 0 ? "checksum" : "no checksum", reclite_status_name(status), message);
    reclite_model_close(model);
  }
  free(bytes);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--manifest") == 0) {
    check_manifest(argv[2]);
  } else if (argc >= 3 && strcmp(argv[1], "--survive") == 0) {
    for (int i = 2; i < argc; i++) survive(argv[i]);
  } else {
    fprintf(stderr, "usage: %s --manifest DIR | --survive FILE...\n", argv[0]);
    return 2;
  }
  printf("open_models: %d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
