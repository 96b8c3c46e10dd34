/*
 * reclite.h — the RecLite runtime C API.
 *
 * RecLite runs a small recommendation model (a .rlm file, usually distilled
 * from a much larger one by the `reclite` toolkit) inside your program: it
 * scores candidate items for a user and returns the top-K items of the
 * model's catalog, in a fixed memory arena, with no heap allocation per call.
 *
 * Typical use:
 *
 *     reclite_model *model = NULL;
 *     if (reclite_model_open("movies.rlm", &model) != RECLITE_OK) {
 *         fprintf(stderr, "%s\n", reclite_last_error());
 *         return 1;
 *     }
 *     reclite_session *session = NULL;
 *     reclite_session_create(model, NULL, 0, &session);   // arena allocated once
 *     reclite_request request = RECLITE_REQUEST_INIT(42);  // user 42
 *     int64_t ids[10]; float scores[10]; size_t n = 0;
 *     reclite_recommend(session, &request, 10, NULL, 0, ids, scores, &n);
 *     ...
 *     reclite_session_close(session);
 *     reclite_model_close(model);
 *
 * Conventions that hold for every function:
 *
 *  - Errors. Functions that can fail return a reclite_status. RECLITE_OK is
 *    zero; every failure leaves a one-line message describing the first
 *    problem, readable with reclite_last_error() (per thread) and, for calls
 *    that take a session, reclite_session_last_error(). Output parameters are
 *    left untouched unless documented otherwise. No input — a corrupt model
 *    file, NULL pointers, absurd counts — makes the library abort or read out
 *    of bounds: it returns a status instead.
 *  - Ownership. Every object you open or create is released by its matching
 *    *_close function, which accepts NULL. Strings returned by the library are
 *    owned by the library: static strings live forever, model strings live as
 *    long as the model, message strings until the next failing call on the
 *    same thread or session.
 *  - Threads. A reclite_model is immutable after it is opened and may be used
 *    from any number of threads at once. A reclite_session is used by one
 *    thread at a time (create one per thread); sessions of the same model are
 *    independent. No function takes a lock (reclite_model_slot_publish waits,
 *    at most a few instructions' time, for readers taking the model it replaces).
 *  - Ids. Users, items and context values are the raw ids of your data set
 *    (int64), never internal row numbers. Unknown ids are not errors: they
 *    map to the model's out-of-vocabulary row ("cold start").
 *  - Versioning. Every struct that crosses the API starts with `struct_size`,
 *    set by its *_INIT macro to the size the caller was compiled with. Fields
 *    are only ever appended, so structs can grow without breaking callers:
 *    the library accepts any struct_size from the struct's first version
 *    (RECLITE_*_SIZE_V1) up, reads and writes only the first struct_size bytes
 *    (fields beyond them are neither read nor written; fields a caller's older
 *    struct lacks count as zero), and ignores trailing fields a newer header
 *    added that this library does not know. A smaller struct_size is
 *    RECLITE_E_STRUCT_SIZE.
 *  - Scores. A model's scores rank its items: higher is better. Most models
 *    are trained as probabilities σ(logit); for them the library returns the
 *    logit itself (RECLITE_SCORE_LOGIT), because float32 rounds σ(x) to exactly
 *    1 for every x above ≈ 16.6, which would tie the best items. See
 *    reclite_score_kind for what to show a person.
 */
#ifndef RECLITE_H
#define RECLITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions ---------------------------------------------------------- */

/**
 * Library version, also returned by reclite_version(). The single source of
 * the version: the build, the pkg-config file and the bindings read it here.
 */
#define RECLITE_VERSION_MAJOR 0
#define RECLITE_VERSION_MINOR 2
#define RECLITE_VERSION_PATCH 0
#define RECLITE_VERSION_STRING "0.2.0"
/** The version as one comparable integer: MAJOR·10000 + MINOR·100 + PATCH (0.2.0 is 200). */
#define RECLITE_VERSION_NUMBER \
  (RECLITE_VERSION_MAJOR * 100 * 100 + RECLITE_VERSION_MINOR * 100 + RECLITE_VERSION_PATCH)

/**
 * ABI version: bumped whenever a function signature, struct layout or enum
 * value of this header changes incompatibly. Compare with reclite_abi_version()
 * when loading the library dynamically.
 */
#define RECLITE_ABI_VERSION 1

/** Newest .rlm format version this library reads (2: narrow index vectors, mixed-precision tables). */
#define RECLITE_FORMAT_VERSION 2

/** Library version string, e.g. "0.2.0". Static; never NULL. Thread-safe. */
const char *reclite_version(void);

/** Library version as RECLITE_VERSION_NUMBER of the loaded library. Thread-safe. */
uint32_t reclite_version_number(void);

/** ABI version of the loaded library (RECLITE_ABI_VERSION it was built with). Thread-safe. */
uint32_t reclite_abi_version(void);

/* ---- Status ------------------------------------------------------------ */

/**
 * Result of a call. Values are stable and grouped by kind: 1–9 the caller
 * passed something impossible, 10–19 the model file, 20–29 resources,
 * 30+ a bug in RecLite (please report it).
 */
typedef enum reclite_status {
  RECLITE_OK = 0,
  /** A NULL pointer where one is required, a negative or huge count, k == 0, an unknown feature index. */
  RECLITE_E_INVALID_ARGUMENT = 1,
  /** A struct's struct_size is smaller than any version this library knows. */
  RECLITE_E_STRUCT_SIZE = 2,
  /** The model file is corrupt, truncated, or inconsistent. The message names the first problem. */
  RECLITE_E_BAD_MODEL = 10,
  /** A well-formed model that needs a newer library (format version, op, data type). */
  RECLITE_E_UNSUPPORTED = 11,
  /** The model file could not be opened or read (missing, permission, not a regular file). */
  RECLITE_E_IO = 20,
  /** Memory could not be allocated. */
  RECLITE_E_NO_MEMORY = 21,
  /** The arena given to reclite_session_create is smaller than reclite_model_arena_size(). */
  RECLITE_E_ARENA_TOO_SMALL = 22,
  /** An internal invariant failed. */
  RECLITE_E_INTERNAL = 30
} reclite_status;

/**
 * Name of a status, e.g. "RECLITE_E_BAD_MODEL"; "RECLITE_E_UNKNOWN" for a
 * value this library does not define. Static; never NULL. Thread-safe.
 */
const char *reclite_status_name(reclite_status status);

/**
 * Message of the most recent failure on the calling thread ("" if none).
 * Successful calls do not clear it. Valid until the next failing call on
 * this thread. Never NULL.
 */
const char *reclite_last_error(void);

/* ---- Models ------------------------------------------------------------ */

/** An opened, verified model. Immutable; share it between threads freely. */
typedef struct reclite_model reclite_model;

/**
 * Opens a .rlm file by mapping it into memory (read-only, zero copy).
 *
 * The whole file is verified before it is used: FlatBuffers structure,
 * checksum, then semantic checks (every tensor, buffer and op reference in
 * range, shapes consistent with each op, quantization parameters finite,
 * vocabularies sorted, the memory plan recomputed and compared).
 *
 * On success *out receives the model; release it with reclite_model_close().
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL path or out), RECLITE_E_IO (cannot
 * open or map), RECLITE_E_BAD_MODEL (failed verification; the message names
 * the first problem, e.g. "tensor 7: buffer 12 out of range (have 9)"),
 * RECLITE_E_UNSUPPORTED (newer format), RECLITE_E_NO_MEMORY.
 * The file must not be modified while the model is open: replace it by
 * writing a new file and renaming it over the old one (see reclite_model_slot;
 * a mapped file that shrinks makes reads past its end fault with SIGBUS).
 */
reclite_status reclite_model_open(const char *path, reclite_model **out);

/** Flags for reclite_model_open_buffer. */
enum {
  /**
   * Borrow the caller's bytes (the default): zero copy; the bytes must stay
   * valid and unchanged until the model and all its sessions are closed, and
   * must start at a 64-byte aligned address.
   */
  RECLITE_OPEN_BORROW = 0,
  /** Copy the bytes into memory the model owns; the caller may free them on return. */
  RECLITE_OPEN_COPY = 1,
  /**
   * Skip the whole-file checksum (structure and semantic checks still run).
   * For callers who verified integrity themselves and want a faster open.
   */
  RECLITE_OPEN_SKIP_CHECKSUM = 2
};

/**
 * Opens a model from `length` bytes in memory; `flags` is a bitwise OR of
 * RECLITE_OPEN_* values. Verification and errors as reclite_model_open,
 * plus RECLITE_E_INVALID_ARGUMENT for a NULL `data`, unknown flags, or a
 * borrowed buffer that is not 64-byte aligned (use RECLITE_OPEN_COPY).
 */
reclite_status reclite_model_open_buffer(const void *data, size_t length, uint32_t flags,
                                         reclite_model **out);

/**
 * Releases the caller's reference to a model. Sessions created from it keep
 * it alive until they are closed too, so closing the model first is safe.
 * NULL is a no-op. Not thread-safe with respect to other calls that use the
 * same model handle.
 */
void reclite_model_close(reclite_model *model);

/**
 * Exact number of bytes a caller-provided arena needs for
 * reclite_session_create() with this model (any alignment is accepted).
 * 0 for NULL. Thread-safe.
 */
size_t reclite_model_arena_size(const reclite_model *model);

/** What the numbers reclite_score() and reclite_recommend() return mean. */
typedef enum reclite_score_kind {
  /**
   * A real-valued score: higher ranks first; it has no probability meaning.
   * Show a person the rank, not the number.
   */
  RECLITE_SCORE_RAW = 0,
  /**
   * A logit: the model's probability that the user takes the item is
   * 1 / (1 + exp(-score)). Rank by the score itself (never by a rounded
   * probability, which ties above ≈ 16.6); when a person should see a
   * number, show the probability computed in double precision, or the rank.
   */
  RECLITE_SCORE_LOGIT = 1
} reclite_score_kind;

/** Summary of a model, filled by reclite_model_get_info(). */
typedef struct reclite_model_info {
  /** In: the caller's sizeof(reclite_model_info), set by RECLITE_MODEL_INFO_INIT. */
  uint32_t struct_size;
  /** Format version of the file. */
  uint32_t format_version;
  /** Items the model can recommend. */
  uint32_t catalog_size;
  /** Users the model knows (unknown users use the out-of-vocabulary row). */
  uint32_t user_count;
  /** Number of features (user, item and context); see reclite_model_get_feature(). */
  uint32_t feature_count;
  uint32_t tensor_count;
  uint32_t op_count;
  /** Candidates scored per internal chunk. */
  uint32_t max_batch;
  /** Bytes of stored weights and tables. */
  uint64_t weight_bytes;
  /** Size of the model file or buffer. */
  uint64_t file_bytes;
  /** Same as reclite_model_arena_size(). */
  uint64_t arena_bytes;
  /** Free-form description; owned by the model; never NULL. */
  const char *description;
  /* ---- end of version 1 (RECLITE_MODEL_INFO_SIZE_V1) ---- */
  /** A reclite_score_kind: what the returned scores mean. */
  uint32_t score_kind;
  /** Number of metadata entries; see reclite_model_get_metadata(). */
  uint32_t metadata_count;
} reclite_model_info;

/** The size of the first version of reclite_model_info: the smallest struct_size accepted. */
#define RECLITE_MODEL_INFO_SIZE_V1 (offsetof(reclite_model_info, description) + sizeof(const char *))

#define RECLITE_MODEL_INFO_INIT { sizeof(reclite_model_info), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "", 0, 0 }

/**
 * Fills `info` with a summary of the model: the first `info->struct_size`
 * bytes of it at most (see Versioning above). Thread-safe.
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL), RECLITE_E_STRUCT_SIZE
 * (struct_size below RECLITE_MODEL_INFO_SIZE_V1).
 */
reclite_status reclite_model_get_info(const reclite_model *model, reclite_model_info *info);

/** Who supplies a feature's value. */
typedef enum reclite_feature_kind {
  /** The request's user_id. */
  RECLITE_FEATURE_USER = 0,
  /** The candidate items (the catalog). */
  RECLITE_FEATURE_ITEM = 1,
  /** A value the request passes in reclite_request.context, e.g. hour of day. */
  RECLITE_FEATURE_CONTEXT = 2
} reclite_feature_kind;

/** One feature of a model, filled by reclite_model_get_feature(). */
typedef struct reclite_feature_info {
  /** In: the caller's sizeof(reclite_feature_info), set by RECLITE_FEATURE_INFO_INIT. */
  uint32_t struct_size;
  /** A reclite_feature_kind. Only RECLITE_FEATURE_CONTEXT features go in reclite_request.context. */
  uint32_t kind;
  /** Number of values the model knows; any other value uses the out-of-vocabulary row. */
  uint64_t value_count;
  /** Name, e.g. "user", "item", "hour"; owned by the model; never NULL. */
  const char *name;
  /* ---- end of version 1 (RECLITE_FEATURE_INFO_SIZE_V1) ---- */
} reclite_feature_info;

/** The size of the first version of reclite_feature_info: the smallest struct_size accepted. */
#define RECLITE_FEATURE_INFO_SIZE_V1 (offsetof(reclite_feature_info, name) + sizeof(const char *))

#define RECLITE_FEATURE_INFO_INIT { sizeof(reclite_feature_info), 0, 0, "" }

/**
 * Describes feature `index` (0 ≤ index < reclite_model_info.feature_count);
 * writes the first `info->struct_size` bytes of `info` at most. The index is
 * what reclite_context_value.feature takes. Thread-safe.
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL, index out of range),
 * RECLITE_E_STRUCT_SIZE.
 */
reclite_status reclite_model_get_feature(const reclite_model *model, uint32_t index,
                                         reclite_feature_info *info);

/**
 * The raw value of row `row` (0 ≤ row < value_count) of feature `feature`: the id requests and
 * candidate lists use for it. Lists the users a model knows or its catalog (the item feature),
 * e.g. to build candidate lists. Thread-safe.
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL, feature or row out of range).
 */
reclite_status reclite_model_get_feature_value(const reclite_model *model, uint32_t feature, uint64_t row,
                                               int64_t *value);

/**
 * Looks up a feature by name (e.g. "hour") for use in reclite_context_value.
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL argument or no feature of that
 * name; the message lists the model's features). Thread-safe.
 */
reclite_status reclite_model_find_feature(const reclite_model *model, const char *name,
                                          uint32_t *index);

/**
 * Display title of a catalog item, or NULL when the item is unknown or the
 * model stores no titles. Owned by the model. Thread-safe.
 */
const char *reclite_model_item_title(const reclite_model *model, int64_t item_id);

/**
 * Value of a provenance metadata key (e.g. "producer", "teacher.ndcg@10"),
 * or NULL when absent. Owned by the model. Thread-safe.
 */
const char *reclite_model_metadata(const reclite_model *model, const char *key);

/**
 * Metadata entry `index` (0 ≤ index < reclite_model_info.metadata_count), in
 * ascending key order: *key and *value receive strings owned by the model.
 * Thread-safe. Errors: RECLITE_E_INVALID_ARGUMENT (NULL, index out of range).
 */
reclite_status reclite_model_get_metadata(const reclite_model *model, uint32_t index, const char **key,
                                          const char **value);

/* ---- Sessions ---------------------------------------------------------- */

/** Scratch state for running a model; one thread at a time. */
typedef struct reclite_session reclite_session;

/**
 * Creates a session over `model`, which it keeps alive until the session is closed.
 *
 * `arena` is the session's working memory. Pass NULL (and 0) to have the
 * session allocate reclite_model_arena_size() bytes once, now; or pass your
 * own buffer of at least that many bytes (any alignment), which must outlive
 * the session and is never freed by RecLite. After creation, scoring and
 * recommending allocate nothing and take no locks.
 *
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL model or out, or arena_length > 0
 * with a NULL arena), RECLITE_E_ARENA_TOO_SMALL ("needs N bytes, got M"),
 * RECLITE_E_NO_MEMORY.
 */
reclite_status reclite_session_create(const reclite_model *model, void *arena, size_t arena_length,
                                      reclite_session **out);

/** Releases a session (and its arena if the session allocated it). NULL is a no-op. */
void reclite_session_close(reclite_session *session);

/**
 * Message of the most recent failure of a call on this session ("" if none).
 * Owned by the session. "" for NULL.
 */
const char *reclite_session_last_error(const reclite_session *session);

/* ---- Swapping models while serving ------------------------------------- */

/**
 * A model slot holds the model new requests should use and lets you replace
 * it while other threads keep serving ("hot swap"), e.g. when a new model
 * arrives over the air. The pattern:
 *
 *   1. Write the new file beside the live one, in the same directory (so a
 *      rename can replace it), under a temporary name.
 *   2. Open it with reclite_model_open(), which verifies all of it. A corrupt
 *      or incompatible file fails here: delete it, and nothing changes — the
 *      slot keeps serving the model it has.
 *   3. rename() it over the live file's name (atomic; an open model keeps the
 *      mapping of the file it opened, whatever its name), then
 *      reclite_model_slot_publish(slot, model) and reclite_model_close(model)
 *      (the slot keeps its own reference).
 *   4. Each serving thread calls reclite_session_refresh() between requests;
 *      its session moves to the newest model. The previous model is freed
 *      when the last session running it has moved on or closed.
 *
 * Never rewrite a model file in place (truncate and write, or copy over it):
 * an open model maps its file, so a file that shrinks makes the next request
 * that reads past its new end fault (SIGBUS, which ends the process), and
 * rewritten bytes change weights under running requests. A renamed-over file
 * stays intact for as long as a model maps it.
 *
 * Requests never look at the slot: score, recommend and score_batch take no
 * lock and allocate nothing, before, during and after a swap. Every answer
 * comes from one complete, verified model: the one reclite_session_model()
 * names between two refreshes.
 *
 *     // setup
 *     reclite_model_slot *slot = NULL;
 *     reclite_model_slot_create(model, &slot);
 *     // each serving thread
 *     reclite_session *session = NULL;
 *     reclite_session_create_from_slot(slot, NULL, 0, &session);
 *     for (;;) {
 *         reclite_session_refresh(session);   // one atomic load unless a model arrived
 *         reclite_recommend(session, &request, 10, NULL, 0, ids, scores, &n);
 *     }
 *     // the updating thread, for each new model file
 *     if (reclite_model_open(temporary_path, &next) == RECLITE_OK) {
 *         rename(temporary_path, live_path);
 *         reclite_model_slot_publish(slot, next);
 *         reclite_model_close(next);
 *     } else {
 *         remove(temporary_path);              // refused; keep serving
 *     }
 */
typedef struct reclite_model_slot reclite_model_slot;

/**
 * Creates a slot serving `model`; the slot takes its own reference, so the
 * caller may close its model afterwards. Release the slot with
 * reclite_model_slot_close(). Thread-safe.
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL model or out), RECLITE_E_NO_MEMORY.
 */
reclite_status reclite_model_slot_create(const reclite_model *model, reclite_model_slot **out);

/**
 * Releases the caller's reference to a slot. Sessions created from it keep it
 * (and their models) alive until they are closed. NULL is a no-op. Not
 * thread-safe with respect to other calls that use the same slot handle.
 */
void reclite_model_slot_close(reclite_model_slot *slot);

/**
 * Makes `model` the slot's model: sessions of the slot switch to it at their
 * next reclite_session_refresh(), and sessions created from the slot from now
 * on start with it. The slot takes its own reference to `model` and drops the
 * one it held to the previous model, which is freed once no session runs it.
 * Publish only models you opened (and so verified) yourself.
 *
 * Thread-safe: any thread, concurrently with requests, refreshes, other
 * publishes and reclite_model_slot_get(). Allocates nothing and cannot fail
 * except on NULL arguments (RECLITE_E_INVALID_ARGUMENT).
 */
reclite_status reclite_model_slot_publish(reclite_model_slot *slot, const reclite_model *model);

/**
 * The slot's current model, as a new reference: *out receives it and the
 * caller releases it with reclite_model_close(). Useful for its info, titles
 * and metadata. Thread-safe and lock-free; allocates nothing.
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL slot or out).
 */
reclite_status reclite_model_slot_get(reclite_model_slot *slot, reclite_model **out);

/**
 * Creates a session over the slot's current model that reclite_session_refresh()
 * moves to newer ones. `arena` as in reclite_session_create(): NULL (and 0)
 * to let the session allocate and own its arena, which a refresh replaces by a
 * larger one when a new model needs it; or your buffer, which every model the
 * session switches to must fit (reclite_model_arena_size()). The session keeps
 * the slot alive until it is closed. Thread-safe.
 * Errors as reclite_session_create(), with a NULL slot for a NULL model.
 */
reclite_status reclite_session_create_from_slot(reclite_model_slot *slot, void *arena, size_t arena_length,
                                                reclite_session **out);

/**
 * Moves a session created from a slot to the slot's newest model, if a newer
 * one was published since the session last looked. Call it between requests,
 * e.g. before each one: when nothing changed it is one atomic load, takes no
 * lock and allocates nothing. Switching allocates the new model's session
 * state (a few hundred bytes) and, for an arena the session owns that is too
 * small for the new model, a larger arena; it reuses the arena otherwise.
 * Same thread rules as requests (one thread at a time per session), and safe
 * concurrently with reclite_model_slot_publish() on any thread.
 *
 * On failure the session keeps its model and stays usable; a later call tries
 * again. Errors: RECLITE_E_INVALID_ARGUMENT (NULL session, or a session not
 * created from a slot), RECLITE_E_ARENA_TOO_SMALL (the new model does not fit
 * the caller's arena: "needs N bytes ..."), RECLITE_E_NO_MEMORY.
 */
reclite_status reclite_session_refresh(reclite_session *session);

/**
 * The model a session runs: for a session created from a slot, the model
 * its requests use until its next refresh. Owned by the session: valid until
 * its next reclite_session_refresh() or reclite_session_close() (take your own
 * reference with reclite_model_slot_get() to keep a model longer). NULL for
 * NULL. Use it to show titles of the model that produced an answer.
 */
const reclite_model *reclite_session_model(const reclite_session *session);

/* ---- Requests ---------------------------------------------------------- */

/** The value of a context feature (e.g. hour-of-day) for one request. */
typedef struct reclite_context_value {
  /** Feature index from reclite_model_find_feature(). */
  uint32_t feature;
  /** Raw value; unknown values map to the feature's out-of-vocabulary row. */
  int64_t value;
} reclite_context_value;

/** Request flags. */
enum {
  /**
   * For an unknown user, rank with the model's out-of-vocabulary user instead
   * of returning the catalog's most popular items.
   */
  RECLITE_REQUEST_NO_FALLBACK = 1
};

/** Who the recommendation is for. Initialize with RECLITE_REQUEST_INIT. */
typedef struct reclite_request {
  /** The caller's sizeof(reclite_request), set by RECLITE_REQUEST_INIT. */
  uint32_t struct_size;
  /** Bitwise OR of RECLITE_REQUEST_* flags. */
  uint32_t flags;
  /** Raw user id; unknown users are cold-start users, not errors. */
  int64_t user_id;
  /** `context_count` context values (NULL when 0). Context features left out use their out-of-vocabulary row. */
  const reclite_context_value *context;
  size_t context_count;
  /* ---- end of version 1 (RECLITE_REQUEST_SIZE_V1) ---- */
} reclite_request;

/** The size of the first version of reclite_request: the smallest struct_size accepted. */
#define RECLITE_REQUEST_SIZE_V1 (offsetof(reclite_request, context_count) + sizeof(size_t))

#define RECLITE_REQUEST_INIT(user) { sizeof(reclite_request), 0, (user), NULL, 0 }

/**
 * Scores `count` candidate items for one request: scores_out[i] is the
 * model's score of item_ids[i] (a logit or a raw score, see
 * reclite_score_kind; sorting by it gives the model's ranking). Unknown items
 * are scored with the item out-of-vocabulary row.
 * count == 0 succeeds and writes nothing (item_ids and scores_out may then be NULL).
 *
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL session/request/arrays, count
 * above 2^31 − 1, a context feature index out of range), RECLITE_E_STRUCT_SIZE.
 * Allocates nothing.
 */
reclite_status reclite_score(reclite_session *session, const reclite_request *request,
                             const int64_t *item_ids, size_t count, float *scores_out);

/**
 * Recommends the best `k` catalog items for one request, best first.
 *
 * Items listed in `exclude_ids` (e.g. already seen; unknown ids are ignored)
 * are never returned. When k exceeds the number of eligible items, all of
 * them are returned. For an unknown user the catalog's most popular eligible
 * items are returned (unless RECLITE_REQUEST_NO_FALLBACK), scored by the model.
 * `ids_out` (and `scores_out` unless NULL) must hold k entries; *count_out
 * receives how many were written (≤ k); scores are those reclite_score()
 * gives the same items. Ties (equal scores) are broken by smaller item id.
 *
 * Errors: RECLITE_E_INVALID_ARGUMENT (NULL session/request/ids_out/count_out,
 * k == 0, NULL exclude_ids with exclude_count > 0, counts above 2^31 − 1),
 * RECLITE_E_STRUCT_SIZE, RECLITE_E_UNSUPPORTED (the model has no catalog).
 * Uses O(catalog) time, the caller's output arrays as its heap, and allocates nothing.
 */
reclite_status reclite_recommend(reclite_session *session, const reclite_request *request, size_t k,
                                 const int64_t *exclude_ids, size_t exclude_count, int64_t *ids_out,
                                 float *scores_out, size_t *count_out);

/**
 * Scores the same `item_count` candidates for each of `request_count`
 * requests (offline scoring): scores_out[r * item_count + i] is the score of
 * item_ids[i] for requests[r]. Every request is checked before any score is
 * written, so on failure scores_out is untouched and the message names the
 * request ("request 3: ..."). Errors as reclite_score, plus
 * RECLITE_E_INVALID_ARGUMENT when request_count × item_count overflows.
 */
reclite_status reclite_score_batch(reclite_session *session, const reclite_request *requests,
                                   size_t request_count, const int64_t *item_ids, size_t item_count,
                                   float *scores_out);

#ifdef __cplusplus
}
#endif

#endif /* RECLITE_H */
