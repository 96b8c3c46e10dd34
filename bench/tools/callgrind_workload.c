/* A fixed workload for callgrind that compares library versions: it uses only the C API every
   RecLite release has (open, one session, recommend top-10 for users 1..N, the MovieLens ids, no
   exclusions), so the same program built against an old and a new libreclite counts the
   instructions each spends on the same requests. reclite-bench --callgrind is the richer
   workload, for the current API only.

     cc -O2 -Iinclude bench/tools/callgrind_workload.c -LLIBDIR -lreclite -Wl,-rpath,LIBDIR -o cg
     valgrind --tool=callgrind --instr-atstart=no ./cg MODEL.rlm 20     (prints "Collected : N") */
#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>
#include "reclite.h"
int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s MODEL REQUESTS\n", argv[0]); return 2; }
  reclite_model *model = NULL; reclite_session *session = NULL;
  if (reclite_model_open(argv[1], &model) != RECLITE_OK) { fprintf(stderr, "%s\n", reclite_last_error()); return 1; }
  if (reclite_session_create(model, NULL, 0, &session) != RECLITE_OK) { fprintf(stderr, "%s\n", reclite_last_error()); return 1; }
  int n = atoi(argv[2]);
  int64_t ids[10]; float scores[10]; size_t written = 0; double checksum = 0;
  /* one warm-up request outside the measured region */
  reclite_request warm = {0}; warm.struct_size = sizeof warm; warm.user_id = 1;
  reclite_recommend(session, &warm, 10, NULL, 0, ids, scores, &written);
  CALLGRIND_START_INSTRUMENTATION;
  for (int u = 1; u <= n; u++) {
    reclite_request request = {0};
    request.struct_size = sizeof request; request.user_id = u;
    if (reclite_recommend(session, &request, 10, NULL, 0, ids, scores, &written) != RECLITE_OK) return 1;
    checksum += ids[0];
  }
  CALLGRIND_STOP_INSTRUMENTATION;
  printf("%d requests, checksum %.0f\n", n, checksum);
  reclite_session_close(session); reclite_model_close(model);
  return 0;
}
