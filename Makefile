# Two entry points on a fresh machine: `make app` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app test test-quick lint bench bench-full bench-spopt-env data calibrate clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --browser.gatherUsageStats false

# mypy reads the package as it is installed (fleetplan.optimiser, ...): a tree of links in
# build/typecheck/ gives it that layout (the source folders are top-level, see pyproject.toml).
TYPECHECK := build/typecheck

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/fleetplan
	$(foreach f,$(wildcard fleetplan/*.py),ln -s ../../../$(f) $(TYPECHECK)/fleetplan/;)
	$(foreach d,network optimiser cli views data,ln -s ../../../$(d) $(TYPECHECK)/fleetplan/$(d);)
	cd $(TYPECHECK) && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p fleetplan

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

# Everything but the solves of the Hong Kong default (tests marked slow).
test-quick: $(STAMP) lint
	$(BIN)/python -m pytest -q -m "not slow"

# The spopt comparison (bench/spopt_baseline.py) runs when .venv-spopt exists (make
# bench-spopt-env) and is skipped with one line when it does not.
bench: $(STAMP)
	$(BIN)/python -m bench.run --quick
	$(BIN)/python -m bench.spopt_baseline --write

bench-full: $(STAMP)
	$(BIN)/python -m bench.run --full

# PySAL spopt's FRLM for the baseline, in its own environment: spopt 0.8 needs Python >= 3.12
# (the project's .venv may be 3.11), solved with HiGHS through PuLP (highspy).
SPOPT_VENV := .venv-spopt
SPOPT_PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.1[23]*/bin/python3; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { echo $$p; break; }; done)

bench-spopt-env:
	@test -n "$(SPOPT_PYTHON)" || { echo "bench-spopt-env: spopt 0.8 needs Python >= 3.12; none found (set SPOPT_PYTHON=/path/to/python3.12)"; exit 1; }
	test -d $(SPOPT_VENV) || $(SPOPT_PYTHON) -m venv $(SPOPT_VENV)
	$(SPOPT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SPOPT_VENV)/bin/python -m pip install --quiet 'spopt==0.8.0' 'highspy>=1.11,<2'

# Regenerate data/hk/calibration.csv: the default plan against observed figures (one solve).
calibrate: $(STAMP)
	$(BIN)/fleetplan calibrate

# Rebuild the derived Hong Kong tables from the HK Bus Crawling file (not committed).
# Optional: make data OSM=path/to/hong-kong.osm.pbf (or .osm, .osm.bz2) measures the road
# graph on a local OpenStreetMap extract instead (the committed tables are built without).
data: $(STAMP)
	$(BIN)/python data/build/hk.py --source ../shared/data/hk-bus/routeFareList.min.json --out data/hk $(if $(OSM),--osm "$(OSM)")

clean:
	rm -rf $(VENV) $(SPOPT_VENV) .pytest_cache .ruff_cache
