/*
 * check.h — the C tests' harness: CHECK and CHECK_STATUS report a failed
 * check with its line and count it in `failures`; main() returns non-zero
 * when any failed.
 */
#ifndef RECLITE_TEST_CHECK_H
#define RECLITE_TEST_CHECK_H

#include <stdio.h>

#include "reclite.h"

static int failures;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
      failures++;                                                                \
    }                                                                            \
  } while (0)

#define CHECK_STATUS(call, expected)                                             \
  do {                                                                           \
    reclite_status got_ = (call);                                                \
    if (got_ != (expected)) {                                                    \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__, __LINE__, #call, \
              reclite_status_name(got_), reclite_status_name(expected), reclite_last_error()); \
      failures++;                                                                \
    }                                                                            \
  } while (0)

/* The exit status of a test program: prints how it went. */
static int check_summary(const char *program) {
  if (failures > 0) {
    fprintf(stderr, "%s: %d check(s) failed\n", program, failures);
    return 1;
  }
  printf("%s: all checks passed\n", program);
  return 0;
}

#endif
