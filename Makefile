# Two entry points on a fresh machine: `make app` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app test lint bench bench-full data calibrate clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --browser.gatherUsageStats false

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench.run --quick

bench-full: $(STAMP)
	$(BIN)/python -m bench.run --full

# Regenerate data/hk/calibration.csv: the default plan against observed figures (one solve).
calibrate: $(STAMP)
	$(BIN)/fleetplan calibrate

# Rebuild the derived Hong Kong tables from the HK Bus Crawling file (not committed).
# Optional: make data OSM=path/to/hong-kong.osm.pbf (or .osm, .osm.bz2) measures the road
# graph on a local OpenStreetMap extract instead (the committed tables are built without).
data: $(STAMP)
	$(BIN)/python data/build/hk.py --source ../shared/data/hk-bus/routeFareList.min.json --out data/hk $(if $(OSM),--osm "$(OSM)")

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
