"""Calibration of the Hong Kong default against observed figures (data/hk/observed.csv).

One real HiGHS solve of the default scenario (the one `fleetplan calibrate` runs)
is shared by the tests. A data or model change that moves a calibration target
out of its observed range fails here; so does a committed data/hk/calibration.csv
that no longer matches the model (regenerate it with `make calibrate`).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from fleetplan.errors import InputError
from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
from fleetplan.optimiser.calibration import (
    CALIBRATION_FILE,
    COLUMNS,
    calibration_table,
    estimate_shares,
    out_of_range,
    read_calibration,
    read_observed,
)
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.scenario import Scenario
from tests.test_cli import run, write_scenario, write_tiny_dataset

#: A regenerated value may differ from the committed one by the solver's gap (0.1 %
#: of the objective can move a few vehicles between years) and by rounding.
RTOL = 0.02
ATOL = 1.0


@pytest.fixture(scope="module")
def regenerated() -> pd.DataFrame:
    scenario = Scenario()  # exactly what `fleetplan calibrate` solves
    dataset = load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    return calibration_table(
        plan(scenario, dataset, marginals=False, counterfactual=False), dataset
    )


@pytest.mark.slow  # solves the Hong Kong default
def test_every_checked_row_is_within_its_observed_range(regenerated) -> None:
    missed = out_of_range(regenerated)
    lines = [
        f"{r.observation_id}: model {r.model:,.1f} outside {r.low:,.1f}-{r.high:,.1f} {r.unit}"
        for r in missed.itertuples()
    ]
    assert missed.empty, "calibration targets out of range:\n" + "\n".join(lines)


@pytest.mark.slow  # solves the Hong Kong default
def test_committed_table_matches_the_regenerated_one(regenerated) -> None:
    committed = read_calibration(DEFAULT_DATASET / CALIBRATION_FILE)
    hint = "data/hk/calibration.csv is stale: run `make calibrate` and commit it"
    assert committed["observation_id"].tolist() == regenerated["observation_id"].tolist(), hint
    for column in ("checked", "within_range"):
        assert (
            committed[column].astype("boolean").tolist()
            == regenerated[column].astype("boolean").tolist()
        ), f"{column}: {hint}"
    for column in ("model", "observed", "low", "high"):
        old = committed[column].astype(float).to_numpy()
        new = regenerated[column].astype(float).to_numpy()
        differs = ~((pd.isna(old) & pd.isna(new)) | (abs(old - new) <= ATOL + RTOL * abs(new)))
        rows = committed.loc[differs, "observation_id"].tolist()
        assert not rows, f"{column} differs for {rows}: {hint}"


@pytest.mark.slow  # solves the Hong Kong default
def test_the_table_has_a_source_for_every_comparison(regenerated) -> None:
    assert list(regenerated.columns) == COLUMNS
    compared = regenerated[regenerated["quantity"] != "estimate_share"]
    assert compared["source"].str.len().gt(10).all()
    assert compared["status"].isin(["verified", "derived", "estimate"]).all()
    assert (compared["low"] <= compared["observed"]).all() and (
        compared["observed"] <= compared["high"]
    ).all()
    # targets that the model can be compared on are the ones the first test enforces
    assert regenerated["checked"].any()


def test_estimate_shares_count_every_input_table() -> None:
    shares = estimate_shares(DEFAULT_DATASET).set_index("file")
    assert (
        "parameters.csv" in shares.index
        and "observed.csv" not in shares.index
        and CALIBRATION_FILE not in shares.index
    )
    assert (shares["verified"] + shares["derived"] + shares["estimate"] == shares["rows"]).all()


def test_a_result_without_a_table_column_gives_an_empty_value_not_an_error() -> None:
    """The result tables change shape as the model grows: a missing column is reported, not fatal."""
    dataset = load_dataset()
    fleet = pd.DataFrame(
        {
            "segment_id": ["taxi_urban"],
            "vehicle_class": ["taxi"],
            "technology": ["bev"],
            "year": [2025],
            "vehicles": [1000.0],
        }
    )
    result = SimpleNamespace(
        fleet=fleet,
        emissions=pd.DataFrame({"vehicle_class": ["taxi"], "year": [2025]}),  # no ttw_t
        subsidy=pd.DataFrame(columns=["programme_id", "year", "vehicles", "subsidy_hkd"]),
        truck_coverage=pd.DataFrame(columns=["flow_id", "year", "one_way_km", "daily_round_trips"]),
    )
    table = calibration_table(result, dataset).set_index("observation_id")
    assert table.at["etaxi_2025", "model"] == 1000.0
    assert pd.isna(table.at["co2_taxi", "model"]) and "missing" in table.at["co2_taxi", "note"]
    assert not table.at["co2_taxi", "checked"]  # nothing to check without a model value
    assert pd.isna(table.at["etaxi_2023", "model"])  # before the model's first year


def test_an_observed_value_outside_its_own_range_is_refused(tmp_path) -> None:
    text = (DEFAULT_DATASET / "observed.csv").read_text(encoding="utf-8").splitlines()
    header, first = text[0], text[1].replace(",5,5,5,vehicles,", ",5,6,7,vehicles,")
    (tmp_path / "observed.csv").write_text(f"{header}\n{first}\n", encoding="utf-8")
    with pytest.raises(InputError, match="outside its range"):
        read_observed(tmp_path)


def test_calibrate_command_on_a_tiny_dataset(tmp_path) -> None:
    """Exit 2 naming observed.csv when the dataset has none; else the table as JSON and as a file."""
    folder = write_tiny_dataset(tmp_path / "tiny")
    scenario = write_scenario(tmp_path / "s.yaml", folder)
    missing = run("calibrate", "--scenario", scenario)
    assert missing.returncode == 2 and "observed.csv" in missing.stderr
    header = (DEFAULT_DATASET / "observed.csv").read_text(encoding="utf-8").splitlines()[0]
    row = "fleet,fleet_vehicles,bus,,,,2025,2025,1,0,1000000,vehicles,true,any fleet,made up for the test,estimate"
    (folder / "observed.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    done = run(
        "calibrate", "--scenario", scenario, "--json", "--out", tmp_path / "c.csv", check=True
    )
    payload = json.loads(done.stdout)
    assert payload["rows"][0]["observation_id"] == "fleet" and payload["out_of_range"] == []
    assert read_calibration(tmp_path / "c.csv")["observation_id"].iloc[0] == "fleet"
