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

.PHONY: install demo test lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e ".[dev,reports,dask,mlflow,onnx]"
	touch $@

install: $(VENV)/.installed

demo: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/cxml demo

test: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
