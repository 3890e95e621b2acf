# The README's two commands: `make demo` (set up + run the main job on generated demo
# data, embedded DuckDB, no server) and `make test` (set up + the whole test suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.auditlib-installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pdf]'
	@# Byte-compile everything once: a venv filled without bytecode (or a shell with
	@# PYTHONDONTWRITEBYTECODE=1) makes every notebook kernel and worker compile the
	@# whole Jupyter/pandas/Great Expectations stack again (benchmarks/bench_run.py).
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib src > /dev/null || true
	@touch $(STAMP)

setup: $(STAMP)

# Exit status 1 = some rule found something: the demo data plants findings on purpose, so
# that is the expected result here; 2 (a rule could not be evaluated) still fails.
demo: setup
	@$(BIN)/auditlib run --source demo --plan audits/monthly.toml; rc=$$?; \
	  if [ $$rc -eq 1 ]; then echo "demo: findings found as planted (exit 1 expected); open audits/runs/index.html"; \
	  elif [ $$rc -ne 0 ]; then exit $$rc; fi

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python benchmarks/bench_snapshot.py --scale 1
	$(BIN)/python benchmarks/bench_rules.py --scale 1
	$(BIN)/python benchmarks/bench_run.py --scales 1

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
