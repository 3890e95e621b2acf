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
	@touch $(STAMP)

setup: $(STAMP)

# Exit status 1 = some rule found something: the demo data plants findings on purpose, so
# that is the expected result here; 2 (a rule could not be evaluated) still fails.
# The demo signs its runs with a demo key made on first use (git-ignored, outside the
# archive) unless AUDITLIB_SIGNING_KEY names a real one, then checks the whole archive.
DEMO_KEY := audits/demo-signing.pem

demo: setup
	@test -n "$$AUDITLIB_SIGNING_KEY" -o -f $(DEMO_KEY) || $(BIN)/auditlib keygen $(DEMO_KEY)
	@AUDITLIB_SIGNING_KEY="$${AUDITLIB_SIGNING_KEY:-$(DEMO_KEY)}" \
	  $(BIN)/auditlib run --source demo --plan audits/monthly.toml; rc=$$?; \
	  if [ $$rc -eq 1 ]; then echo "demo: findings found as planted (exit 1 expected); open audits/runs/index.html"; \
	  elif [ $$rc -ne 0 ]; then exit $$rc; fi
	@out=$$($(BIN)/auditlib verify --archive audits/runs); rc=$$?; echo "$$out" | tail -n 3; exit $$rc

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python benchmarks/bench_snapshot.py --scale 1
	$(BIN)/python benchmarks/bench_rules.py --scale 1

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
