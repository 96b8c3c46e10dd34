/*
 * reclite_format.h — internal C view of a .rlm file for the Swift runtime.
 *
 * A thin layer over the flatc-generated reader: it verifies a buffer with the
 * FlatBuffers Verifier and copies fields into plain C structs so Swift needs
 * neither C++ interop nor FlatBuffers. Nothing here is part of the public ABI
 * (the shared library exports reclite_* only); every function is total: any
 * index out of range yields zeroed output, never undefined behaviour.
 *
 * Also hosts the few libc services the Embedded Swift core cannot import
 * (file mapping, aligned allocation, a thread-local message buffer), the
 * reservations that let it report out-of-memory instead of trapping, and the
 * atomics of the model slot (C++ std::atomic is header-only: no libstdc++).
 */
#ifndef RECLITE_FORMAT_H
#define RECLITE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Verification ------------------------------------------------------ */

/** Outcome of rlf_verify. */
typedef enum rlf_verify_result {
  RLF_VERIFY_OK = 0,
  RLF_VERIFY_TOO_SHORT = 1,      /* fewer bytes than a FlatBuffer header */
  RLF_VERIFY_BAD_IDENTIFIER = 2, /* bytes 4..8 are not "RLM1" */
  RLF_VERIFY_BAD_STRUCTURE = 3,  /* the FlatBuffers Verifier rejected it */
  RLF_VERIFY_NO_CHECKSUM = 4,    /* Model.checksum is absent */
  RLF_VERIFY_BAD_CHECKSUM = 5,   /* CRC-32 differs from Model.checksum */
} rlf_verify_result;

/**
 * Verifies `len` bytes at `buf` as a RecLite model: identifier, FlatBuffers
 * structure, then (unless `skip_checksum`) the whole-file CRC-32.
 * On RLF_VERIFY_BAD_CHECKSUM, `*stored` and `*computed` receive both values.
 */
rlf_verify_result rlf_verify(const uint8_t *buf, size_t len, int skip_checksum,
                             uint32_t *stored, uint32_t *computed);

/** CRC-32 (IEEE 802.3, reflected, as zlib) continuing from `crc` (start with 0). */
uint32_t rlf_crc32(uint32_t crc, const uint8_t *data, size_t len);

/**
 * Byte offset of Model.checksum inside a verified buffer, or SIZE_MAX when the
 * field is absent. The writer patches the CRC there; the reader skips it.
 */
size_t rlf_checksum_offset(const uint8_t *buf);

/* ---- Reading a verified buffer ----------------------------------------- */
/* Every function below requires a buffer that passed rlf_verify. */

typedef struct rlf_string {
  const char *data; /* NUL-terminated; NULL when absent */
  uint32_t length;
} rlf_string;

typedef struct rlf_model_info {
  uint32_t format_version;
  uint32_t checksum;
  rlf_string description;
  uint32_t buffer_count;
  uint32_t tensor_count;
  uint32_t op_count;
  uint32_t feature_count;
  uint32_t signature_count;
  uint32_t metadata_count;
  int has_catalog;
  int has_plan;
} rlf_model_info;

void rlf_model_info_get(const uint8_t *buf, rlf_model_info *out);

/** Buffer i: absolute file offset and size in bytes. */
void rlf_buffer_get(const uint8_t *buf, uint32_t index, uint64_t *offset, uint64_t *size);

typedef struct rlf_tensor {
  rlf_string name;
  int8_t dtype;               /* reclite.fb.DType */
  uint32_t rank;
  const int64_t *shape;       /* rank entries (may be unaligned-safe: 8-aligned in a verified buffer) */
  uint32_t buffer;
  int8_t quant_kind;          /* reclite.fb.QuantKind */
  uint32_t scale_count;
  const float *scale;
  uint32_t zero_point_count;
  const int32_t *zero_point;
  int32_t quant_axis;
  int has_sparsity;
  int32_t sparse_row_offsets; /* tensor index or -1 */
  int32_t sparse_col_indices; /* tensor index or -1 */
  int32_t row_remap;          /* tensor index or -1 */
  int32_t split_table;        /* tensor index or -1 (format 2) */
  int32_t row_split;          /* tensor index or -1 (format 2) */
} rlf_tensor;

void rlf_tensor_get(const uint8_t *buf, uint32_t index, rlf_tensor *out);

typedef struct rlf_op {
  uint8_t code;               /* reclite.fb.OpCode */
  uint32_t input_count;
  const int32_t *inputs;
  uint32_t output_count;
  const int32_t *outputs;
  int8_t activation;          /* reclite.fb.Activation */
  int8_t bag_mode;            /* reclite.fb.BagMode */
} rlf_op;

void rlf_op_get(const uint8_t *buf, uint32_t index, rlf_op *out);

typedef struct rlf_feature {
  rlf_string name;
  int8_t kind;                /* reclite.fb.FeatureKind */
  int32_t vocabulary;
  uint32_t num_rows;
  uint32_t oov_row;
  int32_t input;
} rlf_feature;

void rlf_feature_get(const uint8_t *buf, uint32_t index, rlf_feature *out);

typedef struct rlf_signature {
  rlf_string name;
  uint32_t output_count;
  const int32_t *outputs;
} rlf_signature;

void rlf_signature_get(const uint8_t *buf, uint32_t index, rlf_signature *out);

typedef struct rlf_catalog {
  uint32_t feature;
  uint32_t title_count;
  uint32_t popularity_count;
  const int32_t *popularity;
} rlf_catalog;

/** Zeroed when the model has no catalog. */
void rlf_catalog_get(const uint8_t *buf, rlf_catalog *out);

/** Title of catalog row `index`; {NULL, 0} when absent. */
rlf_string rlf_catalog_title(const uint8_t *buf, uint32_t index);

typedef struct rlf_plan {
  uint32_t max_batch;
  uint32_t offset_count;
  const int64_t *offsets;
  uint64_t arena_bytes;
} rlf_plan;

/** Zeroed when the model has no plan. */
void rlf_plan_get(const uint8_t *buf, rlf_plan *out);

void rlf_metadata_get(const uint8_t *buf, uint32_t index, rlf_string *key, rlf_string *value);

/* ---- libc services for the Embedded Swift core ------------------------- */

/**
 * Maps a file read-only. Returns 0 and sets `data` and `length`, or returns the
 * errno value. An empty file maps to a non-NULL pointer of length 0.
 */
int rlf_map_file(const char *path, const uint8_t **data, size_t *length);

/** Unmaps a region from rlf_map_file. */
void rlf_unmap_file(const uint8_t *data, size_t length);

/** Short description of an errno value ("No such file or directory"). */
const char *rlf_errno_text(int error);

/** Zero-filled allocation aligned to `alignment` (a power of two ≥ sizeof(void*)); NULL on failure. */
void *rlf_aligned_alloc(size_t size, size_t alignment);

/** Frees memory from rlf_aligned_alloc; NULL is a no-op. */
void rlf_aligned_free(void *memory);

/* ---- Fallible sections: running out of memory without a trap ----------- */
/*
 * Embedded Swift's runtime traps when it cannot allocate a class instance or
 * an array's storage (swift_allocObject force-unwraps posix_memalign's
 * result). The release library's Makefile renames posix_memalign to
 * rlf_swift_posix_memalign in the Swift objects, so every Swift allocation
 * comes through here. Code that must report RECLITE_E_NO_MEMORY runs inside a
 * fallible section and reserves each Swift allocation just before making it
 * (rlf_reserve fails cleanly); the allocation then takes the reserved block
 * and cannot fail. Reservations are per thread; the section's end frees the
 * ones nothing took. (rlf_aligned_alloc does not draw from them: its failure
 * is a NULL the caller turns into RECLITE_E_NO_MEMORY before any object exists.)
 *
 * Built with RLF_STRICT_RESERVATIONS (the sanitizer builds), a Swift
 * allocation inside a section that no reservation covers aborts with its size,
 * so a missing rlf_reserve shows up in every test run, not only when an
 * injected failure happens to hit it.
 */

/** Opens a fallible section on this thread (sections nest). */
void rlf_section_begin(void);

/** Closes a section; the outermost end frees the reservations nothing took. */
void rlf_section_end(void);

/**
 * Reserves a block of at least `size` bytes (64-byte aligned) for the next
 * allocation of that size or less on this thread. Returns 1, or 0 when memory
 * is exhausted. Outside a section it reserves nothing and returns 1.
 */
int rlf_reserve(size_t size);

/** posix_memalign for the Swift runtime: a reserved block when one fits, else the C library's. */
int rlf_swift_posix_memalign(void **out, size_t alignment, size_t size);


/* ---- Model slot: publish a value, read it without locks ------------------ */
/*
 * One atomically replaceable pointer (a model) plus a generation that counts
 * replacements. Readers never block: a reader announces itself, loads the
 * pointer, takes its own reference and leaves. A replacement swaps the
 * pointer, bumps the generation, then waits until no reader is between
 * loading and referencing, so the previous value it returns can be released
 * safely (no reader can still be about to retain it).
 */
typedef struct rlf_slot rlf_slot;

/** A slot holding `initial`; NULL when memory is exhausted. */
rlf_slot *rlf_slot_create(void *initial);

/** Frees a slot (the caller releases the value it holds). */
void rlf_slot_destroy(rlf_slot *slot);

/** Takes one reference to a value (the slot's reader calls it before the value can be released). */
typedef void (*rlf_retain_fn)(void *value);

/** The current value, with one reference taken by `retain` while it cannot be released. */
void *rlf_slot_read(rlf_slot *slot, rlf_retain_fn retain);

/** Publishes `next`; returns the previous value once no reader can still be taking it. */
void *rlf_slot_replace(rlf_slot *slot, void *next);

/** How many values were published after the first (read with acquire ordering). */
uintptr_t rlf_slot_generation(const rlf_slot *slot);

/** This thread's message buffer for failures that have no session (RLF_MESSAGE_CAPACITY bytes). */
char *rlf_thread_message(void);

#define RLF_MESSAGE_CAPACITY 256

/** RECLITE_VERSION_STRING and RECLITE_VERSION_NUMBER of include/reclite.h (static). */
const char *rlf_version_string(void);
uint32_t rlf_version_number(void);

/** The public structs that carry their size. */
typedef enum rlf_struct { RLF_STRUCT_MODEL_INFO, RLF_STRUCT_FEATURE_INFO, RLF_STRUCT_REQUEST } rlf_struct;

/** RECLITE_*_SIZE_V1 of include/reclite.h: the smallest struct_size the library accepts. */
size_t rlf_struct_size_v1(rlf_struct which);

/** e^x from the C library (Embedded Swift has no libm module). */
static inline float rlf_expf(float x) { return __builtin_expf(x); }

#ifdef __cplusplus
}
#endif

#endif /* RECLITE_FORMAT_H */
