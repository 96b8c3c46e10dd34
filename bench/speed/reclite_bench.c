/*
 * reclite_bench.c — how fast a model answers through the C API, as a C program serving
 * requests sees it (the released libreclite, one thread, one session).
 *
 * Workloads, each over many requests for the model's known users (cycling):
 *   open            map + verify + plan the file (repeated)
 *   score_1/100/1000/catalog   score that many candidates (catalog items, rotated per request)
 *   recommend_top10 top 10 over the whole catalog, excluding --exclude items per request
 *                   (a seen-list the size of a typical MovieLens user's history)
 * It prints p50 and p99 latency, the heap allocations made during the timed calls (counted by
 * interposing malloc: must be 0), the arena, the process's peak RSS, and — given the model's
 * multiply-adds (reclite inspect --json prints them; `reclite bench` passes them) — the
 * multiply-add rate against the machine's measured single-core peak.
 *
 * --callgrind runs a fixed workload between CALLGRIND_START/STOP_INSTRUMENTATION, so
 * `valgrind --tool=callgrind --instr-atstart=no reclite-bench MODEL --callgrind` counts the
 * instructions of the requests alone: stable on a noisy machine, comparable commit to commit.
 * --callgrind-requests N sets its number of requests (default 20; fewer for a model as slow as the
 * teacher, whose 20 requests take many minutes under valgrind).
 *
 * usage: reclite-bench MODEL [--requests N] [--exclude N] [--macs-per-candidate X]
 *                            [--macs-per-request Y] [--json] [--callgrind] [--callgrind-requests N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <immintrin.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <valgrind/callgrind.h>

#include "reclite.h"

#include "count_allocations.h"

/* ---- Helpers ---------------------------------------------------------- */

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double *values, size_t n, double p) {
  qsort(values, n, sizeof *values, compare_doubles);
  size_t index = (size_t)(p * (double)(n - 1) + 0.5);
  return values[index < n ? index : n - 1];
}

static void fail(const char *what, const char *message) {
  fprintf(stderr, "reclite-bench: %s: %s\n", what, message);
  exit(1);
}

/* The machine's single-core multiply-add peak, measured: ten independent FMA chains on 8-lane
 * vectors (AVX2+FMA: enough in flight to cover the latency of two FMA units), or multiply and
 * add on 4-lane vectors without them. The chains are named variables so they stay in registers.
 * GMAC/s (one multiply-add per lane). */
#define TEN(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)

__attribute__((target("avx2,fma"))) static double fma_peak_avx2(void) {
#define DECLARE(i) __m256 a##i = _mm256_set1_ps((float)(i) * 1e-3f);
#define STEP(i) a##i = _mm256_fmadd_ps(a##i, b, c);
#define SUM(i) sink += _mm256_cvtss_f32(a##i);
  TEN(DECLARE)
  const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  const long rounds = 20 * 1000 * 1000;
  double start = now_us();
  for (long r = 0; r < rounds; r++) { TEN(STEP) }
  double seconds = (now_us() - start) / 1e6;
  float sink = 0;
  TEN(SUM)
  if (sink == 12345.f) puts("");
  return (double)rounds * 10 * 8 / seconds / 1e9;
#undef DECLARE
#undef STEP
#undef SUM
}

static double fma_peak_sse(void) {
#define DECLARE(i) __m128 a##i = _mm_set1_ps((float)(i) * 1e-3f);
#define STEP(i) a##i = _mm_add_ps(_mm_mul_ps(a##i, b), c);
#define SUM(i) sink += _mm_cvtss_f32(a##i);
  TEN(DECLARE)
  const __m128 b = _mm_set1_ps(0.999999f), c = _mm_set1_ps(1e-7f);
  const long rounds = 20 * 1000 * 1000;
  double start = now_us();
  for (long r = 0; r < rounds; r++) { TEN(STEP) }
  double seconds = (now_us() - start) / 1e6;
  float sink = 0;
  TEN(SUM)
  if (sink == 12345.f) puts("");
  return (double)rounds * 10 * 4 / seconds / 1e9;
#undef DECLARE
#undef STEP
#undef SUM
}

/* Peak resident set of this process image, in KB: VmHWM, which starts afresh at exec. (getrusage's
 * ru_maxrss survives exec, so a child of a large process — a Python driver — would report its
 * parent's size.) Falls back to ru_maxrss where /proc is absent. */
static long peak_rss_kb(void) {
  FILE *status = fopen("/proc/self/status", "r");
  long kb = -1;
  if (status != NULL) {
    char line[256];
    while (fgets(line, sizeof line, status) != NULL)
      if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    fclose(status);
  }
  if (kb < 0) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    kb = usage.ru_maxrss;
  }
  return kb;
}

/* ---- The benchmark ---------------------------------------------------- */

typedef struct {
  const char *name;
  double p50, p99;
  size_t requests;
} result;

typedef struct {
  reclite_model *model;
  reclite_session *session;
  int64_t *users, *catalog, *candidates, *exclude, *ids;
  float *scores;
  size_t user_count, catalog_size, exclude_count;
} bench;

static int64_t value_of(reclite_model *model, uint32_t feature, uint64_t row) {
  int64_t value = 0;
  if (reclite_model_get_feature_value(model, feature, row, &value) != RECLITE_OK) fail("feature value", reclite_last_error());
  return value;
}

/* Candidates for request r: `count` catalog items starting at a per-request offset. */
static void choose_candidates(bench *b, size_t r, size_t count) {
  size_t start = (r * 7919) % b->catalog_size;
  for (size_t i = 0; i < count; i++) b->candidates[i] = b->catalog[(start + i) % b->catalog_size];
}

/* The seen-list of request r: `exclude_count` distinct-ish catalog items (a fixed stride walk). */
static void choose_exclusions(bench *b, size_t r) {
  size_t start = (r * 104729) % b->catalog_size;
  for (size_t i = 0; i < b->exclude_count; i++) b->exclude[i] = b->catalog[(start + i * 61) % b->catalog_size];
}

static reclite_status run_once(bench *b, size_t r, size_t candidates, int recommend) {
  reclite_request request = RECLITE_REQUEST_INIT(b->users[r % b->user_count]);
  if (recommend) {
    size_t n = 0;
    return reclite_recommend(b->session, &request, 10, b->exclude, b->exclude_count, b->ids, b->scores, &n);
  }
  return reclite_score(b->session, &request, b->candidates, candidates, b->scores);
}

static result time_workload(bench *b, const char *name, size_t candidates, int recommend, size_t requests) {
  double *times = malloc(requests * sizeof *times);
  for (size_t r = 0; r < 3; r++) {  /* warm-up */
    choose_candidates(b, r, candidates);
    choose_exclusions(b, r);
    if (run_once(b, r, candidates, recommend) != RECLITE_OK) fail(name, reclite_session_last_error(b->session));
  }
  for (size_t r = 0; r < requests; r++) {
    if (recommend) choose_exclusions(b, r); else choose_candidates(b, r, candidates);
    atomic_store(&counting, 1);
    double start = now_us();
    reclite_status status = run_once(b, r, candidates, recommend);
    times[r] = now_us() - start;
    atomic_store(&counting, 0);
    if (status != RECLITE_OK) fail(name, reclite_session_last_error(b->session));
  }
  result out = {name, percentile(times, requests, 0.5), percentile(times, requests, 0.99), requests};
  free(times);
  return out;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  size_t requests = 300, exclude_count = 150;
  double macs_per_candidate = 0, macs_per_request = 0;
  int json = 0, callgrind = 0;
  size_t callgrind_requests = 20;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(arg, "--requests") == 0 && next) requests = strtoul(argv[++i], NULL, 10);
    else if (strcmp(arg, "--exclude") == 0 && next) exclude_count = strtoul(argv[++i], NULL, 10);
    else if (strcmp(arg, "--macs-per-candidate") == 0 && next) macs_per_candidate = strtod(argv[++i], NULL);
    else if (strcmp(arg, "--macs-per-request") == 0 && next) macs_per_request = strtod(argv[++i], NULL);
    else if (strcmp(arg, "--json") == 0) json = 1;
    else if (strcmp(arg, "--callgrind") == 0) callgrind = 1;
    else if (strcmp(arg, "--callgrind-requests") == 0 && next) {
      callgrind = 1;
      callgrind_requests = strtoul(argv[++i], NULL, 10);
    }
    else if (arg[0] != '-' && path == NULL) path = arg;
    else {
      fprintf(stderr, "usage: %s MODEL [--requests N] [--exclude N] [--macs-per-candidate X] [--macs-per-request Y] [--json] [--callgrind] [--callgrind-requests N]\n", argv[0]);
      return 2;
    }
  }
  if (path == NULL || requests < 1 || callgrind_requests < 1) {
    fprintf(stderr, "usage: %s MODEL [--requests N] [--exclude N] [--macs-per-candidate X] [--macs-per-request Y] [--json] [--callgrind] [--callgrind-requests N]\n", argv[0]);
    return 2;
  }

  bench b = {0};
  /* Open time: map + verify + plan, repeated. */
  size_t opens = callgrind ? 1 : 20;
  double *open_times = malloc(opens * sizeof *open_times);
  for (size_t i = 0; i < opens; i++) {
    double start = now_us();
    if (reclite_model_open(path, &b.model) != RECLITE_OK) fail(path, reclite_last_error());
    open_times[i] = now_us() - start;
    if (i + 1 < opens) reclite_model_close(b.model);
  }
  double open_p50 = percentile(open_times, opens, 0.5);
  free(open_times);

  reclite_model_info info = RECLITE_MODEL_INFO_INIT;
  if (reclite_model_get_info(b.model, &info) != RECLITE_OK) fail("info", reclite_last_error());
  uint32_t item_feature = UINT32_MAX, user_feature = UINT32_MAX;
  for (uint32_t f = 0; f < info.feature_count; f++) {
    reclite_feature_info feature = RECLITE_FEATURE_INFO_INIT;
    if (reclite_model_get_feature(b.model, f, &feature) != RECLITE_OK) fail("feature", reclite_last_error());
    if (feature.kind == RECLITE_FEATURE_ITEM) item_feature = f;
    if (feature.kind == RECLITE_FEATURE_USER) user_feature = f;
  }
  if (info.catalog_size == 0 || item_feature == UINT32_MAX) fail(path, "the model has no catalog to benchmark");
  b.catalog_size = info.catalog_size;
  b.user_count = user_feature == UINT32_MAX ? 1 : (info.user_count > 0 ? info.user_count : 1);
  b.exclude_count = exclude_count < b.catalog_size ? exclude_count : b.catalog_size - 1;
  b.users = malloc(b.user_count * sizeof *b.users);
  b.catalog = malloc(b.catalog_size * sizeof *b.catalog);
  b.candidates = malloc(b.catalog_size * sizeof *b.candidates);
  b.exclude = malloc((b.exclude_count + 1) * sizeof *b.exclude);
  b.ids = malloc(10 * sizeof *b.ids);
  b.scores = malloc(b.catalog_size * sizeof *b.scores);
  for (size_t u = 0; u < b.user_count; u++) b.users[u] = user_feature == UINT32_MAX ? 0 : value_of(b.model, user_feature, u);
  for (size_t i = 0; i < b.catalog_size; i++) b.catalog[i] = value_of(b.model, item_feature, i);
  if (reclite_session_create(b.model, NULL, 0, &b.session) != RECLITE_OK) fail("session", reclite_last_error());

  if (callgrind) {
    /* The fixed workload: `callgrind_requests` recommendations (20 unless told). */
    for (size_t r = 0; r < 40; r++) { choose_candidates(&b, r, 100); choose_exclusions(&b, r); }
    CALLGRIND_START_INSTRUMENTATION;
    for (size_t r = 0; r < callgrind_requests; r++) {
      choose_exclusions(&b, r);
      if (run_once(&b, r, 0, 1) != RECLITE_OK) fail("recommend", reclite_session_last_error(b.session));
    }
    CALLGRIND_STOP_INSTRUMENTATION;
    printf("%s: callgrind workload done (%zu recommend top-10 over %zu items, %zu excluded)\n", path, callgrind_requests,
           b.catalog_size, b.exclude_count);
    reclite_session_close(b.session);
    reclite_model_close(b.model);
    return 0;
  }

  long before = atomic_load(&allocations);
  result results[5];
  size_t counts[4] = {1, 100, 1000, b.catalog_size};
  const char *names[4] = {"score_1", "score_100", "score_1000", "score_catalog"};
  for (int w = 0; w < 4; w++) {
    size_t n = counts[w] < b.catalog_size ? counts[w] : b.catalog_size;
    results[w] = time_workload(&b, names[w], n, 0, w == 3 ? (requests + 2) / 3 : requests);
  }
  results[4] = time_workload(&b, "recommend_top10", 0, 1, requests);
  long allocated = atomic_load(&allocations) - before;
  size_t calls = 0;
  for (int w = 0; w < 5; w++) calls += results[w].requests;

  long peak_rss = peak_rss_kb();
  double peak = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? fma_peak_avx2() : fma_peak_sse();
  double macs = macs_per_candidate * (double)b.catalog_size + macs_per_request;
  double rate = macs > 0 ? macs / results[4].p50 / 1e3 : 0; /* GMAC/s */
  double floor_us = macs > 0 ? macs / peak / 1e3 : 0;

  if (json) {
    printf("{\"model\": \"%s\", \"file_bytes\": %" PRIu64 ", \"catalog\": %zu, \"arena_bytes\": %" PRIu64
           ", \"score_kind\": %u, \"open_us\": %.2f, \"allocations\": %ld, \"calls\": %zu, \"peak_rss_kb\": %ld"
           ", \"peak_gmacs\": %.2f, \"macs_per_request\": %.0f, \"recommend_gmacs\": %.3f, \"floor_us\": %.2f, \"workloads\": {",
           path, info.file_bytes, b.catalog_size, info.arena_bytes, info.score_kind, open_p50, allocated, calls,
           peak_rss, peak, macs, rate, floor_us);
    for (int w = 0; w < 5; w++)
      printf("%s\"%s\": {\"p50_us\": %.2f, \"p99_us\": %.2f, \"requests\": %zu}", w ? ", " : "", results[w].name,
             results[w].p50, results[w].p99, results[w].requests);
    printf("}}\n");
  } else {
    printf("%s: %" PRIu64 " bytes, %zu items, arena %" PRIu64 " bytes, scores %s\n", path, info.file_bytes,
           b.catalog_size, info.arena_bytes, info.score_kind == RECLITE_SCORE_LOGIT ? "logits" : "raw");
    printf("  %-16s %10s %10s %9s\n", "workload", "p50 µs", "p99 µs", "requests");
    printf("  %-16s %10.1f %10s %9zu\n", "open", open_p50, "", opens);
    for (int w = 0; w < 5; w++)
      printf("  %-16s %10.1f %10.1f %9zu\n", results[w].name, results[w].p50, results[w].p99, results[w].requests);
    printf("  heap allocations during %zu timed calls: %ld\n", calls, allocated);
    printf("  peak RSS of this process: %ld KB\n", peak_rss);
    if (macs > 0)
      printf("  recommend: %.0f multiply-adds, %.2f GMAC/s of a %.1f GMAC/s single-core peak (floor %.1f µs, %.1f× above it)\n",
             macs, rate, peak, floor_us, results[4].p50 / floor_us);
    else
      printf("  single-core peak: %.1f GMAC/s (pass --macs-per-candidate for the model's rate)\n", peak);
  }
  reclite_session_close(b.session);
  reclite_model_close(b.model);
  return allocated == 0 ? 0 : 3;
}
