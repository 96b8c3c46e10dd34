# ARM Linux boards: libreclite cross-built for aarch64 and armv7 (hard-float),
# tested under qemu-user on models exported on the host.
#
#   make cross ARCH=aarch64|armv7   dist/<triple>/: libreclite.so (SONAME libreclite.so.ABI),
#                                   libreclite.a, reclite.h, reclite.pc
#   make test-cross                 both boards under qemu, plus the checks for every
#                                   architecture (host included) and the size report
#
# `make cross` runs the Makefile's own library rules with the board's Swift target
# and Debian's cross gcc/g++ (one scheme for all: the host's `make lib` is the same
# rules for x86_64-linux-gnu). The Swift objects are Embedded Swift for a bare-metal
# triple, which needs no OS; the cross gcc links them with the C++ shim against the
# board's libc and libm.

ARCH ?= aarch64
CROSS_ARCHES := aarch64 armv7

CROSS_TRIPLE_aarch64 := aarch64-linux-gnu
CROSS_SWIFT_TARGET_aarch64 := aarch64-none-none-elf
CROSS_SWIFT_FLAGS_aarch64 :=
CROSS_QEMU_aarch64 := qemu-aarch64

CROSS_TRIPLE_armv7 := arm-linux-gnueabihf
CROSS_SWIFT_TARGET_armv7 := armv7-none-none-eabi
# Floats in VFP registers (the hard-float AAPCS of Debian's armhf libc, libm and gcc; the
# bare-metal triple's default is soft-float), Thumb-2 code (the library is a fifth smaller
# than in ARM code). The target's defaults add VFPv3 and NEON, which the board must have.
CROSS_SWIFT_FLAGS_armv7 := -Xcc -mfloat-abi=hard -Xcc -mthumb
CROSS_QEMU_armv7 := qemu-arm

CROSS_TRIPLES := $(foreach a,$(CROSS_ARCHES),$(CROSS_TRIPLE_$(a)))
CROSS := $(BUILD)/cross
READELF ?= readelf

# The cross g++ does not search the host's /usr/include: it sees the header-only
# FlatBuffers library (libflatbuffers-dev) through this directory alone.
CROSS_INCLUDE := $(CROSS)/include
$(CROSS_INCLUDE)/flatbuffers:
	@mkdir -p $(@D) && ln -sfn /usr/include/flatbuffers $@

# aarch64 links with lld from the Swift toolchain when present: GNU ld pads the file
# to end RELRO on a 64 KiB page boundary (+21 KB), lld keeps kernels with 64 KiB pages
# working without the padding. gcc finds it through -B. armv7 keeps GNU ld, which
# merges the objects' ARM build attributes and refuses to link a soft-float object
# into a hard-float library (lld does neither); its padding there is under 2 KB.
CROSS_LLD := $(wildcard $(dir $(realpath $(shell command -v $(SWIFTC))))ld.lld)
CROSS_LINK_aarch64 := $(if $(CROSS_LLD),-fuse-ld=lld -B$(CROSS)/lld)
CROSS_LINK_armv7 :=
$(CROSS)/lld/ld.lld:
	@mkdir -p $(@D) && ln -sfn $(CROSS_LLD) $@

# The variables that turn the Makefile's host rules into rules for board $(1).
cross_vars = HOST_TARGET=$(CROSS_SWIFT_TARGET_$(1)) HOST_TRIPLE=$(CROSS_TRIPLE_$(1)) LIB_CPU=$(1) \
  EMBEDDED="$(EMBEDDED_BASE) -Xcc -fPIC $(CROSS_SWIFT_FLAGS_$(1))" \
  SHIM_FLAGS="$(SHIM_FLAGS) -isystem $(CROSS_INCLUDE)" \
  CC="$(CROSS_TRIPLE_$(1))-gcc $(CROSS_LINK_$(1))" CLANGXX=$(CROSS_TRIPLE_$(1))-g++ \
  AR=$(CROSS_TRIPLE_$(1))-ar NM=$(CROSS_TRIPLE_$(1))-nm READELF=$(CROSS_TRIPLE_$(1))-readelf BIN=$(CROSS)/$(CROSS_TRIPLE_$(1))/bin

.PHONY: cross test-cross check-deps check-float-abi cross-programs cross-reference size-report

cross: $(CROSS_INCLUDE)/flatbuffers $(if $(CROSS_LLD),$(CROSS)/lld/ld.lld)
	@[ -n "$(CROSS_TRIPLE_$(ARCH))" ] || { echo "ARCH must be one of: $(CROSS_ARCHES)"; exit 2; }
	$(MAKE) --no-print-directory lib $(call cross_vars,$(ARCH))

# ---- Checks for every architecture -------------------------------------------

# The library needs nothing beyond libc, libm and the dynamic loader, under its SONAME, and
# no glibc symbol newer than GLIBC_MAX (2.28: Debian 10, Ubuntu 20.04, Raspberry Pi OS 10 and later).
GLIBC_MAX := 2.28
check-deps: $(LIB)/libreclite.so
	@needed=$$($(READELF) -d $< | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '); \
	soname=$$($(READELF) -d $< | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'); \
	glibc=$$($(READELF) -V $< | grep -oE 'GLIBC_[0-9.]+' | sed 's/GLIBC_//' | sort -uV | tail -n 1); \
	for library in $$needed; do case $$library in \
	  libc.so.6|libm.so.6|ld-linux*.so.[0-9]) ;; \
	  *) echo "$<: needs $$library (only libc, libm and the dynamic loader are allowed)"; exit 1;; esac; done; \
	[ "$$soname" = $(SONAME) ] || { echo "$<: SONAME is '$$soname', not $(SONAME)"; exit 1; }; \
	[ "$$(printf '%s\n' $$glibc $(GLIBC_MAX) | sort -V | tail -n 1)" = $(GLIBC_MAX) ] || \
	  { echo "$<: needs glibc $$glibc, newer than $(GLIBC_MAX):" $$($(NM) -D $< | grep -o '[^ ]*@GLIBC_'$$glibc); exit 1; }; \
	echo "$<: SONAME $(SONAME), needs only $$needed(glibc $$glibc or newer)"

# armv7: the library's objects, the library and a C program built against it all pass
# floats in VFP registers. (A soft-float object among them would pass floats in core
# registers: libm's expf would read garbage.)
check-float-abi: $(LIB)/libreclite.so $(BIN)/score_dump
	@for file in $(LIB_OBJECTS) $(LIB)/libreclite.so $(BIN)/score_dump; do \
	  $(READELF) -A $$file | grep -q 'Tag_ABI_VFP_args: VFP registers' || \
	    { echo "$$file: not hard-float (Tag_ABI_VFP_args: $$($(READELF) -A $$file | sed -n 's/.*VFP_args: //p'))"; exit 1; }; \
	done; echo "$(LIB): objects, library and C programs: Tag_ABI_VFP_args: VFP registers"

# ---- Test programs (host or board, by the variables above) ---------------------

$(BIN)/%: Tests/C/%.c include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -L$(LIB) -lreclite -Wl,-rpath,$(abspath $(LIB)) -o $@

# The example linked with the static archive: it needs only libm besides libc (no libstdc++,
# no Swift runtime), which the run under qemu proves.
$(BIN)/recommend-static: examples/c/recommend.c include/reclite.h $(LIB)/libreclite.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< $(LIB)/libreclite.a -lm -Wl,--gc-sections -o $@

cross-programs: $(BIN)/test_capi $(BIN)/recommend $(BIN)/recommend-static $(BIN)/score_dump $(BIN)/open_models

# ---- What the boards are compared with: models and results on the host --------

CROSS_CRAFTED := $(CROSS)/crafted
CROSS_HOST := $(CROSS)/$(HOST_TRIPLE)
# The sample model, the crafted model with σ inside, and the students of `make demo` when
# present (not in CI; make test-cross DEMO_OUT=...), as MODEL:EVERY — every user's top-10 list
# (a pass over the catalog each) and every EVERY-th user's scores of the whole catalog.
CROSS_STUDENTS = $(sort $(foreach f,$(wildcard $(DEMO_OUT)/*.rlm),$(if $(findstring /teacher,$(f)),,$(f))))
CROSS_MODELS = $(BUILD)/sample.rlm:1 $(CROSS_CRAFTED)/sigmoid-inside.rlm:1 $(addsuffix :16,$(CROSS_STUDENTS))

# Crafted files for 32-bit limits (Tests/RecLiteRuntimeTests/ThirtyTwoBitModels.swift).
$(CROSS_CRAFTED)/manifest.tsv: Tests/RecLiteRuntimeTests/ThirtyTwoBitModels.swift $(RUNTIME_SOURCES)
	$(SWIFT) build --build-tests
	RECLITE_CRAFTED_DIR=$(abspath $(CROSS_CRAFTED)) $(SWIFT) test --skip-build --filter ThirtyTwoBitModels

cross-reference: lib cross-programs $(BUILD)/sample.rlm $(CROSS_CRAFTED)/manifest.tsv check-deps
	@mkdir -p $(CROSS_HOST)/dumps
	$(BIN)/open_models --manifest $(CROSS_CRAFTED)
	$(BIN)/recommend $(BUILD)/sample.rlm 7 10 > $(CROSS_HOST)/recommend.txt
	@for entry in $(CROSS_MODELS); do model=$${entry%:*}; \
	  $(BIN)/score_dump $$model $(CROSS_HOST)/dumps/$$(basename $$model .rlm).bin 0 $${entry##*:} || exit 1; done

# ---- The boards under qemu -----------------------------------------------------

# The boards run one after the other, or side by side with make -j2.
test-cross: cross-reference $(addprefix test-cross-,$(CROSS_ARCHES))
	@$(MAKE) --no-print-directory size-report
TEST_TARGETS += test-cross

test-cross-%: cross-reference $(CROSS_INCLUDE)/flatbuffers $(if $(CROSS_LLD),$(CROSS)/lld/ld.lld)
	$(MAKE) --no-print-directory lib cross-programs check-exports check-deps $(if $(filter armv7,$*),check-float-abi) \
	  $(call cross_vars,$*)
	@set -e; triple=$(CROSS_TRIPLE_$*); bin=$(CROSS)/$$triple/bin; run="$(CROSS_QEMU_$*) -L /usr/$$triple"; \
	mkdir -p $(CROSS)/$$triple/dumps; \
	echo "== $$triple under $(CROSS_QEMU_$*): C API test"; $$run $$bin/test_capi $(BUILD)/sample.rlm; \
	echo "== $$triple: examples/c (output must equal the host's)"; \
	$$run $$bin/recommend $(BUILD)/sample.rlm 7 10 | tee $(CROSS)/$$triple/recommend.txt; \
	diff -u $(CROSS_HOST)/recommend.txt $(CROSS)/$$triple/recommend.txt; \
	$$run $$bin/recommend-static $(BUILD)/sample.rlm 7 10 | diff -u $(CROSS_HOST)/recommend.txt - && \
	  echo "(the same from the example linked with libreclite.a)"; \
	echo "== $$triple: crafted models (32-bit limits)"; $$run $$bin/open_models --manifest $(CROSS_CRAFTED); \
	echo "== $$triple: fuzz regressions"; $$run $$bin/open_models --survive Tests/Fuzz/regressions/*; \
	echo "== $$triple: scores and top-10 lists against the host"; \
	for entry in $(CROSS_MODELS); do model=$${entry%:*}; name=$$(basename $$model .rlm); \
	  $$run $$bin/score_dump $$model $(CROSS)/$$triple/dumps/$$name.bin 0 $${entry##*:} > /dev/null; \
	  python3 scripts/compare_scores.py $(CROSS_HOST)/dumps/$$name.bin $(CROSS)/$$triple/dumps/$$name.bin; done

# ---- Size ------------------------------------------------------------------------

size-report:
	@scripts/size-report.sh $(LIB) $(addprefix dist/,$(CROSS_TRIPLES))
