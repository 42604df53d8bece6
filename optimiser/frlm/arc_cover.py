"""The arc-cover path-cover FRLM (the default formulation): rows, their reduction, the model.

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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fleetplan.optimiser.frlm.paths import FlowId, Node, Path, _str_key
from fleetplan.optimiser.frlm.rules import _range_tol

if TYPE_CHECKING:  # Pyomo is imported when a Pyomo model is built: the rows do not need it
    import pyomo.environ as pyo


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
    # Visits around the cycle (n = 2m of them) and the length of the arc leaving each.
    visits = list(nodes) + list(nodes[-2:0:-1])
    lengths = [cum[i + 1] - cum[i] for i in range(m)] + [
        cum[i] - cum[i - 1] for i in range(m, 0, -1)
    ]
    if max(lengths) > range_km + tol:
        return []
    n = 2 * m
    # Two laps unrolled: arc j of the cycle is arc j + n here, and the visits that can reach
    # its end on one tank form one window [start, j + n] (distances grow along the laps), at
    # most n visits long (a visit at the arc's end counts only after a whole lap). The
    # window's start is found by a binary search on the distances run, for all arcs at once.
    run = np.concatenate(([0.0], np.cumsum(np.asarray(lengths + lengths, dtype=np.float64))))
    ends = np.arange(n, 2 * n)
    starts = np.searchsorted(run, run[ends + 1] - (range_km + tol), side="left")
    starts = np.maximum(starts, ends - n + 1)
    # A window that only adds its own arc's start to the previous arc's window holds that
    # window's row and more: it is implied, so only windows whose start moved are kept.
    previous = np.concatenate(([starts[-1] - n], starts[:-1]))
    kept = np.flatnonzero(starts != previous)
    twice = visits + visits
    positions = [i for i, v in enumerate(twice) if allowed is None or v in allowed]
    hosts = [twice[i] for i in positions]
    first = np.searchsorted(positions, starts[kept], side="left").tolist()
    last = np.searchsorted(positions, ends[kept], side="right").tolist()
    rows: set[frozenset] = set()
    for a, b in zip(first, last, strict=True):
        if a >= b:  # no candidate can refuel this arc
            return []
        rows.add(frozenset(hosts[a:b]))
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
    import pyomo.environ as pyo

    from fleetplan.optimiser.frlm.common import _flow_objective, _station_count

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
