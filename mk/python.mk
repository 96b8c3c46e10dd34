# Python binding (bindings/python), part of `make test`.
#
#   make python-test   the pytest suite, against the package installed (with its bundled
#                      libreclite.so) into a virtual environment under $(BUILD)/python
#   make wheel         the platform wheel, a portable libreclite.so inside: $(BUILD)/python/dist/reclite-*.whl
#
# Both build without network: pip uses the interpreter's setuptools and wheel
# (scripts/deps.d/python.sh installs them), and the venv borrows numpy and pytest
# from the interpreter's site-packages.

PYTHON ?= python3
PY_BUILD = $(BUILD)/python
PY_VENV = $(PY_BUILD)/venv
WHEEL_DIR = $(PY_BUILD)/dist
PY_LIBRARY = $(abspath $(LIB))/libreclite.so
# The real MovieLens student: the suite also runs on it when `make demo` has made it.
PY_DEMO_MODEL ?= $(DEMO_MODEL)

.PHONY: python-test wheel

$(PY_VENV)/bin/python:
	$(PYTHON) -m venv --without-pip --system-site-packages $(PY_VENV)

python-test: lib tool $(BUILD)/sample.rlm $(BIN)/recommend $(PY_VENV)/bin/python
	RECLITE_BUNDLE_LIBRARY=$(PY_LIBRARY) $(PY_VENV)/bin/python -m pip install --quiet --no-deps \
	  --no-build-isolation --force-reinstall ./bindings/python
	cd bindings/python && env -u RECLITE_LIBRARY -u PYTHONPATH \
	  RECLITE_BUNDLE_LIBRARY=$(PY_LIBRARY) \
	  RECLITE_HEADER=$(abspath include/reclite.h) \
	  RECLITE_CLI=$(abspath $(BIN))/reclite \
	  RECLITE_C_EXAMPLE=$(abspath $(BIN))/recommend \
	  RECLITE_SAMPLE_MODEL=$(abspath $(BUILD))/sample.rlm \
	  RECLITE_DEMO_MODEL=$(abspath $(PY_DEMO_MODEL)) \
	  $(abspath $(PY_VENV))/bin/python -m pytest -q -p no:cacheprovider tests

# The wheel carries the baseline x86-64 library (LIB_CPU=generic), so it runs on any x86-64
# CPU, not only on CPUs like the build machine's. It is built beside the host library, never over it.
PORTABLE_BUILD = $(BUILD)/portable
wheel:
	$(MAKE) --no-print-directory lib LIB_CPU=generic BUILD=$(PORTABLE_BUILD) LIB=$(PORTABLE_BUILD)/lib
	rm -rf $(WHEEL_DIR)
	RECLITE_BUNDLE_LIBRARY=$(abspath $(PORTABLE_BUILD))/lib/libreclite.so $(PYTHON) -m pip wheel --quiet --no-deps --no-build-isolation \
	  --wheel-dir $(WHEEL_DIR) ./bindings/python
	@ls -l $(WHEEL_DIR)/*.whl

TEST_TARGETS += python-test
