# The Go binding (bindings/go), the Go example (examples/go) and the installed C library.
#
#   eval "$(make -s go-env)"   point pkg-config (so cgo) at this build tree, without installing
#   make go-test               go vet + go test -race in bindings/go (with cgo's full pointer
#                              checks, GODEBUG=cgocheck=2); the Go example prints exactly
#                              what the C example prints
#   make install-test          make install into $(BUILD)/install-test/prefix, then check it as a
#                              C user meets it (scripts/check-install.sh)

GO ?= go
GO_STATE := $(abspath $(BUILD))/go
GO_PKG_CONFIG := $(abspath $(BUILD))/pkgconfig
# Go's caches live under $(BUILD), and nothing is downloaded: the binding and
# the example use only the standard library (GOPROXY=off makes sure).
GO_ENV := PKG_CONFIG_PATH=$(GO_PKG_CONFIG)$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH} \
  GOCACHE=$(GO_STATE)/cache GOPATH=$(GO_STATE)/path GOPROXY=off GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=1
# The demo's default student, tested too when `make demo` has made it.
GO_DEMO_MODEL ?= $(DEMO_MODEL)

.PHONY: go-env go-test install-test

# reclite.pc for the uninstalled tree: headers from include/, the library
# from $(LIB), found at run time through an rpath.
$(GO_PKG_CONFIG)/reclite.pc: scripts/reclite.pc.in include/reclite.h
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	  -e 's|^libdir=.*|libdir=$(abspath $(LIB))|' -e 's|^includedir=.*|includedir=$(CURDIR)/include|' \
	  -e 's|^Libs: .*|& -Wl,-rpath,$${libdir}|' $< > $@

go-env: $(GO_PKG_CONFIG)/reclite.pc
	@echo '# eval "$$(make -s go-env)": cgo finds reclite.h and libreclite.so in this build tree'
	@echo 'export PKG_CONFIG_PATH=$(GO_PKG_CONFIG)$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH}'

go-test: $(GO_PKG_CONFIG)/reclite.pc lib $(BUILD)/sample.rlm $(BIN)/recommend
	@unformatted=$$(gofmt -l bindings/go examples/go); if [ -n "$$unformatted" ]; then \
	  echo "not gofmt-formatted (run gofmt -w): $$unformatted"; exit 1; fi
	cd bindings/go && $(GO_ENV) $(GO) vet ./...
	cd bindings/go && $(GO_ENV) RECLITE_TEST_MODEL=$(abspath $(BUILD)/sample.rlm) \
	  RECLITE_DEMO_MODEL=$(abspath $(GO_DEMO_MODEL)) RECLITE_CLI=$(abspath $(BIN)/reclite) \
	  GODEBUG=cgocheck=2 $(GO) test -race -count=1 ./...
	cd examples/go && $(GO_ENV) $(GO) vet ./... && $(GO_ENV) $(GO) build -o $(abspath $(BIN))/recommend-go .
	@set -e; for model in $(BUILD)/sample.rlm $(wildcard $(GO_DEMO_MODEL)); do \
	  for args in "7 10" "1 3" "123456 5" "-3 1000"; do \
	    if ! diff <($(BIN)/recommend $$model $$args) <($(BIN)/recommend-go $$model $$args); then \
	      echo "examples/go and examples/c differ on $$model $$args (< C, > Go)"; exit 1; fi; \
	  done; echo "examples/go prints what examples/c prints ($$model: users 7, 1, 123456, -3; k 10, 3, 5, 1000)"; done

install-test: $(BUILD)/sample.rlm $(BIN)/recommend
	rm -rf $(BUILD)/install-test
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(BUILD))/install-test/prefix
	scripts/check-install.sh $(abspath $(BUILD))/install-test $(VERSION) $(SONAME) $(BUILD)/sample.rlm $(BIN)/recommend

TEST_TARGETS += go-test install-test
