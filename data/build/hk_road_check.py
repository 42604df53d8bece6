"""Check a road graph against water and against real road distances.

Reports, for each graph of a dataset folder: the share of edges whose length is exactly
1.2 x the straight line (the old fixed-circuity method), every crossing edge with its
length, edges that join two land regions without a crossing, the error on ten bus
routes' end-to-end road distances (:data:`ROUTE_ENDS`), and optionally the error on
stop pairs along TD's bus route lines.

Usage::

    python -m fleetplan.data.build.hk_road_check data/hk
    python -m fleetplan.data.build.hk_road_check data/hk --td-routes DIR --source routeFareList.min.json

``DIR`` holds TD's bus route lines as GeoJSON (``*.json`` or ``*.json.gz``, one feature
per route direction with ``COMPANY_CODE`` and ``ROUTE_NAMEE``): the CSDI dataset
td_rcd_1638844988873_41214 ("Bus routes", Transport Department). They are not part of
the project; the check runs only when they are given.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import zlib
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer

from fleetplan.network.city import HK_METRIC_CRS
from fleetplan.network.graph import ACCESS_CIRCUITY, build_graph, snap_to_nodes, to_grid
from fleetplan.data.build.hk_stop_graph import CROSSINGS, portal_id, region_of

#: Old method: straight line x 1.2. Rounding to 0.1 m up leaves at most 0.1 m above it.
OLD_CIRCUITY = 1.2
#: A TD line matches a route variant when its ends lie this close to the first/last stop.
MATCH_END_M = 400.0
#: ... and every stop lies this close to the line.
MATCH_STOP_M = 60.0

_TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)

#: End-to-end road distances (km) of ten bus routes between their first and last stops
#: (WGS84, DATA.GOV.HK stop list), measured along TD's route lines (CSDI dataset
#: td_rcd_1638844988873_41214, Transport Department, 2025-01-15). Buses follow the road
#: but not always the shortest one, so these are upper bounds on the shortest road.
ROUTE_ENDS = (
    ("KMB 6 Lai Chi Kok-Star Ferry", (114.137326, 22.341713), (114.168797, 22.293816), 8.42),
    ("KMB 5 Fu Shan-Star Ferry", (114.207731, 22.34404), (114.168797, 22.293816), 9.03),
    (
        "CTB B3 Tuen Mun Ferry Pier-Shenzhen Bay Port",
        (113.96709, 22.372591),
        (113.945188, 22.501662),
        21.31,
    ),
    (
        "KMB 270A Tsim Sha Tsui East-Sheung Shui",
        (114.176056, 22.296805),
        (114.128204, 22.502536),
        35.66,
    ),
    (
        "CTB A21 Airport-Hung Hom (Lantau Link)",
        (113.936907, 22.314155),
        (114.182021, 22.303929),
        36.41,
    ),
    (
        "KMB 101 Kennedy Town-Kwun Tong (CHT)",
        (114.122739, 22.281994),
        (114.224871, 22.314833),
        19.29,
    ),
    ("KMB 601 Admiralty-Po Tat (EHC)", (114.165291, 22.278511), (114.236099, 22.317629), 15.5),
    ("KMB 681 Central-Ma On Shan", (114.156633, 22.286179), (114.231614, 22.424211), 30.54),
    (
        "KMB 904 Lai Chi Kok-Kennedy Town (WHC)",
        (114.13677, 22.341601),
        (114.128318, 22.284394),
        13.08,
    ),
    ("CTB E23 Airport-Tsz Wan Shan", (113.936907, 22.314155), (114.203275, 22.346886), 48.6),
)


def read_graph_tables(folder: Path, variant: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of the ``coarse`` or ``fine`` graph in ``folder``."""
    suffix = "" if variant == "coarse" else "_fine"
    return pd.read_csv(folder / f"nodes{suffix}.csv"), pd.read_csv(folder / f"edges{suffix}.csv")


def edge_ratios(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Edges with ``chord_m`` (straight line between the nodes, EPSG:2326) and ``ratio``."""
    x, y = to_grid(nodes["lon"].to_numpy(), nodes["lat"].to_numpy(), HK_METRIC_CRS)
    pos = dict(zip(nodes["node_id"], zip(x, y, strict=True), strict=True))
    chord = np.array(
        [
            math.dist(pos[a], pos[b])
            for a, b in zip(edges["from_node"], edges["to_node"], strict=True)
        ]
    )
    return edges.assign(chord_m=chord, ratio=edges["length_m"].to_numpy() / chord)


def share_at_old_circuity(ratios: pd.DataFrame) -> float:
    """Share of edges whose length is 1.2 x the straight line (within the 0.1 m rounding)."""
    excess = ratios["length_m"] - OLD_CIRCUITY * ratios["chord_m"]
    return float(((excess >= -0.05) & (excess <= 0.15)).mean())


def crossing_table(edges: pd.DataFrame) -> pd.DataFrame:
    """One row per crossing: its published length and the edge length found (NaN if absent)."""
    rows = []
    for crossing in CROSSINGS:
        a, b = sorted((portal_id(crossing, 0), portal_id(crossing, 1)))
        hit = edges[(edges["from_node"] == a) & (edges["to_node"] == b)]
        rows.append(
            {
                "crossing": crossing.crossing_id,
                "name": crossing.name,
                "published_m": crossing.length_m,
                "edge_m": float(hit["length_m"].iloc[0]) if len(hit) else math.nan,
                "bus_trips_per_day": float(hit["bus_trips_per_day"].iloc[0])
                if len(hit)
                else math.nan,
            }
        )
    return pd.DataFrame(rows)


def water_jumps(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Edges joining two land regions that are not a crossing's own portal-to-portal edge."""
    region = {
        n: region_of(lon, lat)
        for n, lon, lat in zip(nodes["node_id"], nodes["lon"], nodes["lat"], strict=True)
    }
    crossing = {tuple(sorted((portal_id(c, 0), portal_id(c, 1)))) for c in CROSSINGS}
    jump = [
        region[a] != region[b] and (a, b) not in crossing
        for a, b in zip(edges["from_node"], edges["to_node"], strict=True)
    ]
    return edges[jump]


# --------------------------------------------------------------------------- TD route lines


def route_id_of(path: Path) -> str:
    """TD route id of a route-line file (``1000001-I.json`` -> ``1000001``): both directions share it."""
    return path.name.split(".")[0].split("-")[0]


def in_half(route_id: str, half: int) -> bool:
    """Whether a TD route id is in ``half`` (0 or 1) of a fixed split of the route lines.

    The split is by CRC-32 of the id, so it is the same on every machine and run and keeps
    both directions of a route together: lengths taken from one half can be measured
    against the roads of the other (the held-out check of ``data/build/hk_road_error.py``).
    """
    return zlib.crc32(route_id.encode("utf-8")) % 2 == half


def route_files(folder: Path, half: int | None = None) -> list[Path]:
    """The route-line files of ``folder`` (``*.json``, or ``*.json.gz`` where no ``.json`` copy
    is beside it), sorted; only those of ``half`` (:func:`in_half`) when given."""
    plain = {p.name for p in folder.glob("*.json")}
    files = [p for p in folder.glob("*.json*") if not (p.suffix == ".gz" and p.name[:-3] in plain)]
    return sorted(p for p in files if half is None or in_half(route_id_of(p), half))


def _td_lines(folder: Path, half: int | None = None) -> dict[tuple[str, str], list[np.ndarray]]:
    """(operator, route) -> route lines as (n, 2) EPSG:2326 arrays (of ``half`` only when given)."""
    lines: dict[tuple[str, str], list[np.ndarray]] = {}
    for path in route_files(folder, half):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError:
                continue
        if not isinstance(data, dict):
            continue
        for feature in data.get("features", []):
            props = feature.get("properties", {})
            if "COMPANY_CODE" not in props:
                continue
            points: list[list[float]] = []
            for part in feature["geometry"]["coordinates"]:
                part = [p[:2] for p in part]
                points.extend(part[1:] if points and points[-1] == part[0] else part)
            if len(points) < 2:
                continue
            arr = np.array(points, dtype=float)
            x, y = to_grid(arr[:, 0], arr[:, 1], HK_METRIC_CRS)
            for company in str(props["COMPANY_CODE"]).split("+"):
                lines.setdefault((company.lower(), str(props["ROUTE_NAMEE"])), []).append(
                    np.column_stack([x, y])
                )
    return lines


def _project(line: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chainage along ``line`` and distance to it of each point (metres)."""
    a, b = line[:-1], line[1:]
    d = b - a
    span2 = (d**2).sum(axis=1)
    chain0 = np.concatenate([[0.0], np.cumsum(np.sqrt(span2))])[:-1]
    t = ((points[:, None, :] - a[None]) * d[None]).sum(axis=2) / np.where(span2 > 0, span2, 1.0)[
        None
    ]
    t = np.clip(t, 0.0, 1.0)
    near = a[None] + t[..., None] * d[None]
    dist = np.sqrt(((points[:, None, :] - near) ** 2).sum(axis=2))
    k = dist.argmin(axis=1)
    rows = np.arange(len(points))
    return chain0[k] + t[rows, k] * np.sqrt(span2[k]), dist[rows, k]


def td_matches(
    source: Path, td_folder: Path, half: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Route variants matched to a TD line: (stop xy array, stop chainage on the line).

    See :func:`td_stop_matches`, which also gives the stop ids.
    """
    return [(xy, chain) for _, xy, chain in td_stop_matches(source, td_folder, half)]


def td_stop_matches(
    source: Path, td_folder: Path, half: int | None = None
) -> list[tuple[list[str], np.ndarray, np.ndarray]]:
    """Route variants matched to a TD line: (stop ids, stop xy array, stop chainage on the line).

    A variant matches when a line of its operator and route number starts and ends within
    :data:`MATCH_END_M` of its first and last stop, every stop lies within
    :data:`MATCH_STOP_M` of it and the stops come in order along it. ``half``: only the
    lines of that half of the route ids (:func:`in_half`).
    """
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    stops = data["stopList"]
    lines = _td_lines(td_folder, half)
    out = []
    for key in sorted(data["routeList"]):
        entry = data["routeList"][key]
        for co in entry["co"]:
            ids = [s for s in entry["stops"].get(co) or [] if s in stops]
            if len(ids) < 2:
                continue
            op = "ctb" if co == "nwfb" else co
            candidates = lines.get((op, entry["route"]), []) + (
                lines.get(("lwb", entry["route"]), []) if op == "kmb" else []
            )
            x, y = to_grid(
                np.array([stops[s]["location"]["lng"] for s in ids]),
                np.array([stops[s]["location"]["lat"] for s in ids]),
                HK_METRIC_CRS,
            )
            xy = np.column_stack([x, y])
            for line in candidates:
                if (
                    math.dist(line[0], xy[0]) > MATCH_END_M
                    or math.dist(line[-1], xy[-1]) > MATCH_END_M
                ):
                    continue
                chain, dist = _project(line, xy)
                if dist.max() <= MATCH_STOP_M and (np.diff(chain) >= -5.0).all():
                    out.append((ids, xy, chain))
                    break
            break
    return out


def td_errors(
    nodes: pd.DataFrame, edges: pd.DataFrame, matches: list[tuple[np.ndarray, np.ndarray]]
) -> dict:
    """Graph distance / TD road distance for stop pairs along matched routes.

    For every matched route and every pair of its stops 1-15 km apart along the line, the
    graph distance is the shortest path between the stops' nearest nodes plus both snap
    distances; the real distance is the chainage between them on TD's line. ``access_*``
    repeat the figures with the snap distances times :data:`ACCESS_CIRCUITY`, as reach
    and truck paths add them (``access_m`` of :func:`fleetplan.network.graph.snap_to_nodes`). Routes take
    the road, but not always the shortest one, so a ratio below 1 is not by itself wrong.
    Also reports the consecutive-stop circuity (line metres per straight metre).
    """
    graph = build_graph(nodes, edges, metric_crs=HK_METRIC_CRS)
    ratios, access_ratios, straight, road = [], [], 0.0, 0.0
    xy_nodes = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in sorted(graph.nodes)])
    ids = sorted(graph.nodes)
    cache: dict[str, dict[str, float]] = {}
    for xy, chain in matches:
        gaps = np.hypot(*np.diff(xy, axis=0).T)
        same = [region_of(*_lonlat(p)) for p in xy]
        keep = np.array([a == b for a, b in itertools.pairwise(same)])
        straight += float(gaps[keep].sum())
        road += float(np.diff(chain)[keep].sum())
        near = np.sqrt(((xy[:, None, :] - xy_nodes[None]) ** 2).sum(axis=2))
        k = near.argmin(axis=1)
        snap = near[np.arange(len(xy)), k]
        step = max(1, len(xy) // 6)
        for i in range(0, len(xy), step):
            for j in range(i + step, len(xy), step):
                real = chain[j] - chain[i]
                if not 1000.0 <= real <= 15000.0:
                    continue
                a, b = ids[k[i]], ids[k[j]]
                if a not in cache:
                    cache[a] = nx.single_source_dijkstra_path_length(graph, a, weight="length_m")
                ratios.append((cache[a][b] + snap[i] + snap[j]) / real)
                access_ratios.append((cache[a][b] + ACCESS_CIRCUITY * (snap[i] + snap[j])) / real)
    r = np.array(ratios)
    access = np.array(access_ratios)
    return {
        "stop_line_circuity": road / straight if straight else math.nan,
        "pairs": len(r),
        "median": float(np.median(r)),
        "p10": float(np.percentile(r, 10)),
        "p90": float(np.percentile(r, 90)),
        "within_15pct": float((np.abs(r - 1.0) <= 0.15).mean()),
        "access_median": float(np.median(access)),
        "access_p10": float(np.percentile(access, 10)),
        "access_p90": float(np.percentile(access, 90)),
        "access_within_15pct": float((np.abs(access - 1.0) <= 0.15).mean()),
    }


def route_end_errors(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Graph / real - 1 for each of :data:`ROUTE_ENDS` (access + path + access, as reach adds them)."""
    graph = build_graph(nodes, edges, metric_crs=HK_METRIC_CRS)
    rows = []
    for label, a, b, real_km in ROUTE_ENDS:
        points = pd.DataFrame({"id": ["a", "b"], "lon": [a[0], b[0]], "lat": [a[1], b[1]]})
        snapped = snap_to_nodes(graph, points, id_column="id").set_index("id")
        metres = nx.shortest_path_length(
            graph, snapped.at["a", "node_id"], snapped.at["b", "node_id"], weight="length_m"
        )
        km = (metres + snapped["access_m"].sum()) / 1000.0
        rows.append(
            {"route": label, "real_km": real_km, "graph_km": km, "error": km / real_km - 1.0}
        )
    return pd.DataFrame(rows)


def _lonlat(point: np.ndarray) -> tuple[float, float]:
    lon, lat = _TO_WGS.transform(point[0], point[1])
    return float(lon), float(lat)


def report(folder: Path, td_routes: Path | None = None, source: Path | None = None) -> str:
    """The check as text, for both graphs of ``folder``."""
    lines = []
    matches = td_matches(source, td_routes) if td_routes and source else None
    if matches is not None:
        lines.append(f"TD route lines matched to {len(matches)} route variants")
    for variant in ("coarse", "fine"):
        nodes, edges = read_graph_tables(folder, variant)
        ratios = edge_ratios(nodes, edges)
        lines.append(f"[{variant}] {len(nodes)} nodes, {len(edges)} edges")
        lines.append(f"  edges at exactly 1.2 x straight line: {share_at_old_circuity(ratios):.1%}")
        q = ratios["ratio"].quantile([0.1, 0.5, 0.9])
        lines.append(
            f"  edge / straight line: p10 {q[0.1]:.2f}, median {q[0.5]:.2f}, p90 {q[0.9]:.2f}"
        )
        lines.extend(
            f"  crossing {row.crossing:6s} published {row.published_m / 1000:.2f} km, "
            f"edge {row.edge_m / 1000:.2f} km, {row.bus_trips_per_day:.0f} bus trips/day  ({row.name})"
            for row in crossing_table(edges).itertuples(index=False)
        )
        jumps = water_jumps(nodes, edges)
        lines.append(f"  edges between land regions outside a crossing: {len(jumps)}")
        ends = route_end_errors(nodes, edges)["error"]
        lines.append(
            f"  {len(ends)} route end-to-end distances vs TD route lines: mean absolute error "
            f"{ends.abs().mean():.1%}, median {ends.median():+.1%}, range {ends.min():+.0%} to {ends.max():+.0%}"
        )
        if matches is not None:
            err = td_errors(nodes, edges, matches)
            lines.append(
                f"  vs TD route lines: consecutive-stop circuity {err['stop_line_circuity']:.3f}; "
                f"{err['pairs']} stop pairs 1-15 km: graph/real median {err['median']:.2f}, "
                f"p10 {err['p10']:.2f}, p90 {err['p90']:.2f}, within 15 % {err['within_15pct']:.0%}"
            )
            lines.append(
                f"  same pairs with access x {ACCESS_CIRCUITY} (as reach adds it): median "
                f"{err['access_median']:.2f}, p10 {err['access_p10']:.2f}, p90 {err['access_p90']:.2f}, "
                f"within 15 % {err['access_within_15pct']:.0%}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="dataset folder with nodes/edges(_fine).csv")
    parser.add_argument("--td-routes", type=Path, help="folder of TD bus route GeoJSON files")
    parser.add_argument(
        "--source", type=Path, help="routeFareList.min.json (for the stop sequences)"
    )
    args = parser.parse_args(argv)
    print(report(args.folder, args.td_routes, args.source))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# --------------------------------------------------------------------------- a road network to measure against

#: Route-line vertices within this grid cell (metres) are one junction of the network.
NETWORK_SNAP_M = 5.0


def snap_to_junctions(
    lines: list[np.ndarray], snap_m: float = NETWORK_SNAP_M
) -> tuple[np.ndarray, np.ndarray]:
    """(junction xy, each vertex's junction index) of route lines (EPSG:2326): a vertex belongs
    to the ``snap_m`` grid cell it falls in, and a cell's junction sits at the mean of its vertices."""
    points = np.concatenate(lines)
    cells = np.floor(points / snap_m).astype(np.int64)
    keys = cells[:, 0] * 10_000_000 + cells[:, 1]
    unique, index = np.unique(keys, return_inverse=True)
    xy = np.zeros((len(unique), 2))
    np.add.at(xy, index, points)
    xy /= np.bincount(index)[:, None]
    return xy, index


def line_network(
    lines: list[np.ndarray], snap_m: float = NETWORK_SNAP_M
) -> tuple[np.ndarray, object]:
    """A road network from route lines (EPSG:2326): vertices snapped to a ``snap_m`` grid.

    Returns (junction xy, sparse symmetric matrix of segment lengths, metres). Lines that
    share a road share its vertices, so the union of every bus and minibus line is the
    network of the roads they run on (a subset of all roads: distances on it are upper
    bounds on the shortest road).
    """
    from scipy.sparse import coo_matrix

    points = np.concatenate(lines)
    ends = np.cumsum([len(line) for line in lines])
    xy, index = snap_to_junctions(lines, snap_m)
    step = np.ones(len(points) - 1, dtype=bool)
    step[ends[:-1] - 1] = False  # no segment from one line's end to the next line's start
    a, b = index[:-1][step], index[1:][step]
    length = np.hypot(*(points[1:][step] - points[:-1][step]).T)
    keep = a != b
    a, b, length = a[keep], b[keep], length[keep]
    n = len(xy)
    matrix = coo_matrix(
        (np.concatenate([length, length]), (np.concatenate([a, b]), np.concatenate([b, a]))),
        shape=(n, n),
    ).tocsr()
    matrix.sum_duplicates()  # duplicates summed; rebuild with the minimum instead
    order = np.lexsort(
        (np.concatenate([length, length]), np.concatenate([b, a]), np.concatenate([a, b]))
    )
    rows, cols, vals = (
        np.concatenate([a, b])[order],
        np.concatenate([b, a])[order],
        np.concatenate([length, length])[order],
    )
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    matrix = coo_matrix((vals[first], (rows[first], cols[first])), shape=(n, n)).tocsr()
    return xy, matrix


def network_errors(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    network: tuple[np.ndarray, object],
    region: str = "hk_island",
    max_snap_m: float = 150.0,
) -> dict:
    """Graph distance / road distance for every pair of ``region``'s nodes, and per edge.

    Each node is placed on the network junction nearest it (nodes farther than
    ``max_snap_m`` from any line are left out); the road distance is the shortest path
    on ``network`` (:func:`line_network`). Also counts node pairs island -> mainland
    whose graph distance is below the straight-line bound through the tunnels
    (straight line to a portal + published length + straight line from the other portal).
    """
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    xy_net, matrix = network
    graph = build_graph(nodes, edges, metric_crs=HK_METRIC_CRS)
    ids = sorted(graph.nodes)
    node_xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in ids])
    regions = [region_of(graph.nodes[n]["lon"], graph.nodes[n]["lat"]) for n in ids]
    snap, junction = cKDTree(xy_net).query(node_xy)
    mine = [
        i
        for i, n in enumerate(ids)
        if regions[i] == region and snap[i] <= max_snap_m and not n.startswith("P-")
    ]
    road = dijkstra(matrix, directed=False, indices=junction[mine])
    ratios = []
    for row, i in enumerate(mine):
        lengths = nx.single_source_dijkstra_path_length(graph, ids[i], weight="length_m")
        for j in mine:
            if j <= i:
                continue
            real = road[row, junction[j]]
            if np.isfinite(real) and real >= 500.0:
                ratios.append(lengths[ids[j]] / real)
    r = np.array(ratios)
    edge_ratio = []
    position = {n: k for k, n in enumerate(ids)}
    row_of = {i: k for k, i in enumerate(mine)}
    for a, b, data in graph.edges(data=True):
        ia, ib = position[a], position[b]
        if ia in row_of and ib in row_of:
            real = road[row_of[ia], junction[ib]]
            if np.isfinite(real) and real > 0:
                edge_ratio.append(data["length_m"] / real)
    e = np.array(edge_ratio)
    # Island -> mainland pairs below the tunnels' straight-line bound.
    portals = {
        c.crossing_id: [
            np.array(to_grid(np.array([lon]), np.array([lat]), HK_METRIC_CRS)).ravel()
            for _, lon, lat in c.ends
        ]
        for c in CROSSINGS[:3]
    }
    island = [i for i, g in enumerate(regions) if g == "hk_island" and not ids[i].startswith("P-")]
    kowloon = [
        i
        for i, g in enumerate(regions)
        if g == "mainland" and not ids[i].startswith("P-") and node_xy[i][1] < 823000.0
    ]
    below = total = 0
    for i in island:
        lengths = nx.single_source_dijkstra_path_length(graph, ids[i], weight="length_m")
        for j in kowloon:
            bound = min(
                math.dist(node_xy[i], ends[1]) + c.length_m + math.dist(ends[0], node_xy[j])
                for c in CROSSINGS[:3]
                for ends in [portals[c.crossing_id]]
            )
            total += 1
            below += lengths[ids[j]] < bound - 0.5
    return {
        "pairs": len(r),
        "within_15pct": float((np.abs(r - 1.0) <= 0.15).mean()),
        "median": float(np.median(r)),
        "p10": float(np.percentile(r, 10)),
        "p90": float(np.percentile(r, 90)),
        "edges": len(e),
        "edge_p10": float(np.percentile(e, 10)),
        "edge_median": float(np.median(e)),
        "crossing_pairs": total,
        "crossing_below_bound": below / total if total else math.nan,
    }
