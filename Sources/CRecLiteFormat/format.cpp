// C view of a verified .rlm FlatBuffer (see include/reclite_format.h).
// Compiled with -fno-exceptions -fno-rtti and uses only the header-only
// reading and verifying parts of FlatBuffers, so it needs no libstdc++ at run time.

#include "reclite_format.h"

#include "generated/reclite_generated.h"
#include "../../include/reclite.h"  // the version macros: one source for the library's version

#include <atomic>
#include <new>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef RLF_STRICT_RESERVATIONS
#include <stdio.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define RLF_PRINT_STACK() __sanitizer_print_stack_trace()
#endif
#endif
#ifndef RLF_PRINT_STACK
#define RLF_PRINT_STACK() ((void)0)
#endif
#endif

namespace fbs = reclite::fb;

namespace {

// The FlatBuffers Verifier asserts on buffers of 2 GiB or more. The metadata
// sits at the start of the file and weights are referenced by offset, so
// verifying a clamped prefix covers every FlatBuffer byte of any real model.
constexpr size_t kMaxVerifiedBytes = FLATBUFFERS_MAX_BUFFER_SIZE - 1;

const fbs::Model *model_of(const uint8_t *buf) { return fbs::GetModel(buf); }

rlf_string string_of(const flatbuffers::String *s) {
  rlf_string out = {nullptr, 0};
  if (s != nullptr) {
    out.data = s->c_str();
    out.length = s->size();
  }
  return out;
}

template <typename T>
const T *data_of(const flatbuffers::Vector<T> *v, uint32_t *count) {
  *count = v != nullptr ? v->size() : 0;
  return v != nullptr && v->size() > 0 ? v->data() : nullptr;
}

template <typename T>
uint32_t size_of(const flatbuffers::Vector<T> *v) { return v != nullptr ? v->size() : 0; }

struct CrcTable {
  uint32_t entries[256];
  constexpr CrcTable() : entries() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      entries[i] = c;
    }
  }
};
constexpr CrcTable kCrcTable;

thread_local char thread_message[RLF_MESSAGE_CAPACITY];

// ---- Reservations (see "Fallible sections" in reclite_format.h) ----

constexpr size_t kReservationAlignment = 64;
constexpr int kMaxReservations = 8;

struct Reservation {
  void *block;
  size_t size;
};

thread_local int section_depth = 0;
thread_local int reservation_count = 0;
thread_local Reservation reservations[kMaxReservations];

// The smallest reserved block of at least `size` bytes, removed from the list; NULL when none fits.
void *take_reserved(size_t size, size_t alignment) {
  if (section_depth == 0 || alignment > kReservationAlignment) return nullptr;
  int best = -1;
  for (int i = 0; i < reservation_count; ++i) {
    if (reservations[i].size >= size && (best < 0 || reservations[i].size < reservations[best].size)) best = i;
  }
  if (best < 0) return nullptr;
  void *block = reservations[best].block;
  reservations[best] = reservations[--reservation_count];
  return block;
}

#ifdef RLF_STRICT_RESERVATIONS
[[noreturn]] void unreserved(const char *what, size_t size) {
  fprintf(stderr, "reclite: %s of %zu bytes inside a fallible section (a missing reservation), from:\n", what, size);
  RLF_PRINT_STACK();
  abort();
}
#endif

}  // namespace

// The model slot (see reclite_format.h).
struct rlf_slot {
  std::atomic<void *> current;
  std::atomic<uintptr_t> generation;
  // Readers between loading `current` and referencing what they loaded.
  std::atomic<uintptr_t> reading;
};

extern "C" {

uint32_t rlf_crc32(uint32_t crc, const uint8_t *data, size_t len) {
  crc = ~crc;
  for (size_t i = 0; i < len; ++i) crc = kCrcTable.entries[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

size_t rlf_checksum_offset(const uint8_t *buf) {
  auto table = reinterpret_cast<const flatbuffers::Table *>(model_of(buf));
  const uint8_t *field = table->GetAddressOf(fbs::Model::VT_CHECKSUM);
  return field != nullptr ? static_cast<size_t>(field - buf) : SIZE_MAX;
}

rlf_verify_result rlf_verify(const uint8_t *buf, size_t len, int skip_checksum,
                             uint32_t *stored, uint32_t *computed) {
  if (buf == nullptr || len < 8) return RLF_VERIFY_TOO_SHORT;
  if (!fbs::ModelBufferHasIdentifier(buf)) return RLF_VERIFY_BAD_IDENTIFIER;
  flatbuffers::Verifier verifier(buf, len < kMaxVerifiedBytes ? len : kMaxVerifiedBytes);
  if (!fbs::VerifyModelBuffer(verifier)) return RLF_VERIFY_BAD_STRUCTURE;
  size_t at = rlf_checksum_offset(buf);
  if (at == SIZE_MAX) return RLF_VERIFY_NO_CHECKSUM;
  if (skip_checksum) return RLF_VERIFY_OK;
  static const uint8_t zeros[4] = {0, 0, 0, 0};
  uint32_t crc = rlf_crc32(0, buf, at);
  crc = rlf_crc32(crc, zeros, 4);
  crc = rlf_crc32(crc, buf + at + 4, len - at - 4);
  uint32_t expected = model_of(buf)->checksum();
  if (stored != nullptr) *stored = expected;
  if (computed != nullptr) *computed = crc;
  return crc == expected ? RLF_VERIFY_OK : RLF_VERIFY_BAD_CHECKSUM;
}

void rlf_model_info_get(const uint8_t *buf, rlf_model_info *out) {
  const fbs::Model *m = model_of(buf);
  out->format_version = m->format_version();
  out->checksum = m->checksum();
  out->description = string_of(m->description());
  out->buffer_count = size_of(m->buffers());
  out->tensor_count = size_of(m->tensors());
  out->op_count = size_of(m->ops());
  out->feature_count = size_of(m->features());
  out->signature_count = size_of(m->signatures());
  out->metadata_count = size_of(m->metadata());
  out->has_catalog = m->catalog() != nullptr;
  out->has_plan = m->plan() != nullptr;
}

void rlf_buffer_get(const uint8_t *buf, uint32_t index, uint64_t *offset, uint64_t *size) {
  auto buffers = model_of(buf)->buffers();
  *offset = 0;
  *size = 0;
  if (buffers == nullptr || index >= buffers->size()) return;
  const fbs::BufferRef *ref = buffers->Get(index);
  *offset = ref->offset();
  *size = ref->size();
}

void rlf_tensor_get(const uint8_t *buf, uint32_t index, rlf_tensor *out) {
  memset(out, 0, sizeof(*out));
  out->sparse_row_offsets = -1;
  out->sparse_col_indices = -1;
  out->row_remap = -1;
  out->split_table = -1;
  out->row_split = -1;
  auto tensors = model_of(buf)->tensors();
  if (tensors == nullptr || index >= tensors->size()) return;
  const fbs::Tensor *t = tensors->Get(index);
  out->name = string_of(t->name());
  out->dtype = static_cast<int8_t>(t->dtype());
  out->shape = data_of(t->shape(), &out->rank);
  out->buffer = t->buffer();
  out->row_remap = t->row_remap();
  out->split_table = t->split_table();
  out->row_split = t->row_split();
  if (const fbs::Quantization *q = t->quantization()) {
    out->quant_kind = static_cast<int8_t>(q->kind());
    out->scale = data_of(q->scale(), &out->scale_count);
    out->zero_point = data_of(q->zero_point(), &out->zero_point_count);
    out->quant_axis = q->axis();
  }
  if (const fbs::Sparsity *s = t->sparsity()) {
    out->has_sparsity = 1;
    out->sparse_row_offsets = s->row_offsets();
    out->sparse_col_indices = s->col_indices();
  }
}

void rlf_op_get(const uint8_t *buf, uint32_t index, rlf_op *out) {
  memset(out, 0, sizeof(*out));
  auto ops = model_of(buf)->ops();
  if (ops == nullptr || index >= ops->size()) return;
  const fbs::Op *op = ops->Get(index);
  out->code = static_cast<uint8_t>(op->code());
  out->inputs = data_of(op->inputs(), &out->input_count);
  out->outputs = data_of(op->outputs(), &out->output_count);
  out->activation = static_cast<int8_t>(op->activation());
  out->bag_mode = static_cast<int8_t>(op->bag_mode());
}

void rlf_feature_get(const uint8_t *buf, uint32_t index, rlf_feature *out) {
  memset(out, 0, sizeof(*out));
  out->vocabulary = -1;
  out->input = -1;
  auto features = model_of(buf)->features();
  if (features == nullptr || index >= features->size()) return;
  const fbs::Feature *f = features->Get(index);
  out->name = string_of(f->name());
  out->kind = static_cast<int8_t>(f->kind());
  out->vocabulary = f->vocabulary();
  out->num_rows = f->num_rows();
  out->oov_row = f->oov_row();
  out->input = f->input();
}

void rlf_signature_get(const uint8_t *buf, uint32_t index, rlf_signature *out) {
  memset(out, 0, sizeof(*out));
  auto signatures = model_of(buf)->signatures();
  if (signatures == nullptr || index >= signatures->size()) return;
  const fbs::Signature *s = signatures->Get(index);
  out->name = string_of(s->name());
  out->outputs = data_of(s->outputs(), &out->output_count);
}

void rlf_catalog_get(const uint8_t *buf, rlf_catalog *out) {
  memset(out, 0, sizeof(*out));
  const fbs::Catalog *c = model_of(buf)->catalog();
  if (c == nullptr) return;
  out->feature = c->feature();
  out->title_count = size_of(c->titles());
  out->popularity = data_of(c->popularity(), &out->popularity_count);
}

rlf_string rlf_catalog_title(const uint8_t *buf, uint32_t index) {
  const fbs::Catalog *c = model_of(buf)->catalog();
  if (c == nullptr || c->titles() == nullptr || index >= c->titles()->size()) return {nullptr, 0};
  return string_of(c->titles()->Get(index));
}

void rlf_plan_get(const uint8_t *buf, rlf_plan *out) {
  memset(out, 0, sizeof(*out));
  const fbs::MemoryPlan *p = model_of(buf)->plan();
  if (p == nullptr) return;
  out->max_batch = p->max_batch();
  out->offsets = data_of(p->offsets(), &out->offset_count);
  out->arena_bytes = p->arena_bytes();
}

void rlf_metadata_get(const uint8_t *buf, uint32_t index, rlf_string *key, rlf_string *value) {
  *key = {nullptr, 0};
  *value = {nullptr, 0};
  auto metadata = model_of(buf)->metadata();
  if (metadata == nullptr || index >= metadata->size()) return;
  const fbs::KeyValue *kv = metadata->Get(index);
  *key = string_of(kv->key());
  *value = string_of(kv->value());
}

int rlf_map_file(const char *path, const uint8_t **data, size_t *length) {
  *data = nullptr;
  *length = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  // statx (glibc 2.28), not fstat: glibc 2.33 renamed fstat's symbol, and a library that
  // binds fstat@GLIBC_2.33 does not load on older boards (Debian 11, Raspberry Pi OS 11).
  // Its size is 64-bit on every target, so a file larger than this process can map is
  // refused here instead of wrapping on 32-bit.
  struct statx st;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, &st) != 0) {
    int error = errno;
    close(fd);
    return error;
  }
  if (!S_ISREG(st.stx_mode)) {
    close(fd);
    return S_ISDIR(st.stx_mode) ? EISDIR : EINVAL;
  }
  if (st.stx_size > static_cast<uint64_t>(PTRDIFF_MAX)) {
    close(fd);
    return EFBIG;
  }
  if (st.stx_size == 0) {
    close(fd);
    static const uint8_t empty = 0;
    *data = &empty;
    return 0;
  }
  void *mapped = mmap(nullptr, static_cast<size_t>(st.stx_size), PROT_READ, MAP_PRIVATE, fd, 0);
  int error = errno;
  close(fd);
  if (mapped == MAP_FAILED) return error;
  *data = static_cast<const uint8_t *>(mapped);
  *length = static_cast<size_t>(st.stx_size);
  return 0;
}

void rlf_unmap_file(const uint8_t *data, size_t length) {
  if (data != nullptr && length > 0) munmap(const_cast<uint8_t *>(data), length);
}

const char *rlf_errno_text(int error) { return strerror(error); }

void *rlf_aligned_alloc(size_t size, size_t alignment) {
  void *memory = nullptr;
  if (posix_memalign(&memory, alignment, size > 0 ? size : 1) != 0) return nullptr;
  memset(memory, 0, size);
  return memory;
}

void rlf_aligned_free(void *memory) { free(memory); }

char *rlf_thread_message(void) { return thread_message; }

const char *rlf_version_string(void) { return RECLITE_VERSION_STRING; }

uint32_t rlf_version_number(void) { return RECLITE_VERSION_NUMBER; }

size_t rlf_struct_size_v1(rlf_struct which) {
  switch (which) {
    case RLF_STRUCT_MODEL_INFO: return RECLITE_MODEL_INFO_SIZE_V1;
    case RLF_STRUCT_FEATURE_INFO: return RECLITE_FEATURE_INFO_SIZE_V1;
    case RLF_STRUCT_REQUEST: return RECLITE_REQUEST_SIZE_V1;
  }
  return SIZE_MAX;
}

void rlf_section_begin(void) { ++section_depth; }

void rlf_section_end(void) {
  if (section_depth == 0 || --section_depth > 0) return;
  while (reservation_count > 0) free(reservations[--reservation_count].block);
}

int rlf_reserve(size_t size) {
  if (section_depth == 0) return 1;
  if (reservation_count == kMaxReservations) {
#ifdef RLF_STRICT_RESERVATIONS
    unreserved("a reservation beyond the limit", size);
#else
    return 1;  // the allocation falls back to the C library's allocator
#endif
  }
  void *block = nullptr;
  if (posix_memalign(&block, kReservationAlignment, size > 0 ? size : 1) != 0) return 0;
  reservations[reservation_count++] = {block, size};
  return 1;
}

int rlf_swift_posix_memalign(void **out, size_t alignment, size_t size) {
  if (void *block = take_reserved(size, alignment)) {
    *out = block;
    return 0;
  }
#ifdef RLF_STRICT_RESERVATIONS
  if (section_depth > 0) unreserved("a Swift allocation", size);
#endif
  return posix_memalign(out, alignment, size);
}

rlf_slot *rlf_slot_create(void *initial) {
  void *memory = rlf_aligned_alloc(sizeof(rlf_slot), alignof(rlf_slot) < sizeof(void *) ? sizeof(void *) : alignof(rlf_slot));
  if (memory == nullptr) return nullptr;
  rlf_slot *slot = new (memory) rlf_slot;
  slot->current.store(initial, std::memory_order_relaxed);
  slot->generation.store(0, std::memory_order_relaxed);
  slot->reading.store(0, std::memory_order_relaxed);
  return slot;
}

void rlf_slot_destroy(rlf_slot *slot) {
  if (slot == nullptr) return;
  slot->~rlf_slot();
  rlf_aligned_free(slot);
}

// Sequentially consistent on both sides: either a reader's load sees the new
// value, or the replacing thread's check of `reading` sees that reader (the
// store-load pattern that weaker orderings would not order).
void *rlf_slot_read(rlf_slot *slot, rlf_retain_fn retain) {
  slot->reading.fetch_add(1, std::memory_order_seq_cst);
  void *value = slot->current.load(std::memory_order_seq_cst);
  retain(value);
  slot->reading.fetch_sub(1, std::memory_order_release);
  return value;
}

void *rlf_slot_replace(rlf_slot *slot, void *next) {
  void *previous = slot->current.exchange(next, std::memory_order_seq_cst);
  slot->generation.fetch_add(1, std::memory_order_seq_cst);
  // A reader inside its read may have loaded `previous` and not referenced it yet.
  while (slot->reading.load(std::memory_order_seq_cst) != 0) sched_yield();
  return previous;
}

uintptr_t rlf_slot_generation(const rlf_slot *slot) { return slot->generation.load(std::memory_order_acquire); }

}  // extern "C"
