"""Graph paths follow the roads of a road extract: a hill they go round, water they cross by the tunnel.

Two synthetic OpenStreetMap extracts (written by the test; not real streets) in Kowloon's
coordinates, where every road is a straight street between grid junctions:

* **hill**: a 5 x 4 street grid (1 km blocks) with two junctions in the middle of the
  grid missing (a hill no road crosses), so the road between the stops on its two sides
  goes round it, twice the straight line;
* **tunnel**: two 3 x 3 street grids 2 km apart, joined only by a tunnel street between
  their north-east and north-west corners (nothing else crosses the water between them).

Each extract goes through the real builds: ``data/build/hk.py --osm`` (what ``make data
OSM=...`` runs: the bus-stop graph with neighbour links) and ``fleetplan city build --osm``
(a GTFS feed's stop graph). The independent method is networkx on the test's own street
network (straight streets measured in EPSG:2326 with pyproj): every graph distance between
two nodes must equal the road shortest path between their junctions, so a path never
cuts through the hill or across the water.
"""

from __future__ import annotations

import itertools
import json
import math
import zipfile
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from pyproj import Transformer
from typer.testing import CliRunner

from fleetplan.cli import app
from fleetplan.data.build.hk import main as build_main
from fleetplan.data.build.hk_stop_graph import region_of
from fleetplan.network.graph import build_graph
from fleetplan.network.road_distances import ROAD_EXTRACT, read_road_distances

_TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
#: A stop stands this far (degrees of longitude, ~30 m) east of its junction, as stops do.
STOP_OFFSET = 0.0003
#: Graph edges are rounded up to 0.1 m: a path of a few edges is at most this much longer.
ROUNDING_M = 0.5

Point = tuple[float, float]


def metres(a: Point, b: Point) -> float:
    """Straight distance between two WGS84 points in the Hong Kong 1980 Grid (metres)."""
    (xa, ya), (xb, yb) = _TO_GRID.transform(*a), _TO_GRID.transform(*b)
    return math.hypot(xb - xa, yb - ya)


class Streets:
    """A street network: junctions (WGS84) and straight streets between them, with OSM tags."""

    def __init__(self) -> None:
        self.junctions: dict[str, Point] = {}
        self.ways: list[tuple[list[str], dict[str, str]]] = []

    def grid(
        self,
        name: str,
        lons: list[float],
        lats: list[float],
        missing: set[tuple[int, int]] = frozenset(),
    ) -> None:
        """Junctions ``name c r`` at every (lon, lat), streets along rows and columns, none through ``missing``."""
        for c, lon in enumerate(lons):
            for r, lat in enumerate(lats):
                if (c, r) not in missing:
                    self.junctions[f"{name}{c}{r}"] = (lon, lat)
        lines = [[(c, r) for c in range(len(lons))] for r in range(len(lats))]
        lines += [[(c, r) for r in range(len(lats))] for c in range(len(lons))]
        for line in lines:
            run: list[str] = []
            for cell in [*line, None]:
                if cell is None or cell in missing:
                    if len(run) > 1:
                        self.ways.append((run, {"highway": "secondary"}))
                    run = []
                else:
                    run.append(f"{name}{cell[0]}{cell[1]}")

    def network(self) -> nx.Graph:
        """The streets as a networkx graph, each street at its straight length (the independent method)."""
        graph = nx.Graph()
        for refs, _ in self.ways:
            for a, b in itertools.pairwise(refs):
                graph.add_edge(a, b, length_m=metres(self.junctions[a], self.junctions[b]))
        return graph

    def write_osm(self, path: Path) -> Path:
        ids = {name: k + 1 for k, name in enumerate(self.junctions)}
        lines = [
            f'  <node id="{ids[n]}" lat="{lat:.6f}" lon="{lon:.6f}"/>'
            for n, (lon, lat) in self.junctions.items()
        ]
        for k, (refs, tags) in enumerate(self.ways):
            nds = "".join(f'<nd ref="{ids[n]}"/>' for n in refs)
            tag_xml = "".join(f'<tag k="{key}" v="{value}"/>' for key, value in tags.items())
            lines.append(f'  <way id="{1000 + k}">{nds}{tag_xml}</way>')
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="fleetplan-test">\n'
            + "\n".join(lines)
            + "\n</osm>\n",
            encoding="utf-8",
        )
        return path


def hill() -> tuple[Streets, dict[str, str]]:
    """5 x 4 grid, junctions (2, 1) and (2, 2) missing: the hill. Stops (junction) W, E either side; N1, N2 north."""
    streets = Streets()
    streets.grid(
        "h",
        [114.15 + 0.01 * c for c in range(5)],
        [22.32 + 0.01 * r for r in range(4)],
        missing={(2, 1), (2, 2)},
    )
    return streets, {"W": "h11", "E": "h31", "N1": "h13", "N2": "h33"}


def tunnel() -> tuple[Streets, dict[str, str]]:
    """Two 3 x 3 grids 2 km apart joined only by a tunnel from the west grid's (2, 2) to the east grid's (0, 2)."""
    streets = Streets()
    lats = [22.33, 22.34, 22.35]
    streets.grid("w", [114.14, 114.15, 114.16], lats)
    streets.grid("e", [114.18, 114.19, 114.20], lats)
    streets.ways.append((["w22", "e02"], {"highway": "primary", "tunnel": "yes", "layer": "-1"}))
    return streets, {"W1": "w10", "Wt": "w22", "Et": "e02", "E1": "e10"}


#: extract -> (streets, stops at junctions), and the stop order of its one bus route.
EXTRACTS = {"hill": (hill, ["W", "N1", "N2", "E"]), "tunnel": (tunnel, ["W1", "Wt", "Et", "E1"])}


def stop_points(streets: Streets, stops: dict[str, str]) -> dict[str, Point]:
    return {
        s: (streets.junctions[j][0] + STOP_OFFSET, streets.junctions[j][1])
        for s, j in stops.items()
    }


def write_route_file(folder: Path, points: dict[str, Point], order: list[str]) -> Path:
    """A one-route HK Bus Crawling file and a one-depot depots.csv, as ``make data`` reads them."""
    route = {
        "co": ["kmb"], "route": "1", "bound": {"kmb": "O"}, "serviceType": "1",
        "orig": {"en": order[0]}, "dest": {"en": order[-1]}, "stops": {"kmb": order},
        "freq": {"31": {"0700": ["0900", "600"]}}, "jt": 30,
    }  # fmt: skip
    data = {
        "routeList": {f"1+1+{order[0]}+{order[-1]}": route},
        "stopList": {
            s: {"location": {"lng": lon, "lat": lat}, "name": {"en": s}}
            for s, (lon, lat) in points.items()
        },
        "stopMap": {},
    }
    source = folder / "routeFareList.min.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    lon, lat = points[order[0]]
    pd.DataFrame(
        [
            {
                "depot_id": "KMB-X",
                "operator": "kmb",
                "name": "Test depot",
                "lon": lon,
                "lat": lat,
                "buses_allocated": 4,
            }
        ]
    ).to_csv(folder / "depots.csv", index=False)
    return source


def write_feed(path: Path, points: dict[str, Point], order: list[str]) -> Path:
    """A GTFS feed with one route along ``order``, hourly each way on weekdays."""
    trips, times = (
        ["route_id,service_id,trip_id,direction_id,block_id"],
        ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    )
    for hour in range(6, 21):
        for direction, sequence in enumerate((order, order[::-1])):
            trip = f"R-{hour:02d}-{direction}"
            trips.append(f"R,WK,{trip},{direction},R-B{hour % 2 + 1}")
            times += [
                f"{trip},{hour:02d}:{30 * direction + 5 * k:02d}:00,{hour:02d}:{30 * direction + 5 * k:02d}:00,{s},{k + 1}"
                for k, s in enumerate(sequence)
            ]
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nTB,Test Buses,https://example.org,Asia/Hong_Kong\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(f"{s},Stop {s},{lat},{lon}\n" for s, (lon, lat) in points.items()),
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR,TB,1,3\n",
        "trips.txt": "\n".join(trips) + "\n",
        "stop_times.txt": "\n".join(times) + "\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20250101,20251231\n",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def build_with_make_data(tmp: Path, name: str) -> Path:
    """``data/build/hk.py --source ... --out ... --osm ...``: the command ``make data OSM=...`` runs."""
    make, order = EXTRACTS[name]
    streets, stops = make()
    out = tmp / f"{name}-hk"
    out.mkdir()
    source = write_route_file(out, stop_points(streets, stops), order)
    osm = streets.write_osm(tmp / f"{name}.osm")
    assert build_main(["--source", str(source), "--out", str(out), "--osm", str(osm)]) == 0
    return out


def build_with_city_build(tmp: Path, name: str) -> Path:
    """``fleetplan city build --gtfs ... --osm ...`` on the extract and a one-route feed."""
    make, order = EXTRACTS[name]
    streets, stops = make()
    feed = write_feed(tmp / f"{name}-gtfs.zip", stop_points(streets, stops), order)
    osm = streets.write_osm(tmp / f"{name}-city.osm")
    out = tmp / f"{name}-city"
    result = CliRunner().invoke(
        app,
        [
            "city",
            "build",
            "--gtfs",
            str(feed),
            "--osm",
            str(osm),
            "--name",
            f"Test {name}",
            "--crs",
            "EPSG:2326",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


BUILDS = {
    "make data OSM=": build_with_make_data,
    "fleetplan city build --osm": build_with_city_build,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """``built(build, extract)``: the folder that build makes of that extract (made once per module)."""
    cache: dict[tuple[str, str], Path] = {}

    def get(build: str, name: str) -> Path:
        if (build, name) not in cache:
            cache[build, name] = BUILDS[build](tmp_path_factory.mktemp("roads"), name)
        return cache[build, name]

    return get


def graph_and_roads(
    folder: Path, name: str
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]], dict[str, str]]:
    """Graph distances between the stop nodes, road distances between their junctions, and node -> junction."""
    streets, stops = EXTRACTS[name][0]()
    nodes, edges = pd.read_csv(folder / "nodes.csv"), pd.read_csv(folder / "edges.csv")
    # Both builds measure in the Hong Kong 1980 Grid: make data builds Hong Kong, city build is given --crs EPSG:2326.
    graph = build_graph(nodes, edges, metric_crs="EPSG:2326")
    where = {
        n: (lon, lat)
        for n, lon, lat in zip(nodes["node_id"], nodes["lon"], nodes["lat"], strict=True)
    }
    # Every stop node sits on its stop's junction (moved there from 30 m off).
    junction = {
        n: min(streets.junctions, key=lambda j, p=p: metres(streets.junctions[j], p))
        for n, p in where.items()
    }
    assert sorted(junction.values()) == sorted(stops.values())
    assert all(metres(where[n], streets.junctions[j]) < 1.0 for n, j in junction.items())
    roads = streets.network()
    graph_m = {
        a: nx.single_source_dijkstra_path_length(graph, a, weight="length_m") for a in graph.nodes
    }
    road_m = {
        j: nx.single_source_dijkstra_path_length(roads, j, weight="length_m")
        for j in junction.values()
    }
    return graph_m, road_m, junction


def test_the_extracts_lie_in_one_land_region() -> None:
    """The stops are all on Kowloon's side, so no harbour crossing takes part: only the extract's roads."""
    for make, _ in EXTRACTS.values():
        streets, _ = make()
        assert {region_of(*p) for p in streets.junctions.values()} == {"mainland"}


@pytest.mark.parametrize("name", EXTRACTS)
@pytest.mark.parametrize("build", BUILDS)
def test_graph_paths_are_road_paths(
    built: Callable[[str, str], Path], build: str, name: str
) -> None:
    """Between every two nodes the graph distance is the road shortest path on the extract."""
    folder = built(build, name)
    graph_m, road_m, junction = graph_and_roads(folder, name)
    for a, b in itertools.combinations(sorted(junction), 2):
        road = road_m[junction[a]][junction[b]]
        assert graph_m[a][b] == pytest.approx(road, abs=ROUNDING_M), f"{name}: {a}-{b}"


@pytest.mark.parametrize("build", BUILDS)
def test_the_hill_forces_the_detour(built: Callable[[str, str], Path], build: str) -> None:
    """W to E: the graph goes round the hill by the shorter (southern) road, twice the straight line."""
    name = "hill"
    folder = built(build, name)
    streets, stops = hill()
    graph_m, road_m, junction = graph_and_roads(folder, name)
    node = {j: n for n, j in junction.items()}
    w, e = node[stops["W"]], node[stops["E"]]
    straight = metres(streets.junctions[stops["W"]], streets.junctions[stops["E"]])
    # Round the hill by the southern street: down a block, across two, up a block.
    south = sum(
        metres(streets.junctions[a], streets.junctions[b])
        for a, b in itertools.pairwise(["h11", "h10", "h20", "h30", "h31"])
    )
    assert road_m[stops["W"]][stops["E"]] == pytest.approx(south)
    assert graph_m[w][e] == pytest.approx(south, abs=ROUNDING_M)
    assert graph_m[w][e] > 2.0 * straight


@pytest.mark.parametrize("build", BUILDS)
def test_the_water_is_crossed_by_the_tunnel_only(
    built: Callable[[str, str], Path], build: str
) -> None:
    """West to east the graph distance is never below straight to the portal + tunnel + straight from it."""
    name = "tunnel"
    folder = built(build, name)
    streets, _ = tunnel()
    roads = streets.network()
    roads.remove_edge("w22", "e02")
    assert not nx.has_path(roads, "w00", "e00")  # the tunnel is the only link
    graph_m, _, junction = graph_and_roads(folder, name)
    portal_w, portal_e = streets.junctions["w22"], streets.junctions["e02"]
    tunnel_m = metres(portal_w, portal_e)
    west = [n for n, j in junction.items() if j.startswith("w")]
    east = [n for n, j in junction.items() if j.startswith("e")]
    assert west and east
    for a in west:
        for b in east:
            bound = (
                metres(streets.junctions[junction[a]], portal_w)
                + tunnel_m
                + metres(portal_e, streets.junctions[junction[b]])
            )
            straight = metres(streets.junctions[junction[a]], streets.junctions[junction[b]])
            assert graph_m[a][b] >= bound - ROUNDING_M, f"{a}-{b} shorter than through the tunnel"
            if junction[a] != "w22" or junction[b] != "e02":
                assert graph_m[a][b] > straight + 1000.0, f"{a}-{b} across the water"


@pytest.mark.parametrize("build", BUILDS)
def test_the_basis_is_the_road_extract(built: Callable[[str, str], Path], build: str) -> None:
    """The built folder says its distances are road-extract lengths, error not measured."""
    folder = built(build, "hill")
    table = read_road_distances(folder)
    assert table is not None
    assert set(table["basis"]) == {ROAD_EXTRACT}
    assert table["within_15pct"].isna().all()
    assert table["source"].str.contains(".osm").all()
