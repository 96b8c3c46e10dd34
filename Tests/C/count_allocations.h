/*
 * Counts heap allocations made while `counting` is set: the C library's allocator is
 * interposed (or, under AddressSanitizer/ThreadSanitizer, which own malloc, counted through
 * their hooks). Shared by the C API test and the benchmark harness, which both prove that a
 * request allocates nothing. Include it once, in the program's main file (it defines malloc).
 */
#ifndef RECLITE_COUNT_ALLOCATIONS_H
#define RECLITE_COUNT_ALLOCATIONS_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

static atomic_int counting;
static atomic_long allocations;

static void note_allocation(void) {
  if (atomic_load(&counting)) atomic_fetch_add(&allocations, 1);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_ALLOCATOR 1
#endif
#endif

#ifdef SANITIZER_ALLOCATOR
#include <sanitizer/allocator_interface.h>

static void count_malloc(const volatile void *p, size_t size) {
  (void)p;
  (void)size;
  note_allocation();
}
static void count_free(const volatile void *p) { (void)p; }
__attribute__((constructor)) static void install_counting_hooks(void) {
  __sanitizer_install_malloc_and_free_hooks(count_malloc, count_free);
}
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t size) { note_allocation(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { note_allocation(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { note_allocation(); return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }
void *aligned_alloc(size_t alignment, size_t size) { note_allocation(); return __libc_memalign(alignment, size); }
void *memalign(size_t alignment, size_t size) { note_allocation(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
  note_allocation();
  void *p = __libc_memalign(alignment, size);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}
#endif

#endif
