"""Property-based tests (hypothesis) on the loaders and on invariants of the models.

- ``validate_table`` / ``read_csv_table``: whatever a spreadsheet holds, the
  only error is :class:`InputError`, and an accepted table meets its bounds.
- Fleet model (tiny dataset, most abatement): the subsidy paid never exceeds
  the budget, and a larger budget never abates fewer tonnes.
- FRLM: every flow reported refuelled is refuelled by the returned stations
  under the brute-force rule :func:`fleetplan.optimiser.frlm.is_refuelled`.

Real HiGHS solves throughout; example counts are small to keep the file short.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fleetplan.errors import InputError
from fleetplan.network.loaders import read_csv_table
from fleetplan.network.schema import HK_BOUNDS, STATUSES, TABLES, validate_table
from fleetplan.optimiser.frlm import is_refuelled, round_trip_paths, solve_frlm
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.solver import SolverOptions
from tests.tiny import ebus_programme, tiny_dataset

# --------------------------------------------------------------------------- loaders

#: Cells a spreadsheet may hold: good values, near misses, junk.
_NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=113.5, max_value=114.6).map(str),
    st.floats(min_value=22.0, max_value=22.7).map(str),
    st.integers(-5, 50).map(str),
    st.sampled_from(
        ["", " ", "nan", "NA", "inf", "-inf", "1e400", "1,5", "114.1°", "二十二", "true"]
    ),
    st.text(max_size=6),
)
_TEXTISH = st.one_of(st.sampled_from(["N1", "N2", "N3", " N1 ", "", "nan"]), st.text(max_size=5))


@st.composite
def node_frames(draw: st.DrawFn) -> pd.DataFrame:
    """A nodes table as a CSV gives it: text cells, sometimes a column missing or extra."""
    n = draw(st.integers(0, 6))
    columns = {
        "node_id": [draw(_TEXTISH) for _ in range(n)],
        "lon": [draw(_NUMBERISH) for _ in range(n)],
        "lat": [draw(_NUMBERISH) for _ in range(n)],
        "n_stops": [draw(_NUMBERISH) for _ in range(n)],
        "source": [draw(_TEXTISH) for _ in range(n)],
        "status": [draw(st.sampled_from([*STATUSES, "Verified", "", "guess"])) for _ in range(n)],
    }
    dropped = draw(st.sets(st.sampled_from(list(columns)), max_size=1))
    frame = pd.DataFrame({k: v for k, v in columns.items() if k not in dropped}, dtype=object)
    if draw(st.booleans()):
        frame["note"] = "extra column"
    return frame


@settings(max_examples=150, deadline=None)
@given(node_frames())
def test_validate_table_raises_only_input_error_and_accepted_rows_meet_the_bounds(
    frame: pd.DataFrame,
) -> None:
    try:
        out = validate_table(frame, TABLES["nodes"], file="nodes.csv")
    except InputError as error:
        assert error.file == "nodes.csv"
        assert str(error)
        return
    lon_min, lat_min, lon_max, lat_max = HK_BOUNDS
    assert len(out) == len(frame) > 0
    assert out["lon"].between(lon_min, lon_max).all()
    assert out["lat"].between(lat_min, lat_max).all()
    assert np.isfinite(out[["lon", "lat"]].to_numpy(dtype=float)).all()
    assert out["node_id"].is_unique
    assert out["node_id"].map(lambda v: isinstance(v, str) and v.strip() == v and v != "").all()
    assert out["status"].isin(STATUSES).all()
    stops = out["n_stops"].dropna()
    assert (stops >= 1).all()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8"))))
def test_read_csv_table_on_arbitrary_bytes_raises_only_input_error(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "nodes.csv"
    path.write_bytes(
        b"node_id,lon,lat,name,n_stops,source,status\n" + data if data[:1] == b"N" else data
    )
    try:
        out = read_csv_table(path, TABLES["nodes"])
    except InputError as error:
        assert "nodes.csv" in str(error)
        return
    lon_min, lat_min, lon_max, lat_max = HK_BOUNDS
    assert out["lon"].between(lon_min, lon_max).all() and out["lat"].between(lat_min, lat_max).all()


# --------------------------------------------------------------------------- fleet model invariants


def subsidy_dataset(bev_price: float, diesel_price: float) -> Any:
    """Tiny dataset whose e-bus programme pays min(HK$5m, 50 % of price) per bus, 2025-2027.

    At HK$12m and diesel HK$10/L the operator's cost gap is HK$4.501m, so the
    payment closes it (tests/test_cli.py); the ranges drawn below keep it closed
    or leave it open, and the invariants must hold either way.
    """
    return tiny_dataset(
        parameters={
            ("vehicle_price_hkd", "bus_double", "bev"): bev_price,
            ("diesel_price_hkd_per_l", "-", "-"): diesel_price,
        },
        programmes=[ebus_programme(programme_cap_hkd=1e9)],
    )


def solve_budget(data: Any, budget: float) -> dict[str, Any]:
    scenario = Scenario.model_validate(
        {
            "name": "property",
            "years": {"start": 2025, "end": 2027},
            "objective": "max_abatement",
            "max_abatement": {"infrastructure": "budget"},
            "budget": {"total_hkd": budget},
            "technologies": {"bus": ["bev"], "taxi": ["bev"], "truck": ["fcev"]},
            "solver": {"mip_rel_gap": 1e-9, "mip_abs_gap": 0.0},
        }
    )
    summary = plan(scenario, data, marginals=False).summary()
    assert summary["status"] == "optimal", summary["status"]
    return summary


@settings(max_examples=6, deadline=None)
@given(
    bev_price=st.floats(9_000_000, 12_500_000),
    diesel_price=st.floats(8.0, 14.0),
    budgets=st.tuples(st.floats(0, 60e6), st.floats(0, 60e6)).map(sorted),
)
def test_budget_is_never_exceeded_and_more_budget_never_abates_less(
    bev_price: float, diesel_price: float, budgets: list[float]
) -> None:
    data = subsidy_dataset(bev_price, diesel_price)
    small, large = budgets
    low = solve_budget(data, small)
    high = solve_budget(data, large)
    for summary, budget in ((low, small), (high, large)):
        # summary() rounds to whole HK$ (a HK$22.58 budget shows HK$23 spent): allow that half dollar.
        assert summary["subsidy_hkd_total"] <= budget * (1 + 1e-6) + 0.5
    assert high["co2_abated_t"] >= low["co2_abated_t"] * (1 - 1e-6) - 1e-6


def test_the_subsidy_property_is_not_vacuous() -> None:
    """At HK$12m a battery bus's gap is closed: HK$20m buys 4 buses, so budget changes abatement."""
    data = subsidy_dataset(12_000_000, 10.0)
    none, some = solve_budget(data, 0.0), solve_budget(data, 20e6)
    assert some["subsidy_hkd_total"] == pytest.approx(20e6)
    assert some["co2_abated_t"] > none["co2_abated_t"] + 1.0


# --------------------------------------------------------------------------- FRLM


@st.composite
def frlm_instances(draw: st.DrawFn) -> tuple[nx.Graph, pd.DataFrame, float, int]:
    """A connected graph (a random tree plus chords), a few flows, a range and p."""
    n = draw(st.integers(3, 8))
    graph = nx.Graph()
    graph.add_nodes_from(str(i) for i in range(n))
    for child in range(1, n):
        parent = draw(st.integers(0, child - 1))
        graph.add_edge(str(parent), str(child), length=float(draw(st.integers(1, 12))))
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b and not graph.has_edge(str(a), str(b)):
            graph.add_edge(str(a), str(b), length=float(draw(st.integers(1, 12))))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    flows = pd.DataFrame(
        {
            "flow_id": range(1, len(pairs) + 1),
            "origin": [str(a) for a, _ in pairs],
            "destination": [str(b) for _, b in pairs],
            "flow": [float(draw(st.integers(0, 20))) for _ in pairs],
        }
    )
    range_km = float(draw(st.integers(4, 40)))
    stations = draw(st.integers(0, min(3, n)))
    return graph, flows, range_km, stations


def _triangle() -> tuple[nx.Graph, pd.DataFrame, float, int]:
    """Flows not grouped by origin: flow 3 (2 -> 1, volume 1) is the only one with volume."""
    graph = nx.Graph()
    graph.add_edges_from([("0", "1"), ("0", "2"), ("1", "2")], length=1.0)
    flows = pd.DataFrame(
        {
            "flow_id": [1, 2, 3],
            "origin": ["2", "0", "2"],
            "destination": ["0", "1", "1"],
            "flow": [0.0, 0.0, 1.0],
        }
    )
    return graph, flows, 4.0, 1


# This test found a real bug (since fixed in optimiser/frlm/solve.py, flow_volumes): volumes were
# zipped with the flows in the order of round_trip_paths (grouped by origin), not by
# flow_id, so flows got each other's volumes. The triangle example pins that case.
@example(_triangle())
@settings(max_examples=25, deadline=None)
@given(frlm_instances())
def test_every_reported_refuelled_flow_is_refuelled_by_the_stations(
    instance: tuple[nx.Graph, pd.DataFrame, float, int],
) -> None:
    graph, flows, range_km, stations = instance
    result = solve_frlm(
        graph,
        flows,
        range_km=range_km,
        stations=stations,
        options=SolverOptions(time_limit_s=30, mip_rel_gap=1e-9),
    )
    assert result.has_solution
    assert len(result.stations) <= stations
    paths = round_trip_paths(graph, flows)
    for flow_id in result.refuelled_flows:
        path = paths[flow_id]
        assert is_refuelled(path.nodes, path.cum_km, result.stations, range_km), (
            flow_id,
            path,
            result.stations,
        )
    volume = flows.set_index("flow_id")["flow"]
    assert math.isclose(
        result.flow_refuelled or 0.0,
        float(volume.loc[list(result.refuelled_flows)].sum()),
        abs_tol=1e-6,
    )
