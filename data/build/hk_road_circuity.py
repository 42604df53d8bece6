"""Hong Kong's calibrated road lengths: what a neighbour link measures without a road extract.

A link between two graph nodes is its road length on the network the TD route lines make
(:func:`derive_link_lengths`, table ``data/build/hk_road_links.csv``; no link where that
network joins its nodes only far round). Where the table has no length (a node away from
every line) it is the straight line x the road circuity of the 2 km cell its middle lies in,
made only where the straight line stays over ground that has roads (the 250 m cells a TD
route line crosses), and at least the way through the touching road cells the route lines
join. The tables are derived from TD's bus and minibus route lines by
``data/build/hk_road_terrain.py``; :func:`fleetplan.network.road_links.link_graph` links
and thins the graph with the lengths this (or a road extract) gives.

Metric work is in the Hong Kong 1980 Grid (EPSG:2326, metres): the tables' cells are cut in it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: Cell sizes (EPSG:2326 metres) of the circuity table (``cell_x = floor(x / 2000)``) and
#: of the road-cell table (see :func:`derive_tables`).
CIRCUITY_CELL_M = 2000.0
ROAD_CELL_M = 250.0
#: A straight link may pass over at most this much road-free ground (metres) in a row:
#: more is water or a hill the roads go round. Estimate: two road-free 250 m cells.
MAX_ROADLESS_RUN_M = 500.0
#: Fewest stop pairs for a cell's own circuity; fewer take the median of all pairs.
MIN_CELL_PAIRS = 20
#: Stop pairs used for the circuity: straight distance in this range (metres).
PAIR_RANGE_M = (300.0, 3000.0)


# --------------------------------------------------------------------------- calibrated estimate


class RoadTerrain:
    """Circuity by 2 km cell, the 250 m cells that have roads and which of them a road joins.

    ``cell_links`` (optional, :func:`derive_cell_links`): pairs of touching road cells a
    route line runs between. Their graph is a coarse road network: a link whose ends the
    roads join only the long way round (a hillside's roads at two levels, a bay) is at least
    as long as the way through the joined cells.
    """

    def __init__(
        self,
        circuity: pd.DataFrame,
        road_cells: pd.DataFrame,
        cell_links: pd.DataFrame | None = None,
    ) -> None:
        self.circuity = {
            (int(r.cell_x), int(r.cell_y)): float(r.circuity)
            for r in circuity.itertuples(index=False)
        }
        default = circuity[circuity["cell_x"] == -1]
        self.default = (
            float(default["circuity"].iloc[0])
            if len(default)
            else float(circuity["circuity"].median())
        )
        self.roads = {(int(r.cell_x), int(r.cell_y)) for r in road_cells.itertuples(index=False)}
        self.cell_graph: nx.Graph | None = None
        if cell_links is not None:
            graph = nx.Graph()
            for r in cell_links.itertuples(index=False):
                a, b = (int(r.cell_x), int(r.cell_y)), (int(r.to_x), int(r.to_y))
                graph.add_edge(a, b, length_m=ROAD_CELL_M * math.hypot(a[0] - b[0], a[1] - b[1]))
            self.cell_graph = graph
            cells = sorted(graph.nodes)
            self._cells = cells
            self._cell_tree = cKDTree(
                [((x + 0.5) * ROAD_CELL_M, (y + 0.5) * ROAD_CELL_M) for x, y in cells]
            )

    @classmethod
    def load(
        cls, circuity: str | Path, road_cells: str | Path, cell_links: str | Path | None = None
    ) -> RoadTerrain:
        """Read the tables written by :func:`derive_tables` (and :func:`derive_cell_links`)."""
        links = pd.read_csv(cell_links) if cell_links is not None else None
        return cls(pd.read_csv(circuity), pd.read_csv(road_cells), links)

    def cell_path_m(self, a: tuple[float, float], b: tuple[float, float]) -> float | None:
        """Length (metres) of the shortest way between a and b through road cells the roads join.

        Each end goes to its nearest joined cell; cell to cell counts centre to centre (250 m,
        354 m diagonally), less one cell for where in its cell each end lies (so a link along
        one road is not lengthened by the grid). None without cell links, or when the roads do
        not join the two cells.
        """
        if self.cell_graph is None:
            return None
        _, index = self._cell_tree.query([a, b], k=1)
        start, stop = self._cells[int(index[0])], self._cells[int(index[1])]
        try:
            middle = nx.bidirectional_dijkstra(self.cell_graph, start, stop, weight="length_m")[0]
        except nx.NetworkXNoPath:
            return None
        return max(0.0, float(middle) - ROAD_CELL_M)

    def circuity_at(self, x: float, y: float) -> float:
        """Road metres per straight metre around (x, y): its cell's, else the median of all."""
        cell = (math.floor(x / CIRCUITY_CELL_M), math.floor(y / CIRCUITY_CELL_M))
        return self.circuity.get(cell, self.default)

    def roadless_run_m(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Longest run (metres) of the straight line a-b over cells without a road."""
        length = math.dist(a, b)
        steps = max(1, math.ceil(length / (ROAD_CELL_M / 5.0)))
        run = best = 0.0
        for i in range(steps + 1):
            t = i / steps
            x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
            if (math.floor(x / ROAD_CELL_M), math.floor(y / ROAD_CELL_M)) in self.roads:
                run = 0.0
            else:
                run += length / steps
                best = max(best, run)
        return best

    def estimate_m(self, a: tuple[float, float], b: tuple[float, float]) -> float | None:
        """Straight line x the circuity at its middle, or None over water or a roadless hill."""
        if self.roadless_run_m(a, b) > MAX_ROADLESS_RUN_M:
            return None
        middle = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)
        estimate = math.dist(a, b) * self.circuity_at(*middle)
        around = self.cell_path_m(a, b)
        return estimate if around is None else max(estimate, around)


def derive_tables(
    matches: Sequence[tuple[np.ndarray, np.ndarray]],
    lines: Iterable[np.ndarray],
    same_region: Callable[[np.ndarray, np.ndarray], bool],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The circuity and road-cell tables from TD route lines (run offline, tables committed).

    ``matches``: (stop xy, stop chainage on the line) per matched bus route variant
    (:func:`fleetplan.data.build.hk_road_check.td_matches`); ``lines``: every route line as an
    (n, 2) EPSG:2326 array; ``same_region(p, q)``: both points on one land region (pairs
    across water are left out). Returns (circuity by 2 km cell with a ``cell_x = -1`` row
    holding the median of all pairs, road cells at 250 m).
    """
    by_cell: dict[tuple[int, int], list[float]] = {}
    every: list[float] = []
    for xy, chain in matches:
        n = len(xy)
        for i in range(n):
            for j in range(i + 1, n):
                chord = math.dist(xy[i], xy[j])
                if chord > PAIR_RANGE_M[1]:
                    break
                if chord < PAIR_RANGE_M[0] or not same_region(xy[i], xy[j]):
                    continue
                ratio = (chain[j] - chain[i]) / chord
                if ratio < 1.0:  # stop placed off the line's side; not a road measure
                    continue
                middle = (xy[i] + xy[j]) / 2.0
                cell = (
                    math.floor(middle[0] / CIRCUITY_CELL_M),
                    math.floor(middle[1] / CIRCUITY_CELL_M),
                )
                by_cell.setdefault(cell, []).append(ratio)
                every.append(ratio)
    rows = [
        {
            "cell_x": -1,
            "cell_y": -1,
            "circuity": round(float(np.median(every)), 3),
            "stop_pairs": len(every),
        }
    ]
    rows += [
        {
            "cell_x": c[0],
            "cell_y": c[1],
            "circuity": round(float(np.median(v)), 3),
            "stop_pairs": len(v),
        }
        for c, v in sorted(by_cell.items())
        if len(v) >= MIN_CELL_PAIRS
    ]
    cells: set[tuple[int, int]] = set()
    for line in lines:
        for p, q in itertools.pairwise(line):
            steps = max(1, math.ceil(math.dist(p, q) / (ROAD_CELL_M / 5.0)))
            for t in np.linspace(0.0, 1.0, steps + 1):
                x, y = p + t * (q - p)
                cells.add((math.floor(x / ROAD_CELL_M), math.floor(y / ROAD_CELL_M)))
    road = pd.DataFrame(sorted(cells), columns=["cell_x", "cell_y"])
    return pd.DataFrame(rows), road


def derive_stop_pair_lengths(
    matches: Sequence[tuple[Sequence[str], np.ndarray, np.ndarray]],
    same_region: Callable[[np.ndarray, np.ndarray], bool],
) -> pd.DataFrame:
    """Road length between consecutive stops of the matched routes, along their TD route lines.

    ``matches``: (stop ids, stop xy, stop chainage on the line) per matched route variant
    (:func:`fleetplan.data.build.hk_road_check.td_stop_matches`); ``same_region(p, q)``: both
    points on one land region (a pair across water is left out: the build routes it through
    the crossings). A pair's length is the chainage between its stops on the line, at least
    the straight line between them (a stop beside the line projects a little off), the
    median over the lines that run it, rounded up to 0.1 m. Returns ``from_stop, to_stop,
    road_m, lines`` sorted by the stop ids (a pair is directed: a route may take another road
    the other way).
    """
    found: dict[tuple[str, str], list[float]] = {}
    for ids, xy, chain in matches:
        for i in range(len(ids) - 1):
            if ids[i] == ids[i + 1] or not same_region(xy[i], xy[i + 1]):
                continue
            road = max(float(chain[i + 1] - chain[i]), math.dist(xy[i], xy[i + 1]))
            found.setdefault((ids[i], ids[i + 1]), []).append(road)
    rows = [
        {
            "from_stop": a,
            "to_stop": b,
            "road_m": math.ceil(float(np.median(v)) * 10.0 - 1e-6) / 10.0,
            "lines": len(v),
        }
        for (a, b), v in sorted(found.items())
    ]
    return pd.DataFrame(rows, columns=["from_stop", "to_stop", "road_m", "lines"])


def derive_cell_links(lines: Iterable[np.ndarray]) -> pd.DataFrame:
    """Pairs of touching 250 m cells (8 neighbours) a route line runs from one into the other.

    ``lines``: route lines as (n, 2) metric arrays. Each is walked in steps of a fifth of a
    cell, so it moves at most one cell per step. Returns ``cell_x, cell_y, to_x, to_y`` with
    each pair once, the smaller cell first, sorted.
    """
    found = [np.zeros((0, 4), dtype=np.int64)]
    for line in lines:
        line = np.asarray(line, dtype=float)
        if len(line) < 2:
            continue
        span = np.diff(line, axis=0)
        steps = np.maximum(
            1, np.ceil(np.hypot(span[:, 0], span[:, 1]) / (ROAD_CELL_M / 5.0))
        ).astype(np.int64)
        # Segment i sampled at t = k / steps[i], k = 0 .. steps[i] - 1; then the line's last point.
        segment = np.repeat(np.arange(len(steps)), steps)
        k = np.arange(int(steps.sum())) - np.repeat(np.cumsum(steps) - steps, steps)
        points = np.vstack(
            [line[:-1][segment] + (k / steps[segment])[:, None] * span[segment], line[-1:]]
        )
        cells = np.floor(points / ROAD_CELL_M).astype(np.int64)
        moved = np.abs(np.diff(cells, axis=0)).max(axis=1) == 1
        p, q = cells[:-1][moved], cells[1:][moved]
        swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
        first, second = np.where(swap[:, None], q, p), np.where(swap[:, None], p, q)
        found.append(np.unique(np.hstack([first, second]), axis=0))
    pairs = np.unique(np.concatenate(found), axis=0)
    return pd.DataFrame(pairs, columns=["cell_x", "cell_y", "to_x", "to_y"])


# --------------------------------------------------------------------------- links measured on the lines

#: A node is measured on the route-line network only when a junction of it lies this close
#: (metres). Estimate: the error check (``hk_road_check.network_errors``) places nodes the same
#: way and within the same distance; a fine node is 400 m across.
LINK_SNAP_M = 150.0
#: A link is sought on the network up to this many times its straight line (longer: not joined).
#: Estimate: a way round longer than this is a link the thinning would drop anyway.
LINK_SEARCH_RATIO = 4.0


def derive_link_lengths(
    graphs: Mapping[str, tuple[Mapping[str, tuple[float, float]], Sequence[tuple[str, str]]]],
    network: tuple[np.ndarray, object],
    *,
    snap_m: float = LINK_SNAP_M,
    search_ratio: float = LINK_SEARCH_RATIO,
) -> pd.DataFrame:
    """Road length of candidate links between graph nodes on a route-line network (run offline).

    ``graphs``: graph name -> (node position in EPSG:2326 metres, candidate node pairs);
    ``network``: (junction xy, sparse matrix of segment lengths) as
    :func:`fleetplan.data.build.hk_road_check.line_network` makes from TD's route lines.
    A pair is measured when both nodes lie within ``snap_m`` of a junction and the two
    junctions differ: its length is the shortest path between the junctions, at least the
    straight line between the nodes, rounded up to 0.1 m; ``road_m`` is blank where the
    network does not join them within ``search_ratio`` x the straight line (the roads go far
    round: no link). Other pairs get no row (the build keeps their estimate). Returns
    ``graph, from_node, to_node, straight_m, road_m`` (``straight_m``, rounded to 0.1 m, lets
    the build check the nodes have not moved since), sorted.
    """
    from scipy.sparse.csgraph import dijkstra

    xy_net, matrix = network
    tree = cKDTree(xy_net)
    rows = []
    for name in sorted(graphs):
        xy, pairs = graphs[name]
        ids = sorted({n for pair in pairs for n in pair})
        snap, junction = tree.query([xy[n] for n in ids])
        at = {n: int(j) for n, j, d in zip(ids, junction, snap, strict=True) if d <= snap_m}
        by_start: dict[str, list[str]] = {}
        for a, b in sorted(pairs):
            if a in at and b in at and at[a] != at[b]:
                by_start.setdefault(a, []).append(b)
        starts = sorted(by_start)
        for i in range(0, len(starts), 64):
            batch = starts[i : i + 64]
            reach = search_ratio * max(math.dist(xy[a], xy[b]) for a in batch for b in by_start[a])
            road = dijkstra(matrix, directed=False, indices=[at[a] for a in batch], limit=reach)
            for row, a in enumerate(batch):
                for b in by_start[a]:
                    straight = math.dist(xy[a], xy[b])
                    metres = float(road[row, at[b]])
                    joined = math.isfinite(metres) and metres <= search_ratio * straight
                    rows.append(
                        {
                            "graph": name,
                            "from_node": a,
                            "to_node": b,
                            "straight_m": round(straight, 1),
                            "road_m": math.ceil(max(metres, straight) * 10.0 - 1e-6) / 10.0
                            if joined
                            else math.nan,
                        }
                    )
    columns = ["graph", "from_node", "to_node", "straight_m", "road_m"]
    return pd.DataFrame(rows, columns=columns).sort_values(columns[:3]).reset_index(drop=True)


def read_link_lengths(path: str | Path) -> dict[str, dict[tuple[str, str], tuple[float, float]]]:
    """Graph -> (from node, to node) -> (straight_m, road_m) from :func:`derive_link_lengths`'s
    table (road_m NaN: the lines do not join the pair); empty when the file is absent."""
    if not Path(path).is_file():
        return {}
    table = pd.read_csv(path, dtype={"graph": str, "from_node": str, "to_node": str})
    out: dict[str, dict[tuple[str, str], tuple[float, float]]] = {}
    for r in table.itertuples(index=False):
        out.setdefault(r.graph, {})[(r.from_node, r.to_node)] = (float(r.straight_m), float(r.road_m))
    return out


# --------------------------------------------------------------------------- the linked graph


