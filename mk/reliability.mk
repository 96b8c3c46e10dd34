# Reliability (issue 19): models swapped under load, out of memory at every
# allocation, fuzzed model files and requests, sanitizers, and a longer soak.
#
#   make swap-test        threads serve requests while models are swapped (corrupt ones refused)
#   make oom-test         each allocation of open / session create / slot / refresh fails in turn
#                         (OOM_MODELS="..." adds models to open, e.g. the students of make demo)
#   make reliability-cross-aarch64 (or -armv7)  both of them on the ARM board under qemu-user
#   make fuzz             both libFuzzer targets, FUZZ_SECONDS between them
#   make sanitizer-test   the C tests against libreclite built with ASan+UBSan, and with TSan
#   make swift-asan-test  the Swift runtime tests built with -sanitize=address (.build-asan)
#   make stress           a soak for release checks: STRESS_SECONDS of swaps, then of each fuzzer

TEST_TARGETS += swap-test oom-test sanitizer-test swift-asan-test $(addprefix reliability-cross-,$(CROSS_ARCHES))

.PHONY: swap-test oom-test sanitizer-test asan-test tsan-test asan-lib tsan-lib sanitizer-libs swift-asan-test stress

REL := $(BUILD)/reliability
# Two models that answer every request differently (A: 200 items, B: 300 items and a larger arena).
SWAP_MODELS := $(REL)/models/a.rlm $(REL)/models/b.rlm

# The out-of-memory loop also opens the other item encodings (their loaders allocate differently),
# and OOM_MODELS when given (e.g. the students of `make demo`: make oom-test OOM_MODELS="$(ls out/demo/*.rlm)").
ENCODING_MODELS := $(REL)/models/float16.rlm $(REL)/models/int8.rlm $(REL)/models/int4.rlm
OOM_MODELS ?=

# B needs a larger arena than A (test_oom refreshes a session into B from an arena sized for A):
# at dimension 128 no candidate chunk fits the writer's 64 KiB arena target, so B keeps chunks
# of 256 (≈ 395 KB) while A fits in ≈ 50 KB.
$(SWAP_MODELS) $(ENCODING_MODELS) &: tool
	@mkdir -p $(REL)/models
	$(BIN)/reclite sample-model $(REL)/models/a.rlm --users 50 --items 200 --seed 1 > /dev/null
	$(BIN)/reclite sample-model $(REL)/models/b.rlm --users 50 --items 300 --dimension 128 --seed 2 > /dev/null
	@for encoding in float16 int8 int4; do \
	  $(BIN)/reclite sample-model $(REL)/models/$$encoding.rlm --users 20 --items 100 --item-encoding $$encoding --seed 4 \
	    > /dev/null || exit 1; done

$(BIN)/test_swap $(BIN)/test_oom: $(BIN)/test_%: Tests/C/test_%.c Tests/C/check.h include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -L$(LIB) -lreclite -Wl,-rpath,$(abspath $(LIB)) -lpthread -o $@

# 4 threads serve while 140 swaps happen, every 7th candidate corrupt.
swap-test: $(BIN)/test_swap $(SWAP_MODELS)
	$(BIN)/test_swap $(REL)/swap $(SWAP_MODELS) 4 140

oom-test: $(BIN)/test_oom $(SWAP_MODELS) $(ENCODING_MODELS)
	$(BIN)/test_oom $(SWAP_MODELS) $(ENCODING_MODELS) $(OOM_MODELS)

# The same two on the ARM boards under qemu-user (mk/cross.mk builds their libraries): the
# swap with 2 threads and 30 swaps, out of memory at every allocation in full.
reliability-cross-%: test-cross-% $(SWAP_MODELS) $(ENCODING_MODELS)
	@$(MAKE) --no-print-directory $(CROSS)/$(CROSS_TRIPLE_$*)/bin/test_swap $(CROSS)/$(CROSS_TRIPLE_$*)/bin/test_oom \
	  $(call cross_vars,$*)
	@set -e; triple=$(CROSS_TRIPLE_$*); bin=$(CROSS)/$$triple/bin; run="$(CROSS_QEMU_$*) -L /usr/$$triple"; \
	echo "== $$triple under $(CROSS_QEMU_$*): swap under load"; $$run $$bin/test_swap $(CROSS)/$$triple/swap $(SWAP_MODELS) 2 30; \
	echo "== $$triple: out of memory at every allocation"; $$run $$bin/test_oom $(SWAP_MODELS) $(ENCODING_MODELS)

# ---- Sanitizers ---------------------------------------------------------------
# libreclite built again from the same sources by the Makefile's own rules, with
# instrumentation added: Embedded Swift with -sanitize=address (or thread), the
# C++ shim with -fsanitize=address,undefined (or thread), and strict
# reservations (a Swift allocation in a fallible section that nothing reserved
# aborts). The tests are linked by the Swift toolchain's clang, whose sanitizer
# runtimes match swiftc's instrumentation.
ASAN := $(BUILD)/asan
TSAN := $(BUILD)/tsan
SAN_CC ?= $(TOOLCHAIN_BIN)clang
SAN_CFLAGS := $(CFLAGS_TEST) -fno-omit-frame-pointer -fuse-ld=lld
# The toolchain's ThreadSanitizer runtime is built with libdispatch support: link the toolchain's.
SWIFT_LINUX_LIBS := $(abspath $(TOOLCHAIN_BIN)/../lib/swift/linux)
TSAN_LDFLAGS := -L$(SWIFT_LINUX_LIBS) -ldispatch -lBlocksRuntime -Wl,-rpath,$(SWIFT_LINUX_LIBS)
comma := ,

# $(call sanitized-lib,BUILD_DIR,SWIFT_SANITIZER,SHIM_SANITIZERS): objects and library under BUILD_DIR.
sanitized-lib = $(MAKE) --no-print-directory BUILD=$(1) LIB=$(1)/lib CC=$(SAN_CC) \
  EMBEDDED="$(EMBEDDED) -sanitize=$(2)" \
  SHIM_FLAGS="$(SHIM_FLAGS) -g -fsanitize=$(3) -fno-sanitize-recover=all -DRLF_STRICT_RESERVATIONS" \
  $(1)/lib/libreclite.so

build-asan-lib = $(call sanitized-lib,$(ASAN),address,address$(comma)undefined)
build-tsan-lib = $(call sanitized-lib,$(TSAN),thread,thread)

asan-lib:
	@$(build-asan-lib)

tsan-lib:
	@$(build-tsan-lib)

# Both at once: each is one single-threaded compile of the runtime (about 50 s of CPU), so
# side by side they take half the time on two cores. The test programs wait for this one
# target, so even `make -j` never builds one library twice at the same time.
sanitizer-libs:
	@$(build-asan-lib) & asan=$$!; status=0; $(build-tsan-lib) || status=$$?; wait $$asan || status=$$?; exit $$status

$(ASAN)/bin/test_%: Tests/C/test_%.c Tests/C/check.h Tests/C/count_allocations.h include/reclite.h sanitizer-libs
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all $< \
	  -L$(ASAN)/lib -lreclite -Wl,-rpath,'$$ORIGIN/../lib' -lpthread -o $@

$(TSAN)/bin/test_%: Tests/C/test_%.c Tests/C/check.h Tests/C/count_allocations.h include/reclite.h sanitizer-libs
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) -fsanitize=thread $< -L$(TSAN)/lib -lreclite -Wl,-rpath,'$$ORIGIN/../lib' \
	  $(TSAN_LDFLAGS) -lpthread -o $@

ASAN_RUN := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
TSAN_RUN := TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

# The whole C API test and the swap test (whose leaks LeakSanitizer reports at exit) under
# ASan+UBSan; the same two under TSan (the C API test's threads share a model; the swap
# test's threads race a swapper). Any report fails the run.
asan-test: $(ASAN)/bin/test_capi $(ASAN)/bin/test_swap $(BUILD)/sample.rlm $(SWAP_MODELS)
	$(ASAN_RUN) $(ASAN)/bin/test_capi $(BUILD)/sample.rlm
	$(ASAN_RUN) $(ASAN)/bin/test_swap $(ASAN)/swap $(SWAP_MODELS) 4 60
	@echo "AddressSanitizer + UndefinedBehaviorSanitizer (library, shim, tests): 0 reports, 0 leaks"

tsan-test: $(TSAN)/bin/test_capi $(TSAN)/bin/test_swap $(BUILD)/sample.rlm $(SWAP_MODELS)
	$(TSAN_RUN) $(TSAN)/bin/test_capi $(BUILD)/sample.rlm
	$(TSAN_RUN) $(TSAN)/bin/test_swap $(TSAN)/swap $(SWAP_MODELS) 4 60
	@echo "ThreadSanitizer (library, shim, tests): 0 reports"

sanitizer-test: asan-test tsan-test

# The Swift runtime tests (runtime, C API, loader rejections, slots, the C++ reader's round
# trip) with AddressSanitizer in the Swift code and the C++ shim alike (SwiftPM's --sanitize
# instruments C-family targets too), in a scratch path of their own so the normal build stays
# uninstrumented; Package.swift keeps only the runtime's targets when RECLITE_RUNTIME_TESTS_ONLY is set.
SWIFT_ASAN := RECLITE_RUNTIME_TESTS_ONLY=1 $(SWIFT)
SWIFT_ASAN_FLAGS := --scratch-path .build-asan --sanitize=address
swift-asan-test:
	$(SWIFT_ASAN) build --build-tests $(SWIFT_ASAN_FLAGS)
	$(SWIFT_ASAN) test --skip-build $(SWIFT_ASAN_FLAGS) --disable-xctest

# ---- Fuzzing ------------------------------------------------------------------
# Two libFuzzer targets with AddressSanitizer, built against the runtime (and C
# API) compiled once with coverage:
#   fuzz-model     any bytes as a model file (Tests/Fuzz/FuzzModel.swift), seeded
#                  with sample models and Tests/Fuzz/regressions;
#   fuzz-requests  any bytes as requests through the C API against real exported
#                  models (Tests/Fuzz/FuzzRequests.swift), seeded with
#                  Tests/Fuzz/request-regressions.
# Every input that once crashed a target goes into its regressions folder and is
# replayed on each run. On a failure the stack and each crashing input (base64)
# are printed, so a CI log is enough to reproduce it. The Swift backtracer is
# off: libFuzzer's own handler reports a trap with its Swift frames.
FUZZ_SECONDS ?= 45
FUZZ_MODEL_SECONDS ?= $(shell echo $$(( $(FUZZ_SECONDS) * 5 / 9 )))
FUZZ_REQUEST_SECONDS ?= $(shell echo $$(( $(FUZZ_SECONDS) - $(FUZZ_MODEL_SECONDS) )))
FUZZ := $(BUILD)/fuzz
FUZZ_SWIFT := $(SWIFTC) -parse-as-library -O -g -sanitize=fuzzer,address -use-ld=lld -I $(FUZZ) -I include \
  -I Sources/CRecLiteFormat/include
REQUEST_MODELS := $(FUZZ)/request-models/small.rlm $(FUZZ)/request-models/int4.rlm $(FUZZ)/request-models/wide.rlm

$(FUZZ)/format.o: Sources/CRecLiteFormat/format.cpp Sources/CRecLiteFormat/include/reclite_format.h
	@mkdir -p $(@D)
	$(CLANGXX) -g -O1 -fsanitize=address,fuzzer-no-link $(filter-out -O2,$(SHIM_FLAGS)) -c $< -o $@

$(FUZZ)/RecLiteRuntime.o: $(RUNTIME_SOURCES) Sources/CRecLiteFormat/include/reclite_format.h
	@mkdir -p $(@D)
	$(FUZZ_SWIFT) -wmo -module-name RecLiteRuntime -emit-module -emit-module-path $(FUZZ)/RecLiteRuntime.swiftmodule \
	  -c $(RUNTIME_SOURCES) -o $@

$(FUZZ)/RecLiteC.o: $(CAPI_SOURCES) $(FUZZ)/RecLiteRuntime.o include/reclite.h
	$(FUZZ_SWIFT) -wmo -module-name RecLiteC -c $(CAPI_SOURCES) -o $@

$(FUZZ)/fuzz-model: Tests/Fuzz/FuzzModel.swift $(FUZZ)/RecLiteRuntime.o $(FUZZ)/format.o
	$(FUZZ_SWIFT) -module-name RecLiteFuzz $< $(FUZZ)/RecLiteRuntime.o $(FUZZ)/format.o -o $@

$(FUZZ)/fuzz-requests: Tests/Fuzz/FuzzRequests.swift $(FUZZ)/RecLiteRuntime.o $(FUZZ)/RecLiteC.o $(FUZZ)/format.o
	$(FUZZ_SWIFT) -module-name RecLiteRequestFuzz $< $(FUZZ)/RecLiteRuntime.o $(FUZZ)/RecLiteC.o $(FUZZ)/format.o -o $@

$(REQUEST_MODELS) &: tool
	@mkdir -p $(FUZZ)/request-models
	$(BIN)/reclite sample-model $(FUZZ)/request-models/small.rlm --users 3 --items 5 --dimension 4 > /dev/null
	$(BIN)/reclite sample-model $(FUZZ)/request-models/int4.rlm --users 3 --items 9 --dimension 8 --item-encoding int4 > /dev/null
	$(BIN)/reclite sample-model $(FUZZ)/request-models/wide.rlm --users 50 --items 300 --item-encoding int8 --seed 3 > /dev/null

.PHONY: fuzz-corpora
fuzz-corpora: tool
	@rm -rf $(FUZZ)/fuzz-model-corpus $(FUZZ)/fuzz-requests-corpus
	@mkdir -p $(FUZZ)/fuzz-model-corpus $(FUZZ)/fuzz-requests-corpus
	$(BIN)/reclite sample-model $(FUZZ)/fuzz-model-corpus/small.rlm --users 3 --items 5 --dimension 4 > /dev/null
	$(BIN)/reclite sample-model $(FUZZ)/fuzz-model-corpus/int4.rlm --users 3 --items 9 --dimension 8 --item-encoding int4 > /dev/null
	$(BIN)/reclite sample-model $(FUZZ)/fuzz-model-corpus/f16.rlm --users 2 --items 17 --dimension 8 --item-encoding float16 > /dev/null
	cp Tests/Fuzz/regressions/* $(FUZZ)/fuzz-model-corpus/
	find Tests/Fuzz/request-regressions -type f ! -name '*.md' -exec cp {} $(FUZZ)/fuzz-requests-corpus/ \;

empty :=
space := $(empty) $(empty)
FUZZ_ENV_fuzz-requests := RECLITE_FUZZ_MODELS=$(subst $(space),:,$(abspath $(REQUEST_MODELS)))

# $(call run-fuzzer,TARGET,SECONDS,MAX_LEN): runs $(FUZZ)/TARGET on its corpus and prints (and
# keeps in $(FUZZ)/TARGET.summary) "TARGET: N executions in S s, M new inputs, C crashes"; on a
# crash, the stack and the inputs.
define run-fuzzer
@cd $(FUZZ) && rm -f crash-* leak-* timeout-* oom-* && status=0 && \
  SWIFT_BACKTRACE=enable=no $(FUZZ_ENV_$(1)) ./$(1) -max_total_time=$(2) -max_len=$(3) -print_final_stats=1 \
    $(1)-corpus > $(1).log 2>&1 || status=$$?; \
  crashes=$$(ls crash-* leak-* timeout-* oom-* 2>/dev/null | wc -l); \
  echo "$(1): $$(sed -n 's/^stat::number_of_executed_units: *//p' $(1).log) executions in $(2) s," \
    "$$(sed -n 's/^stat::new_units_added: *//p' $(1).log) new inputs, $$crashes crashes" | tee $(1).summary; \
  if [ $$status -ne 0 ]; then \
    grep -v '^#' $(1).log | tail -n 60; \
    for f in crash-* leak-* timeout-* oom-*; do [ -f "$$f" ] && echo "$$f (base64):" && base64 "$$f"; done; \
    echo "reproduce: cd $(FUZZ) && $(FUZZ_ENV_$(1)) ./$(1) CRASH_FILE; keep the input in Tests/Fuzz/"; \
  fi; exit $$status
endef

fuzz: $(FUZZ)/fuzz-model $(FUZZ)/fuzz-requests $(REQUEST_MODELS) fuzz-corpora
	$(call run-fuzzer,fuzz-model,$(FUZZ_MODEL_SECONDS),20000)
	$(call run-fuzzer,fuzz-requests,$(FUZZ_REQUEST_SECONDS),4096)

# ---- Stress (release checks) ------------------------------------------------------
# Minutes of swapping under load (8 threads) and of each fuzzer, then one summary line.
STRESS_SECONDS ?= 120

stress: $(BIN)/test_swap $(SWAP_MODELS) $(FUZZ)/fuzz-model $(FUZZ)/fuzz-requests $(REQUEST_MODELS) fuzz-corpora
	@set -o pipefail; $(BIN)/test_swap $(REL)/stress $(SWAP_MODELS) 8 $(STRESS_SECONDS)s | tee $(REL)/stress-swap.log
	$(call run-fuzzer,fuzz-model,$(STRESS_SECONDS),20000)
	$(call run-fuzzer,fuzz-requests,$(STRESS_SECONDS),4096)
	@echo "stress: $$(sed -n 's/^swap: //p' $(REL)/stress-swap.log); $$(cat $(FUZZ)/fuzz-model.summary);" \
	  "$$(cat $(FUZZ)/fuzz-requests.summary)"
