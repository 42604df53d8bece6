"""Road graph: building from tables, snapping sites, reach over roads (not straight lines)."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from pyproj import Transformer

from fleetplan.errors import InputError
from fleetplan.network.graph import build_graph, reach_pairs, shortest_path_km, snap_to_nodes

#: The test city lies in Hong Kong: its metric CRS is the Hong Kong 1980 Grid.
HK = "EPSG:2326"
GRID = Transformer.from_crs("EPSG:4326", HK, always_xy=True)

# A small network in the New Territories. D (a depot) and H (a hydrogen site) are
# about 1 km apart across water; the road between them runs north round the bay.
COORDS = {
    "D": (114.100, 22.350),
    "H": (114.110, 22.350),
    "N1": (114.100, 22.380),
    "N2": (114.110, 22.380),
    "W": (114.090, 22.350),
}


def grid_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight-line distance in EPSG:2326 metres, computed independently of network.graph."""
    ax, ay = GRID.transform(*a)
    bx, by = GRID.transform(*b)
    return math.hypot(bx - ax, by - ay)


def nodes_table(ids: list[str] | None = None) -> pd.DataFrame:
    ids = ids or list(COORDS)
    return pd.DataFrame(
        {
            "node_id": ids,
            "lon": [COORDS[i][0] for i in ids],
            "lat": [COORDS[i][1] for i in ids],
            "source": "test",
            "status": "estimate",
        }
    )


def edges_table(pairs: list[tuple[str, str]], trips: list[float] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "from_node": [a for a, _ in pairs],
            "to_node": [b for _, b in pairs],
            "length_m": [grid_m(COORDS[a], COORDS[b]) for a, b in pairs],
            "bus_trips_per_day": trips if trips is not None else [10.0] * len(pairs),
        }
    )


ROADS = [("D", "N1"), ("N1", "N2"), ("N2", "H"), ("W", "D")]


@pytest.fixture
def graph() -> nx.Graph:
    return build_graph(nodes_table(), edges_table(ROADS), metric_crs=HK)


def test_build_graph_attributes(graph: nx.Graph) -> None:
    assert set(graph.nodes) == set(COORDS)
    assert graph.number_of_edges() == 4
    x, y = GRID.transform(*COORDS["D"])
    node = graph.nodes["D"]
    assert node["lon"] == pytest.approx(114.100)
    assert node["lat"] == pytest.approx(22.350)
    assert node["x"] == pytest.approx(x, abs=1e-6)
    assert node["y"] == pytest.approx(y, abs=1e-6)
    assert graph.edges["N1", "N2"]["length_m"] == pytest.approx(grid_m(COORDS["N1"], COORDS["N2"]))
    assert graph.edges["N1", "N2"]["bus_trips_per_day"] == 10.0
    assert graph.graph["crs"] == "EPSG:2326"


def test_the_metric_crs_comes_from_the_caller_or_the_nodes_never_a_default() -> None:
    """Generic code assumes no city: without a CRS given or recorded on the nodes (as
    load_dataset records the city.yaml's), building is refused; a recorded one is used."""
    with pytest.raises(InputError, match="no metric CRS for the road nodes"):
        build_graph(nodes_table(), edges_table(ROADS))
    nodes = nodes_table()
    nodes.attrs["metric_crs"] = "EPSG:32650"  # UTM zone 50N also covers Hong Kong
    graph = build_graph(nodes, edges_table(ROADS))
    assert graph.graph["crs"] == "EPSG:32650"
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True).transform(*COORDS["D"])
    assert (graph.nodes["D"]["x"], graph.nodes["D"]["y"]) == (
        pytest.approx(x, abs=1e-6),
        pytest.approx(y, abs=1e-6),
    )
    # A graph that records no CRS cannot say where a point is.
    graph.graph.pop("crs")
    points = pd.DataFrame({"site_id": ["s"], "lon": [114.1], "lat": [22.35]})
    with pytest.raises(InputError, match="records no metric CRS"):
        snap_to_nodes(graph, points, id_column="site_id")


def test_parallel_edges_keep_shortest_length_and_sum_trips() -> None:
    edges = pd.DataFrame(
        {
            "from_node": ["D", "W", "D"],
            "to_node": ["W", "D", "W"],
            "length_m": [1500.0, 1100.0, 1300.0],
            "bus_trips_per_day": [5.0, 7.0, None],
        }
    )
    graph = build_graph(nodes_table(["D", "W"]), edges, metric_crs=HK)
    assert graph.edges["D", "W"]["length_m"] == 1100.0
    assert graph.edges["D", "W"]["bus_trips_per_day"] == 12.0


def test_build_graph_accepts_geodataframe_and_missing_trips_column() -> None:
    nodes = nodes_table()
    nodes = gpd.GeoDataFrame(
        nodes, geometry=gpd.points_from_xy(nodes["lon"], nodes["lat"]), crs="EPSG:4326"
    )
    edges = edges_table(ROADS).drop(columns="bus_trips_per_day")
    graph = build_graph(nodes, edges, metric_crs=HK)
    assert graph.edges["D", "N1"]["bus_trips_per_day"] == 0.0


def test_unknown_node_names_row_and_field() -> None:
    edges = edges_table(ROADS)
    edges.loc[2, "to_node"] = "NOPE"
    with pytest.raises(InputError) as info:
        build_graph(nodes_table(), edges, file="edges.csv", metric_crs=HK)
    error = info.value
    assert (error.file, error.row, error.field) == ("edges.csv", 3, "to_node")
    assert "NOPE" in str(error)
    assert "edges.csv, row 3, field 'to_node'" in str(error)


@pytest.mark.parametrize(
    ("row", "field", "value", "words"),
    [
        (1, "to_node", "D", "self-loop"),
        (0, "length_m", 0.0, "positive"),
        (3, "length_m", -12.0, "positive"),
        (2, "length_m", "far", "positive"),
        (1, "bus_trips_per_day", -1.0, "trip"),
    ],
)
def test_bad_edges(row: int, field: str, value: object, words: str) -> None:
    edges = edges_table(ROADS).astype({"length_m": object, "bus_trips_per_day": object})
    if field == "to_node":
        edges.loc[row, "from_node"] = value
    edges.loc[row, field] = value
    with pytest.raises(InputError, match=words) as info:
        build_graph(nodes_table(), edges, file="edges.csv", metric_crs=HK)
    assert info.value.row == row + 1
    assert info.value.field == field


def test_bad_nodes() -> None:
    nodes = nodes_table()
    nodes.loc[3, "node_id"] = "D"
    with pytest.raises(InputError, match="duplicate node id 'D'") as info:
        build_graph(nodes, edges_table(ROADS), metric_crs=HK)
    assert (info.value.row, info.value.field) == (4, "node_id")
    nodes = nodes_table()
    nodes.loc[1, "lat"] = None
    with pytest.raises(InputError) as info:
        build_graph(nodes, edges_table(ROADS), metric_crs=HK)
    assert (info.value.row, info.value.field) == (2, "lat")
    with pytest.raises(InputError, match="from_node"):
        build_graph(nodes_table(), edges_table(ROADS).drop(columns="from_node"), metric_crs=HK)


def test_disconnected_graph_names_components_and_nodes() -> None:
    # W is left without an edge, and N2-H form an island.
    edges = edges_table([("D", "N1"), ("N2", "H")])
    with pytest.raises(InputError) as info:
        build_graph(nodes_table(), edges, file="data/x", metric_crs=HK)
    message = str(info.value)
    assert "3 disconnected parts" in message
    for node in ("W", "N2", "H"):
        assert node in message
    graph = build_graph(nodes_table(), edges, require_connected=False, metric_crs=HK)
    assert nx.number_connected_components(graph) == 3
    assert shortest_path_km(graph, "D", "H") == math.inf


def test_snap_distances_match_hand_computation(graph: nx.Graph) -> None:
    points = pd.DataFrame(
        {
            "site_id": ["a", "b"],
            "lon": [114.1003, 114.1098],
            "lat": [22.3504, 22.3795],
        }
    )
    snapped = snap_to_nodes(graph, points, id_column="site_id")
    assert list(snapped.columns) == ["site_id", "node_id", "snap_m", "access_m"]
    assert snapped["node_id"].tolist() == ["D", "N2"]
    assert snapped.loc[0, "snap_m"] == pytest.approx(
        grid_m((114.1003, 22.3504), COORDS["D"]), abs=1e-6
    )
    assert snapped.loc[1, "snap_m"] == pytest.approx(
        grid_m((114.1098, 22.3795), COORDS["N2"]), abs=1e-6
    )
    # About 31 m east and 44 m north of D: sqrt(31^2 + 44^2) ~ 54 m.
    assert 45 < snapped.loc[0, "snap_m"] < 65


def test_snap_rejects_far_points(graph: nx.Graph) -> None:
    points = pd.DataFrame(
        {"site_id": ["ok", "sea"], "lon": [114.1003, 114.200], "lat": [22.3504, 22.300]}
    )
    with pytest.raises(InputError) as info:
        snap_to_nodes(graph, points, id_column="site_id", max_snap_m=500)
    message = str(info.value)
    expected = grid_m((114.200, 22.300), COORDS["H"])
    assert "'sea'" in message
    assert f"{expected:.0f} m" in message
    assert info.value.row == 2
    with pytest.raises(InputError, match="site_id"):
        snap_to_nodes(graph, points.drop(columns="site_id"), id_column="site_id")


def test_reach_over_roads_not_straight_line(graph: nx.Graph) -> None:
    straight_km = grid_m(COORDS["D"], COORDS["H"]) / 1000
    road_km = (
        grid_m(COORDS["D"], COORDS["N1"])
        + grid_m(COORDS["N1"], COORDS["N2"])
        + grid_m(COORDS["N2"], COORDS["H"])
    ) / 1000
    assert straight_km < 1.1 < 7.0 < road_km
    pairs = reach_pairs(graph, {"depot": "D"}, {"h2": "H", "north": "N1", "west": "W"}, max_km=5.0)
    assert list(pairs.columns) == ["source", "target", "distance_km"]
    # H is ~1 km away as the crow flies but ~7.7 km by road: out of reach.
    assert pairs["target"].tolist() == ["north", "west"]
    assert pairs.loc[0, "distance_km"] == pytest.approx(grid_m(COORDS["D"], COORDS["N1"]) / 1000)
    far = reach_pairs(graph, {"depot": "D"}, {"h2": "H"}, max_km=8.0)
    assert far["distance_km"].tolist() == pytest.approx([road_km])
    assert shortest_path_km(graph, "D", "H") == pytest.approx(road_km)


def test_reach_shared_nodes_sorted_and_symmetric(graph: nx.Graph) -> None:
    sources = {"d2": "D", "d1": "D", "w": "W"}
    targets = {"t": "N1"}
    pairs = reach_pairs(graph, sources, targets, max_km=10.0)
    assert list(zip(pairs["source"], pairs["target"], strict=True)) == [
        ("d1", "t"),
        ("d2", "t"),
        ("w", "t"),
    ]
    # Fewer target nodes than source nodes searches from the targets: same answer.
    swapped = reach_pairs(graph, targets, sources, max_km=10.0)
    assert sorted(swapped["distance_km"]) == pytest.approx(sorted(pairs["distance_km"]))
    # The limit is inclusive: exactly at max_km is in reach.
    exact = grid_m(COORDS["D"], COORDS["N1"]) / 1000
    assert len(reach_pairs(graph, {"d": "D"}, {"t": "N1"}, max_km=exact)) == 1
    assert len(reach_pairs(graph, {"d": "D"}, {"t": "N1"}, max_km=exact * 0.999)) == 0
    assert reach_pairs(graph, {"d": "D"}, {"same": "D"}, max_km=0.0)["distance_km"].tolist() == [
        0.0
    ]


def test_reach_bad_input(graph: nx.Graph) -> None:
    with pytest.raises(InputError, match="max_km"):
        reach_pairs(graph, {"d": "D"}, {"t": "H"}, max_km=-1)
    with pytest.raises(InputError, match="'ghost'"):
        reach_pairs(graph, {"d": "ghost"}, {"t": "H"}, max_km=1)
    with pytest.raises(InputError, match="not in the road graph"):
        shortest_path_km(graph, "D", "ghost")
    empty = reach_pairs(graph, {}, {"t": "H"}, max_km=1)
    assert empty.empty and list(empty.columns) == ["source", "target", "distance_km"]
