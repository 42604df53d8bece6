"""OSM and GTFS importers on small files the tests write themselves (no downloads)."""

from __future__ import annotations

import itertools
import logging
import math
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

import fleetplan.network.importers.gtfs as gtfs
import fleetplan.network.importers.osm as osm
from fleetplan.errors import InputError
from fleetplan.network.graph import build_graph, reach_pairs
from fleetplan.network.importers.gtfs import (
    assign_depots,
    blocks_from_gtfs,
    graph_tables_from_gtfs,
    route_summary,
)
from fleetplan.network.importers.osm import import_osm

#: The test feeds lie in Hong Kong: lengths in its grid (the importers take the city's CRS).
HK = "EPSG:2326"

GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)


def grid_m(*points: tuple[float, float]) -> float:
    """Length in EPSG:2326 metres of the polyline through ``points`` (lon, lat)."""
    xy = [GRID.transform(lon, lat) for lon, lat in points]
    return sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(xy))


# --------------------------------------------------------------------------- OSM

OSM_NODES = {
    1: (114.1700, 22.3000),
    2: (114.1750, 22.3000),
    3: (114.1800, 22.3000),
    4: (114.1800, 22.3050),
    5: (114.1800, 22.3100),
    6: (114.1000, 22.4000),
    7: (114.1000, 22.4010),
    8: (114.1850, 22.3050),
}
OSM_WAYS = {
    10: ([1, 2, 3], {"highway": "primary"}),
    11: ([3, 4, 5], {"highway": "primary", "oneway": "yes"}),
    12: ([6, 7], {"highway": "primary"}),  # an island, cut off from the rest
    13: ([4, 8], {"highway": "footway"}),  # not drivable
}


def write_osm(path: Path) -> Path:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="fleetplan-test">',
    ]
    lines += [f'  <node id="{n}" lat="{lat}" lon="{lon}"/>' for n, (lon, lat) in OSM_NODES.items()]
    for way, (refs, tags) in OSM_WAYS.items():
        lines.append(f'  <way id="{way}">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_import_osm_drive(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_osm(tmp_path / "kowloon.osm")
    with caplog.at_level(logging.WARNING):
        nodes, edges = import_osm(path, metric_crs=HK)
    # Simplified: 2 and 4 are mid-way points once the footway is gone; 6-7 is dropped.
    assert nodes["node_id"].tolist() == ["1", "3", "5"]
    assert nodes.attrs["dropped_nodes"] == 2
    assert "dropped 2 nodes" in caplog.text
    assert nodes.loc[0, "lon"] == pytest.approx(114.17)
    assert nodes.loc[0, "lat"] == pytest.approx(22.30)
    assert list(zip(edges["from_node"], edges["to_node"], strict=True)) == [("1", "3"), ("3", "5")]
    lengths = dict(zip(edges["from_node"], edges["length_m"], strict=True))
    # Lengths follow the way through its (removed) interior node, in EPSG:2326.
    assert lengths["1"] == pytest.approx(grid_m(OSM_NODES[1], OSM_NODES[2], OSM_NODES[3]), rel=1e-9)
    assert lengths["3"] == pytest.approx(grid_m(OSM_NODES[3], OSM_NODES[4], OSM_NODES[5]), rel=1e-9)
    assert 1000 < lengths["1"] < 1060  # 0.01 degree of longitude at 22.3 N is ~1.03 km
    assert set(edges["status"]) == {"derived"}
    assert edges.loc[0, "source"] == "OpenStreetMap contributors (ODbL), file kowloon.osm"
    assert set(nodes["source"]) == {"OpenStreetMap contributors (ODbL), file kowloon.osm"}
    graph = build_graph(nodes, edges, metric_crs=HK)
    assert graph.number_of_nodes() == 3


def test_import_osm_all_keeps_footway(tmp_path: Path) -> None:
    nodes, edges = import_osm(write_osm(tmp_path / "x.osm"), network_type="all", metric_crs=HK)
    assert set(nodes["node_id"]) == {"1", "3", "4", "5", "8"}
    row = edges[(edges["from_node"] == "4") & (edges["to_node"] == "8")]
    assert row["length_m"].iloc[0] == pytest.approx(grid_m(OSM_NODES[4], OSM_NODES[8]))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "empty"),
        ("node_id,lon,lat\n1,114.1,22.3\n", "not XML"),
        ("<html><body>404</body></html>", "<html>"),
        ("<osm><node id='1' lat='22.3' lon='114.1'/>", "not well-formed"),
        ("<osm><node id='1' lat='22.3' lon='114.1'/></osm>", "no ways"),
        ('<!DOCTYPE osm [<!ENTITY a "aaaa">]><osm>&a;</osm>', "DOCTYPE"),
        (
            "<osm><node id='1' lat='22.3' lon='114.1'/><way id='2'><nd ref='1'/><nd ref='9'/>"
            "<tag k='highway' v='primary'/></way></osm>",
            "clipped extract",
        ),
    ],
)
def test_import_osm_bad_files(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "bad.osm"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=words) as info:
        import_osm(path, metric_crs=HK)
    assert "bad.osm" in str(info.value)


def test_import_osm_missing_file_and_bad_type(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as info:
        import_osm(tmp_path / "missing.osm", metric_crs=HK)
    assert "missing.osm" in str(info.value)
    with pytest.raises(InputError, match="network_type"):
        import_osm(write_osm(tmp_path / "x.osm"), network_type="boat", metric_crs=HK)
    path = tmp_path / "foot.osm"
    path.write_text(
        "<osm><node id='1' lat='22.3' lon='114.1'/><node id='2' lat='22.3' lon='114.2'/>"
        "<way id='5'><nd ref='1'/><nd ref='2'/><tag k='highway' v='footway'/></way></osm>",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="no ways of network type 'drive'"):
        import_osm(path, metric_crs=HK)


# --------------------------------------------------------------------------- GTFS

STOPS = {
    "S1": (114.1700, 22.3000),
    "S2": (114.1750, 22.3000),
    "S3": (114.1800, 22.3000),
    "S4": (114.1800, 22.3050),
    "S5": (114.1850, 22.3050),
}
#: R1's shape passes S2, then bends north (a flyover) on the way to S3.
KINK = (114.1775, 22.3020)
SHAPE_SH1 = [STOPS["S1"], STOPS["S2"], KINK, STOPS["S3"]]

FEED = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nKMB,Kowloon Motor Bus,https://example.org,Asia/Hong_Kong\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
    + "".join(f"{s},Stop {s},{lat},{lon}\n" for s, (lon, lat) in STOPS.items()),
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,KMB,1,3\nR2,KMB,2A,3\n",
    # WK runs Monday-Friday, WE at weekends, EX only on Wednesday 3 January 2024.
    "trips.txt": (
        "route_id,service_id,trip_id,direction_id,block_id,shape_id\n"
        "R1,WK,T1,0,B1,SH1\n"
        "R1,WK,T2,1,B1,SH1R\n"
        "R1,WK,T3,0,B2,SH1\n"
        "R2,WK,T4,0,B2,\n"
        "R2,WE,T5,0,B3,\n"
        "R2,EX,T6,0,B3,\n"
    ),
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,06:00:00,06:00:00,S1,1\nT1,06:10:00,06:10:00,S2,2\nT1,06:20:00,06:20:00,S3,3\n"
        "T2,06:30:00,06:30:00,S3,1\nT2,06:40:00,06:40:00,S2,2\nT2,06:50:00,06:50:00,S1,3\n"
        "T3,23:30:00,23:30:00,S1,1\nT3,23:45:00,23:45:00,S2,2\nT3,24:05:00,24:05:00,S3,3\n"
        "T4,24:15:00,24:15:00,S3,1\nT4,24:25:00,24:25:00,S4,2\nT4,24:35:30,24:35:30,S5,3\n"
        "T5,08:00:00,08:00:00,S3,1\nT5,08:10:00,08:10:00,S4,2\nT5,08:20:00,08:20:00,S5,3\n"
        "T6,09:00:00,09:00:00,S3,1\nT6,09:10:00,09:10:00,S4,2\nT6,09:20:00,09:20:00,S5,3\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20240101,20240131\n"
        "WE,0,0,0,0,0,1,1,20240101,20240131\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nEX,20240103,1\n",
    "shapes.txt": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
    + "".join(f"SH1,{lat},{lon},{i}\n" for i, (lon, lat) in enumerate(SHAPE_SH1, 1))
    + "".join(f"SH1R,{lat},{lon},{i}\n" for i, (lon, lat) in enumerate(reversed(SHAPE_SH1), 1)),
}

R1_KM = grid_m(*SHAPE_SH1) / 1000
R2_KM = grid_m(STOPS["S3"], STOPS["S4"], STOPS["S5"]) / 1000


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "hk-bus.zip", FEED)


def test_route_summary_busiest_weekday(feed: Path) -> None:
    routes = route_summary(feed, metric_crs=HK)
    # Wednesday 3 January has the extra EX trip: the busiest weekday.
    assert routes.attrs["service_date"] == "20240103"
    assert routes["route_id"].tolist() == ["R1", "R2"]
    assert routes["route_short_name"].tolist() == ["1", "2A"]
    assert routes["trips_per_day"].tolist() == [3.0, 2.0]
    # R1 follows its shape (with a bend north); R2 has none: along its stops.
    assert routes.loc[0, "length_km"] == pytest.approx(R1_KM, rel=1e-9)
    assert routes.loc[1, "length_km"] == pytest.approx(R2_KM, rel=1e-9)
    assert grid_m(STOPS["S1"], STOPS["S3"]) / 1000 < R1_KM
    first = routes.loc[0]
    assert (first["first_stop_id"], first["last_stop_id"]) == ("S1", "S3")
    assert (first["first_stop_lon"], first["first_stop_lat"]) == STOPS["S1"]
    assert (first["last_stop_lon"], first["last_stop_lat"]) == STOPS["S3"]


def test_route_summary_on_given_dates(feed: Path) -> None:
    tuesday = route_summary(feed, date="20240102", metric_crs=HK)
    assert tuesday["trips_per_day"].tolist() == [3.0, 1.0]
    saturday = route_summary(feed, date="2024-01-06", metric_crs=HK)
    assert saturday["trips_per_day"].tolist() == [0.0, 1.0]
    # No R1 trip runs on Saturday: its length is still reported, from all its trips.
    assert saturday.loc[0, "length_km"] == pytest.approx(R1_KM)
    with pytest.raises(InputError, match="no service runs on 20240301"):
        route_summary(feed, date="20240301", metric_crs=HK)
    with pytest.raises(InputError, match="YYYYMMDD"):
        route_summary(feed, date="3 Jan", metric_crs=HK)


def test_frequencies_expand_trip_counts(tmp_path: Path) -> None:
    files = dict(FEED)
    # T6 runs every 20 minutes from 06:00 to 07:00: 3 departures.
    files["frequencies.txt"] = (
        "trip_id,start_time,end_time,headway_secs\nT6,06:00:00,07:00:00,1200\n"
    )
    routes = route_summary(write_zip(tmp_path / "f.zip", files), date="20240103", metric_crs=HK)
    assert routes["trips_per_day"].tolist() == [3.0, 4.0]


def test_assign_depots(feed: Path) -> None:
    routes = route_summary(feed, metric_crs=HK)
    depots = pd.DataFrame(
        {"depot_id": ["KWUN", "SHEK"], "lon": [114.1700, 114.1820], "lat": [22.3010, 22.2990]}
    )
    assigned = assign_depots(routes, depots, metric_crs=HK)
    assert assigned["depot_id"].tolist() == ["KWUN", "SHEK"]
    assert assigned.loc[0, "distance_km"] == pytest.approx(
        grid_m(STOPS["S1"], (114.1700, 22.3010)) / 1000
    )
    assert assigned.loc[1, "distance_km"] == pytest.approx(
        grid_m(STOPS["S3"], (114.1820, 22.2990)) / 1000
    )
    assert "depot_id" not in routes.columns  # a copy, not in place
    with pytest.raises(InputError, match="depot_id"):
        assign_depots(routes, depots.drop(columns="depot_id"), metric_crs=HK)


def test_blocks_from_gtfs(feed: Path) -> None:
    blocks = blocks_from_gtfs(feed, metric_crs=HK)
    assert list(blocks.columns) == ["bus", "pull_out", "pull_in", "km"]
    rows = {row.bus: row for row in blocks.itertuples()}
    assert list(rows) == ["B1", "B2", "B3"]
    assert (rows["B1"].pull_out, rows["B1"].pull_in) == ("06:00", "06:50")
    assert rows["B1"].km == pytest.approx(2 * R1_KM)
    # B2 runs past midnight (GTFS 24:35:30, rounded up): wrapped, so pull_in < pull_out.
    assert (rows["B2"].pull_out, rows["B2"].pull_in) == ("23:30", "00:36")
    assert rows["B2"].km == pytest.approx(R1_KM + R2_KM)
    assert (rows["B3"].pull_out, rows["B3"].pull_in) == ("09:00", "09:20")
    saturday = blocks_from_gtfs(feed, date="20240106", metric_crs=HK)
    assert saturday.to_dict("records") == [
        {"bus": "B3", "pull_out": "08:00", "pull_in": "08:20", "km": pytest.approx(R2_KM)}
    ]


def test_blocks_need_block_id(tmp_path: Path) -> None:
    files = dict(FEED)
    files["trips.txt"] = "\n".join(
        ",".join(line.split(",")[:4] + line.split(",")[5:])
        for line in FEED["trips.txt"].splitlines()
    )
    with pytest.raises(InputError, match=r"block_id") as info:
        blocks_from_gtfs(write_zip(tmp_path / "noblocks.zip", files), metric_crs=HK)
    assert "trips.txt" in str(info.value)


def test_graph_tables_from_gtfs(feed: Path) -> None:
    nodes, edges = graph_tables_from_gtfs(feed, cluster_m=100, metric_crs=HK)
    assert nodes["node_id"].tolist() == ["S1", "S2", "S3", "S4", "S5"]
    assert nodes["n_stops"].tolist() == [1] * 5
    assert nodes.loc[0, "name"] == "Stop S1"
    pairs = list(zip(edges["from_node"], edges["to_node"], strict=True))
    assert pairs == [("S1", "S2"), ("S2", "S3"), ("S3", "S4"), ("S4", "S5")]
    assert edges["bus_trips_per_day"].tolist() == [3.0, 3.0, 2.0, 2.0]
    length = dict(zip(pairs, edges["length_m"], strict=True))
    # R2 has no shape: straight between stops. R1 edges follow the shape, round the bend.
    assert length[("S3", "S4")] == pytest.approx(grid_m(STOPS["S3"], STOPS["S4"]))
    assert length[("S4", "S5")] == pytest.approx(grid_m(STOPS["S4"], STOPS["S5"]))
    assert length[("S1", "S2")] == pytest.approx(grid_m(STOPS["S1"], STOPS["S2"]))
    assert length[("S2", "S3")] == pytest.approx(grid_m(STOPS["S2"], KINK, STOPS["S3"]))
    assert length[("S2", "S3")] > grid_m(STOPS["S2"], STOPS["S3"]) + 50
    assert length[("S1", "S2")] + length[("S2", "S3")] == pytest.approx(R1_KM * 1000, rel=1e-9)
    assert set(edges["status"]) == {"derived"}

    graph = build_graph(nodes, edges, metric_crs=HK)
    reach = reach_pairs(graph, {"depot": "S1"}, {"end": "S5"}, max_km=5)
    assert reach["distance_km"].tolist() == pytest.approx([R1_KM + R2_KM])


def test_graph_tables_cluster_nearby_stops(feed: Path) -> None:
    # S3 (most served) takes S2 and S4, each about 0.5 km away.
    nodes, edges = graph_tables_from_gtfs(feed, cluster_m=600, metric_crs=HK)
    assert nodes["node_id"].tolist() == ["S1", "S3", "S5"]
    assert nodes["n_stops"].tolist() == [1, 3, 1]
    assert list(zip(edges["from_node"], edges["to_node"], strict=True)) == [
        ("S1", "S3"),
        ("S3", "S5"),
    ]
    assert edges["bus_trips_per_day"].tolist() == [3.0, 2.0]


def test_feed_folder_works(tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    for name, text in FEED.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert route_summary(folder, metric_crs=HK)["trips_per_day"].tolist() == [3.0, 2.0]


@pytest.mark.parametrize(
    ("member", "words"),
    [
        ("../evil.txt", "'../evil.txt'"),
        ("/etc/evil.txt", "absolute path"),
        ("a/../../b.txt", "zip-slip"),
    ],
)
def test_zip_slip_rejected(tmp_path: Path, member: str, words: str) -> None:
    path = write_zip(tmp_path / "slip.zip", {**FEED, member: "x"})
    with pytest.raises(InputError, match=words) as info:
        route_summary(path, metric_crs=HK)
    assert "slip.zip" in str(info.value)
    assert not (tmp_path / "evil.txt").exists()


def test_missing_stop_times(tmp_path: Path) -> None:
    files = {k: v for k, v in FEED.items() if k != "stop_times.txt"}
    with pytest.raises(InputError, match=r"'stop_times\.txt' is missing") as info:
        route_summary(write_zip(tmp_path / "nost.zip", files), metric_crs=HK)
    assert "nost.zip" in str(info.value)


def test_missing_calendar_and_nested_folder(tmp_path: Path) -> None:
    files = {k: v for k, v in FEED.items() if not k.startswith("calendar")}
    with pytest.raises(InputError, match=r"calendar\.txt"):
        route_summary(write_zip(tmp_path / "nocal.zip", files), metric_crs=HK)
    nested = {f"gtfs/{k}": v for k, v in FEED.items()}
    with pytest.raises(InputError, match="inside the folder 'gtfs'"):
        route_summary(write_zip(tmp_path / "nested.zip", nested), metric_crs=HK)


def test_empty_and_non_zip_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as info:
        route_summary(empty, metric_crs=HK)
    assert "empty.zip" in str(info.value)
    text = tmp_path / "feed.zip"
    text.write_text("stop_id,stop_lat\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a zip"):
        route_summary(text, metric_crs=HK)
    with pytest.raises(InputError, match="not found"):
        route_summary(tmp_path / "https-looking-name.zip", metric_crs=HK)
    files = dict(FEED)
    files["stops.txt"] = ""
    with pytest.raises(InputError, match=r"'stops\.txt' is empty"):
        route_summary(write_zip(tmp_path / "nostops.zip", files), metric_crs=HK)


def test_zip_bomb_limit(tmp_path: Path) -> None:
    limits = gtfs.FeedLimits(member_bytes=150_000, total_bytes=100_000, total_rows=10**6)
    files = dict(FEED)
    files["padding.txt"] = "0" * 200_000  # compresses to a few hundred bytes
    path = write_zip(tmp_path / "bomb.zip", files)
    assert path.stat().st_size < 10_000
    # A file the importer does not read is never extracted, so it cannot exhaust anything.
    assert len(route_summary(path, limits=limits, metric_crs=HK)) > 0
    files = dict(FEED)
    files["shapes.txt"] = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n" + "0" * 120_000
    with pytest.raises(InputError, match="zip bomb") as info:
        route_summary(write_zip(tmp_path / "bomb2.zip", files), limits=limits, metric_crs=HK)
    assert "shapes.txt" in str(info.value)


def test_bad_rows_name_member_row_and_field(tmp_path: Path) -> None:
    files = dict(FEED)
    files["stop_times.txt"] = FEED["stop_times.txt"].replace(
        "T2,06:40:00,06:40:00,S2", "T2,06:40:00,06:40:00,S9"
    )
    with pytest.raises(InputError) as info:
        route_summary(write_zip(tmp_path / "ref.zip", files), metric_crs=HK)
    assert (info.value.row, info.value.field) == (5, "stop_id")
    assert "stop_times.txt" in str(info.value) and "S9" in str(info.value)
    files = dict(FEED)
    files["stop_times.txt"] = FEED["stop_times.txt"].replace("06:50:00,06:50:00", "6h50,6h50")
    with pytest.raises(InputError, match="not a time") as info:
        blocks_from_gtfs(write_zip(tmp_path / "time.zip", files), metric_crs=HK)
    assert (info.value.row, info.value.field) == (6, "arrival_time")


# --------------------------------------------------------------------------- OSM PBF (through osmium)

STREET_GRID = Path(__file__).parent / "fixtures" / "street_grid.osm"


def _fake_osmium(folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put an ``osmium`` stand-in first on PATH (the real tool is not needed offline)."""
    folder.mkdir()
    tool = folder / "osmium"
    tool.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ.get('PATH', '')}")


def test_import_osm_pbf_through_osmium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pbf = tmp_path / "grid.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0dnot really pbf")
    _fake_osmium(tmp_path / "bin", f'cat "{STREET_GRID}"', monkeypatch)
    nodes, edges = import_osm(pbf, metric_crs=HK)
    want_nodes, want_edges = import_osm(STREET_GRID, metric_crs=HK)
    assert nodes["node_id"].tolist() == want_nodes["node_id"].tolist()
    assert edges["length_m"].tolist() == want_edges["length_m"].tolist()
    assert set(edges["source"]) == {"OpenStreetMap contributors (ODbL), file grid.osm.pbf"}
    with pytest.raises(InputError, match="converts to more than"):
        import_osm(pbf, max_bytes=1000, metric_crs=HK)


def test_import_osm_pbf_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pbf = tmp_path / "grid.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0dnot really pbf")
    monkeypatch.setattr(osm.shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="osmium") as info:
        import_osm(pbf, metric_crs=HK)
    assert "grid.osm.pbf" in str(info.value)
    monkeypatch.undo()
    _fake_osmium(tmp_path / "bin", 'echo "bad header" >&2; exit 1', monkeypatch)
    with pytest.raises(InputError, match="osmium could not read the file"):
        import_osm(pbf, metric_crs=HK)
    with pytest.raises(InputError, match="not found"):
        import_osm(tmp_path / "missing.osm.pbf", metric_crs=HK)
