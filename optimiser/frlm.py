"""Flow refuelling location model (FRLM): place ``p`` stations to refuel the most flow.

A flow ``q`` is a vehicle round trip origin → destination → origin along the
shortest path of an undirected graph, with volume ``f_q`` (round trips per
unit time). Vehicles have a range ``R`` (km) on a full tank.

Refuelling convention (Kuby & Lim 2005)
---------------------------------------
Let the one-way path be ``v_0 = O, v_1, ..., v_m = D`` with cumulative
distances ``c_0 = 0 < c_1 < ... < c_m = L`` (km). The round trip is the closed
cycle of length ``2L`` that visits ``v_0, ..., v_m, v_{m-1}, ..., v_1`` and
comes back to ``v_0``; an interior node is visited twice (at cycle positions
``c_i`` and ``2L - c_i``), the origin and the destination once each (at ``0``
and ``L``). A station at a node refills the tank to ``R`` at every visit.

The flow is refuelled by the open stations ``S`` iff

1. at least one node of the path is in ``S`` (a trip that never refuels is
   not sustainable, however short), and
2. every gap between consecutive station visits around the cycle, measured
   along the round trip, is ≤ ``R``.

This is Kuby & Lim's rule stated cyclically. Their wording is: a vehicle
starts full if there is a station at its origin and with half a tank (``R/2``)
otherwise, must never run dry, and (steady state) must get back to the origin
with at least what it left with. The two are the same: without a station at
``O``, the gap that wraps round ``O`` is ``2·d_1`` where ``d_1`` is the distance
from ``O`` to the nearest station on the path, and ``2·d_1 ≤ R`` is exactly
"reach the first station on half a tank"; coming home, the vehicle leaves that
same station full and arrives with ``R - d_1 ≥ R/2``. With a station at ``O``
the origin is an ordinary refill point at cycle position ``0 ≡ 2L``, so if it
is the *only* station the vehicle must do the whole round trip on one tank
(``2L ≤ R``): a station at the origin covers the last arc (the one arriving
back at ``O``) only when the whole round trip fits in the range. Likewise a
station only at ``D`` needs ``2L ≤ R`` (``L`` on half a tank out, then ``L``
back). :func:`is_refuelled` checks the rule by simulating the fuel level, not
through the cycle algebra, so it is an independent check of the MIP rows.

Distances are compared with a tolerance of ``1e-9·max(1, R)`` km so that a gap
exactly equal to the range counts as feasible despite rounding.

Arc-cover path-cover form (Capar & Kuby 2012; Capar et al. 2013)
----------------------------------------------------------------
For each directed arc ``a`` of the round trip, ``K_a`` is the set of candidate
nodes with a visit ``u`` *before* the arc such that the distance travelled from
``u`` to the end of ``a`` is ≤ ``R`` (a visit at the arc's own end node counts
only after a whole lap, distance ``2L``). Then flow ``q`` is refuelled iff every
``K_a`` contains an open station: if all cyclic gaps are ≤ ``R``, the last
station visit at or before the arc's start is within ``R`` of its end;
conversely the arc ending at a station visit ``w`` is covered only by a visit
no further back than the previous visit ``u``, so that gap is ≤ ``R``.
Condition 1 follows because a flow has at least one arc. The MIP is::

    max  Σ_q f_q·y_q
    s.t. y_q ≤ Σ_{k∈K_a} x_k     for every flow q and arc a of q (non-redundant rows)
         Σ_k x_k = p
         x_k ∈ {0, 1},  0 ≤ y_q ≤ 1.

``y`` can be continuous: with binary ``x`` each right-hand side is an integer,
so the largest feasible ``y_q`` is ``min(1, min_a Σ_{k∈K_a} x_k) ∈ {0, 1}``.
Rows are shrunk before the model is built: within one flow a row that
contains another row is implied by it and is dropped, and flows with the same
set of rows are merged into one group (volumes summed). A flow with an arc
longer than ``R`` (or an arc no candidate can cover) is *uncoverable*: it gets
no rows and no ``y`` variable.

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

References
----------
Kuby, M., Lim, S. (2005). The flow-refueling location problem for
alternative-fuel vehicles. Socio-Economic Planning Sciences 39(2), 125-145.
Capar, I., Kuby, M. (2012). An efficient formulation of the flow refueling
location model for alternative-fuel stations. IIE Transactions 44(8), 622-636.
Capar, I., Kuby, M., Leon, V. J., Tsai, Y.-J. (2013). An arc cover-path-cover
formulation and strategic analysis of alternative-fuel station locations.
European Journal of Operational Research 227(1), 142-151.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx
import pandas as pd
import pyomo.environ as pyo
from fleetplan.optimiser.solver import SolverOptions, solve

from fleetplan.errors import InputError, TooManyCombinationsError

FlowId = Hashable
Node = Hashable

#: Relative tolerance for "equal length" when breaking ties between paths.
PATH_TIE_RTOL = 1e-9

FORMULATIONS = ("arc_cover", "path_combination")


def _range_tol(range_km: float) -> float:
    """Absolute tolerance (km) used when comparing a distance with the range."""
    return 1e-9 * max(1.0, range_km)


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


# --------------------------------------------------------------------------- paths


def _flow_ids(flows: pd.DataFrame) -> list[FlowId]:
    ids = list(flows["flow_id"]) if "flow_id" in flows.columns else list(flows.index)
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
    flows: pd.DataFrame,
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
        Columns ``origin`` and ``destination``; the flow id is the ``flow_id``
        column if present, else the index.
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
        if column not in flows.columns:
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


# --------------------------------------------------------------- refuelling rule


def is_refuelled(
    path_nodes: Sequence[Node],
    path_cum_km: Sequence[float],
    stations: Iterable[Node],
    range_km: float,
) -> bool:
    """Whether stations ``stations`` refuel the round trip of a path (brute-force check).

    Simulates the fuel level (km of range left) around origin → destination →
    origin: the vehicle leaves the origin full (``R``) if the origin has a
    station and with ``R/2`` otherwise; every arc burns its length; the tank
    must never go below zero; at every node with a station (each visit) it is
    refilled to ``R``. The flow is refuelled iff the tank never runs dry, at
    least one path node has a station, and (steady state) the vehicle gets
    back to a station-less origin with at least the ``R/2`` it left with (this
    last test is implied by the others and kept as a statement of the rule).

    Parameters
    ----------
    path_nodes:
        Node ids from origin to destination (at least two).
    path_cum_km:
        Distance from the origin to each node (km), starting at 0.
    stations:
        Nodes with an open station (nodes off the path are ignored).
    range_km:
        Range on a full tank (km).
    """
    station_set = set(stations)
    nodes = list(path_nodes)
    cum = list(path_cum_km)
    if len(nodes) < 2 or len(cum) != len(nodes):
        raise ValueError("a path needs at least two nodes and one distance per node")
    if not station_set.intersection(nodes):
        return False
    tol = _range_tol(range_km)
    # The round trip: out along the path, then back along it to the origin.
    visits = nodes + nodes[-2::-1]
    positions = cum + [2 * cum[-1] - c for c in cum[-2::-1]]
    start_full = nodes[0] in station_set
    fuel = range_km if start_full else range_km / 2
    for i in range(1, len(visits)):
        fuel -= positions[i] - positions[i - 1]
        if fuel < -tol:
            return False
        if visits[i] in station_set:
            fuel = range_km
    return start_full or fuel >= range_km / 2 - tol


# ------------------------------------------------------------------ arc-cover rows


def arc_cover_rows(
    path: Path, range_km: float, candidate_nodes: Iterable[Node] | None = None
) -> list[frozenset]:
    """Non-redundant arc-cover rows ``K_a`` of one flow's round trip.

    For each directed arc of the round trip (``2m`` arcs for a path of ``m``
    edges), the set of candidate nodes from which the arc can be driven on one
    tank: nodes with a visit before the arc whose distance along the round
    trip to the arc's end is ≤ ``range_km`` (a visit at the arc's end node
    counts only after a full lap of ``2L`` km). Rows that contain another row
    are dropped, as are duplicates.

    Parameters
    ----------
    path:
        The flow's one-way path (distances in km).
    range_km:
        Range on a full tank (km).
    candidate_nodes:
        Nodes allowed to host a station (``None``: every node).

    Returns
    -------
    list of frozenset
        The minimal rows, in a deterministic order. An empty list means the
        flow is uncoverable (an arc longer than the range, or an arc that no
        candidate node can cover): no station set refuels it.
    """
    nodes, cum = path.nodes, path.cum_km
    m = len(nodes) - 1
    tol = _range_tol(range_km)
    allowed = None if candidate_nodes is None else set(candidate_nodes)
    # Visits around the cycle (2m of them) and the length of the arc leaving each.
    visits = list(nodes) + list(nodes[-2:0:-1])
    lengths = [cum[i + 1] - cum[i] for i in range(m)] + [
        cum[i] - cum[i - 1] for i in range(m, 0, -1)
    ]
    if max(lengths) > range_km + tol:
        return []
    n = 2 * m
    rows: set[frozenset] = set()
    for j in range(n):  # arc j runs from visit j to visit j+1 (mod n)
        row: set[Node] = set()
        reach = lengths[j]  # distance from the visit being examined to the arc's end
        i = j
        for _ in range(n):  # at most one full lap back; the last visit is the arc's end
            if reach > range_km + tol:
                break
            if allowed is None or visits[i] in allowed:
                row.add(visits[i])
            i = (i - 1) % n
            reach += lengths[i]
        if not row:
            return []
        rows.add(frozenset(row))
    return _minimal_rows(rows)


def _minimal_rows(rows: Iterable[frozenset]) -> list[frozenset]:
    """Drop rows that contain another row (they are implied by it)."""
    kept: list[frozenset] = []
    for row in sorted(set(rows), key=lambda r: (len(r), sorted(map(_str_key, r)))):
        if not any(other <= row for other in kept):
            kept.append(row)
    return kept


def merge_identical_flows(
    rows_by_flow: Mapping[FlowId, Sequence[frozenset]], volumes: Mapping[FlowId, float]
) -> tuple[dict[int, tuple[frozenset, ...]], dict[int, float], dict[int, list[FlowId]]]:
    """Group flows whose row sets are identical; uncoverable flows are left out.

    Parameters
    ----------
    rows_by_flow:
        Flow id → its rows from :func:`arc_cover_rows`.
    volumes:
        Flow id → volume (round trips per unit time).

    Returns
    -------
    rows_by_group, group_volume, members
        Group index (0, 1, ...) → its rows; → the summed volume of its flows;
        → the flow ids in it. Flows with no rows (uncoverable) are in no group.
    """
    index: dict[frozenset, int] = {}
    rows_by_group: dict[int, tuple[frozenset, ...]] = {}
    group_volume: dict[int, float] = {}
    members: dict[int, list[FlowId]] = {}
    for flow_id, rows in rows_by_flow.items():
        if not rows:
            continue
        key = frozenset(rows)
        group = index.get(key)
        if group is None:
            group = index[key] = len(index)
            rows_by_group[group] = tuple(rows)
            group_volume[group] = 0.0
            members[group] = []
        group_volume[group] += float(volumes[flow_id])
        members[group].append(flow_id)
    return rows_by_group, group_volume, members


# ------------------------------------------------------------------------ models


def _station_count(model: pyo.ConcreteModel) -> None:
    """Exactly p stations open: Σ_k x_k = p."""
    model.station_count = pyo.Constraint(expr=pyo.quicksum(model.x[k] for k in model.K) == model.p)


def _flow_objective(model: pyo.ConcreteModel, volume: Mapping[int, float]) -> None:
    """Maximise the flow volume refuelled: Σ_q f_q·y_q."""
    model.flow_refuelled = pyo.Objective(
        expr=pyo.quicksum(volume[q] * model.y[q] for q in model.Q), sense=pyo.maximize
    )


def build_frlm_model(
    rows_by_group: Mapping[int, Sequence[frozenset]],
    volumes: Mapping[int, float],
    candidate_nodes: Sequence[Node],
    stations: int,
) -> pyo.ConcreteModel:
    """Arc-cover path-cover FRLM (Capar et al. 2013) as a Pyomo model.

    Parameters
    ----------
    rows_by_group:
        Flow group → its arc-cover rows (sets of candidate nodes); groups with
        no rows must be left out (they can never be refuelled).
    volumes:
        Flow group → volume (round trips per unit time).
    candidate_nodes:
        Nodes that may host a station; ``x`` is indexed by their position here.
    stations:
        Number ``p`` of stations to open (``0 ≤ p ≤ len(candidate_nodes)``).

    Returns
    -------
    pyomo.ConcreteModel
        Variables ``x[k]`` (binary, station at ``candidate_nodes[k]``) and
        ``y[q]`` (continuous in [0, 1], group ``q`` refuelled); the Python
        attributes ``candidates`` and ``groups`` map indices back to ids.
    """
    candidates = list(candidate_nodes)
    position = {node: k for k, node in enumerate(candidates)}
    groups = list(rows_by_group)
    # Index sets in plain Python first: (group, row) → candidate positions.
    row_members: dict[tuple[int, int], list[int]] = {}
    for q, group in enumerate(groups):
        for r, row in enumerate(rows_by_group[group]):
            ks = sorted(position[node] for node in row if node in position)
            if not ks:
                raise ValueError(f"group {group} has a row with no candidate node")
            row_members[q, r] = ks
    volume = {q: float(volumes[group]) for q, group in enumerate(groups)}

    model = pyo.ConcreteModel(name="frlm_arc_cover")
    model.candidates = candidates
    model.groups = groups
    model.K = pyo.Set(initialize=range(len(candidates)), ordered=True)
    model.Q = pyo.Set(initialize=range(len(groups)), ordered=True)
    model.A = pyo.Set(initialize=list(row_members), dimen=2, ordered=True)
    model.p = pyo.Param(initialize=int(stations), mutable=True)
    model.x = pyo.Var(model.K, within=pyo.Binary)
    # Continuous is enough: with binary x the best y_q is min(1, integer) ∈ {0, 1}.
    model.y = pyo.Var(model.Q, bounds=(0.0, 1.0))

    def arc_cover(m: pyo.ConcreteModel, q: int, r: int) -> Any:
        """A flow counts as refuelled only if every arc of its round trip is
        covered: y_q ≤ Σ_{k ∈ K_a} x_k for each of its (non-redundant) arc rows a."""
        return m.y[q] <= pyo.quicksum(m.x[k] for k in row_members[q, r])

    model.arc_cover = pyo.Constraint(model.A, rule=arc_cover)
    _station_count(model)
    _flow_objective(model, volume)
    return model


def station_combinations(
    path: Path,
    range_km: float,
    candidate_nodes: Iterable[Node] | None,
    max_size: int,
) -> list[frozenset]:
    """Minimal station sets of size ≤ ``max_size`` on a path that refuel its round trip.

    Enumerates subsets of the candidate nodes on the path in increasing size,
    skips supersets of sets already found, and tests each with
    :func:`is_refuelled` (the simulation, not the arc-cover rows).
    """
    allowed = None if candidate_nodes is None else set(candidate_nodes)
    on_path = sorted_nodes({n for n in path.nodes if allowed is None or n in allowed})
    found: list[frozenset] = []
    for size in range(1, min(max_size, len(on_path)) + 1):
        for combo in itertools.combinations(on_path, size):
            subset = frozenset(combo)
            if any(f <= subset for f in found):
                continue
            if is_refuelled(path.nodes, path.cum_km, subset, range_km):
                found.append(subset)
    return found


def build_path_combination_model(
    paths: Mapping[FlowId, Path],
    volumes: Mapping[FlowId, float],
    candidate_nodes: Sequence[Node],
    stations: int,
    range_km: float,
    *,
    max_combinations: int = 200_000,
) -> pyo.ConcreteModel:
    """The original Kuby & Lim (2005) FRLM (station combinations), as a benchmark.

    Only minimal combinations of at most ``p`` stations are generated (a
    larger one can never be open, a superset of a refuelling set adds nothing).

    Parameters
    ----------
    paths:
        Flow id → path (km).
    volumes:
        Flow id → volume.
    candidate_nodes:
        Nodes that may host a station.
    stations:
        Number ``p`` of stations.
    range_km:
        Range on a full tank (km).
    max_combinations:
        Refuse (:class:`TooManyCombinationsError`) when the subsets to test,
        Σ_q Σ_{s≤p} C(n_q, s) with ``n_q`` candidates on path ``q``, exceed this.

    Returns
    -------
    pyomo.ConcreteModel
        Variables ``x[k]`` (binary), ``v[h]`` and ``y[q]`` (continuous in [0, 1]);
        attributes ``candidates``, ``flows`` and ``combinations`` map indices to ids.
    """
    candidates = list(candidate_nodes)
    position = {node: k for k, node in enumerate(candidates)}
    p = int(stations)
    work = 0
    for path in paths.values():
        n = len({node for node in path.nodes if node in position})
        work += sum(math.comb(n, s) for s in range(1, min(p, n) + 1))
    if work > max_combinations:
        raise TooManyCombinationsError(
            f"the path-combination FRLM would test {work} station sets (limit {max_combinations}); "
            "use the arc-cover formulation for instances this size"
        )
    # Plain-Python index sets: each distinct combination once, and which flows it refuels.
    combo_index: dict[frozenset, int] = {}
    combos_of_flow: dict[int, list[int]] = {}
    flows = [f for f in paths if float(volumes[f]) > 0]
    for q, flow_id in enumerate(flows):
        combos_of_flow[q] = [
            combo_index.setdefault(combo, len(combo_index))
            for combo in station_combinations(paths[flow_id], range_km, candidates, p)
        ]
    combo_members = {h: sorted(position[n] for n in combo) for combo, h in combo_index.items()}
    pairs = [(h, k) for h, ks in combo_members.items() for k in ks]
    volume = {q: float(volumes[f]) for q, f in enumerate(flows)}

    model = pyo.ConcreteModel(name="frlm_path_combination")
    model.candidates = candidates
    model.flows = flows
    model.combinations = {h: combo for combo, h in combo_index.items()}
    model.K = pyo.Set(initialize=range(len(candidates)), ordered=True)
    model.Q = pyo.Set(initialize=range(len(flows)), ordered=True)
    model.H = pyo.Set(initialize=range(len(combo_index)), ordered=True)
    model.HK = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    model.p = pyo.Param(initialize=p, mutable=True)
    model.x = pyo.Var(model.K, within=pyo.Binary)
    # v and y continuous: with binary x, the best v_h = min_k x_k and y_q ∈ {0, 1}.
    model.v = pyo.Var(model.H, bounds=(0.0, 1.0))
    model.y = pyo.Var(model.Q, bounds=(0.0, 1.0))

    def refuelled_by_combination(m: pyo.ConcreteModel, q: int) -> Any:
        """A flow is refuelled only if some combination that refuels it is open:
        y_q ≤ Σ_h b_qh·v_h."""
        if not combos_of_flow[q]:
            return m.y[q] <= 0
        return m.y[q] <= pyo.quicksum(m.v[h] for h in combos_of_flow[q])

    def combination_open(m: pyo.ConcreteModel, h: int, k: int) -> Any:
        """A combination is open only if each of its stations is: v_h ≤ x_k for k ∈ h."""
        return m.v[h] <= m.x[k]

    model.refuelled_by_combination = pyo.Constraint(model.Q, rule=refuelled_by_combination)
    model.combination_open = pyo.Constraint(model.HK, rule=combination_open)
    _station_count(model)
    _flow_objective(model, volume)
    return model


# ------------------------------------------------------------------------- solve


@dataclass
class FrlmResult:
    """What :func:`solve_frlm` found.

    Attributes
    ----------
    status:
        Solver status word (``optimal``, ``time_limit``, ...; see :mod:`fleetplan.optimiser.solver`).
    stations:
        Open station nodes, sorted by their string form (empty without a solution).
    flow_refuelled:
        Volume of the flows the open stations refuel (recomputed from the
        stations, not read off ``y``); ``None`` without a solution.
    flow_total:
        Volume of all flows.
    gap:
        Relative MIP gap reported by HiGHS (``None`` if unknown).
    objective, best_bound:
        MIP objective and bound (volume units).
    refuelled_flows:
        Ids of the refuelled flows.
    build_seconds, solve_seconds:
        Time to build the rows and the Pyomo model; time in HiGHS (s).
    """

    status: str
    stations: list[Node]
    flow_refuelled: float | None
    flow_total: float
    gap: float | None
    objective: float | None
    best_bound: float | None
    refuelled_flows: list[FlowId]
    build_seconds: float
    solve_seconds: float
    has_solution: bool
    formulation: str = "arc_cover"
    uncoverable_flows: list[FlowId] = field(default_factory=list)
    n_rows: int = 0
    n_groups: int = 0

    @property
    def share_refuelled(self) -> float | None:
        """flow_refuelled / flow_total (None without a solution or with no flow)."""
        if self.flow_refuelled is None or self.flow_total <= 0:
            return None
        return self.flow_refuelled / self.flow_total

    def to_dict(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["share_refuelled"] = self.share_refuelled
        return payload


def _volumes(flows: pd.DataFrame, ids: Sequence[FlowId]) -> dict[FlowId, float]:
    if "flow" not in flows.columns:
        raise InputError("flows need a 'flow' column (volume)", field="flow")
    # Paths come back grouped by origin, not in the table's order: look volumes up by id.
    by_id = dict(zip(_flow_ids(flows), flows["flow"], strict=True))
    volumes = {}
    for flow_id in ids:
        value = by_id[flow_id]
        volume = float(value)
        if not math.isfinite(volume) or volume < 0:
            raise InputError(f"flow {flow_id}: volume {value!r}; expected ≥ 0", field="flow")
        volumes[flow_id] = volume
    return volumes


def _check_parameters(range_km: float, stations: int, candidates: Sequence[Node]) -> None:
    if not (math.isfinite(range_km) and range_km > 0):
        raise InputError(f"range {range_km!r}; expected a finite number > 0 (km)", field="range")
    if int(stations) != stations or stations < 0:
        raise InputError(f"stations {stations!r}; expected a whole number ≥ 0", field="stations")
    if stations > len(candidates):
        raise InputError(
            f"stations {stations} exceeds the {len(candidates)} candidate nodes", field="stations"
        )


def _candidates(graph: nx.Graph, candidate_nodes: Iterable[Node] | None) -> list[Node]:
    if candidate_nodes is None:
        return sorted_nodes(graph.nodes)
    candidates = sorted_nodes(set(candidate_nodes))
    unknown = [n for n in candidates if n not in graph]
    if unknown:
        raise InputError(
            f"candidate node '{unknown[0]}' is not in the graph", field="candidate_nodes"
        )
    return candidates


def solve_frlm(
    graph: nx.Graph,
    flows: pd.DataFrame,
    *,
    range_km: float,
    stations: int,
    candidate_nodes: Iterable[Node] | None = None,
    options: SolverOptions | None = None,
    formulation: str = "arc_cover",
    weight: str = "length",
    km_per_unit: float = 1.0,
) -> FrlmResult:
    """Place ``stations`` stations to maximise the flow volume refuelled.

    Parameters
    ----------
    graph:
        Undirected graph with edge attribute ``weight``.
    flows:
        Columns ``origin``, ``destination``, ``flow`` (volume ≥ 0); ids from
        ``flow_id`` or the index.
    range_km:
        Vehicle range on a full tank (km).
    stations:
        Number ``p`` of stations to open.
    candidate_nodes:
        Nodes allowed to host a station (default: every node).
    options:
        HiGHS time limit, gap, threads (default :class:`SolverOptions`).
    formulation:
        ``"arc_cover"`` (default) or ``"path_combination"`` (Kuby & Lim 2005;
        small instances only).
    weight, km_per_unit:
        Edge length attribute and km per unit of it.

    Returns
    -------
    FrlmResult
        ``has_solution`` is False when HiGHS ended without an incumbent.
    """
    if formulation not in FORMULATIONS:
        raise InputError(f"unknown formulation '{formulation}'; expected one of {FORMULATIONS}")
    options = options or SolverOptions()
    started = time.perf_counter()
    candidates = _candidates(graph, candidate_nodes)
    _check_parameters(range_km, stations, candidates)
    paths = round_trip_paths(graph, flows, weight=weight, km_per_unit=km_per_unit)
    ids = list(paths)
    volumes = _volumes(flows, ids)
    flow_total = float(sum(volumes.values()))
    rows_by_flow = {f: arc_cover_rows(paths[f], range_km, candidates) for f in ids}
    uncoverable = [f for f in ids if not rows_by_flow[f]]

    if formulation == "arc_cover":
        positive = {f: r for f, r in rows_by_flow.items() if volumes[f] > 0}
        rows_by_group, group_volume, _ = merge_identical_flows(positive, volumes)
        model = build_frlm_model(rows_by_group, group_volume, candidates, stations)
        n_rows, n_groups = len(model.A), len(model.Q)
    else:
        model = build_path_combination_model(paths, volumes, candidates, stations, range_km)
        n_rows, n_groups = len(model.H), len(model.Q)
    build_seconds = time.perf_counter() - started

    report = solve(model, options)
    if not report.has_solution:
        return FrlmResult(
            status=report.status,
            stations=[],
            flow_refuelled=None,
            flow_total=flow_total,
            gap=report.gap,
            objective=None,
            best_bound=report.best_bound,
            refuelled_flows=[],
            build_seconds=build_seconds,
            solve_seconds=report.solve_time_s,
            has_solution=False,
            formulation=formulation,
            uncoverable_flows=uncoverable,
            n_rows=n_rows,
            n_groups=n_groups,
        )
    opened = sorted_nodes(
        model.candidates[k] for k in model.K if (pyo.value(model.x[k], exception=False) or 0) > 0.5
    )
    if formulation == "arc_cover":
        # Read coverage off the rows (all hit) rather than y, which an early
        # incumbent may leave below its attainable value.
        open_set = set(opened)
        refuelled = [
            f for f in ids if rows_by_flow[f] and all(r & open_set for r in rows_by_flow[f])
        ]
    else:
        open_set = frozenset(opened)
        refuelled = [
            f
            for f in ids
            if any(
                c <= open_set
                for c in station_combinations(paths[f], range_km, candidates, len(opened))
            )
        ]
    return FrlmResult(
        status=report.status,
        stations=opened,
        flow_refuelled=float(sum(volumes[f] for f in refuelled)),
        flow_total=flow_total,
        gap=report.gap,
        objective=report.objective,
        best_bound=report.best_bound,
        refuelled_flows=refuelled,
        build_seconds=build_seconds,
        solve_seconds=report.solve_time_s,
        has_solution=True,
        formulation=formulation,
        uncoverable_flows=uncoverable,
        n_rows=n_rows,
        n_groups=n_groups,
    )


def brute_force_frlm(
    graph: nx.Graph,
    flows: pd.DataFrame,
    range_km: float,
    stations: int,
    candidate_nodes: Iterable[Node] | None = None,
    *,
    weight: str = "length",
    km_per_unit: float = 1.0,
) -> tuple[float, list[tuple[Node, ...]]]:
    """Optimum by enumerating every station set of size ``p`` (tests only; small graphs).

    Uses the same shortest paths as :func:`solve_frlm` and :func:`is_refuelled`
    for every flow and set.

    Returns
    -------
    best_flow, best_sets
        The largest refuelled volume and every station set (sorted tuples of
        nodes, in sorted order) that attains it.
    """
    candidates = _candidates(graph, candidate_nodes)
    _check_parameters(range_km, stations, candidates)
    paths = round_trip_paths(graph, flows, weight=weight, km_per_unit=km_per_unit)
    volumes = _volumes(flows, list(paths))
    best, best_sets = -1.0, []
    for combo in itertools.combinations(candidates, int(stations)):
        chosen = set(combo)
        value = sum(
            volumes[f]
            for f, path in paths.items()
            if is_refuelled(path.nodes, path.cum_km, chosen, range_km)
        )
        if value > best + 1e-9:
            best, best_sets = value, [combo]
        elif abs(value - best) <= 1e-9:
            best_sets.append(combo)
    return float(best), best_sets
