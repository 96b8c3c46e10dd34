// C helpers of the Go binding: see rlgo.h.
#include "rlgo.h"

static reclite_request rlgo_request(uint32_t flags, int64_t user, const reclite_context_value *context,
                                    size_t context_count) {
  reclite_request request = RECLITE_REQUEST_INIT(user);
  request.flags = flags;
  request.context = context;
  request.context_count = context_count;
  return request;
}

reclite_status rlgo_score(reclite_session *session, uint32_t flags, int64_t user,
                          const reclite_context_value *context, size_t context_count,
                          const int64_t *item_ids, size_t count, float *scores_out) {
  reclite_request request = rlgo_request(flags, user, context, context_count);
  return reclite_score(session, &request, item_ids, count, scores_out);
}

reclite_status rlgo_recommend(reclite_session *session, uint32_t flags, int64_t user,
                              const reclite_context_value *context, size_t context_count, size_t k,
                              const int64_t *exclude_ids, size_t exclude_count, int64_t *ids_out,
                              float *scores_out, size_t *count_out) {
  reclite_request request = rlgo_request(flags, user, context, context_count);
  return reclite_recommend(session, &request, k, exclude_ids, exclude_count, ids_out, scores_out, count_out);
}

reclite_status rlgo_score_batch(reclite_session *session, reclite_request *requests, size_t request_count,
                                const int64_t *users, const uint32_t *flags,
                                const reclite_context_value *context, const size_t *context_ends,
                                const int64_t *item_ids, size_t item_count, float *scores_out) {
  for (size_t r = 0; r < request_count; r++) {
    size_t start = r == 0 ? 0 : context_ends[r - 1];
    requests[r] = rlgo_request(flags[r], users[r], context ? context + start : NULL, context_ends[r] - start);
  }
  return reclite_score_batch(session, requests, request_count, item_ids, item_count, scores_out);
}
