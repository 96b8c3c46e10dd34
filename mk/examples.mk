# The three examples (examples/c, examples/python, examples/go) open the same model and must
# print the same top 10, titles and scores included, for the same users: one library, three
# languages. Runs after the Python and Go suites, which build the package and the Go example.

EXAMPLE_USERS := 7 1 123456 -3

.PHONY: examples-agree

examples-agree: go-test python-test
	@set -e; for model in $(BUILD)/sample.rlm $(wildcard $(DEMO_MODEL)); do \
	  for user in $(EXAMPLE_USERS); do \
	    c=$$($(BIN)/recommend $$model $$user 10); \
	    py=$$($(PY_VENV)/bin/python examples/python/recommend.py $$model $$user 10); \
	    go=$$($(BIN)/recommend-go $$model $$user 10); \
	    if [ "$$c" != "$$py" ] || [ "$$c" != "$$go" ]; then \
	      echo "the examples differ on $$model user $$user:"; \
	      diff <(echo "$$c") <(echo "$$py") || true; diff <(echo "$$c") <(echo "$$go") || true; exit 1; fi; \
	  done; \
	  echo "examples/c, examples/python and examples/go print the same top 10 ($$model, users $(EXAMPLE_USERS))"; \
	done

TEST_TARGETS += examples-agree
