# Benchmarks: the C-level harness (bench/speed/reclite_bench.c) against the released library,
# driven by bench/speed.py with ONNX Runtime beside it (bench/peers). `make bench` runs the whole
# comparison on the pipeline's models; `make bench-smoke` (part of make test) runs every piece
# briefly on small models — it must run, not meet targets: targets are judged from the figures.
# It does fail when RecLite and ONNX Runtime disagree on scores or top-10 lists.
#
#   make bench                          the table for every model in $(BENCH_MODELS) (default: out/demo)
#   make bench BENCH_MODELS="a.rlm b.rlm" BENCH_ARGS=--save    other models; write bench/results/DATE-speed.*

BENCH_MODELS ?= $(DEMO_OUT)
BENCH_ARGS ?=
SPEED = python3 bench/speed.py --reclite $(BIN)/reclite --bench-tool $(BIN)/reclite-bench --library $(abspath $(LIB))/libreclite.so
SMOKE := $(BUILD)/bench-smoke
# Small trained models of each kind the exporter translates: a two-tower (int8), a DeepFM computed
# per candidate (genre and year bags, concatenation, FM) and a DeepFM with its item side precomputed (int8).
SMOKE_MODELS := $(SMOKE)/two-tower-int8.rlm $(SMOKE)/deepfm.rlm $(SMOKE)/deepfm-precomputed-int8.rlm
SMOKE_TRAIN = $(BIN)/reclite train --interactions $(SMOKE)/interactions.csv --timestamp-column timestamp \
  --feature-column genres --year-column year --epochs 2 --quiet

.PHONY: bench bench-tool bench-smoke

bench-tool: $(BIN)/reclite-bench

$(BIN)/reclite-bench: bench/speed/reclite_bench.c Tests/C/count_allocations.h include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror -Iinclude -ITests/C $< -L$(LIB) -lreclite -Wl,-rpath,$(abspath $(LIB)) -o $@

bench: deps lib tool bench-tool
	$(SPEED) $(BENCH_MODELS) $(BENCH_ARGS)

$(SMOKE)/interactions.csv: bench/speed/tiny_interactions.py
	python3 $< --out $@

# Retrained whenever the toolkit is rebuilt (like $(BUILD)/sample.rlm): a few seconds each.
$(SMOKE)/two-tower-int8.rlm: $(SMOKE)/interactions.csv tool
	$(SMOKE_TRAIN) --model two-tower --encoding int8 --out $@ > /dev/null
$(SMOKE)/deepfm.rlm: $(SMOKE)/interactions.csv tool
	$(SMOKE_TRAIN) --model student --precompute never --out $@ > /dev/null
$(SMOKE)/deepfm-precomputed-int8.rlm: $(SMOKE)/interactions.csv tool
	$(SMOKE_TRAIN) --model student --precompute always --encoding int8 --out $@ > /dev/null

# The measuring tools of bench/tools, built against the library like any user program.
BENCH_TOOLS := $(BIN)/tied_top10 $(BIN)/callgrind_workload
$(BIN)/tied_top10 $(BIN)/callgrind_workload: $(BIN)/%: bench/tools/%.c include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -Iinclude $< -L$(LIB) -lreclite -lm -Wl,-rpath,$(abspath $(LIB)) -o $@

bench-smoke: lib tool bench-tool $(BUILD)/sample.rlm $(SMOKE_MODELS) $(BENCH_TOOLS)
	python3 bench/peers/test_onnx_export.py
	$(BIN)/reclite bench $(BUILD)/sample.rlm --requests 20 > $(SMOKE)/cli-bench.txt
	grep -E "heap allocations during [0-9]+ timed calls: 0$$" $(SMOKE)/cli-bench.txt
	grep -E "recommend: [1-9][0-9]* multiply-adds" $(SMOKE)/cli-bench.txt
	$(SPEED) $(BUILD)/sample.rlm $(SMOKE_MODELS) --quick --check
	$(BIN)/callgrind_workload $(BUILD)/sample.rlm 5

TEST_TARGETS += bench-smoke
