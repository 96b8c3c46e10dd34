# Compression (issue 17): `reclite sweep` end to end on a small synthetic MovieLens-format data
# set (CI has no MovieLens), its report opened in Debian's headless chromium (no console
# message, no external reference, every chart and table row present; a screenshot kept as a
# CI artifact under out/), a rerun that must skip every finished point, and a budget no point
# meets. The real sweep (ml-latest-small, release build) is `make sweep`.

COMPRESS_DIR := $(BUILD)/compress
COMPRESS_SWEEP := $(COMPRESS_DIR)/sweep
COMPRESS_SCREENSHOT ?= out/compress-report.png
COMPRESS_GRID := --models two-tower,student --dims 4 --sparsities 0,0.8 --encodings f32,int4 --titles full,none --epoch-scale 0.05

.PHONY: compress-report sweep

compress-report: tool
	@rm -rf $(COMPRESS_DIR)
	python3 scripts/compress/synthetic_movielens.py --out $(COMPRESS_DIR)/data
	$(BIN)/reclite train --data $(COMPRESS_DIR)/data --model student --dim 4 --hidden 8 --epochs 1 --quiet --out $(COMPRESS_DIR)/teacher.rlm > /dev/null
	$(BIN)/reclite sweep --data $(COMPRESS_DIR)/data --teacher $(COMPRESS_DIR)/teacher.rlm --out $(COMPRESS_SWEEP) $(COMPRESS_GRID) --quiet
	python3 scripts/compress/check_report.py $(COMPRESS_SWEEP) --self-test --screenshot $(COMPRESS_SCREENSHOT)
	@# A rerun trains nothing, scores no teacher and rewrites no model: every point is reused.
	@set -e; before=$$(cd $(COMPRESS_SWEEP)/models && ls -l --time-style=+%s.%N | md5sum); \
	  $(BIN)/reclite sweep --data $(COMPRESS_DIR)/data --teacher $(COMPRESS_DIR)/teacher.rlm --out $(COMPRESS_SWEEP) $(COMPRESS_GRID) \
	    > $(COMPRESS_DIR)/rerun.out 2> $(COMPRESS_DIR)/rerun.err; \
	  grep -q "12 points (12 already done" $(COMPRESS_DIR)/rerun.err || { echo "the rerun did not reuse every point:"; cat $(COMPRESS_DIR)/rerun.err; exit 1; }; \
	  ! grep -q "^training \|scoring every user" $(COMPRESS_DIR)/rerun.err || { echo "the rerun trained or scored again:"; cat $(COMPRESS_DIR)/rerun.err; exit 1; }; \
	  after=$$(cd $(COMPRESS_SWEEP)/models && ls -l --time-style=+%s.%N | md5sum); \
	  [ "$$before" = "$$after" ] || { echo "the rerun rewrote finished models"; exit 1; }; \
	  echo "compress-report: a rerun reused all 12 points"
	@# A budget no point meets names its option, and the report is still written.
	@set -e; if $(BIN)/reclite sweep --data $(COMPRESS_DIR)/data --teacher $(COMPRESS_DIR)/teacher.rlm --out $(COMPRESS_SWEEP) $(COMPRESS_GRID) \
	    --quiet --max-bytes 100 > /dev/null 2> $(COMPRESS_DIR)/budget.err; then echo "an impossible --max-bytes succeeded"; exit 1; fi; \
	  grep -q "no point meets --max-bytes 100" $(COMPRESS_DIR)/budget.err || { cat $(COMPRESS_DIR)/budget.err; exit 1; }; \
	  echo "compress-report: an impossible --max-bytes is refused: $$(tail -1 $(COMPRESS_DIR)/budget.err)"

TEST_TARGETS += compress-report

# The real trade-off sweep: ml-latest-small (make data), the release build, seed $(SWEEP_SEED).
# The teacher is the demo's of the same seed when `make demo` wrote one, otherwise the sweep
# trains it (as the pipeline does). Writes $(SWEEP_OUT)/report/index.html and report.json.
SWEEP_SEED ?= 1
SWEEP_OUT ?= out/sweep$(if $(filter-out 1,$(SWEEP_SEED)),-seed$(SWEEP_SEED))
SWEEP_TEACHER ?= $(wildcard $(DEMO_OUT)/teacher-seed$(SWEEP_SEED).rlm)
sweep: release-tool data
	$(BIN)/reclite-release sweep --data $(DATA) --seed $(SWEEP_SEED) $(if $(SWEEP_TEACHER),--teacher $(SWEEP_TEACHER)) --out $(SWEEP_OUT) $(SWEEP_ARGS)
