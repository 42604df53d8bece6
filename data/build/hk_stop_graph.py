"""Road graph from bus stop sequences: stop clusters as nodes, road lengths along consecutive stops.

Used by the Hong Kong build (``data/build/hk.py``). Three ideas keep the lengths close to the road:

* **Lengths follow the stops.** An edge between two stop clusters is measured along the
  route's consecutive stops at full resolution, from the point where the route passes
  nearest one node to the point where it passes nearest the other, times
  :data:`STOP_LINE_CIRCUITY` (the road length per metre of straight stop-to-stop line,
  measured on TD's route lines), and never less than the straight line between the
  nodes times the same factor. A node's offset from the route (centre to where the route
  passes) is not charged on the edge: a path passing through a node does not detour to
  its centre, and at the ends of a path the distance from a point to its node
  (``access_m`` in :func:`fleetplan.network.graph.snap_to_nodes`) stands for it. Charging the
  offsets on every edge made paths of n edges pay 2n offsets (stop pairs 1-15 km ran a
  median 13 % long on the coarse graph; see data/README.md).
* **Water is crossed only at named crossings.** Stops are split into land regions
  (Hong Kong Island, Lantau with the airport and the HZMB port, and the mainland with
  Kowloon, the New Territories, Tsing Yi and Ma Wan). Clusters never span two regions.
  Where consecutive stops lie in different regions, the route is sent through the
  portal nodes of a crossing (:data:`CROSSINGS`), whose edge carries the published
  length; the approach from the last stop to the portal is a straight line times the
  circuity.
* **Deterministic.** Sorted iteration, fixed complete-linkage clustering per region.

Metric work is in the Hong Kong 1980 Grid (EPSG:2326, metres).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.cluster.hierarchy import fcluster, linkage

_TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)

#: Road metres per metre of straight line between consecutive bus stops. Derived (D):
#: TD's bus route lines (CSDI dataset td_rcd_1638844988873_41214, Transport Department,
#: version 2025-01-15) matched to 1,142 route variants of the 2022 stop file (start and
#: end within 400 m, every stop within 60 m of the line, stops in order); the lines
#: measure 1.27 m per straight metre between consecutive stops of the same land region
#: (25,700 stop pairs, length-weighted; the median pair is 1.09, long expressway
#: gaps 1.3). See data/README.md for the check of the resulting graph.
STOP_LINE_CIRCUITY = 1.27
#: An edge measured along the road (every stop pair it spans has a road length) is at least
#: the straight line between its nodes x this.
MEASURED_FLOOR = 1.0

MAINLAND = "mainland"
ISLAND = "hk_island"
LANTAU = "lantau"
REGIONS = (MAINLAND, ISLAND, LANTAU)

#: Mid-channel line of Victoria Harbour from Sulphur Channel to east of Lei Yue Mun
#: (lon, lat WGS84). Estimate: drawn half-way between the shore-side bus stops of the two
#: sides (e.g. Tsim Sha Tsui 22.294 / Wan Chai 22.282; Yau Tong 22.294 / Shau Kei Wan
#: 22.279); every stop of the 2022 file lies at least 300 m from it. Hong Kong Island
#: (with Ap Lei Chau) is the land south of this line between 114.09 and 114.32 E.
HARBOUR_LINE = (
    (114.090, 22.300),
    (114.130, 22.297),
    (114.150, 22.296),
    (114.165, 22.290),
    (114.175, 22.289),
    (114.185, 22.293),
    (114.195, 22.299),
    (114.210, 22.294),
    (114.225, 22.290),
    (114.238, 22.281),
    (114.245, 22.279),
    (114.260, 22.272),
    (114.320, 22.272),
)
#: Lantau, the airport island and the HZMB port island: west of 114.06 E and south of
#: 22.345 N (lon_max, lat_max). Ma Wan (22.35 N) and Tuen Mun (22.37 N) stay mainland.
LANTAU_BOX = (114.06, 22.345)


@dataclass(frozen=True)
class Crossing:
    """A harbour or island crossing: two portals (WGS84) and its published length."""

    crossing_id: str
    name: str
    #: (region, lon, lat) of each portal.
    ends: tuple[tuple[str, float, float], tuple[str, float, float]]
    length_m: float
    source: str


_PORTAL_METHOD = (
    "portals: TD bus route lines (CSDI td_rcd_1638844988873_41214, 2025-01-15) walked half "
    "the published length each way from where they cross the water, median over {n} lines (D)"
)

#: Every crossing of water between land regions that the road network has. The HZMB Hong
#: Kong Link Road (~12 km, published figure, 2018) runs from the HZMB port to the HKSAR
#: boundary, beyond which nothing is modelled, so it has no edge: the port is reached
#: over the TM-CLK tunnel or from North Lantau.
CROSSINGS = (
    Crossing(
        "CHT",
        "Cross-Harbour Tunnel",
        ((MAINLAND, 114.180542, 22.300077), (ISLAND, 114.182821, 22.28354)),
        1860.0,
        "Cross-Harbour Tunnel 1.86 km (published figure, opened 1972); "
        + _PORTAL_METHOD.format(n=112),
    ),
    Crossing(
        "EHC",
        "Eastern Harbour Crossing",
        ((MAINLAND, 114.226394, 22.296975), (ISLAND, 114.213846, 22.289902)),
        2200.0,
        "Eastern Harbour Crossing 2.2 km (published figure, opened 1989); "
        + _PORTAL_METHOD.format(n=104),
    ),
    Crossing(
        "WHC",
        "Western Harbour Crossing",
        ((MAINLAND, 114.157807, 22.302241), (ISLAND, 114.14474, 22.289106)),
        2000.0,
        "Western Harbour Crossing 2.0 km (published figure, opened 1997); "
        + _PORTAL_METHOD.format(n=204),
    ),
    Crossing(
        "LL",
        "Lantau Link (Tsing Ma, Ma Wan viaduct, Kap Shui Mun)",
        ((MAINLAND, 114.081273, 22.353048), (LANTAU, 114.050197, 22.341053)),
        3500.0,
        "Lantau Link ~3.5 km incl. Tsing Ma Bridge (main span 1,377 m) and Kap Shui Mun "
        "Bridge (main span 430 m) (published figures, opened 1997); "
        + _PORTAL_METHOD.format(n=183),
    ),
    Crossing(
        "TMCLK",
        "Tuen Mun-Chek Lap Kok Link, northern connection (sub-sea tunnel)",
        ((MAINLAND, 113.947724, 22.364968), (LANTAU, 113.9615, 22.322628)),
        5000.0,
        "Tuen Mun-Chek Lap Kok Link: 5 km sub-sea tunnel from Tuen Mun to the HZMB port "
        "island, ~9 km in all with the southern viaduct to North Lantau (published figures, "
        "opened 2020); " + _PORTAL_METHOD.format(n=52),
    ),
)


class RouteVariant(Protocol):
    """What the graph needs of a route variant: its stops in order and weekday departures."""

    stops: tuple[str, ...]
    departures: tuple[int, ...]


def region_of(lon: float, lat: float) -> str:
    """Land region of a WGS84 point: ``hk_island``, ``lantau`` or ``mainland``."""
    if lon < LANTAU_BOX[0] and lat < LANTAU_BOX[1]:
        return LANTAU
    if HARBOUR_LINE[0][0] <= lon <= HARBOUR_LINE[-1][0]:
        shore = float(np.interp(lon, [p[0] for p in HARBOUR_LINE], [p[1] for p in HARBOUR_LINE]))
        if lat < shore:
            return ISLAND
    return MAINLAND


def portal_id(crossing: Crossing, end: int) -> str:
    """Node id of one portal, e.g. ``P-CHT-hk_island``."""
    return f"P-{crossing.crossing_id}-{crossing.ends[end][0]}"


def cluster_groups(stops: pd.DataFrame, diameter_m: float) -> dict[str, int]:
    """Cluster stop groups so no two groups of a cluster are more than ``diameter_m`` apart.

    Complete-linkage agglomerative clustering on the group centroids (EPSG:2326), run
    separately in each land region (``stops['region']``) so that no node spans water.
    Returns group id -> cluster label (1-based, deterministic).
    """
    centroids = stops.groupby("group")[["x", "y"]].mean().sort_index()
    region = stops.groupby("group")["region"].first().reindex(centroids.index)
    labels: dict[str, int] = {}
    offset = 0
    for name in REGIONS:
        part = centroids[region == name]
        if part.empty:
            continue
        if len(part) == 1:
            found = np.array([1])
        else:
            found = fcluster(
                linkage(part.to_numpy(), method="complete"), t=diameter_m, criterion="distance"
            )
        labels.update(zip(part.index, (found + offset).tolist(), strict=True))
        offset += int(found.max())
    return labels


def _nearest_on_chain(
    px: float,
    py: float,
    xs: Sequence[float],
    ys: Sequence[float],
    chain: Sequence[float],
    lo: int,
    hi: int,
) -> tuple[float, float]:
    """(chainage m, offset m) of the point of the stop polyline ``lo..hi`` nearest (px, py).

    ``chain`` is the chainage of each stop; a point between two stops takes the share of
    their chainage difference that it lies along the straight line between them.
    """
    best_offset, best_chain = math.hypot(px - xs[lo], py - ys[lo]), chain[lo]
    for k in range(lo, hi):
        dx, dy = xs[k + 1] - xs[k], ys[k + 1] - ys[k]
        span2 = dx * dx + dy * dy
        t = (
            0.0
            if span2 == 0.0
            else min(1.0, max(0.0, ((px - xs[k]) * dx + (py - ys[k]) * dy) / span2))
        )
        offset = math.hypot(px - xs[k] - t * dx, py - ys[k] - t * dy)
        if offset < best_offset:
            best_offset, best_chain = offset, chain[k] + t * (chain[k + 1] - chain[k])
    return best_chain, best_offset


def _portal_points() -> dict[str, tuple[str, float, float]]:
    """Portal node id -> (region, x, y) in EPSG:2326, as stored (6-decimal WGS84)."""
    points = {}
    for crossing in CROSSINGS:
        for end, (region, lon, lat) in enumerate(crossing.ends):
            x, y = _TO_GRID.transform(round(lon, 6), round(lat, 6))
            points[portal_id(crossing, end)] = (region, float(x), float(y))
    return points


def _water_route(
    start: tuple[str, float, float], end: tuple[str, float, float]
) -> list[tuple[str, str, float]]:
    """Cheapest way between two points in different regions through crossing portals.

    Returns the legs as (from, to, metres): straight lines inside one region times
    :data:`STOP_LINE_CIRCUITY`, crossings at their published length. ``from``/``to`` are
    ``"start"``, ``"end"`` or portal ids.
    """
    points = {"start": start, "end": end, **_portal_points()}
    graph = nx.Graph()
    for (a, (ra, xa, ya)), (b, (rb, xb, yb)) in itertools.combinations(sorted(points.items()), 2):
        if ra == rb:
            graph.add_edge(a, b, length=math.hypot(xb - xa, yb - ya) * STOP_LINE_CIRCUITY)
    for crossing in CROSSINGS:
        graph.add_edge(portal_id(crossing, 0), portal_id(crossing, 1), length=crossing.length_m)
    path = nx.dijkstra_path(graph, "start", "end", weight="length")
    return [(a, b, graph.edges[a, b]["length"]) for a, b in itertools.pairwise(path)]


def build_graph(
    stops: pd.DataFrame,
    variants: Sequence[RouteVariant],
    diameter_m: float,
    *,
    source: str,
    trips_label: str = "weekday",
    stop_pair_m: Mapping[tuple[str, str], float] | None = None,
    stop_pair_source: str = "",
    measured_floor: float = MEASURED_FLOOR,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Nodes and edges of one graph variant.

    ``stops`` is indexed by stop id with ``x``/``y`` (EPSG:2326 m), ``name`` and ``group``
    (operators' equivalent stops). Nodes are stop clusters (per land region) at the mean
    position of their stops, plus the portals of :data:`CROSSINGS`. For each route, each
    pair of consecutive clusters gives an edge whose length is

        max(road length along the route between its nearest points to A and B,
            floor x straight line from A to B),

    where the route's nearest point to a node is sought on its stops in that cluster and
    the stop lines to the neighbouring clusters. The road length between two consecutive
    stops is ``stop_pair_m[(from stop, to stop)]`` where given (measured along the road,
    e.g. TD's route lines; ``stop_pair_source`` says where from), else the straight line x
    :data:`STOP_LINE_CIRCUITY`; between stops a point takes its share of the stops' road
    length. The floor is ``measured_floor`` where every stop pair the edge spans is
    measured, else :data:`STOP_LINE_CIRCUITY`. A gap between consecutive stops in
    different regions goes through the cheapest chain of crossings instead (the legs to
    and from the portals likewise never below circuity x the straight line). Each edge
    keeps the minimum over routes, rounded up to 0.1 m; ``bus_trips_per_day`` sums the
    weekday trips of every variant using it. Only the largest connected component is
    kept. ``source`` is the attribution text put first in every row's source;
    ``trips_label`` names the day whose trips are counted.
    Returns (nodes, edges, info).
    """
    stops = stops.assign(
        region=[
            region_of(*_TO_WGS.transform(x, y)) for x, y in zip(stops["x"], stops["y"], strict=True)
        ]
    )
    group_label = cluster_groups(stops, diameter_m)
    stops = stops.assign(cluster=[group_label[g] for g in stops["group"]])
    visits: Counter[str] = Counter()
    for variant in variants:
        visits.update(variant.stops)

    centres = stops.groupby("cluster")[["x", "y"]].mean()
    # Node positions as stored (WGS84 rounded to 6 decimals), back in EPSG:2326, so lengths
    # hold for the coordinates users will read.
    lon, lat = _TO_WGS.transform(centres["x"].to_numpy(), centres["y"].to_numpy())
    gx, gy = _TO_GRID.transform(np.round(lon, 6), np.round(lat, 6))
    node_xy: dict[int | str, tuple[float, float]] = {
        c: (float(a), float(b)) for c, a, b in zip(centres.index, gx, gy, strict=True)
    }
    portals = _portal_points()
    node_xy.update({p: (x, y) for p, (_, x, y) in portals.items()})
    region = stops.groupby("cluster")["region"].first().to_dict()
    region.update({p: r for p, (r, _, _) in portals.items()})

    best: dict[tuple, float] = {}
    trips: dict[tuple, float] = defaultdict(float)
    crossing_edges = {tuple(sorted((portal_id(c, 0), portal_id(c, 1)))): c for c in CROSSINGS}

    measured_edges: set[tuple] = set()

    def add(a: int | str, b: int | str, metres: float, n_trips: int, measured: bool = False) -> None:
        edge = tuple(sorted((a, b), key=str))
        if edge in crossing_edges:
            metres = crossing_edges[edge].length_m
        else:
            floor = measured_floor if measured else STOP_LINE_CIRCUITY
            metres = max(metres, math.dist(node_xy[a], node_xy[b]) * floor)
        if edge not in best or metres < best[edge]:
            best[edge] = metres
            if measured:
                measured_edges.add(edge)
            else:
                measured_edges.discard(edge)
        trips[edge] += n_trips

    pair_m = stop_pair_m or {}

    sx = stops["x"].to_dict()
    sy = stops["y"].to_dict()
    sc = stops["cluster"].to_dict()
    for variant in variants:
        seq = variant.stops
        xs = [sx[s] for s in seq]
        ys = [sy[s] for s in seq]
        # Road chainage of each stop: measured stop pairs at their road length, others at the
        # straight line x the circuity (a pair across water is routed through portals below).
        chain = [0.0]
        known = []
        for k in range(1, len(seq)):
            road = pair_m.get((seq[k - 1], seq[k]))
            known.append(road is not None)
            if road is None:
                road = math.hypot(xs[k] - xs[k - 1], ys[k] - ys[k - 1]) * STOP_LINE_CIRCUITY
            chain.append(chain[-1] + road)
        runs: list[tuple[int, int, int]] = []  # (cluster, first stop index, last stop index)
        start = 0
        for i in range(1, len(seq) + 1):
            if i == len(seq) or sc[seq[i]] != sc[seq[start]]:
                runs.append((sc[seq[start]], start, i - 1))
                start = i
        # Where the route passes nearest each run's node: on its own stops and the stop lines
        # to the neighbouring runs, unless such a line crosses water.
        nearest = []
        spans = []
        for k, (cluster, first, last) in enumerate(runs):
            lo = first - 1 if k > 0 and region[runs[k - 1][0]] == region[cluster] else first
            hi = (
                last + 1
                if k + 1 < len(runs) and region[runs[k + 1][0]] == region[cluster]
                else last
            )
            nearest.append(_nearest_on_chain(*node_xy[cluster], xs, ys, chain, lo, hi))
            spans.append((lo, hi))
        n_trips = len(variant.departures)
        for k in range(len(runs) - 1):
            (ca, _, last_a), (cb, first_b, _) = runs[k], runs[k + 1]
            chain_a, chain_b = nearest[k][0], nearest[k + 1][0]
            if region[ca] == region[cb]:
                # Measured when every stop pair between the two passing points is; 1 m of slack
                # as a node's stored centre (6-decimal WGS84) may lie a hair past its stop.
                low, high = sorted((chain_a, chain_b))
                measured = all(
                    known[j]
                    for j in range(spans[k][0], spans[k + 1][1])
                    if chain[j + 1] > low + 1.0 and chain[j] < high - 1.0
                )
                add(ca, cb, abs(chain_b - chain_a), n_trips, measured)
                continue
            legs = _water_route(
                (region[ca], xs[last_a], ys[last_a]), (region[cb], xs[first_b], ys[first_b])
            )
            head = abs(chain[last_a] - chain_a)
            tail = abs(chain_b - chain[first_b])
            for j, (a, b, metres) in enumerate(legs):
                a_node = ca if a == "start" else a
                b_node = cb if b == "end" else b
                metres += (head if j == 0 else 0.0) + (tail if j == len(legs) - 1 else 0.0)
                if a_node != b_node:
                    add(a_node, b_node, metres, n_trips)

    graph = nx.Graph()
    graph.add_edges_from(sorted(best, key=lambda e: (str(e[0]), str(e[1]))))
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(map(str, c))))
    keep = components[0]
    dropped = [sorted(c, key=str) for c in components[1:]]

    members = stops[stops["cluster"].isin(keep)]
    node_rows = []
    for cluster, frame in members.groupby("cluster"):
        ranked = sorted(frame.index, key=lambda s: (-visits[s], s))
        lon, lat = _TO_WGS.transform(*node_xy[cluster])
        node_rows.append(
            {
                "cluster": cluster,
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
                "name": frame.loc[ranked[0], "name"],
                "n_stops": len(frame),
            }
        )
    nodes = pd.DataFrame(node_rows).sort_values(["lat", "lon"], ascending=[False, True])
    nodes["node_id"] = [f"N{i:04d}" for i in range(1, len(nodes) + 1)]
    nodes["source"] = (
        f"{source}; bus stops clustered per land region (complete linkage, {diameter_m:.0f} m) "
        "by network/stop_graph.py"
    )
    portal_rows = []
    for crossing in CROSSINGS:
        for end, (reg, lon, lat) in enumerate(crossing.ends):
            pid = portal_id(crossing, end)
            if pid in keep:
                portal_rows.append(
                    {
                        "cluster": pid,
                        "node_id": pid,
                        "lon": round(lon, 6),
                        "lat": round(lat, 6),
                        "name": f"{crossing.name} portal ({reg})",
                        "n_stops": pd.NA,
                        "source": crossing.source,
                    }
                )
    nodes = pd.concat([nodes, pd.DataFrame(portal_rows)], ignore_index=True)
    nodes["n_stops"] = nodes["n_stops"].astype("Int64")
    nodes["status"] = "derived"
    node_of = dict(zip(nodes["cluster"], nodes["node_id"], strict=True))
    nodes = nodes[["node_id", "lon", "lat", "name", "n_stops", "source", "status"]]

    edge_source = (
        f"{source}; road length along consecutive stops (EPSG:2326) x {STOP_LINE_CIRCUITY} "
        "(TD route lines, 2025, D) between where the route passes each node, at least the straight "
        "line x the same; water crossed only through crossing portals; minimum over routes; "
        f"{trips_label} trips"
    )
    measured_source = (
        f"{source}; road length along the route between where it passes each node, consecutive "
        f"stops at their road length ({stop_pair_source}), at least the straight line"
        f"{'' if measured_floor == 1.0 else f' x {measured_floor}'}; minimum over routes; "
        f"{trips_label} trips"
    )
    edge_rows = []
    for (ca, cb), length in best.items():
        if ca not in keep:
            continue
        a, b = sorted((node_of[ca], node_of[cb]))
        crossing = crossing_edges.get((ca, cb))
        edge_rows.append(
            {
                "from_node": a,
                "to_node": b,
                "length_m": math.ceil(length * 10.0 - 1e-6) / 10.0,
                "bus_trips_per_day": round(trips[(ca, cb)], 1),
                "source": crossing.source
                if crossing
                else measured_source
                if (ca, cb) in measured_edges
                else edge_source,
            }
        )
    edges = pd.DataFrame(edge_rows).sort_values(["from_node", "to_node"]).reset_index(drop=True)
    edges["status"] = "derived"
    info = {
        "clusters": len(centres),
        "nodes": len(nodes),
        "edges": len(edges),
        "crossings": {c.crossing_id: c.length_m for c in CROSSINGS},
        "dropped_components": dropped,
    }
    return nodes.reset_index(drop=True), edges, info
