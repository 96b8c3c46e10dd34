/*
 * rlgo.h — C helpers of the Go binding (not part of the RecLite API).
 *
 * A reclite_request points at its context values. Go may not pass C a Go
 * struct that holds a Go pointer, so these helpers take the request's parts
 * as plain arguments and assemble the reclite_request in C, for the duration
 * of one call.
 */
#ifndef RLGO_H
#define RLGO_H

#include <stddef.h>
#include <stdint.h>

#include <reclite.h>

reclite_status rlgo_score(reclite_session *session, uint32_t flags, int64_t user,
                          const reclite_context_value *context, size_t context_count,
                          const int64_t *item_ids, size_t count, float *scores_out);

reclite_status rlgo_recommend(reclite_session *session, uint32_t flags, int64_t user,
                              const reclite_context_value *context, size_t context_count, size_t k,
                              const int64_t *exclude_ids, size_t exclude_count, int64_t *ids_out,
                              float *scores_out, size_t *count_out);

/*
 * Request r has users[r], flags[r] and the context values
 * context[context_ends[r-1] .. context_ends[r]) (from 0 for r == 0).
 * `requests` is C memory for request_count requests, filled here.
 */
reclite_status rlgo_score_batch(reclite_session *session, reclite_request *requests, size_t request_count,
                                const int64_t *users, const uint32_t *flags,
                                const reclite_context_value *context, const size_t *context_ends,
                                const int64_t *item_ids, size_t item_count, float *scores_out);

#endif /* RLGO_H */
