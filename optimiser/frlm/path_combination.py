"""The original path-combination FRLM (Kuby & Lim 2005), kept as a benchmark.

Each flow is refuelled by any open *combination* of stations that refuels its
round trip on its own (:func:`fleetplan.optimiser.frlm.rules.is_refuelled`);
the combinations are enumerated, so only small instances are practical.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fleetplan.errors import TooManyCombinationsError
from fleetplan.optimiser.frlm.paths import FlowId, Node, Path, sorted_nodes
from fleetplan.optimiser.frlm.rules import is_refuelled

if TYPE_CHECKING:  # imported when the model is built: importing this module stays light
    import pyomo.environ as pyo


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

    import pyomo.environ as pyo

    from fleetplan.optimiser.frlm.common import _flow_objective, _station_count

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
