"""The arc-cover FRLM handed to HiGHS directly (highspy), without Pyomo: the default backend.

The model is the one :func:`fleetplan.optimiser.frlm.build_frlm_model` builds
in Pyomo (see :mod:`fleetplan.optimiser.frlm.arc_cover`), written as one
row-wise sparse matrix::

    columns  x_k  binary, one per candidate node (position k in ``candidates``)
             y_q  continuous in [0, 1], one per flow group
    rows     y_q − Σ_{k∈K_a} x_k ≤ 0     one per (non-redundant) arc-cover row
             Σ_k x_k = p
    maximise Σ_q f_q·y_q                  (flow volume refuelled)

Why: importing Pyomo (≈0.4-0.7 s) and building the model through it cost more
than the solve on a small network, and ``fleetplan frlm`` is a one-shot
command. On large instances the direct build is also several times faster
(``bench.frlm_baselines``, BENCHMARKS.md). Status words, gap and bound follow
:mod:`fleetplan.optimiser.solver`, so both backends report alike.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleetplan.optimiser.frlm.paths import Node
from fleetplan.optimiser.highs_core import HighsOptions, apply_options, highspy_module, new_highs
from fleetplan.optimiser.highs_status import HIGHS_STATUS

__all__ = ["HighsFrlmSolution", "HighsOptions", "build_highs_frlm", "solve_highs_frlm"]


@dataclass
class HighsFrlmSolution:
    """What HiGHS returned for the arc-cover FRLM.

    status: status word (``optimal``, ``time_limit``, ...).
    termination: HiGHS's own model status name.
    objective, best_bound: flow volume refuelled by the incumbent, and the MIP bound
        (volume units; ``None`` when unknown).
    gap: relative gap |objective − bound| / max(|objective|, 1e-9), 0 when optimal.
    solve_time_s: wall time of ``Highs.run`` (s).
    has_solution: whether there is an incumbent.
    opened: positions k (in ``candidates``) with x_k = 1.
    """

    status: str
    termination: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    solve_time_s: float
    has_solution: bool
    opened: list[int]


def build_highs_frlm(
    rows_by_group: Mapping[int, Sequence[frozenset]],
    volumes: Mapping[int, float],
    candidates: Sequence[Node],
    stations: int,
) -> Any:
    """The arc-cover FRLM as a ``highspy.Highs`` instance, model passed, output off.

    Parameters
    ----------
    rows_by_group:
        Flow group → its arc-cover rows (sets of candidate nodes); groups with
        no rows must be left out (they can never be refuelled).
    volumes:
        Flow group → volume (round trips per unit time).
    candidates:
        Nodes that may host a station; column ``k`` is ``candidates[k]``.
    stations:
        Number ``p`` of stations to open (``0 ≤ p ≤ len(candidates)``).

    Raises
    ------
    ValueError
        A row with no candidate node (the caller must leave such groups out).
    """
    highspy = highspy_module()
    import numpy as np  # highspy imports numpy already: no extra start-up

    n_k = len(candidates)
    position = {node: k for k, node in enumerate(candidates)}
    groups = list(rows_by_group)
    starts, index = [0], []
    values: list[float] = []
    for q, group in enumerate(groups):
        for row in rows_by_group[group]:
            ks = sorted(position[n] for n in row if n in position)
            if not ks:
                raise ValueError(f"group {group} has a row with no candidate node")
            index.append(n_k + q)
            index.extend(ks)
            values.append(1.0)
            values.extend([-1.0] * len(ks))
            starts.append(len(index))
    n_cover = len(starts) - 1
    index.extend(range(n_k))  # the station count row
    values.extend([1.0] * n_k)
    starts.append(len(index))
    n_cols, n_rows = n_k + len(groups), n_cover + 1

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = np.concatenate(
        [np.zeros(n_k), np.array([float(volumes[g]) for g in groups], dtype=float)]
    )
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.ones(n_cols)
    lp.row_lower_ = np.concatenate([np.full(n_cover, -highspy.kHighsInf), [float(stations)]])
    lp.row_upper_ = np.concatenate([np.zeros(n_cover), [float(stations)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(values, dtype=float)
    lp.sense_ = highspy.ObjSense.kMaximize
    # y continuous is enough: with binary x the best y_q is min(1, integer) ∈ {0, 1}.
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_k + [
        highspy.HighsVarType.kContinuous
    ] * len(groups)
    h = new_highs()
    h.passModel(lp)
    return h


def solve_highs_frlm(h: Any, n_candidates: int, options: Any) -> HighsFrlmSolution:
    """Run a model from :func:`build_highs_frlm` and read the stations off.

    Parameters
    ----------
    h:
        The ``highspy.Highs`` instance.
    n_candidates:
        Number of candidate columns (the first columns of the model).
    options:
        :class:`HighsOptions` (or :class:`fleetplan.optimiser.solver.SolverOptions`, which
        extends it).
    """
    apply_options(h, options)
    started = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - started
    name = h.getModelStatus().name
    status = HIGHS_STATUS.get(name, name)
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if name == "kModelEmpty":
        # No columns at all (no candidate, p = 0): the empty plan is the answer.
        has_solution = True
    objective = bound = gap = None
    opened: list[int] = []
    if has_solution:
        objective = float(info.objective_function_value)
        raw_bound = info.mip_dual_bound
        bound = float(raw_bound) if raw_bound is not None and math.isfinite(raw_bound) else None
        if bound is not None:
            gap = abs(objective - bound) / max(abs(objective), 1e-9)
        if status == "optimal" and gap is None:
            gap = 0.0
        x = h.getSolution().col_value[:n_candidates]
        opened = [k for k, value in enumerate(x) if value > 0.5]
    return HighsFrlmSolution(
        status=status,
        termination=name,
        objective=objective,
        best_bound=bound,
        gap=gap,
        solve_time_s=elapsed,
        has_solution=has_solution,
        opened=opened,
    )
