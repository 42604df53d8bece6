"""Neighbour links and unmatched bus edges at their road length on a route-line network (#25).

The network is made of synthetic lines (EPSG:2326 metres) whose shortest paths are worked out
by hand; the build's use of the table is checked on three Hong Kong Island nodes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from fleetplan.data.build.hk import ATTRIBUTION, UNMEASURED_BUS_EDGE, _neighbour_links
from fleetplan.data.build.hk_road_check import line_network
from fleetplan.data.build.hk_road_circuity import (
    RoadTerrain,
    derive_link_lengths,
    read_link_lengths,
)

#: An L-shaped road from (0, 0) east 300 m, then north 400 m; a separate road 2 km away.
L_ROAD = np.array([[0.0, 0.0], [150.0, 0.0], [300.0, 0.0], [300.0, 200.0], [300.0, 400.0]])
APART = np.array([[2000.0, 0.0], [2000.0, 400.0]])


def _measure(xy: dict[str, tuple[float, float]], pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return derive_link_lengths({"fine": (xy, pairs)}, line_network([L_ROAD, APART]))


def test_a_link_measures_the_road_between_its_ends_not_the_straight_line() -> None:
    """A at the L's start, B at its end: straight 500 m, road 300 + 400 = 700 m."""
    table = _measure({"A": (0.0, 10.0), "B": (300.0, 410.0)}, [("A", "B")])
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["graph"], row["from_node"], row["to_node"]) == ("fine", "A", "B")
    assert row["straight_m"] == pytest.approx(500.0, abs=0.05)
    assert row["road_m"] == pytest.approx(700.0, abs=0.1)


def test_a_link_the_network_does_not_join_has_no_length_and_a_far_node_no_row() -> None:
    """B on the L, C on the other road (not joined): blank road_m; D 1 km off any line: no row."""
    xy = {"B": (300.0, 400.0), "C": (2000.0, 400.0), "D": (1000.0, 1400.0)}
    table = _measure(xy, [("B", "C"), ("B", "D")])
    assert list(zip(table["from_node"], table["to_node"], strict=True)) == [("B", "C")]
    assert math.isnan(table["road_m"].iloc[0])


def test_a_road_shorter_than_the_straight_line_between_the_nodes_is_floored() -> None:
    """Both nodes 100 m off the road toward each other's side: the junction path (300 m) is
    shorter than the nodes' straight line (316.2 m), which stands."""
    table = _measure({"A": (0.0, -100.0), "B": (300.0, 0.0)}, [("A", "B")])
    assert table["road_m"].iloc[0] == pytest.approx(math.ceil(math.hypot(300, 100) * 10) / 10)


def test_the_table_reads_back(tmp_path) -> None:
    table = _measure(
        {"A": (0.0, 10.0), "B": (300.0, 410.0), "C": (2000.0, 400.0)}, [("A", "B"), ("B", "C")]
    )
    table.to_csv(tmp_path / "links.csv", index=False)
    found = read_link_lengths(tmp_path / "links.csv")
    assert found["fine"][("A", "B")] == (
        pytest.approx(500.0, abs=0.05),
        pytest.approx(700.0, abs=0.1),
    )
    assert math.isnan(found["fine"][("B", "C")][1])
    assert read_link_lengths(tmp_path / "absent.csv") == {}


# --------------------------------------------------------------------------- the build uses it

_TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)
#: Three points in Wan Chai (Hong Kong Island), EPSG:2326, 400-600 m apart.
_XY = {"N0001": (836000.0, 815600.0), "N0002": (836500.0, 815600.0), "N0003": (836250.0, 816000.0)}


def _nodes() -> pd.DataFrame:
    rows = []
    for node, (x, y) in _XY.items():
        lon, lat = _TO_WGS.transform(x, y)
        rows.append(
            {
                "node_id": node,
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "name": node,
                "n_stops": 1,
            }
        )
    return pd.DataFrame(rows)


def _chord(a: str, b: str, nodes: pd.DataFrame) -> float:
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
    pos = {r.node_id: to_grid.transform(r.lon, r.lat) for r in nodes.itertuples(index=False)}
    return math.dist(pos[a], pos[b])


def _terrain() -> RoadTerrain:
    """Circuity 1.3 everywhere, every cell around the three nodes has roads."""
    circuity = pd.DataFrame([{"cell_x": -1, "cell_y": -1, "circuity": 1.3, "stop_pairs": 1}])
    cells = pd.DataFrame(
        [(x, y) for x in range(3340, 3352) for y in range(3260, 3268)], columns=["cell_x", "cell_y"]
    )
    return RoadTerrain(circuity, cells)


def test_the_build_takes_measured_lengths_drops_unjoined_links_and_estimates_the_rest() -> None:
    """Bus edge 1-2 unmatched (straight x 1.27) and measured at 800 m on the lines; link 1-3 at
    its road length 1,500 m; link 2-3 not joined by the lines: not made. Without the table the
    links take straight x 1.3 and the bus edge keeps straight x 1.27."""
    nodes = _nodes()
    chord = {
        p: _chord(*p, nodes) for p in (("N0001", "N0002"), ("N0001", "N0003"), ("N0002", "N0003"))
    }
    bus = pd.DataFrame(
        [
            {
                "from_node": "N0001",
                "to_node": "N0002",
                "length_m": round(1.27 * chord[("N0001", "N0002")], 1),
                "bus_trips_per_day": 10.0,
                "source": f"{ATTRIBUTION}; {UNMEASURED_BUS_EDGE} 1.27 (TD route lines, 2025, D); Wednesday trips",
                "status": "derived",
            }
        ]
    )
    measured = {
        ("N0001", "N0002"): (round(chord[("N0001", "N0002")], 1), 800.0),
        ("N0001", "N0003"): (round(chord[("N0001", "N0003")], 1), 1500.0),
        ("N0002", "N0003"): (round(chord[("N0002", "N0003")], 1), math.nan),
    }
    _, edges, _ = _neighbour_links(nodes, bus, None, _terrain(), {}, measured)
    got = {(r.from_node, r.to_node): r for r in edges.itertuples(index=False)}
    assert set(got) == {("N0001", "N0002"), ("N0001", "N0003")}
    assert got[("N0001", "N0002")].length_m == 800.0
    assert "hk_road_links.csv" in got[("N0001", "N0002")].source
    assert got[("N0001", "N0002")].bus_trips_per_day == 10.0
    assert got[("N0001", "N0003")].length_m == 1500.0
    assert "hk_road_links.csv" in got[("N0001", "N0003")].source

    _, plain, _ = _neighbour_links(nodes, bus, None, _terrain(), {}, None)
    lengths = {(r.from_node, r.to_node): r.length_m for r in plain.itertuples(index=False)}
    # no table: the bus edge keeps its length along the stops (1.27 x), the estimate is 1.3 x
    assert lengths[("N0001", "N0002")] == bus["length_m"].iloc[0]
    assert lengths[("N0002", "N0003")] == pytest.approx(1.3 * chord[("N0002", "N0003")], abs=0.1)


def test_a_measured_length_for_nodes_that_have_moved_is_not_used() -> None:
    """The table's straight line no longer matches the nodes (another route file): estimate."""
    nodes = _nodes()
    measured = {("N0001", "N0002"): (123.4, 800.0)}
    bus = pd.DataFrame(
        columns=["from_node", "to_node", "length_m", "bus_trips_per_day", "source", "status"]
    )
    _, edges, _ = _neighbour_links(nodes, bus, None, _terrain(), {}, measured)
    row = edges[(edges["from_node"] == "N0001") & (edges["to_node"] == "N0002")].iloc[0]
    assert row["length_m"] == pytest.approx(1.3 * _chord("N0001", "N0002", nodes), abs=0.1)
    assert "hk_road_links.csv" not in row["source"]


def test_a_bus_edge_is_the_road_between_its_nodes_or_the_estimate_where_a_node_is_off_the_lines() -> (
    None
):
    """Bus edges 1-2 and 1-3 measured along a route at 1.0 x their straight line (where the route
    passes the nodes). The table joins 1 and 2 at 900 m between their junctions: the edge takes
    it. Node 3 lies off every line (no row): its edge takes the estimate between the centres,
    1.3 x, the longer."""
    nodes = _nodes()
    chord = {p: _chord(*p, nodes) for p in (("N0001", "N0002"), ("N0001", "N0003"))}
    bus = pd.DataFrame(
        [
            {
                "from_node": a,
                "to_node": b,
                "length_m": round(chord[(a, b)], 1),
                "bus_trips_per_day": 10.0,
                "source": f"{ATTRIBUTION}; road length along TD route lines (hk_road_stop_pairs.csv, D); Wednesday trips",
                "status": "derived",
            }
            for a, b in chord
        ]
    )
    measured = {("N0001", "N0002"): (round(chord[("N0001", "N0002")], 1), 900.0)}
    _, edges, _ = _neighbour_links(nodes, bus, None, _terrain(), {}, measured)
    got = {(r.from_node, r.to_node): r for r in edges.itertuples(index=False)}
    assert got[("N0001", "N0002")].length_m == 900.0
    assert "bus edge at the road length between" in got[("N0001", "N0002")].source
    assert got[("N0001", "N0003")].length_m == pytest.approx(
        1.3 * chord[("N0001", "N0003")], abs=0.1
    )
    assert "passes within 150 m" in got[("N0001", "N0003")].source
