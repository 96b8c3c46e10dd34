/*
 * hub.c — a smart-home hub that suggests the next three actions.
 *
 * Opens a context-aware student (distilled by `reclite pipeline` from an event
 * log with hour, weekday and room columns), sizes the smallest arena the model
 * needs, allocates it once, and answers "next 3 actions for household H at
 * hour X on weekday W in room R" for a scripted day. A home the model has
 * never seen (cold start of a new home) gets the most popular actions at that
 * hour, which the toolkit stores in the model's "popular.hour" metadata: on the
 * generated homes that ranks better than the model's own unknown-home row.
 *
 *   cc hub.c -I include -L dist/x86_64-linux-gnu -lreclite -o hub
 *   ./hub two-tower-distilled-int8-seed1.rlm 1001 [REPEATS]
 *
 * stdout is the suggestions (the same on every machine); stderr the time per
 * suggestion, averaged over REPEATS runs of the day (default 200).
 */
#define _POSIX_C_SOURCE 199309L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reclite.h"

enum { SUGGESTIONS = 3 };

/* One request of the scripted day. */
struct moment {
  int hour, minute;
  const char *room;
};

/* A Tuesday in a home: waking up, leaving, lunch, coming back, dinner, the
 * evening and bed; and one request from a room the model has never heard of. */
static const struct moment day[] = {
    {6, 40, "bedroom"}, {7, 5, "bathroom"}, {7, 20, "kitchen"},     {8, 10, "hallway"},
    {12, 30, "kitchen"}, {17, 50, "hallway"}, {18, 40, "kitchen"},    {20, 30, "living room"},
    {21, 15, "attic"},   {22, 45, "living room"}, {23, 5, "bedroom"},
};
/* A new home, the same Tuesday. */
static const struct moment new_home_day[] = {{7, 20, "kitchen"}, {18, 40, "kitchen"}, {22, 45, "living room"}};
static const int tuesday = 1; /* weekday values as in the log: 0 = Monday */

/* The raw value of a text context label from the model's metadata ("context.room" holds one
 * "id=label" per line), or -1 when the model does not know the label (its OOV row). */
static int64_t label_value(const reclite_model *model, const char *feature, const char *label) {
  char key[64];
  snprintf(key, sizeof key, "context.%s", feature);
  const char *labels = reclite_model_metadata(model, key);
  size_t length = strlen(label);
  for (const char *line = labels; line && *line;) {
    const char *equals = strchr(line, '='), *end = strchr(line, '\n');
    if (!end) end = line + strlen(line);
    if (equals && equals < end && (size_t)(end - equals - 1) == length && memcmp(equals + 1, label, length) == 0)
      return strtoll(line, NULL, 10);
    line = *end ? end + 1 : end;
  }
  return -1;
}

/* Whether the model knows a household: its user feature's values are sorted, so a binary search. */
static int knows(const reclite_model *model, uint32_t user_feature, uint64_t users, int64_t household) {
  uint64_t low = 0, high = users;
  while (low < high) {
    uint64_t mid = low + (high - low) / 2;
    int64_t value = 0;
    if (reclite_model_get_feature_value(model, user_feature, mid, &value) != RECLITE_OK) return 0;
    if (value < household) low = mid + 1; else high = mid;
  }
  int64_t value = 0;
  return low < users && reclite_model_get_feature_value(model, user_feature, low, &value) == RECLITE_OK && value == household;
}

/* A context feature by name, or an error naming it (the library's message lists the model's features). */
static int find(const reclite_model *model, const char *name, uint32_t *index) {
  reclite_status status = reclite_model_find_feature(model, name, index);
  if (status == RECLITE_OK) return 1;
  fprintf(stderr, "hub: the model has no context feature \"%s\": %s: %s\n", name, reclite_status_name(status),
          reclite_last_error());
  return 0;
}

struct hub {
  const reclite_model *model;
  reclite_session *session;
  uint32_t hour, weekday, room, user;
  uint64_t users;
};

/* The popularity-at-this-hour fallback for a home the model has never seen: the first `k` actions
 * of the hour's line in the model's "popular.hour" metadata ("7=id,id,...\n8=..."; the training
 * events' most frequent actions at each hour, written by the toolkit). Returns how many it
 * found; 0 when the model has no line for the hour. */
static size_t popular_at_hour(const reclite_model *model, int hour, int64_t *ids, size_t k) {
  const char *lines = reclite_model_metadata(model, "popular.hour");
  for (const char *line = lines; line && *line;) {
    char *rest = NULL;
    long value = strtol(line, &rest, 10);
    const char *end = strchr(line, '\n');
    if (!end) end = line + strlen(line);
    if (rest && *rest == '=' && value == hour) {
      size_t n = 0;
      for (const char *p = rest + 1; n < k && p < end;) {
        char *after = NULL;
        long long id = strtoll(p, &after, 10);
        if (after == p) break;
        ids[n++] = id;
        p = *after == ',' ? after + 1 : end;
      }
      return n;
    }
    line = *end ? end + 1 : end;
  }
  return 0;
}

/* Next SUGGESTIONS actions for a household at a moment. A household the model knows is ranked by
 * the model with the moment's context; a new home gets the most popular actions at that hour (and
 * the catalog's most popular, the runtime's own fallback, at an hour the log never saw). */
static reclite_status suggest(const struct hub *hub, int64_t household, int known, const struct moment *m, int64_t *ids,
                              size_t *n) {
  if (!known && (*n = popular_at_hour(hub->model, m->hour, ids, SUGGESTIONS)) > 0) return RECLITE_OK;
  reclite_context_value context[3] = {
      {hub->hour, m->hour}, {hub->weekday, tuesday}, {hub->room, label_value(hub->model, "room", m->room)}};
  reclite_request request = RECLITE_REQUEST_INIT(household);
  request.context = context;
  request.context_count = 3;
  return reclite_recommend(hub->session, &request, SUGGESTIONS, NULL, 0, ids, NULL, n);
}

static int print_day(const struct hub *hub, int64_t household, const struct moment *moments, size_t count) {
  int known = knows(hub->model, hub->user, hub->users, household);
  const char *how = known ? ""
                    : reclite_model_metadata(hub->model, "popular.hour")
                        ? " (not in the model: the most popular actions at that hour)"
                        : " (not in the model, which has no popular.hour: the most popular actions)";
  printf("%s %" PRId64 ", Tuesday%s:\n", known ? "household" : "new home", household, how);
  for (size_t i = 0; i < count; i++) {
    int64_t ids[SUGGESTIONS];
    size_t n = 0;
    reclite_status status = suggest(hub, household, known, &moments[i], ids, &n);
    if (status != RECLITE_OK) {
      fprintf(stderr, "hub: recommend failed (%s): %s\n", reclite_status_name(status), reclite_session_last_error(hub->session));
      return 0;
    }
    printf("  %02d:%02d %-12s", moments[i].hour, moments[i].minute, moments[i].room);
    for (size_t j = 0; j < n; j++) {
      const char *title = reclite_model_item_title(hub->model, ids[j]);
      printf("%s%s", j ? " | " : " ", title ? title : "?");
    }
    printf("\n");
  }
  return 1;
}

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s MODEL HOUSEHOLD [REPEATS]\n", argv[0]);
    return 2;
  }
  int64_t household = strtoll(argv[2], NULL, 10);
  long repeats = argc == 4 ? strtol(argv[3], NULL, 10) : 200;
  if (repeats < 0 || repeats > 1000000) {
    fprintf(stderr, "REPEATS must be between 0 and 1000000\n");
    return 2;
  }
  reclite_model *model = NULL;
  if (reclite_model_open(argv[1], &model) != RECLITE_OK) {
    fprintf(stderr, "hub: cannot open %s: %s\n", argv[1], reclite_last_error());
    return 1;
  }
  struct hub hub = {.model = model};
  reclite_feature_info user = RECLITE_FEATURE_INFO_INIT;
  if (!find(model, "hour", &hub.hour) || !find(model, "weekday", &hub.weekday) || !find(model, "room", &hub.room) ||
      !find(model, "user", &hub.user) || reclite_model_get_feature(model, hub.user, &user) != RECLITE_OK) {
    reclite_model_close(model);
    return 1;
  }
  hub.users = user.value_count;

  /* The smallest arena: exactly reclite_model_arena_size() bytes, allocated once. One byte less is refused. */
  size_t arena_size = reclite_model_arena_size(model);
  void *arena = malloc(arena_size);
  reclite_session *probe = NULL;
  reclite_status smaller = reclite_session_create(model, arena, arena_size - 1, &probe);
  if (!arena || smaller != RECLITE_E_ARENA_TOO_SMALL || reclite_session_create(model, arena, arena_size, &hub.session) != RECLITE_OK) {
    fprintf(stderr, "hub: cannot create a session in %zu bytes (one byte less: %s): %s\n", arena_size,
            reclite_status_name(smaller), reclite_last_error());
    reclite_session_close(probe);
    free(arena);
    reclite_model_close(model);
    return 1;
  }
  reclite_model_info info = RECLITE_MODEL_INFO_INIT;
  reclite_model_get_info(model, &info);
  printf("model: %" PRIu64 " bytes, %u actions; arena: %zu bytes (one byte less is refused: %s)\n", info.file_bytes,
         info.catalog_size, arena_size, reclite_status_name(smaller));

  size_t moments = sizeof day / sizeof day[0];
  int ok = print_day(&hub, household, day, moments);
  ok = ok && print_day(&hub, 987654321, new_home_day, sizeof new_home_day / sizeof new_home_day[0]);

  /* Time per suggestion: the whole day, REPEATS times, for the household. */
  if (ok && repeats > 0) {
    int64_t ids[SUGGESTIONS];
    size_t n = 0;
    int known = knows(model, hub.user, hub.users, household);
    double start = seconds();
    for (long r = 0; r < repeats; r++)
      for (size_t i = 0; i < moments; i++) ok = ok && suggest(&hub, household, known, &day[i], ids, &n) == RECLITE_OK;
    double elapsed = seconds() - start;
    fprintf(stderr, "%.2f us per suggestion of %d actions (%ld x %zu requests)\n",
            elapsed * 1e6 / (double)(repeats * (long)moments), SUGGESTIONS, repeats, moments);
  }

  reclite_session_close(hub.session);
  free(arena);
  reclite_model_close(model);
  return ok ? 0 : 1;
}
