"""Road lengths taken along TD's route lines: stop pairs, bus edges, the held-out split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fleetplan.data.build.hk_road_check import _project, in_half, route_id_of
from fleetplan.data.build.hk_road_circuity import derive_stop_pair_lengths
from fleetplan.data.build.hk_stop_graph import MEASURED_FLOOR, STOP_LINE_CIRCUITY, build_graph

#: A point in Kowloon (EPSG:2326): every synthetic stop below sits in one land region.
X0, Y0 = 836000.0, 819000.0


def _same(p: np.ndarray, q: np.ndarray) -> bool:
    return True


def test_a_stop_pair_is_the_route_line_between_its_stops() -> None:
    """An L-shaped line: stops 200 m before and after the corner are 400 m apart by road (283 m straight)."""
    line = np.array([[0.0, 0.0], [300.0, 0.0], [300.0, 400.0]])
    xy = np.array([[100.0, 5.0], [305.0, 200.0], [300.0, 390.0]])
    chain, offset = _project(line, xy)
    assert offset.max() <= 5.0 + 1e-9
    table = derive_stop_pair_lengths([(["a", "b", "c"], xy, chain)], _same)
    by_pair = {(r.from_stop, r.to_stop): r.road_m for r in table.itertuples(index=False)}
    assert by_pair[("a", "b")] == pytest.approx(200.0 + 200.0, abs=0.1)
    assert by_pair[("b", "c")] == pytest.approx(190.0, abs=0.1)
    # Never below the straight line (a stop beside the line projects a little back).
    back = derive_stop_pair_lengths(
        [(["p", "q"], np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([0.0, 8.0]))], _same
    )
    assert back["road_m"].iloc[0] == pytest.approx(10.0)


def test_a_pair_run_by_two_lines_takes_their_median_and_pairs_across_water_are_left_out() -> None:
    xy = np.array([[0.0, 0.0], [100.0, 0.0]])
    lines = [(["a", "b"], xy, np.array([0.0, d])) for d in (120.0, 150.0, 400.0)]
    table = derive_stop_pair_lengths(lines, _same)
    assert table[["road_m", "lines"]].to_numpy().tolist() == [[150.0, 3]]
    assert derive_stop_pair_lengths(lines, lambda p, q: False).empty


def _stops(points: dict[str, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stop_id": list(points),
            "name": list(points),
            "x": [X0 + p[0] for p in points.values()],
            "y": [Y0 + p[1] for p in points.values()],
            "group": list(points),
        }
    ).set_index("stop_id")


class _Variant:
    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = stops
        self.departures = (480, 540)


def test_a_bus_edge_takes_the_measured_road_length_between_its_nodes() -> None:
    """Three stops 1 km apart in a row, one node each: the edges are the stop pairs' road lengths.

    A-B is measured at 1,500 m (a hill road), B-C is not measured: straight x 1.27.
    """
    stops = _stops({"A": (0.0, 0.0), "B": (1000.0, 0.0), "C": (2000.0, 0.0)})
    variants = [_Variant(("A", "B", "C"))]
    nodes, edges, _ = build_graph(
        stops,
        variants,
        400.0,
        source="test",
        stop_pair_m={("A", "B"): 1500.0},
        stop_pair_source="test table",
    )
    length = {
        frozenset((r.from_node, r.to_node)): r.length_m for r in edges.itertuples(index=False)
    }
    ids = dict(zip(nodes["name"], nodes["node_id"], strict=True))
    assert length[frozenset((ids["A"], ids["B"]))] == pytest.approx(1500.0, abs=0.2)
    assert length[frozenset((ids["B"], ids["C"]))] == pytest.approx(
        1000.0 * STOP_LINE_CIRCUITY, abs=0.2
    )
    sources = edges.set_index(["from_node", "to_node"])["source"]
    assert "test table" in sources[tuple(sorted((ids["A"], ids["B"])))]
    # A measured road shorter than the straight line between the nodes is floored at it.
    _, edges, _ = build_graph(
        stops, variants, 400.0, source="test", stop_pair_m={("A", "B"): 900.0}
    )
    assert edges["length_m"].min() == pytest.approx(1000.0 * MEASURED_FLOOR, abs=0.2)


def test_a_node_between_stops_takes_its_share_of_their_road_length() -> None:
    """Stops A, B 1 km apart and C 3 km on; A+B one 1.5 km node at (500, 0), C its own node.

    The route passes the first node at its centre, half-way from A to B, so the edge to C is
    half of A-B's road (measured 1,200 m) plus B-C's (measured 2,400 m).
    """
    stops = _stops({"A": (0.0, 0.0), "B": (1000.0, 0.0), "C": (3000.0, 0.0)})
    _, edges, _ = build_graph(
        stops,
        [_Variant(("A", "B", "C"))],
        1500.0,
        source="test",
        stop_pair_m={("A", "B"): 1200.0, ("B", "C"): 2400.0},
    )
    assert edges["length_m"].tolist() == [pytest.approx(600.0 + 2400.0, abs=0.2)]


def test_the_held_out_split_keeps_a_route_s_directions_together_and_halves_the_routes() -> None:
    from pathlib import Path

    assert (
        route_id_of(Path("1000001-I.json")) == route_id_of(Path("1000001-O.json.gz")) == "1000001"
    )
    ids = [str(1000000 + i) for i in range(2000)]
    zero = sum(in_half(i, 0) for i in ids)
    assert all(in_half(i, 0) != in_half(i, 1) for i in ids)
    assert 900 < zero < 1100
