# gigawatt: `make demo` runs the main job on the default scenario; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test lint format docs clean solvers chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# The demo needs the package only, not the test tools (pytest, playwright, ruff, ...).
$(DEMO_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/gigawatt solve scenarios/default

# A second MIP solver (CBC, GLPK) for the pyomo:<name> backend tests; installed with apt-get where
# this user may, otherwise those tests skip and say why.
solvers:
	@command -v cbc >/dev/null && command -v glpsol >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    (apt-get update -qq && apt-get install -y -qq coinor-cbc glpk-utils) >/dev/null 2>&1; } || \
	  echo "note: CBC/GLPK not installed (needs root and apt-get); pyomo:cbc and pyomo:glpk tests will skip"

# Chromium for static chart export (kaleido) and the HTML report's browser test; installed with apt-get
# where this user may, otherwise those tests skip and say why.
chromium:
	@command -v chromium >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "note: Chromium not installed (needs root and apt-get); static export and browser tests will skip"

test: $(STAMP) solvers chromium
	$(BIN)/ruff check gigawatt tests benchmarks notebooks
	$(BIN)/ruff format --check gigawatt tests benchmarks notebooks
	$(BIN)/python -m pytest -q -n auto

lint: $(STAMP)
	$(BIN)/ruff check gigawatt tests benchmarks notebooks

format: $(STAMP)
	$(BIN)/ruff format gigawatt tests benchmarks notebooks
	$(BIN)/ruff check --fix gigawatt tests benchmarks notebooks

# The reference pages are generated (scenario format from the schema, the model from the families' docstrings, the
# command line from the Typer app), then the site is built into site/ with every warning an error.
docs: $(STAMP)
	$(BIN)/python -m gigawatt.scenario.docs > docs/scenario-format.md
	$(BIN)/python -m gigawatt.model.docs > docs/model.md
	$(BIN)/typer gigawatt.cli utils docs --name gigawatt --output docs/cli.md
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache .ruff_cache
