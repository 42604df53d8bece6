"""Deviation flow refuelling: a hydrogen station off a truck's path serves it when it lies
within ``truck_h2_detour_km`` by road of a node the truck passes
(optimiser/inputs/corridors.py::stations_near_nodes). Worked by hand on small graphs."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from fleetplan.optimiser.inputs.corridors import stations_near_nodes
from fleetplan.optimiser.inputs.points import SnappedPoints


def _setup(access_km: float = 0.0) -> tuple[nx.Graph, pd.DataFrame, SnappedPoints]:
    """A highway P1 - P2 - P3 (10 km edges) and a spur P2 - X (2 km) to the station at X,
    which is 0.5 km from the spur's end (its access)."""
    graph = nx.Graph()
    graph.add_edge("P1", "P2", length_m=10_000.0)
    graph.add_edge("P2", "P3", length_m=10_000.0)
    graph.add_edge("P2", "X", length_m=2_000.0)
    sites = pd.DataFrame({"node_id": ["X"]}, index=["H1"])
    points = SnappedPoints(
        snaps=pd.DataFrame(), node_of={"site:H1": "X"}, access_km={"site:H1": access_km}
    )
    return graph, sites, points


def test_a_station_within_the_detour_serves_the_highway_node_it_hangs_off() -> None:
    graph, sites, points = _setup(access_km=0.5)
    near = stations_near_nodes(graph, sites, ["H1"], points, detour_km=3.0)
    # 2 km of spur + 0.5 km access = 2.5 km <= 3: P2 is served; P1 and P3 are 12 km away.
    assert near == {"X": {"H1": 0.5}, "P2": {"H1": pytest.approx(2.5)}}


def test_a_station_beyond_the_detour_serves_only_its_own_node() -> None:
    graph, sites, points = _setup(access_km=1.5)
    # 2 + 1.5 = 3.5 km > 3 km
    assert stations_near_nodes(graph, sites, ["H1"], points, detour_km=3.0) == {"X": {"H1": 1.5}}
    assert stations_near_nodes(graph, sites, ["H1"], points, detour_km=0.0) == {"X": {"H1": 1.5}}
