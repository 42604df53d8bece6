"""Shortest paths of the flows, with a tie rule that does not depend on the graph's edge order.

Shortest paths and ties
-----------------------
Paths minimise the sum of the edge attribute ``weight`` (times ``km_per_unit``
to get km). Among paths whose lengths are equal within a relative tolerance of
``1e-9``, the one whose node sequence from the origin, with every node id
converted by ``str``, is lexicographically smallest is taken (Python tuple
order; so ``"10" < "9"``). One Dijkstra runs per distinct origin; it records
every tight predecessor, and the lexicographically smallest paths are then
assembled in order of distance: the best path to ``v`` is the smallest of
``best(u) + (v,)`` over tight predecessors ``u``. This is exact because shortest
paths are simple, so no best path to ``u`` is a proper prefix of another path to
``u``. The rule does not depend on the order edges were added to the graph.

On a large graph the distances come from SciPy's compiled Dijkstra
(``scipy.sparse.csgraph.dijkstra``, all origins in a few vectorised calls) and the
tight predecessors are then read off the distances: ``u`` is one for ``v`` when
``d(u) + w(u, v)`` equals ``d(v)`` within the same tolerance. Only the nodes on some
shortest path to a destination are examined, so the paths, and the tie rule, are the
same as the pure-Python search's (tested against it and against networkx); the
pure-Python search stays for small graphs, where importing SciPy would cost more than
it saves (``fleetplan frlm`` starts in well under a second).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleetplan.errors import InputError

if TYPE_CHECKING:
    import networkx as nx

FlowId = Hashable
Node = Hashable

#: Relative tolerance for "equal length" when breaking ties between paths.
PATH_TIE_RTOL = 1e-9

#: Distinct origins × graph nodes from which the SciPy search is used (``engine="auto"``).
SCIPY_MIN_WORK = 100_000
#: Distances held at once by the SciPy search (origins × nodes, float64: 32 MB).
_SCIPY_CHUNK_CELLS = 4_000_000


def _str_key(node: Node) -> str:
    return str(node)


def sorted_nodes(nodes: Iterable[Node]) -> list[Node]:
    """Node ids sorted by their string form (the order used in every report)."""
    return sorted(nodes, key=_str_key)


@dataclass(frozen=True)
class Path:
    """The one-way shortest path of a flow; the round trip runs it out and back.

    Attributes
    ----------
    flow_id:
        Id of the flow (the ``flow_id`` column or the row index of ``flows``).
    nodes:
        Node ids from origin to destination.
    cum_km:
        Distance from the origin to each node of ``nodes`` (km); ``cum_km[0] == 0``.
    """

    flow_id: FlowId
    nodes: tuple[Node, ...]
    cum_km: tuple[float, ...]

    @property
    def origin(self) -> Node:
        return self.nodes[0]

    @property
    def destination(self) -> Node:
        return self.nodes[-1]

    @property
    def length_km(self) -> float:
        """One-way length (km); the round trip is twice this."""
        return self.cum_km[-1]


#: A flow table: a pandas DataFrame, or a mapping column name → values (list), such as
#: :func:`fleetplan.network.importers.csv_network.read_frlm_network` returns; ``name in
#: flows`` and ``flows[name]`` are all that is used, so the FRLM needs no pandas.
Flows = Any


def _flow_ids(flows: Flows) -> list[FlowId]:
    """The ``flow_id`` column, else the DataFrame's index, else 0, 1, ... (a plain mapping)."""
    if "flow_id" in flows:
        ids = list(flows["flow_id"])
    elif hasattr(flows, "index"):
        ids = list(flows.index)
    else:
        ids = list(range(len(flows["origin"])))
    if len(set(ids)) != len(ids):
        raise InputError("flow ids are not unique", field="flow_id")
    return ids


def _edge_km(
    graph: nx.Graph, weight: str, km_per_unit: float
) -> dict[Node, list[tuple[Node, float]]]:
    """Adjacency lists with edge lengths in km, validated once."""
    adjacency: dict[Node, list[tuple[Node, float]]] = {node: [] for node in graph.nodes}
    for u, v, data in graph.edges(data=True):
        if weight not in data:
            raise InputError(f"edge {u}–{v} has no '{weight}' attribute", field=weight)
        length = float(data[weight]) * km_per_unit
        if not math.isfinite(length) or length <= 0:
            raise InputError(
                f"edge {u}–{v} has length {data[weight]!r}; expected > 0", field=weight
            )
        adjacency[u].append((v, length))
        adjacency[v].append((u, length))
    return adjacency


def _tight_dijkstra(
    adjacency: Mapping[Node, list[tuple[Node, float]]], source: Node, targets: set[Node]
) -> tuple[dict[Node, float], dict[Node, list[Node]]]:
    """Distances from ``source`` and all tight predecessors (within the tie tolerance).

    Stops once every target is settled, so nearby destinations do not scan
    the whole graph. Returns settled nodes only, in the order they were
    settled (every tight predecessor of a node comes before it).
    """
    dist: dict[Node, float] = {source: 0.0}
    preds: dict[Node, list[Node]] = {source: []}
    order: dict[Node, int] = {}
    remaining = set(targets) - {source}
    heap: list[tuple[float, int, Node]] = [(0.0, 0, source)]
    counter = itertools.count(1)
    while heap:
        d, _, u = heapq.heappop(heap)
        if u in order:
            continue
        order[u] = len(order)
        remaining.discard(u)
        if not remaining:
            # Every target is settled, and so is every tight predecessor of
            # one (it is strictly nearer and relaxed the target when settled).
            break
        for v, w in adjacency[u]:
            if v in order:
                continue
            new = d + w
            old = dist.get(v)
            tol = PATH_TIE_RTOL * max(1.0, new)
            if old is None or new < old - tol:
                dist[v] = new
                preds[v] = [u]
                heapq.heappush(heap, (new, next(counter), v))
            elif abs(new - old) <= tol:
                preds[v].append(u)
    dist = {node: dist[node] for node in order}
    return dist, preds


def _scipy_searches(
    adjacency: Mapping[Node, list[tuple[Node, float]]], targets_of: Mapping[Node, set[Node]]
) -> Iterator[tuple[Node, dict[Node, float], dict[Node, list[Node]]]]:
    """For each origin, what :func:`_tight_dijkstra` returns, restricted to the nodes that
    lie on some shortest path to one of its targets (all that the paths need).

    The distances come from ``scipy.sparse.csgraph.dijkstra`` (the shortest parallel edge
    counts, as it does for the tight predecessors). An edge ``u → v`` is tight when
    ``d(u) + w`` equals ``d(v)`` within the tie tolerance; the nodes needed are those from
    which a target is reached over tight edges (a breadth-first search on the reversed
    tight edges). The nodes come back in order of distance, so every tight predecessor
    of a node comes before it.
    """
    import numpy as np
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import breadth_first_order, dijkstra

    nodes = list(adjacency)
    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    tail = np.fromiter((index[u] for u in nodes for _ in adjacency[u]), dtype=np.int64)
    head = np.fromiter((index[v] for u in nodes for v, _ in adjacency[u]), dtype=np.int64)
    length = np.fromiter((w for u in nodes for _, w in adjacency[u]), dtype=np.float64)
    # Parallel edges: keep the shortest (a sparse matrix would sum duplicates).
    order = np.lexsort((length, head, tail))
    tail, head, length = tail[order], head[order], length[order]
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    tail, head, length = tail[first], head[first], length[first]
    matrix = csr_array((length, (tail, head)), shape=(n, n))
    origins = list(targets_of)
    chunk = max(1, _SCIPY_CHUNK_CELLS // max(1, n))
    for start in range(0, len(origins), chunk):
        batch = origins[start : start + chunk]
        table = dijkstra(matrix, directed=True, indices=[index[o] for o in batch])
        for origin, row in zip(batch, table, strict=True):
            new = row[tail] + length
            with np.errstate(invalid="ignore"):  # inf - inf where neither end is reached
                tight = (np.abs(new - row[head]) <= PATH_TIE_RTOL * np.maximum(1.0, new)) & (
                    row[tail] < row[head]
                )
            goals = [index[t] for t in targets_of[origin] if math.isfinite(row[index[t]])]
            # Reversed tight edges, plus a node n that leads to every reached target.
            back = csr_array(
                (
                    np.ones(int(tight.sum()) + len(goals)),
                    (
                        np.concatenate([head[tight], np.full(len(goals), n)]),
                        np.concatenate([tail[tight], goals]),
                    ),
                ),
                shape=(n + 1, n + 1),
            )
            reached = breadth_first_order(back, n, directed=True, return_predecessors=False)[1:]
            needed = np.zeros(n + 1, dtype=bool)
            needed[reached] = True
            settled = reached[np.argsort(row[reached], kind="stable")]
            preds: dict[Node, list[Node]] = {nodes[i]: [] for i in settled.tolist()}
            keep = tight & needed[head]
            for u, v in zip(tail[keep].tolist(), head[keep].tolist(), strict=True):
                preds[nodes[v]].append(nodes[u])
            yield origin, {nodes[i]: float(row[i]) for i in settled.tolist()}, preds


def round_trip_paths(
    graph: nx.Graph,
    flows: Flows,
    *,
    weight: str = "length",
    km_per_unit: float = 1.0,
    engine: str = "auto",
) -> dict[FlowId, Path]:
    """Shortest path of every flow, with the documented tie rule.

    Parameters
    ----------
    graph:
        Undirected graph; every edge carries ``weight`` (> 0).
    flows:
        Columns ``origin`` and ``destination`` (a DataFrame, or a mapping column →
        values); the flow id is the ``flow_id`` column if present, else the index
        (0, 1, ... for a mapping).
    weight:
        Edge attribute holding the length (``"length"`` in km for FRLM CSVs,
        ``"length_m"`` in metres on the Hong Kong graph).
    km_per_unit:
        Kilometres per unit of ``weight`` (``0.001`` for ``length_m``).
    engine:
        ``"python"`` (a Dijkstra in Python per origin, stopped at its last destination),
        ``"scipy"`` (SciPy's compiled Dijkstra for all origins), or ``"auto"``: SciPy
        from :data:`SCIPY_MIN_WORK` origins × nodes. The paths are the same.

    Returns
    -------
    dict
        Flow id → :class:`Path` with cumulative distances in km. One Dijkstra
        runs per distinct origin, not per flow.

    Raises
    ------
    InputError
        Unknown nodes, origin equal to destination, no path, or a bad edge length.
    """
    for column in ("origin", "destination"):
        if column not in flows:
            raise InputError(f"flows need a '{column}' column", field=column)
    ids = _flow_ids(flows)
    adjacency = _edge_km(graph, weight, km_per_unit)
    by_origin: dict[Node, list[tuple[FlowId, Node]]] = defaultdict(list)
    for flow_id, origin, destination in zip(
        ids, flows["origin"], flows["destination"], strict=True
    ):
        for column, node in (("origin", origin), ("destination", destination)):
            if node not in adjacency:
                raise InputError(f"flow {flow_id}: unknown node '{node}'", field=column)
        if origin == destination:
            raise InputError(
                f"flow {flow_id}: origin equals destination '{origin}'", field="destination"
            )
        by_origin[origin].append((flow_id, destination))

    if engine not in ("auto", "python", "scipy"):
        raise InputError(f"engine '{engine}' is not one of auto, python, scipy", field="engine")
    targets_of = {
        origin: {destination for _, destination in items} for origin, items in by_origin.items()
    }
    if engine == "scipy" or (
        engine == "auto" and len(by_origin) * len(adjacency) >= SCIPY_MIN_WORK
    ):
        searches: Iterable[tuple[Node, dict[Node, float], dict[Node, list[Node]]]] = (
            _scipy_searches(adjacency, targets_of)
        )
    else:
        searches = (
            (origin, *_tight_dijkstra(adjacency, origin, targets))
            for origin, targets in targets_of.items()
        )
    edge_km = _shortest_edges(adjacency)
    paths: dict[FlowId, Path] = {}
    for origin, dist, preds in searches:
        items = by_origin[origin]
        targets = targets_of[origin]
        for flow_id, destination in items:
            if destination not in dist:
                raise InputError(
                    f"flow {flow_id}: no path from '{origin}' to '{destination}'",
                    field="destination",
                )
        best = _lexicographic_paths(dist, preds, targets)
        for flow_id, destination in items:
            nodes = best[destination]
            paths[flow_id] = Path(flow_id=flow_id, nodes=nodes, cum_km=_cumulative(nodes, edge_km))
    return paths


def _lexicographic_paths(
    dist: Mapping[Node, float], preds: Mapping[Node, list[Node]], targets: set[Node]
) -> dict[Node, tuple[Node, ...]]:
    """Lexicographically smallest shortest path (by str of ids) to every target.

    The best paths form a tree (the best path to ``v`` extends the best path to one of
    its tight predecessors), kept as parent pointers; two candidate paths are compared
    only where a node has several tight predecessors, by walking up to where they part.
    """
    needed: set[Node] = set()
    stack = list(targets)
    while stack:  # every node that lies on some shortest path to a target
        node = stack.pop()
        if node in needed:
            continue
        needed.add(node)
        stack.extend(preds[node])
    parent: dict[Node, Node | None] = {}
    depth: dict[Node, int] = {}
    for node in (n for n in dist if n in needed):  # settle order: predecessors first
        candidates = preds[node]
        if not candidates:
            parent[node], depth[node] = None, 0
            continue
        best = candidates[0]
        for other in candidates[1:]:
            if _path_less(other, best, parent, depth):
                best = other
        parent[node], depth[node] = best, depth[best] + 1
    paths: dict[Node, tuple[Node, ...]] = {}
    for target in targets:
        if target in parent:
            paths[target] = _path_to(target, parent)
    return paths


def _path_to(node: Node, parent: Mapping[Node, Node | None]) -> tuple[Node, ...]:
    nodes: list[Node] = []
    at: Node | None = node
    while at is not None:
        nodes.append(at)
        at = parent[at]
    return tuple(reversed(nodes))


def _path_less(
    a: Node, b: Node, parent: Mapping[Node, Node | None], depth: Mapping[Node, int]
) -> bool:
    """Whether the tree path to ``a`` is lexicographically smaller (by str of ids) than to ``b``."""
    x, y = a, b
    while depth[x] > depth[y]:
        x = parent[x]
    while depth[y] > depth[x]:
        y = parent[y]
    if x == y:  # one path is a prefix of the other: the shorter is smaller
        return depth[a] < depth[b]
    while parent[x] != parent[y]:
        x, y = parent[x], parent[y]
    if _str_key(x) != _str_key(y):
        return _str_key(x) < _str_key(y)
    # Distinct ids with the same text (1 and "1"): compare the whole sequences.
    return tuple(map(_str_key, _path_to(a, parent))) < tuple(map(_str_key, _path_to(b, parent)))


def _shortest_edges(
    adjacency: Mapping[Node, list[tuple[Node, float]]],
) -> dict[tuple[Node, Node], float]:
    """(u, v) -> km of the shortest edge between them (parallel edges: the shortest)."""
    km: dict[tuple[Node, Node], float] = {}
    for u, near in adjacency.items():
        for v, w in near:
            if w < km.get((u, v), math.inf):
                km[u, v] = w
    return km


def _cumulative(
    nodes: Sequence[Node], edge_km: Mapping[tuple[Node, Node], float]
) -> tuple[float, ...]:
    cum = [0.0]
    for pair in itertools.pairwise(nodes):
        cum.append(cum[-1] + edge_km[pair])
    return tuple(cum)
