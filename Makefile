# visit-planner: the two commands of the README, and the developer checks.
# Every target creates .venv on first use with the machine's Python 3.11 and pip.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

export MLFLOW_DISABLE_TELEMETRY=true
export DO_NOT_TRACK=true
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
export STREAMLIT_SERVER_HEADLESS=true
export STREAMLIT_SERVER_ADDRESS=127.0.0.1

.PHONY: demo test check lint bench-generate clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $(STAMP)

## demo: install, then run the main job end to end on the embedded defaults
demo: $(STAMP)
	$(BIN)/visit-planner demo

## test: install, then run the whole test suite in two processes (pytest-xdist; a test
## module stays in one process, so its module fixtures are built once)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## check: lint, format check and type check
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench-generate: $(STAMP)
	$(BIN)/python bench/bench_generate.py --scale 1

clean:
	rm -rf $(VENV) workspace .pytest_cache .ruff_cache .mypy_cache
