"""The synthetic-city generator and the direct-highspy FRLM baseline of ``bench``.

No timing assertions: these check that the benchmark inputs are what they
claim to be (deterministic, valid, connected) and that the highspy baseline
solves the same model as the Pyomo build.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from bench.frlm_baselines import _frlm_instance, highspy_frlm
from bench.synthetic import METRIC_CRS, synthetic_dataset, synthetic_tables, write_synthetic
from fleetplan.network.graph import build_graph
from fleetplan.network.loaders import load_dataset
from fleetplan.optimiser.frlm import (
    arc_cover_rows,
    build_frlm_model,
    merge_identical_flows,
    round_trip_paths,
)
from fleetplan.optimiser.solver import SolverOptions, solve

SMALL = {"nodes": 120, "sites": 20, "flows": 30, "years": 6, "depots": 3, "zones": 6}


def test_same_seed_same_tables_and_other_seed_differs() -> None:
    first = synthetic_tables(**SMALL, seed=3)
    second = synthetic_tables(**SMALL, seed=3)
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_dtype=True)
    other = synthetic_tables(**SMALL, seed=4)
    assert not other["edges"].equals(first["edges"])


def test_written_csvs_are_byte_identical_for_one_seed(tmp_path: Path) -> None:
    a = write_synthetic(tmp_path / "a", **SMALL, seed=5)
    b = write_synthetic(tmp_path / "b", **SMALL, seed=5)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_synthetic_city_loads_through_the_loaders_inside_hong_kong(tmp_path: Path) -> None:
    """hk_bounds stays on: the city is drawn inside the Hong Kong box."""
    folder = write_synthetic(tmp_path / "city", **SMALL, seed=1)
    data = load_dataset(folder, hk_bounds=True)
    assert len(data.truck_flows) == SMALL["flows"]
    assert len(data.candidate_sites) == SMALL["sites"]
    assert len(data.depots) == SMALL["depots"]
    assert len(data.taxi_zones) == SMALL["zones"]
    assert data.candidate_sites["can_depot_charging"].sum() == SMALL["depots"]
    # Same tables in memory as through the CSV files.
    memory = synthetic_dataset(**SMALL, seed=1)
    pd.testing.assert_frame_equal(
        pd.DataFrame(memory.truck_flows), pd.DataFrame(data.truck_flows), check_dtype=False
    )


@pytest.mark.parametrize("nodes", [16, 500, 2000])
def test_road_graph_is_connected_with_positive_lengths(nodes: int) -> None:
    tables = synthetic_tables(nodes=nodes, sites=10, flows=12, depots=2, zones=3, seed=nodes)
    graph = build_graph(
        tables["nodes"], tables["edges"], metric_crs=METRIC_CRS
    )  # raises if disconnected
    assert nx.is_connected(graph)
    assert graph.number_of_nodes() >= nodes
    assert (tables["edges"]["length_m"] > 0).all()


def test_flows_are_distinct_od_pairs_between_distinct_places() -> None:
    flows = synthetic_tables(nodes=200, sites=10, flows=300, depots=2, zones=3, seed=2)[
        "truck_flows"
    ]
    assert (flows["origin"] != flows["destination"]).all()
    assert not flows.duplicated(["origin", "destination"]).any()


def test_direct_highspy_frlm_has_the_pyomo_optimum() -> None:
    """Same arc-cover rows into Pyomo and into highspy: both solved to gap 0 agree."""
    graph, od, candidates = _frlm_instance(nodes=150, flows=60, candidates=40, seed=1)
    paths = round_trip_paths(graph, od, weight="length_m", km_per_unit=0.001)
    volumes = dict(zip(od["flow_id"], od["flow"], strict=True))
    rows = {f: arc_cover_rows(p, 40.0, candidates) for f, p in paths.items()}
    rows_by_group, group_volume, _ = merge_identical_flows(rows, volumes)
    assert rows_by_group, "the instance should have coverable flows"
    options = SolverOptions(time_limit_s=60, mip_rel_gap=0.0)

    model = build_frlm_model(rows_by_group, group_volume, candidates, 3)
    report = solve(model, options)
    h = highspy_frlm(rows_by_group, group_volume, candidates, 3)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    direct = h.getInfo().objective_function_value
    assert report.objective == pytest.approx(direct, rel=1e-9, abs=1e-6)
    assert direct > 0
