/*
 * test_oom.c — out of memory at every allocation (SQLite's discipline),
 * against the released libreclite.
 *
 * This program defines malloc and friends itself (ELF interposition), so it
 * sees every allocation the library makes. For each call that allocates —
 * opening a model (file, copied buffer, borrowed buffer), creating a session
 * (own or caller arena, over a model or a slot), creating a slot, and a
 * session's refresh to a newer model (growing its arena, or reusing it) — it
 * first counts the call's allocations, then for every N makes the Nth fail
 * (alone, and then together with every later one) and requires:
 *   - the call returns RECLITE_E_NO_MEMORY with an "out of memory" message,
 *     and its output is untouched (a refresh: the session still runs and
 *     answers with the model it had);
 *   - nothing the call allocated is still allocated;
 *   - the same call with memory available then succeeds.
 * Publishing, reading a slot, refreshing without a change and requests must
 * allocate nothing at all.
 *
 * Further models (other encodings and graphs: their loaders allocate
 * differently) go through the calls that open a model and create a session.
 *
 * usage: test_oom MODEL_A MODEL_B [MODEL...]   (MODEL_B needs a larger arena than MODEL_A)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reclite.h"

/* ---- The allocator: counts, fails on request, tracks what is live ------ */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static int armed;       /* count, fail and track only between arm() and disarm() */
static long seen;       /* allocations since arm() */
static long fail_at;    /* 0: none fails; N: the Nth fails ... */
static int fail_later;  /* ... and with this set, every one after it too */

/* Pointers allocated while armed and not yet freed (open addressing). */
enum { TRACKED = 1 << 12 };
static void *tracked[TRACKED];
static long live;

static size_t slot_of(void *p) { return ((uintptr_t)p >> 4) * 2654435761u % TRACKED; }

static void track(void *p) {
  if (!armed || p == NULL) return;
  size_t i = slot_of(p);
  while (tracked[i] != NULL) i = (i + 1) % TRACKED;
  tracked[i] = p;
  live++;
}

static void untrack(void *p) {
  if (p == NULL) return;
  size_t i = slot_of(p);
  for (size_t probes = 0; probes < TRACKED && tracked[i] != NULL; probes++, i = (i + 1) % TRACKED) {
    if (tracked[i] == p) {
      /* Re-insert the rest of the cluster so later lookups still find them. */
      tracked[i] = NULL;
      live--;
      for (size_t j = (i + 1) % TRACKED; tracked[j] != NULL; j = (j + 1) % TRACKED) {
        void *moved = tracked[j];
        tracked[j] = NULL;
        size_t k = slot_of(moved);
        while (tracked[k] != NULL) k = (k + 1) % TRACKED;
        tracked[k] = moved;
      }
      return;
    }
  }
}

static int must_fail(void) {
  if (!armed) return 0;
  seen++;
  return fail_at > 0 && (seen == fail_at || (fail_later && seen > fail_at));
}

void *malloc(size_t size) {
  if (must_fail()) return NULL;
  void *p = __libc_malloc(size);
  track(p);
  return p;
}
void *calloc(size_t n, size_t size) {
  if (must_fail()) return NULL;
  void *p = __libc_calloc(n, size);
  track(p);
  return p;
}
void *realloc(void *old, size_t size) {
  if (must_fail()) return NULL;
  void *p = __libc_realloc(old, size);
  if (p != NULL) {
    untrack(old);
    track(p);
  }
  return p;
}
void free(void *p) {
  untrack(p);
  __libc_free(p);
}
void *aligned_alloc(size_t alignment, size_t size) {
  if (must_fail()) return NULL;
  void *p = __libc_memalign(alignment, size);
  track(p);
  return p;
}
void *memalign(size_t alignment, size_t size) { return aligned_alloc(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
  void *p = aligned_alloc(alignment, size);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

static void arm(long n, int later) {
  seen = 0;
  fail_at = n;
  fail_later = later;
  armed = 1;
}

static void disarm(void) { armed = 0; }

/* ---- The calls under test ---------------------------------------------- */

static const char *path_a, *path_b; /* A: the model the calls open; B: the one a slot moves to */
static void *bytes_a;   /* model A's file, 64-byte aligned (for borrowing) */
static size_t length_a;
static void *arena;     /* a caller arena that fits A and B */
static size_t arena_length;

/* The objects a call works on, made before it with memory available. */
struct fixture {
  reclite_model *model, *next;
  reclite_model_slot *slot;
  reclite_session *session;
  reclite_model *made_model;
  reclite_session *made_session;
  reclite_model_slot *made_slot;
};

/* One kind of call: prepare (not counted), the call itself, a check that a failed call left
 * everything usable, and cleanup (counted, so what the call allocated must be freed by it). */
struct operation {
  const char *name;
  void (*prepare)(struct fixture *);
  reclite_status (*call)(struct fixture *);
  void (*check_after_failure)(struct fixture *);
  void (*cleanup)(struct fixture *);
};

static void open_a(struct fixture *f) { reclite_model_open(path_a, &f->model); }
static void open_a_and_b(struct fixture *f) {
  reclite_model_open(path_a, &f->model);
  reclite_model_open(path_b, &f->next);
}
static void slot_over_a(struct fixture *f) {
  open_a(f);
  reclite_model_slot_create(f->model, &f->slot);
}
/* A session on A from a slot that then publishes B (growing) — or, swapped, B then A (reusing). */
static void session_then_newer(struct fixture *f, int grow) {
  open_a_and_b(f);
  reclite_model_slot_create(grow ? f->model : f->next, &f->slot);
  reclite_session_create_from_slot(f->slot, NULL, 0, &f->session);
  reclite_model_slot_publish(f->slot, grow ? f->next : f->model);
}
static void prepare_growing_switch(struct fixture *f) { session_then_newer(f, 1); }
static void prepare_reusing_switch(struct fixture *f) { session_then_newer(f, 0); }

static reclite_status call_open(struct fixture *f) { return reclite_model_open(path_a, &f->made_model); }
static reclite_status call_open_copy(struct fixture *f) {
  return reclite_model_open_buffer(bytes_a, length_a, RECLITE_OPEN_COPY, &f->made_model);
}
static reclite_status call_open_borrow(struct fixture *f) {
  return reclite_model_open_buffer(bytes_a, length_a, RECLITE_OPEN_BORROW, &f->made_model);
}
static reclite_status call_session(struct fixture *f) {
  return reclite_session_create(f->model, NULL, 0, &f->made_session);
}
static reclite_status call_session_in_arena(struct fixture *f) {
  return reclite_session_create(f->model, arena, arena_length, &f->made_session);
}
static reclite_status call_slot(struct fixture *f) { return reclite_model_slot_create(f->model, &f->made_slot); }
static reclite_status call_slot_session(struct fixture *f) {
  return reclite_session_create_from_slot(f->slot, NULL, 0, &f->made_session);
}
static reclite_status call_slot_session_in_arena(struct fixture *f) {
  return reclite_session_create_from_slot(f->slot, arena, arena_length, &f->made_session);
}
static reclite_status call_refresh(struct fixture *f) { return reclite_session_refresh(f->session); }

/* After a failed refresh the session still answers, with the model it had. */
static void session_still_serves(struct fixture *f) {
  const reclite_model *running = reclite_session_model(f->session);
  CHECK(running != NULL);
  reclite_request request = RECLITE_REQUEST_INIT(3);
  int64_t ids[5];
  float scores[5];
  size_t n = 0;
  CHECK(reclite_recommend(f->session, &request, 5, NULL, 0, ids, scores, &n) == RECLITE_OK && n == 5);
  reclite_model *current = NULL;
  reclite_model_slot_get(f->slot, &current);
  CHECK(running != current); /* it did not switch */
  reclite_model_close(current);
}

static void no_check(struct fixture *f) { (void)f; }

static void close_all(struct fixture *f) {
  reclite_session_close(f->made_session);
  reclite_session_close(f->session);
  reclite_model_slot_close(f->made_slot);
  reclite_model_slot_close(f->slot);
  reclite_model_close(f->made_model);
  reclite_model_close(f->model);
  reclite_model_close(f->next);
  memset(f, 0, sizeof *f);
}

static void nothing(struct fixture *f) { (void)f; }

/* The first OPEN_AND_SESSION operations need model A alone; the rest use slots and model B. */
enum { OPEN_AND_SESSION = 5 };
static const struct operation operations[] = {
    {"reclite_model_open", nothing, call_open, no_check, close_all},
    {"reclite_model_open_buffer (copy)", nothing, call_open_copy, no_check, close_all},
    {"reclite_model_open_buffer (borrow)", nothing, call_open_borrow, no_check, close_all},
    {"reclite_session_create", open_a, call_session, no_check, close_all},
    {"reclite_session_create (caller arena)", open_a, call_session_in_arena, no_check, close_all},
    {"reclite_model_slot_create", open_a, call_slot, no_check, close_all},
    {"reclite_session_create_from_slot", slot_over_a, call_slot_session, no_check, close_all},
    {"reclite_session_create_from_slot (caller arena)", slot_over_a, call_slot_session_in_arena, no_check, close_all},
    {"reclite_session_refresh (new model, larger arena)", prepare_growing_switch, call_refresh, session_still_serves,
     close_all},
    {"reclite_session_refresh (new model, same arena)", prepare_reusing_switch, call_refresh, session_still_serves,
     close_all},
};

/* Runs `op` once with the allocator armed as given; returns its status and how many allocations it made. */
static reclite_status run(const struct operation *op, struct fixture *f, long fail, int later, long *made) {
  memset(f, 0, sizeof *f);
  op->prepare(f);
  arm(fail, later);
  reclite_status status = op->call(f);
  *made = seen;
  disarm();
  return status;
}

static void test_operation(const struct operation *op) {
  struct fixture f;
  long total = 0, made = 0;
  CHECK(run(op, &f, 0, 0, &total) == RECLITE_OK);
  arm(0, 0);
  op->cleanup(&f);
  disarm();
  CHECK(live == 0);
  CHECK(total > 0);
  long refused = 0, leaked = 0, recovered = 0, attempts = 0;
  for (int later = 0; later <= 1; later++) {
    for (long n = 1; n <= total; n++) {
      attempts++;
      reclite_status status = run(op, &f, n, later, &made);
      if (status == RECLITE_E_NO_MEMORY && strstr(reclite_last_error(), "out of memory") != NULL) {
        refused++;
      } else {
        fprintf(stderr, "%s, allocation %ld failing%s: %s (%s)\n", op->name, n, later ? " with all later ones" : "",
                reclite_status_name(status), reclite_last_error());
      }
      CHECK(f.made_model == NULL && f.made_session == NULL && f.made_slot == NULL); /* outputs untouched */
      if (live != 0) {
        leaked++;
        fprintf(stderr, "%s, allocation %ld failing: %ld allocation(s) left behind\n", op->name, n, live);
        live = 0;
        memset(tracked, 0, sizeof tracked);
      }
      op->check_after_failure(&f);
      /* With memory available, the same call now succeeds. */
      arm(0, 0);
      if (op->call(&f) == RECLITE_OK) recovered++;
      else fprintf(stderr, "%s after allocation %ld failed: the retry failed: %s\n", op->name, n, reclite_last_error());
      op->cleanup(&f);
      disarm();
      if (live != 0) {
        leaked++;
        fprintf(stderr, "%s: the retry after allocation %ld left %ld allocation(s) behind\n", op->name, n, live);
        live = 0;
        memset(tracked, 0, sizeof tracked);
      }
    }
  }
  printf("%-50s %3ld allocations: failing each (alone, then with all later ones) -> "
         "RECLITE_E_NO_MEMORY %ld/%ld, leaks %ld, retry succeeded %ld/%ld\n",
         op->name, total, refused, attempts, leaked, recovered, attempts);
  CHECK(refused == attempts && leaked == 0 && recovered == attempts);
}

/* Calls that must not allocate at all: publishing, reading a slot, an idle refresh, requests. */
static void test_allocation_free_calls(void) {
  struct fixture f;
  memset(&f, 0, sizeof f);
  prepare_growing_switch(&f);
  reclite_request request = RECLITE_REQUEST_INIT(3);
  int64_t ids[5] = {1, 2, 3, 4, 5};
  float scores[5];
  size_t n = 0;
  CHECK(reclite_session_refresh(f.session) == RECLITE_OK); /* the switch itself may allocate */
  arm(1, 1);                                                /* every allocation would fail */
  reclite_model *current = NULL;
  int ok = reclite_session_refresh(f.session) == RECLITE_OK && reclite_model_slot_get(f.slot, &current) == RECLITE_OK &&
           reclite_model_slot_publish(f.slot, f.model) == RECLITE_OK &&
           reclite_model_slot_publish(f.slot, f.next) == RECLITE_OK &&
           reclite_score(f.session, &request, ids, 5, scores) == RECLITE_OK &&
           reclite_recommend(f.session, &request, 5, ids, 2, ids, scores, &n) == RECLITE_OK &&
           reclite_score_batch(f.session, &request, 1, ids, 5, scores) == RECLITE_OK;
  long made = seen;
  disarm();
  CHECK(ok);
  CHECK(made == 0);
  printf("publish, slot_get, idle refresh, score, recommend, score_batch: %ld allocations\n", made);
  reclite_model_close(current);
  close_all(&f);
}

static void *read_aligned(const char *path, size_t *length) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) return NULL;
  fseek(file, 0, SEEK_END);
  *length = (size_t)ftell(file);
  fseek(file, 0, SEEK_SET);
  void *data = aligned_alloc(64, (*length + 63) / 64 * 64);
  if (data != NULL && fread(data, 1, *length, file) != *length) {
    free(data);
    data = NULL;
  }
  fclose(file);
  return data;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL_A MODEL_B [MODEL...]\n", argv[0]);
    return 2;
  }
  printf("out of memory at every allocation:\n"); /* stdout's buffer exists before anything is counted */
  path_b = argv[2];
  for (int m = 1; m < argc; m++) {
    if (m == 2) continue; /* B is the model slots move to, with A */
    /* Model A's file in memory, and a caller arena that fits it and B. */
    path_a = argv[m];
    bytes_a = read_aligned(path_a, &length_a);
    reclite_model *a = NULL, *b = NULL;
    if (bytes_a == NULL || reclite_model_open(path_a, &a) != RECLITE_OK || reclite_model_open(path_b, &b) != RECLITE_OK) {
      fprintf(stderr, "cannot read the models: %s\n", reclite_last_error());
      return 2;
    }
    size_t sa = reclite_model_arena_size(a), sb = reclite_model_arena_size(b);
    if (m == 1) CHECK(sb > sa);
    arena_length = sa > sb ? sa : sb;
    arena = malloc(arena_length);
    reclite_model_close(a);
    reclite_model_close(b);

    size_t count = m == 1 ? sizeof operations / sizeof operations[0] : OPEN_AND_SESSION;
    if (m > 1) printf("%s:\n", path_a);
    for (size_t i = 0; i < count; i++) test_operation(&operations[i]);
    if (m == 1) test_allocation_free_calls();
    free(arena);
    free(bytes_a);
  }
  return check_summary("test_oom");
}
