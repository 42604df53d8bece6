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

from fleetplan.optimiser.frlm import Node, is_refuelled, round_trip_paths
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
