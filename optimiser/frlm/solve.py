"""The entry point :func:`solve_frlm`: validate, build either formulation, solve, read the stations off.

Backends: the arc-cover model goes to HiGHS directly through highspy by default
(:mod:`fleetplan.optimiser.frlm.highs_model`); ``backend="pyomo"`` builds it in
Pyomo and solves it through :func:`fleetplan.optimiser.solver.solve`, as the
path-combination model always is. Pyomo and pandas are imported only on the
Pyomo path, so ``fleetplan frlm`` starts without them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from fleetplan.errors import InputError
from fleetplan.optimiser.deadline import Deadline
from fleetplan.optimiser.frlm.arc_cover import (
    arc_cover_rows,
    build_frlm_model,
    merge_identical_flows,
)
from fleetplan.optimiser.frlm.highs_model import HighsOptions, build_highs_frlm, solve_highs_frlm
from fleetplan.optimiser.frlm.path_combination import (
    build_path_combination_model,
    station_combinations,
)
from fleetplan.optimiser.frlm.paths import (
    FlowId,
    Flows,
    Node,
    _flow_ids,
    round_trip_paths,
    sorted_nodes,
)

if TYPE_CHECKING:
    import networkx as nx

    from fleetplan.optimiser.solver import SolverOptions

FORMULATIONS = ("arc_cover", "path_combination")
#: How a model is built and handed to HiGHS: directly (arc-cover only) or through Pyomo.
BACKENDS = ("highspy", "pyomo")


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
        Time to find the paths, build the rows and the model; time to solve it (s).
    backend:
        ``"highspy"`` (the model handed to HiGHS directly) or ``"pyomo"``.
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
    backend: str = "highspy"

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


def flow_volumes(flows: Flows, ids: Sequence[FlowId]) -> dict[FlowId, float]:
    """Flow id → volume (the ``flow`` column, round trips per unit time, ≥ 0) for ``ids``.

    Raises
    ------
    InputError
        No ``flow`` column, or a volume that is not a finite number ≥ 0.
    """
    if "flow" not in flows:
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


def check_parameters(range_km: float, stations: int, candidates: Sequence[Node]) -> None:
    """Refuse a range (km) that is not > 0, or a station count ``p`` that is not 0..len(candidates)."""
    if not (math.isfinite(range_km) and range_km > 0):
        raise InputError(f"range {range_km!r}; expected a finite number > 0 (km)", field="range")
    if int(stations) != stations or stations < 0:
        raise InputError(f"stations {stations!r}; expected a whole number ≥ 0", field="stations")
    if stations > len(candidates):
        raise InputError(
            f"stations {stations} exceeds the {len(candidates)} candidate nodes", field="stations"
        )


def candidate_list(graph: nx.Graph, candidate_nodes: Iterable[Node] | None) -> list[Node]:
    """The candidate nodes, sorted by their string form (``None``: every node of ``graph``).

    Raises
    ------
    InputError
        A candidate that is not a node of ``graph``.
    """
    if candidate_nodes is None:
        return sorted_nodes(graph.nodes)
    candidates = sorted_nodes(set(candidate_nodes))
    unknown = [n for n in candidates if n not in graph]
    if unknown:
        raise InputError(
            f"candidate node '{unknown[0]}' is not in the graph", field="candidate_nodes"
        )
    return candidates


def _within(options: Any, seconds: float) -> Any:
    """``options`` with a time limit of at most ``seconds``."""
    limit = options.time_limit_s
    return dataclasses.replace(
        options, time_limit_s=seconds if limit is None else min(limit, seconds)
    )


def solve_frlm(
    graph: nx.Graph,
    flows: Flows,
    *,
    range_km: float,
    stations: int,
    candidate_nodes: Iterable[Node] | None = None,
    options: SolverOptions | HighsOptions | None = None,
    formulation: str = "arc_cover",
    weight: str = "length",
    km_per_unit: float = 1.0,
    backend: str | None = None,
    deadline: Deadline | None = None,
) -> FrlmResult:
    """Place ``stations`` stations to maximise the flow volume refuelled.

    Parameters
    ----------
    graph:
        Undirected graph with edge attribute ``weight``.
    flows:
        Columns ``origin``, ``destination``, ``flow`` (volume ≥ 0); ids from
        ``flow_id`` or the index. A DataFrame or a mapping column → values.
    range_km:
        Vehicle range on a full tank (km).
    stations:
        Number ``p`` of stations to open.
    candidate_nodes:
        Nodes allowed to host a station (default: every node).
    options:
        HiGHS time limit, gap, threads, seed: a :class:`HighsOptions` (needs no Pyomo) or a
        :class:`SolverOptions` (which extends it); default ``HighsOptions()``'s values.
    formulation:
        ``"arc_cover"`` (default) or ``"path_combination"`` (Kuby & Lim 2005;
        small instances only).
    weight, km_per_unit:
        Edge length attribute and km per unit of it.
    backend:
        ``"highspy"`` (arc-cover only: the model goes to HiGHS directly) or
        ``"pyomo"`` (built in Pyomo, solved through :mod:`fleetplan.optimiser.solver`).
        Default: ``"highspy"`` for the arc-cover formulation, ``"pyomo"`` for
        path-combination. Both reach the same optimum.
    deadline:
        A time limit over everything: finding the paths, the arc-cover rows and the
        model's build stop when it passes (:class:`~fleetplan.optimiser.deadline.TimeLimitReached`),
        and HiGHS gets what is left of it.

    Returns
    -------
    FrlmResult
        ``has_solution`` is False when HiGHS ended without an incumbent.
    """
    if formulation not in FORMULATIONS:
        raise InputError(f"unknown formulation '{formulation}'; expected one of {FORMULATIONS}")
    if backend is None:
        backend = "highspy" if formulation == "arc_cover" else "pyomo"
    if backend not in BACKENDS:
        raise InputError(f"unknown backend '{backend}'; expected one of {BACKENDS}")
    if backend == "highspy" and formulation != "arc_cover":
        raise InputError(
            f"the highspy backend builds the arc-cover formulation only, not '{formulation}'"
        )
    started = time.perf_counter()
    candidates = candidate_list(graph, candidate_nodes)
    check_parameters(range_km, stations, candidates)
    watch = (
        deadline.watch("finding the flows' paths and building the model")
        if deadline
        else contextlib.nullcontext()
    )
    with watch:
        paths = round_trip_paths(graph, flows, weight=weight, km_per_unit=km_per_unit)
        ids = list(paths)
        volumes = flow_volumes(flows, ids)
        flow_total = float(sum(volumes.values()))
        rows_by_flow = {}
        for f in ids:
            if deadline is not None:
                deadline.check("finding the arc-cover rows")  # also where no alarm can interrupt
            rows_by_flow[f] = arc_cover_rows(paths[f], range_km, candidates)
        uncoverable = [f for f in ids if not rows_by_flow[f]]

        if formulation == "arc_cover":
            positive = {f: r for f, r in rows_by_flow.items() if volumes[f] > 0}
            rows_by_group, group_volume, _ = merge_identical_flows(positive, volumes)
            n_rows = sum(len(rows) for rows in rows_by_group.values())
            n_groups = len(rows_by_group)
        if backend == "highspy":
            h = build_highs_frlm(rows_by_group, group_volume, candidates, stations)
    if backend == "highspy":
        if deadline is not None:
            # HiGHS gets what the paths and the build left of the limit.
            options = _within(
                options or HighsOptions(),
                deadline.solver_seconds("finding the flows' paths and building the model"),
            )
        build_seconds = time.perf_counter() - started
        solution = solve_highs_frlm(h, len(candidates), options or HighsOptions())
        status, has_solution = solution.status, solution.has_solution
        gap, objective, best_bound = solution.gap, solution.objective, solution.best_bound
        solve_seconds = solution.solve_time_s
        opened_positions = solution.opened
    else:
        import pyomo.environ as pyo

        from fleetplan.optimiser.solver import SolverOptions, solve

        if options is not None and not isinstance(options, SolverOptions):
            options = SolverOptions(**dataclasses.asdict(options))
        watch = deadline.watch("building the model") if deadline else contextlib.nullcontext()
        with watch:
            if formulation == "arc_cover":
                model = build_frlm_model(rows_by_group, group_volume, candidates, stations)
            else:
                model = build_path_combination_model(paths, volumes, candidates, stations, range_km)
                n_rows, n_groups = len(model.H), len(model.Q)
        if deadline is not None:
            options = _within(
                options or SolverOptions(), deadline.solver_seconds("building the model")
            )
        build_seconds = time.perf_counter() - started
        report = solve(model, options)
        status, has_solution = report.status, report.has_solution
        gap, objective, best_bound = report.gap, report.objective, report.best_bound
        solve_seconds = report.solve_time_s
        opened_positions = [
            k
            for k in model.K
            if has_solution and (pyo.value(model.x[k], exception=False) or 0) > 0.5
        ]
    if not has_solution:
        return FrlmResult(
            status=status,
            stations=[],
            flow_refuelled=None,
            flow_total=flow_total,
            gap=gap,
            objective=None,
            best_bound=best_bound,
            refuelled_flows=[],
            build_seconds=build_seconds,
            solve_seconds=solve_seconds,
            has_solution=False,
            formulation=formulation,
            uncoverable_flows=uncoverable,
            n_rows=n_rows,
            n_groups=n_groups,
            backend=backend,
        )
    opened = sorted_nodes(candidates[k] for k in opened_positions)
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
        status=status,
        stations=opened,
        flow_refuelled=float(sum(volumes[f] for f in refuelled)),
        flow_total=flow_total,
        gap=gap,
        objective=objective,
        best_bound=best_bound,
        refuelled_flows=refuelled,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        has_solution=True,
        formulation=formulation,
        uncoverable_flows=uncoverable,
        n_rows=n_rows,
        n_groups=n_groups,
        backend=backend,
    )
