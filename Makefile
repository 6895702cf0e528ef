# Promethium developer tasks. `make demo` and `make test` work on a fresh clone with
# only Python >= 3.10: they create .venv and install what is needed on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# On machines without an NVIDIA GPU, the CPU build of PyTorch is installed first so
# pip does not pull a multi-GB CUDA build: TORCH_CPU from the configured package
# sources if they have it without an index (a local wheel; its own dependencies then
# come from the package index with the project's), else from TORCH_INDEX, PyTorch's
# CPU wheel index.
TORCH_CPU   ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
HAS_GPU := $(shell command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && echo 1)
PLUGINS := $(wildcard plugins/*/pyproject.toml)
# Plugins are installed as real (non-editable) packages: reinstall when any file changes.
PLUGIN_FILES := $(shell git ls-files plugins 2>/dev/null || find plugins -type f -not -path '*/__pycache__/*')

.PHONY: setup demo test test-slow test-gpu lint typecheck docs bench clean

$(STAMP): pyproject.toml $(PLUGIN_FILES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
ifneq ($(HAS_GPU),1)
	$(BIN)/python -m pip install -q --no-index --no-deps "$(TORCH_CPU)" 2>/dev/null \
	  || $(BIN)/python -m pip install -q "$(TORCH_CPU)" --index-url $(TORCH_INDEX)
endif
	$(BIN)/python -m pip install -q -e ".[dev]"
	for p in $(dir $(PLUGINS)); do $(BIN)/python -m pip install -q --no-deps --force-reinstall "./$$p" || exit 1; done
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py --output out/demo.png

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not gpu"

test-slow: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q -n 2 -m "not gpu"

test-gpu: $(STAMP)
	$(BIN)/python -m pytest -q -m "gpu"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python benchmarks/io_throughput.py
	$(BIN)/python benchmarks/inference_overhead.py
	$(BIN)/python benchmarks/out_of_core.py

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
