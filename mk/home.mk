# Smart home (examples/smart-home, issue 20), end to end on a small generated home:
#   generate.py (seeded event log) → `reclite pipeline` with hour, weekday and room as context
#   → hub.c answering a scripted day with the distilled int8 two-tower student in its smallest arena,
#   every suggestion checked against the toolkit's runtime (check_hub.py), under valgrind;
#   then the same hub built for armv7 and run under qemu-arm, whose output must equal the host's.
#
#   make smart-home         the host part (~2 min)
#   make smart-home-armv7   the board part (after test-cross-armv7, which builds the board's library)
#
# The home is small so the debug toolkit trains it in 1.5 minutes; check_report.py asserts what
# such a home shows: both distilled students (the hub runs the two-tower) beat the same student
# without context and popularity. Beating popular-in-context takes the default home's size. The README's figures come from the
# default home with the release toolkit (examples/smart-home/README.md).

SMART_HOME := $(BUILD)/smart-home
SMART_HOME_LOG := $(SMART_HOME)/home.csv
SMART_HOME_OUT := $(SMART_HOME)/out
SMART_HOME_MODEL := $(SMART_HOME_OUT)/two-tower-distilled-int8-seed1.rlm
SMART_HOME_HOUSEHOLD := 1003
SMART_HOME_COLUMNS := --user-column household --item-column action --timestamp-column timestamp \
  --context-column hour --context-column weekday --context-column room --title-column action_name \
  --feature-column device --context-baseline hour,room --habit-baseline hour
SMART_HOME_SMALL := --households 16 --days 21 --seed 1
# Small models and 60% of the default epochs: the debug toolkit trains all of them in 1.5 minutes.
# 8 sampled negatives for every model and no listwise term: the default home's two-tower takes 24
# negatives and a listwise term over the whole catalog, which cost the debug build minutes more.
SMART_HOME_SHAPES := --epoch-scale 0.6 --teacher-dim 8 --teacher-hidden 16 --student-dim 4 --student-hidden 8 \
  --tower-dim 6 --tower-hidden 16 --negatives 8 --listwise-weight 0
# Bounds of the issue for the default home; the small home must be within them too.
SMART_HOME_MAX_ARENA := 16384
SMART_HOME_MAX_FILE := 262144

.PHONY: smart-home smart-home-armv7

$(SMART_HOME_LOG): examples/smart-home/generate.py
	@mkdir -p $(@D)
	python3 $< --out $@ $(SMART_HOME_SMALL)

# Trained anew by every run (it depends on the phony `tool`): the test is the whole path.
$(SMART_HOME_MODEL): $(SMART_HOME_LOG) tool
	$(BIN)/reclite pipeline --interactions $< $(SMART_HOME_COLUMNS) --seeds 1 $(SMART_HOME_SHAPES) --quiet \
	  --out $(SMART_HOME_OUT) > $(SMART_HOME)/report.md
	python3 examples/smart-home/check_report.py $(SMART_HOME_OUT)/report.json

$(BIN)/hub: examples/smart-home/hub.c include/reclite.h $(LIB)/libreclite.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $< -L$(LIB) -lreclite -Wl,-rpath,$(abspath $(LIB)) -o $@

smart-home: $(BIN)/hub $(SMART_HOME_MODEL)
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  $(BIN)/hub $(SMART_HOME_MODEL) $(SMART_HOME_HOUSEHOLD) 0 > $(SMART_HOME)/hub.txt
	@cat $(SMART_HOME)/hub.txt
	python3 examples/smart-home/check_hub.py $(BIN)/reclite $(SMART_HOME_MODEL) $(SMART_HOME)/hub.txt $(SMART_HOME_LOG) \
	  --max-arena $(SMART_HOME_MAX_ARENA) --max-file $(SMART_HOME_MAX_FILE)
	$(BIN)/hub $(SMART_HOME_MODEL) $(SMART_HOME_HOUSEHOLD) 2000 > /dev/null
	@# A model without the context features: refused, naming the missing feature.
	@if $(BIN)/hub $(SMART_HOME_OUT)/two-tower-distilled-no-context-seed1.rlm $(SMART_HOME_HOUSEHOLD) 0 \
	  > /dev/null 2> $(SMART_HOME)/no-context.txt; then echo "hub accepted a model without context"; exit 1; fi
	grep -q 'no context feature "hour": RECLITE_E_INVALID_ARGUMENT' $(SMART_HOME)/no-context.txt && \
	  echo "hub refuses a model without context: $$(cat $(SMART_HOME)/no-context.txt)"
TEST_TARGETS += smart-home

SMART_HOME_ARM := $(CROSS)/$(CROSS_TRIPLE_armv7)
smart-home-armv7: smart-home test-cross-armv7
	$(MAKE) --no-print-directory $(SMART_HOME_ARM)/bin/hub $(call cross_vars,armv7)
	$(CROSS_QEMU_armv7) -L /usr/$(CROSS_TRIPLE_armv7) $(SMART_HOME_ARM)/bin/hub $(SMART_HOME_MODEL) \
	  $(SMART_HOME_HOUSEHOLD) 0 > $(SMART_HOME_ARM)/hub.txt
	diff -u $(SMART_HOME)/hub.txt $(SMART_HOME_ARM)/hub.txt && \
	  echo "$(CROSS_TRIPLE_armv7) under $(CROSS_QEMU_armv7): the hub's day equals the host's"
TEST_TARGETS += smart-home-armv7
