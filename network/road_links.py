"""Link each graph node to its neighbours along the roads, then thin the links to a spanner.

The bus-stop graph (Hong Kong's: ``data/build/hk_stop_graph.py``) joins only stops that some bus
runs between, so a shortest path between two places follows the bus network's topology:
Peak to Mid-Levels went round by the routes (2.5-5 x the road), and a road extract could
only correct each edge, never the path. Here every node is also linked to its ``k``
nearest nodes in the same land region, at a road length:

* **with a road extract**, the shortest road path between the nodes' junctions
  (:func:`fleetplan.network.importers.osm.road_lengths_from_osm`); a link the extract
  cannot measure is dropped;
* **without one**, a calibrated estimate the city's build gives (Hong Kong's: the straight
  line x the road circuity of the area the link's middle lies in, only over ground that has
  roads, in ``data/build/hk_road_circuity.py``): a link over water or a roadless hill is
  not made, so paths go round by the roads.

The candidates (bus edges and neighbour links) are then thinned greedily
(:func:`greedy_spanner`): shortest first, a link is kept only if the links kept so far do
not already join its ends within ``1 + tolerance`` of its length. So the graph is no
complete graph, every path between two nodes is within that tolerance of the best path
over all candidates, and long paths run through the nodes on their way (the flow
refuelling corridors of ``optimiser/inputs/corridors.py`` walk those nodes). Crossings
(harbour tunnels, Lantau Link) are kept at their published lengths and stay the only
links between land regions.

Positions are in the city's metric CRS (its ``city.yaml``), metres.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: Neighbours linked per node (within its land region). Estimate: 6 is the mean degree of
#: a planar triangulation, so the nearest six cover every direction around a node.
NEIGHBOURS_K = 6
#: A candidate link is dropped when the kept links already join its ends within this share
#: of its length ("a path through another node is about as short").
SPANNER_TOLERANCE = 0.04


def neighbour_pairs(
    xy: Mapping[Hashable, tuple[float, float]],
    region: Mapping[Hashable, str],
    k: int = NEIGHBOURS_K,
) -> list[tuple[Hashable, Hashable]]:
    """Pairs (a, b), a < b as text, joining each node to its ``k`` nearest in its region."""
    pairs: set[tuple[Hashable, Hashable]] = set()
    for name in sorted(set(region.values())):
        ids = sorted((n for n in xy if region[n] == name), key=str)
        if len(ids) < 2:
            continue
        points = np.array([xy[n] for n in ids], dtype=float)
        _, found = cKDTree(points).query(points, k=min(k + 1, len(ids)))
        for i, row in enumerate(found):
            for j in row:
                if j != i and j < len(ids):
                    pairs.add(tuple(sorted((ids[i], ids[int(j)]), key=str)))
    return sorted(pairs, key=lambda p: (str(p[0]), str(p[1])))


def greedy_spanner(
    lengths: Mapping[tuple[Hashable, Hashable], float],
    *,
    tolerance: float = SPANNER_TOLERANCE,
    keep: Iterable[tuple[Hashable, Hashable]] = (),
) -> tuple[dict[tuple[Hashable, Hashable], float], dict[tuple[Hashable, Hashable], list[Hashable]]]:
    """Keep the candidate links that no shorter path already covers.

    Links in ``keep`` are kept first. Then, shortest first (ties by ids), a link (a, b) of
    length L is kept unless the kept links join a and b by a path of at most
    ``(1 + tolerance) x L``; a dropped link's path is returned with it. Every distance in
    the result is within ``1 + tolerance`` of the distance over all candidates.
    Returns (kept lengths, dropped link -> node path that replaced it).
    """
    fixed = {tuple(sorted(p, key=str)) for p in keep}
    graph = nx.Graph()
    kept: dict[tuple[Hashable, Hashable], float] = {}
    for pair in sorted(fixed, key=lambda p: (str(p[0]), str(p[1]))):
        if pair in lengths:
            kept[pair] = lengths[pair]
            graph.add_edge(*pair, length_m=lengths[pair])
    dropped: dict[tuple[Hashable, Hashable], list[Hashable]] = {}
    order = sorted(
        (p for p in lengths if p not in fixed), key=lambda p: (lengths[p], str(p[0]), str(p[1]))
    )
    for a, b in order:
        metres = lengths[(a, b)]
        if a in graph and b in graph:
            cutoff = (1.0 + tolerance) * metres
            found, paths = nx.single_source_dijkstra(graph, a, cutoff=cutoff, weight="length_m")
            if b in found:
                dropped[(a, b)] = paths[b]
                continue
        kept[(a, b)] = metres
        graph.add_edge(a, b, length_m=metres)
    return kept, dropped


def link_graph(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    xy: Mapping[str, tuple[float, float]],
    region: Mapping[str, str],
    *,
    keep: Iterable[tuple[str, str]],
    measure: Callable[[pd.DataFrame], pd.DataFrame],
    k: int = NEIGHBOURS_K,
    tolerance: float = SPANNER_TOLERANCE,
    source: str,
) -> tuple[pd.DataFrame, dict]:
    """The edges of ``nodes`` linked to their neighbours along the roads and thinned.

    ``edges``: the bus edges (``from_node``, ``to_node``, ``length_m``,
    ``bus_trips_per_day``, ``source``, ``status``). ``xy``/``region``: node position
    (the city's metric CRS, metres) and land region. ``keep``: crossing edges, kept as they are.
    ``measure(candidates)`` returns the candidate table with ``length_m`` set for the
    neighbour links (``link == "neighbour"``) and rows it cannot measure removed; bus
    edges it may re-measure or leave. ``source``: text for neighbour links' ``source``
    (the ``measure`` may replace it). Trips of a dropped bus edge move onto the path that
    replaced it, so ``bus_trips_per_day`` still counts the buses along each link.
    Returns (edges, info).
    """
    bus = edges.assign(link="bus")
    have = {tuple(sorted(p)) for p in zip(bus["from_node"], bus["to_node"], strict=True)}
    fixed = {tuple(sorted(p)) for p in keep}
    new = [
        p for p in neighbour_pairs(xy, region, k) if p not in have and region[p[0]] == region[p[1]]
    ]
    links = pd.DataFrame(
        {
            "from_node": [a for a, _ in new],
            "to_node": [b for _, b in new],
            "length_m": [math.dist(xy[a], xy[b]) for a, b in new],
            "bus_trips_per_day": 0.0,
            "source": source,
            "status": "derived",
            "link": "neighbour",
        }
    )
    candidates = measure(pd.concat([bus, links], ignore_index=True))
    lengths = {
        tuple(sorted((a, b))): float(m)
        for a, b, m in zip(
            candidates["from_node"], candidates["to_node"], candidates["length_m"], strict=True
        )
    }
    kept, dropped = greedy_spanner(lengths, tolerance=tolerance, keep=fixed)
    by_pair = candidates.assign(
        pair=[
            tuple(sorted(p))
            for p in zip(candidates["from_node"], candidates["to_node"], strict=True)
        ]
    )
    trips = dict(zip(by_pair["pair"], by_pair["bus_trips_per_day"].astype(float), strict=True))
    moved = {p: 0.0 for p in kept}
    for pair, path in dropped.items():
        if trips.get(pair, 0.0) > 0.0:
            for a, b in itertools.pairwise(path):
                moved[tuple(sorted((a, b)))] += trips[pair]
    out = by_pair[by_pair["pair"].isin(kept)].copy()
    out["bus_trips_per_day"] = [round(trips[p] + moved[p], 1) for p in out["pair"]]
    info = {
        "bus_edges": int((candidates["link"] == "bus").sum()),
        "neighbour_links_measured": int((candidates["link"] == "neighbour").sum()),
        "neighbour_links_tried": len(new),
        "kept": len(out),
        "kept_bus": int((out["link"] == "bus").sum()),
        "kept_neighbour": int((out["link"] == "neighbour").sum()),
    }
    out = (
        out.drop(columns=["pair", "link"])
        .sort_values(["from_node", "to_node"])
        .reset_index(drop=True)
    )
    return out, info
