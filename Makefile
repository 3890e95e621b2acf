# The README's two commands: `make demo` (set up + run the main job on generated demo
# data, embedded DuckDB, no server) and `make test` (set up + the whole test suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.auditlib-installed

.PHONY: setup system-packages demo test test-fast lint regen bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pdf,spark]'
	@# Byte-compile everything once: a venv filled without bytecode (or a shell with
	@# PYTHONDONTWRITEBYTECODE=1) makes every notebook kernel and worker compile the
	@# whole Jupyter/pandas/Great Expectations stack again (benchmarks/bench_run.py).
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib src > /dev/null || true
	@touch $(STAMP)

# System packages some tests drive: Debian's chromium (the findings view in a real headless
# browser), poppler-utils (pdftotext reads the sign-off PDF) and a Java runtime (the Spark
# engine, auditlib[spark], and its parity tests). Installed with apt-get when missing and
# possible (root or password-less sudo); otherwise those tests skip and say why.
SYSTEM_TOOLS := chromium:chromium pdftotext:poppler-utils java:default-jre-headless
# Files (not commands) some tests need, as path:package: the PostgreSQL JDBC driver jar that
# the Spark engine reads a live database with (auditlib.engines.spark.jdbc).
SYSTEM_FILES := /usr/share/java/postgresql.jar:libpostgresql-jdbc-java

system-packages:
	@missing=""; for t in $(SYSTEM_TOOLS); do cmd=$${t%%:*}; pkg=$${t##*:}; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	for t in $(SYSTEM_FILES); do f=$${t%%:*}; pkg=$${t##*:}; \
	  test -f $$f || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "setup: apt-get install$$missing"; \
	    ( $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing ) >/dev/null \
	      || echo "setup: could not install$$missing; the tests that need them will skip"; \
	  else echo "setup: cannot install$$missing (no root/apt-get); the tests that need them will skip"; fi; \
	fi

setup: $(STAMP) system-packages

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

# The quick loop: everything but full notebook runs, throwaway PostgreSQL clusters and Spark.
test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not postgres and not spark"

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

# Every generated file, from its source of truth (tests fail when one is stale).
regen: setup
	$(BIN)/python -m auditlib.regen
	git status --short expectations docs

bench: setup
	$(BIN)/python benchmarks/bench_snapshot.py --scale 1
	$(BIN)/python benchmarks/bench_rules.py --scale 1
	$(BIN)/python benchmarks/bench_run.py --scales 1

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
