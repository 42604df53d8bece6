"""Test oracle of the FRLM: the optimum by exhaustive enumeration (small graphs only).

It shares only the shortest paths and the refuelling simulation
(:func:`fleetplan.optimiser.frlm.is_refuelled`) with the library, not the
arc-cover rows or either MIP, so it checks them independently. It is not part
of the library: nothing outside the tests needs it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import networkx as nx
import pandas as pd

from fleetplan.optimiser.frlm import Node, Path, is_refuelled, round_trip_paths
from fleetplan.optimiser.frlm.arc_cover import _minimal_rows
from fleetplan.optimiser.frlm.rules import _range_tol
from fleetplan.optimiser.frlm.solve import candidate_list, check_parameters, flow_volumes


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
    """Optimum by enumerating every station set of size ``p`` (small graphs).

    Uses the same shortest paths as :func:`solve_frlm` and :func:`is_refuelled`
    for every flow and set.

    Returns
    -------
    best_flow, best_sets
        The largest refuelled volume and every station set (sorted tuples of
        nodes, in sorted order) that attains it.
    """
    candidates = candidate_list(graph, candidate_nodes)
    check_parameters(range_km, stations, candidates)
    paths = round_trip_paths(graph, flows, weight=weight, km_per_unit=km_per_unit)
    volumes = flow_volumes(flows, list(paths))
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


def arc_cover_rows_by_definition(
    path: Path, range_km: float, candidate_nodes: Iterable[Node] | None = None
) -> list[frozenset]:
    """The arc-cover rows by their definition, one arc at a time: for each directed arc of the
    round trip, walk back visit by visit while the distance to the arc's end is within range
    (the library's :func:`arc_cover_rows` finds the same windows by binary search)."""
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
