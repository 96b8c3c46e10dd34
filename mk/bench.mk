# Benchmarks: the C-level harness (bench/speed/reclite_bench.c) against the released library,
# driven by bench/speed.py with ONNX Runtime beside it (bench/peers). `make bench` runs the whole
# comparison on the pipeline's models; `make bench-smoke` (part of make test) runs every piece
# briefly on the sample model — it must run, not meet targets: targets are judged from figures.

BENCH_MODELS ?= $(DEMO_OUT)

.PHONY: bench bench-tool bench-smoke

bench-tool: $(BIN)/reclite-bench

$(BIN)/reclite-bench: bench/speed/reclite_bench.c include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror -Iinclude $< -L$(LIB) -lreclite -Wl,-rpath,'$$ORIGIN/../lib' -o $@
