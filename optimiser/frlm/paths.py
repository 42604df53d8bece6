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
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleetplan.errors import InputError

if TYPE_CHECKING:
    import networkx as nx

FlowId = Hashable
Node = Hashable

#: Relative tolerance for "equal length" when breaking ties between paths.
PATH_TIE_RTOL = 1e-9


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


def round_trip_paths(
    graph: nx.Graph,
    flows: Flows,
    *,
    weight: str = "length",
    km_per_unit: float = 1.0,
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

    paths: dict[FlowId, Path] = {}
    for origin, items in by_origin.items():
        targets = {destination for _, destination in items}
        dist, preds = _tight_dijkstra(adjacency, origin, targets)
        for flow_id, destination in items:
            if destination not in dist:
                raise InputError(
                    f"flow {flow_id}: no path from '{origin}' to '{destination}'",
                    field="destination",
                )
        best = _lexicographic_paths(dist, preds, targets)
        for flow_id, destination in items:
            nodes = best[destination]
            paths[flow_id] = Path(
                flow_id=flow_id, nodes=nodes, cum_km=_cumulative(nodes, adjacency)
            )
    return paths


def _lexicographic_paths(
    dist: Mapping[Node, float], preds: Mapping[Node, list[Node]], targets: set[Node]
) -> dict[Node, tuple[Node, ...]]:
    """Lexicographically smallest shortest path (by str of ids) to every needed node."""
    needed: set[Node] = set()
    stack = list(targets)
    while stack:  # every node that lies on some shortest path to a target
        node = stack.pop()
        if node in needed:
            continue
        needed.add(node)
        stack.extend(preds[node])
    best: dict[Node, tuple[Node, ...]] = {}
    keys: dict[Node, tuple[str, ...]] = {}
    for node in (n for n in dist if n in needed):  # settle order: predecessors first
        if not preds[node]:
            best[node], keys[node] = (node,), (_str_key(node),)
            continue
        u = min(preds[node], key=lambda p: keys[p])
        best[node] = (*best[u], node)
        keys[node] = (*keys[u], _str_key(node))
    return best


def _cumulative(
    nodes: Sequence[Node], adjacency: Mapping[Node, list[tuple[Node, float]]]
) -> tuple[float, ...]:
    cum = [0.0]
    for u, v in itertools.pairwise(nodes):
        cum.append(cum[-1] + min(w for n, w in adjacency[u] if n == v))
    return tuple(cum)
