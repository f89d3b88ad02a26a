# Two entry points, both working on a fresh machine that reaches only the package index:
#   make demo   installs everything and runs the main job (cxml demo) on bundled synthetic data
#   make test   installs everything and runs the test suite (what .ci/run calls)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# torch first, pinned to the CPU build: a bare "torch" requirement pulls gigabytes of CUDA packages.
# Elsewhere: TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu" make demo
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=
# the suite runs in TEST_WORKERS pytest-xdist processes, one thread each (tests/conftest.py), whole files per worker
# (module fixtures train once); TEST_WORKERS=0 runs it in this process
TEST_WORKERS ?= 2

.PHONY: install demo test lint clean chromium

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e ".[dev,reports,dask,mlflow,onnx,serve,finetune]"
	touch $@

install: $(VENV)/.installed

demo: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/cxml demo --overwrite  # replaces models/demo (a cxml model, never other files)

# the widget's browser tests need a Chromium: Debian's package (CI runs as root); they skip without one
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "chromium not installed: the widget's browser tests will skip"

test: install chromium
	HF_HUB_OFFLINE=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
