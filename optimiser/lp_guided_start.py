"""A first plan from the LP relaxation's neighbourhood, and the LP bound that certifies it.

HiGHS spends most of a large plan's solve looking for a good first incumbent: on the
Hong Kong default its root cut rounds run ~20 s, and the plan that ends the search
comes from its own neighbourhood search after that. The LP relaxation, though, is
solved in ~2 s, and the best plans lie close to it. So, before the branch and bound:

1. **LP bound.** Solve the relaxation (every integer continuous). Its objective is a
   valid bound on the MIP's optimum.
2. **Neighbourhood search** (RENS, Berthold 2014). Restrict each integer to the
   integers next to its LP value (fixed where the LP value is integral), rounding up
   the families of which more rarely breaks a row (``round_up``: public chargers),
   widened to hold a caller's start, and solve that much smaller MIP. It stops
   as soon as a plan is within the wanted gap *of the LP bound*.
   With a caller's start (a previous plan, on a re-solve) that fixes every integer, the
   start is *completed* instead: its integers held, the rest re-optimised (an LP). If that
   is a plan, it replaces the neighbourhood search: on the Hong Kong default with the budget
   cut to HK$600m, the previous plan completed this way is within 0.6 % of the full search's
   root bound, while the neighbourhood search spent 300 s proving its own box (the box of
   an LP far below the plans: the root cuts, not the LP, certify them).
   If the start, every integer held, is no plan of the changed model (a cut budget rules
   out its payment levels), it is *repaired*: the integers of the families the caller names
   (where the infrastructure stands) held, everything else decided again by a small MIP
   (:func:`repair_start`).
3. If such a plan was found, it is the answer: its gap is measured against the LP
   bound, which is what any MIP solver would certify with no better bound. Otherwise
   the full search starts from the best plan found (a MIP start).

Nothing is guessed: the LP bound is a true bound, the plan a true solution of the
full model (same rows, same objective, tighter column bounds), so the reported gap is
exact. The integrality and bounds of the HiGHS model are restored before returning.

On a re-solve (a caller's start), the relaxation starts from the optimal basis of the last
relaxation of a model with the same rows and columns (:mod:`.basis_memory`).

With ``solver.lp_guided_start`` false, a caller's start is still completed (no relaxation,
the completion's LP from the last completion's basis) and handed to the full search.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from fleetplan.optimiser import basis_memory
from fleetplan.optimiser.highs_core import HighsOptions, apply_options

#: Share of the solve's time limit the neighbourhood search may use before the full
#: search takes over from its best plan (when the solve has a wall-clock limit).
SEARCH_SHARE_OF_TIME_LIMIT = 0.25
#: Branch-and-bound nodes the neighbourhood search may use before the full search takes
#: over: a deterministic budget, so the same model gives the same plan on any machine
#: whatever its load (a share of a wall-clock limit would not).
SEARCH_NODE_LIMIT = 2_000
#: The neighbourhood search aims this much tighter than the wanted gap (of its own bound),
#: so it keeps improving while its plan is not yet within the gap of the LP bound.
SEARCH_GAP_FACTOR = 0.5
_INTEGRAL = 1e-6


@dataclass
class GuidedStart:
    """What the LP-guided start found (objective units as HiGHS sees them)."""

    #: bound from the LP relaxation (None when the LP did not solve to optimality)
    lp_bound: float | None
    #: a feasible plan of the full model (every column), or None
    solution: np.ndarray | None
    objective: float | None
    #: True when ``solution`` is within the wanted relative gap of ``lp_bound``
    within_gap: bool
    lp_s: float
    search_s: float
    #: True when ``solution`` is the caller's start, completed (no neighbourhood search ran)
    from_start: bool = False
    #: simplex iterations of the LP relaxation, and whether it started from an earlier basis
    lp_iterations: int = 0
    lp_from_basis: bool = False
    #: False when the neighbourhood search was not asked for (only a start's completion was)
    searched: bool = True
    #: True when the start did not fit and ``solution`` is its repair (:func:`repair_start`)
    repaired: bool = False

    def summary(self) -> str:
        """One log line: what each step gave."""
        basis = "from an earlier basis" if self.lp_from_basis else "cold"
        if not self.searched:
            if self.objective is None:
                return "Start: the start given could not be completed; full search.\n"
            how = (
                "did not fit; repaired (its sites held, the rest decided again)"
                if self.repaired
                else f"completed ({self.lp_iterations} iterations, {basis})"
            )
            return (
                f"Start: the start given, {how}, is a plan "
                f"of {self.objective:.6g} in {self.search_s:.2f} s; handed to the full search.\n"
            )
        if self.lp_bound is None:
            return f"LP-guided start: the LP relaxation did not solve ({self.lp_s:.2f} s); full search.\n"
        if self.from_start and self.objective is not None:
            then = (
                "within the gap: search stopped" if self.within_gap else "handed to the full search"
            )
            return (
                f"LP-guided start: LP bound {self.lp_bound:.6g} in {self.lp_s:.2f} s "
                f"({self.lp_iterations} iterations, {basis}); the start given, "
                f"{'repaired' if self.repaired else 'completed'}, is a plan of {self.objective:.6g} (gap to the LP bound "
                f"{relative_gap(self.objective, self.lp_bound):.3%}) in {self.search_s:.2f} s; {then}.\n"
            )
        found = (
            f"a plan of {self.objective:.6g} (gap to the LP bound {relative_gap(self.objective, self.lp_bound):.3%})"
            if self.objective is not None
            else "no plan"
        )
        then = (
            "within the gap: search stopped"
            if self.within_gap
            else "handed to the full search as its start"
        )
        return (
            f"LP-guided start: LP bound {self.lp_bound:.6g} in {self.lp_s:.2f} s; neighbourhood search found "
            f"{found} in {self.search_s:.2f} s; {then}.\n"
        )


def relative_gap(objective: float, bound: float) -> float:
    """|objective − bound| / max(|objective|, 1e-9), HiGHS's definition."""
    return abs(objective - bound) / max(abs(objective), 1e-9)


def within_gap(
    objective: float | None,
    bound: float | None,
    *,
    sense: float,
    mip_rel_gap: float,
    mip_abs_gap: float | None = None,
) -> bool:
    """Whether a plan of ``objective`` is proved within the wanted gap by ``bound``:
    (objective − bound) × sense ≤ max(rel gap × |objective|, abs gap), sense +1 minimising,
    −1 maximising (HiGHS stops on whichever of its two gaps is met first, as here)."""
    if (
        objective is None
        or bound is None
        or not math.isfinite(objective)
        or not math.isfinite(bound)
    ):
        return False
    allowed = max(mip_rel_gap * abs(objective), mip_abs_gap or 0.0)
    return sense * (objective - bound) <= allowed + 1e-9


def lp_guided_start(
    highs: Any,
    options: HighsOptions,
    *,
    round_up: np.ndarray | None = None,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    neighbourhood_search: bool = True,
    held_in_repair: np.ndarray | None = None,
) -> GuidedStart:
    """Run steps 1–2 on ``highs`` (a loaded MIP) and restore it; see the module docstring.

    options: the solve's options; its time limit is what is left of the solve's clock, its
        gaps the wanted ones. They are on ``highs`` when this returns.
    round_up: column indices of integers to fix at the ceiling of their LP value (families
        of which more rarely breaks a row; when it does, the search finds no plan and the
        full search starts without one).
    start: (column indices, values) of a user's MIP start: completed first (step 2), else
        offered to the search, whose box is widened to hold it.
    neighbourhood_search: False to skip it (a start is still completed).
    held_in_repair: column indices of the integers held at the start's values when the start,
        every integer held, is no plan of this model: the rest is decided again by a small MIP
        (:func:`repair_start`). None or empty: no repair.
    """
    import highspy

    lp = highs.getLp()
    columns = lp.num_col_
    integrality = np.array([int(kind) for kind in lp.integrality_], dtype=np.uint8)
    lower = np.array(lp.col_lower_, dtype=np.float64)
    upper = np.array(lp.col_upper_, dtype=np.float64)
    everything = np.arange(columns, dtype=np.int32)
    integers = np.flatnonzero(integrality).astype(np.int32)
    started = time.perf_counter()

    mip_rel_gap, mip_abs_gap = options.mip_rel_gap, options.mip_abs_gap
    highs.changeColsIntegrality(columns, everything, np.zeros(columns, dtype=np.uint8))
    clock = math.inf if options.time_limit_s is None else float(options.time_limit_s)
    apply_options(highs, options)
    fingerprint = basis_memory.structure_fingerprint(lp)
    if not neighbourhood_search:
        return _completed_only(
            highs, options, integrality, lower, upper, start, fingerprint, held_in_repair
        )
    from_basis = start is not None and basis_memory.start_from_earlier(
        "relaxation", fingerprint, highs
    )
    highs.run()
    lp_s = time.perf_counter() - started
    lp_iterations = int(highs.getInfo().simplex_iteration_count)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        highs.changeColsIntegrality(columns, everything, integrality)
        return GuidedStart(None, None, None, False, lp_s, 0.0)
    basis_memory.remember("relaxation", fingerprint, highs)
    lp_bound = float(highs.getInfo().objective_function_value)
    relaxed = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    sense = 1.0 if lp.sense_ == highspy.ObjSense.kMinimize else -1.0
    if start is not None:
        completed_at = time.perf_counter()
        completed, repaired = _complete_or_repair(
            highs, integrality, lower, upper, start, held_in_repair, options
        )
        if completed is not None:
            highs.changeColsIntegrality(columns, everything, integrality)
            solution, objective, _ = completed
            within = within_gap(
                objective,
                lp_bound,
                sense=sense,
                mip_rel_gap=options.mip_rel_gap,
                mip_abs_gap=options.mip_abs_gap,
            )
            return GuidedStart(
                lp_bound,
                solution,
                objective,
                within,
                lp_s,
                time.perf_counter() - completed_at,
                from_start=True,
                lp_iterations=lp_iterations,
                lp_from_basis=from_basis,
                repaired=repaired,
            )

    values = relaxed[integers]
    new_lower = np.floor(values + _INTEGRAL)
    new_upper = np.ceil(values - _INTEGRAL)
    if round_up is not None and len(round_up):
        up = np.isin(integers, round_up)
        new_lower[up] = new_upper[up]
    if start is not None:
        # The box keeps a user's start (a previous plan) inside it, so the plan found here
        # is never worse than the one the caller handed in.
        start_columns, start_values = (
            np.asarray(start[0]),
            np.round(np.asarray(start[1], dtype=np.float64)),
        )
        is_integer = np.isin(start_columns, integers)
        at = np.searchsorted(integers, start_columns[is_integer])
        new_lower[at] = np.minimum(new_lower[at], start_values[is_integer])
        new_upper[at] = np.maximum(new_upper[at], start_values[is_integer])
    new_lower = np.clip(new_lower, lower[integers], upper[integers])
    new_upper = np.clip(np.maximum(new_upper, new_lower), lower[integers], upper[integers])

    highs.changeColsIntegrality(columns, everything, integrality)
    highs.changeColsBounds(len(integers), integers, new_lower, new_upper)
    if start is not None:
        highs.setSolution(len(start[0]), start[0], start[1])
    found: dict[str, Any] = {"stop": False, "objective": None, "solution": None}

    def improving(event: Any) -> None:
        # Kept here: after an interrupt HiGHS does not always report its incumbent.
        objective = float(event.data_out.objective_function_value)
        found["objective"] = objective
        found["solution"] = np.array(event.data_out.mip_solution, dtype=np.float64)
        if within_gap(
            objective, lp_bound, sense=sense, mip_rel_gap=mip_rel_gap, mip_abs_gap=mip_abs_gap
        ):
            found["stop"] = True

    def interrupt(event: Any) -> None:
        if found["stop"]:
            event.data_in.user_interrupt = True

    search_started = time.perf_counter()
    remaining = max(clock - lp_s, 0.0)
    search_limit_s = min(remaining, SEARCH_SHARE_OF_TIME_LIMIT * clock)
    search = dataclasses.replace(
        _narrowed(options), time_limit_s=None if math.isinf(search_limit_s) else search_limit_s
    )
    apply_options(highs, search)
    highs.cbMipImprovingSolution.subscribe(improving)
    highs.cbMipInterrupt.subscribe(interrupt)
    try:
        highs.run()
    finally:
        highs.cbMipImprovingSolution.unsubscribe(improving)
        highs.cbMipInterrupt.unsubscribe(interrupt)
        highs.changeColsBounds(len(integers), integers, lower[integers], upper[integers])
        apply_options(highs, options)
    search_s = time.perf_counter() - search_started

    solution, objective = found["solution"], found["objective"]
    if solution is None and highs.getInfo().primal_solution_status == 2:
        solution = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        objective = float(highs.getInfo().objective_function_value)
    within = within_gap(
        objective, lp_bound, sense=sense, mip_rel_gap=mip_rel_gap, mip_abs_gap=mip_abs_gap
    )
    return GuidedStart(
        lp_bound,
        solution,
        objective,
        within,
        lp_s,
        search_s,
        lp_iterations=lp_iterations,
        lp_from_basis=from_basis,
    )


def _completed_only(
    highs: Any,
    options: HighsOptions,
    integrality: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    start: tuple[np.ndarray, np.ndarray] | None,
    fingerprint: str | None,
    held_in_repair: np.ndarray | None = None,
) -> GuidedStart:
    """Without the neighbourhood search: ``start`` completed (its LP from the basis the last
    completion of this structure left), no relaxation solved; ``highs`` is loaded with every
    column continuous and has its integrality back when this returns."""
    columns = len(integrality)
    everything = np.arange(columns, dtype=np.int32)
    started = time.perf_counter()
    try:
        if start is None:
            return GuidedStart(None, None, None, False, 0.0, 0.0, searched=False)
        from_basis = basis_memory.start_from_earlier("completion", fingerprint, highs)
        completed, repaired = _complete_or_repair(
            highs, integrality, lower, upper, start, held_in_repair, options
        )
        if completed is not None and not repaired:
            basis_memory.remember("completion", fingerprint, highs)
        if completed is None:
            return GuidedStart(None, None, None, False, 0.0, 0.0, searched=False)
        solution, objective, iterations = completed
        return GuidedStart(
            None,
            solution,
            objective,
            False,
            0.0,
            time.perf_counter() - started,
            from_start=True,
            lp_iterations=iterations,
            lp_from_basis=from_basis,
            searched=False,
            repaired=repaired,
        )
    finally:
        highs.changeColsIntegrality(columns, everything, integrality)
        apply_options(highs, options)


def _complete_or_repair(
    highs: Any,
    integrality: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    start: tuple[np.ndarray, np.ndarray],
    held_in_repair: np.ndarray | None,
    options: HighsOptions,
) -> tuple[tuple[np.ndarray, float, int] | None, bool]:
    """``start`` completed (:func:`complete_start`), else repaired (:func:`repair_start`) when
    ``held_in_repair`` names integers; and whether it was repaired."""
    integers = np.flatnonzero(integrality).astype(np.int32)
    completed = complete_start(highs, integers, lower, upper, start)
    if completed is not None or held_in_repair is None or not len(held_in_repair):
        return completed, False
    repaired = repair_start(highs, integrality, lower, upper, start, held_in_repair, options)
    return repaired, repaired is not None


def _narrowed(options: HighsOptions) -> HighsOptions:
    """A sub-search's options: :data:`SEARCH_NODE_LIMIT` nodes, ``SEARCH_GAP_FACTOR`` × the gaps."""
    return dataclasses.replace(
        options,
        node_limit=SEARCH_NODE_LIMIT,
        mip_rel_gap=options.mip_rel_gap * SEARCH_GAP_FACTOR,
        mip_abs_gap=None
        if options.mip_abs_gap is None
        else options.mip_abs_gap * SEARCH_GAP_FACTOR,
    )


def complete_start(
    highs: Any,
    integers: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    start: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, float, int] | None:
    """``start`` made a plan of the model on ``highs`` (loaded with every column continuous):
    each integer held at its start value, rounded, and every other column re-optimised (an LP).

    Returns (every column's value, objective, simplex iterations), or None when the start leaves an integer
    without a value, holds one outside its bounds, or the LP has no solution (the start does
    not fit the changed model). The columns' bounds are restored before returning.
    """
    import highspy

    columns, values = np.asarray(start[0]), np.round(np.asarray(start[1], dtype=np.float64))
    given = dict(zip(columns.tolist(), values.tolist(), strict=True))
    if any(int(j) not in given for j in integers):
        return None
    held = np.array([given[int(j)] for j in integers], dtype=np.float64)
    if np.any(held < lower[integers] - _INTEGRAL) or np.any(held > upper[integers] + _INTEGRAL):
        return None
    highs.changeColsBounds(len(integers), integers, held, held)
    try:
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        info = highs.getInfo()
        return solution, float(info.objective_function_value), int(info.simplex_iteration_count)
    finally:
        highs.changeColsBounds(len(integers), integers, lower[integers], upper[integers])


def repair_start(
    highs: Any,
    integrality: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    start: tuple[np.ndarray, np.ndarray],
    held: np.ndarray,
    options: HighsOptions,
) -> tuple[np.ndarray, float, int] | None:
    """A plan near ``start`` when ``start`` itself no longer fits: the integers of ``held`` stay
    at the start's values and every other column, integer or not, is decided again (a MIP on
    ``highs``, far smaller than the model's: on a cut budget only the programme's few binaries
    are left free).

    Why: a lever change (a smaller budget) can rule the previous plan out through a handful
    of programme decisions (payment levels, the year the money runs out) while where its
    infrastructure stands is still near the best; without a plan the full search starts from
    nothing and the LP-guided start's neighbourhood search from the LP point, minutes on the
    Hong Kong default, where this repair takes seconds. A held column whose start value lies
    outside its (changed) bounds is left free. The search stops at the first plan within
    ``SEARCH_GAP_FACTOR`` × the gap of its own bound or at :data:`SEARCH_NODE_LIMIT` nodes (a
    deterministic budget). Returns (every column's value, objective, 0) or None when the held
    part leaves no plan; ``highs`` is left with every column continuous and its bounds restored,
    as :func:`complete_start` leaves it.
    """
    columns, values = np.asarray(start[0]), np.round(np.asarray(start[1], dtype=np.float64))
    given = dict(zip(columns.tolist(), values.tolist(), strict=True))
    held = np.asarray([j for j in np.asarray(held).tolist() if j in given], dtype=np.int32)
    held_values = np.array([given[int(j)] for j in held], dtype=np.float64)
    inside = (held_values >= lower[held] - _INTEGRAL) & (held_values <= upper[held] + _INTEGRAL)
    held, held_values = held[inside], held_values[inside]
    count = len(integrality)
    everything = np.arange(count, dtype=np.int32)
    highs.changeColsIntegrality(count, everything, integrality)
    highs.changeColsBounds(len(held), held, held_values, held_values)
    apply_options(highs, _narrowed(options))
    try:
        highs.run()
        info = highs.getInfo()
        if info.primal_solution_status != 2:
            return None
        solution = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        return solution, float(info.objective_function_value), 0
    finally:
        highs.changeColsBounds(len(held), held, lower[held], upper[held])
        highs.changeColsIntegrality(count, everything, np.zeros(count, dtype=np.uint8))
        apply_options(highs, options)


@dataclass
class SearchEnd:
    """How the full search from a guided start ended (objective units as HiGHS sees them)."""

    status_name: str
    values: np.ndarray | None
    objective: float | None
    bound: float | None


def search_from(highs: Any, guided: GuidedStart, options: HighsOptions) -> SearchEnd:
    """HiGHS's full search, started from ``guided``'s plan, stopped as soon as its bound is
    within ``options``' gap of the better of its own incumbent and that plan (its time limit:
    what is left of the solve's clock).

    Why not HiGHS's own stop: HiGHS re-prices a start in its presolved space, and on the
    Hong Kong default that price was 0.03 % above the plan's true value (35,345 against
    35,336), so the search went on for a minute after its bound had already proved the
    plan within the gap. The plan kept is the better of the two, at its true value.
    """
    import highspy

    mip_rel_gap, mip_abs_gap = options.mip_rel_gap, options.mip_abs_gap
    lp = highs.getLp()
    sense = 1.0 if lp.sense_ == highspy.ObjSense.kMinimize else -1.0
    ours = guided.objective if guided.solution is not None else None
    stopped = {"by_us": False}

    def interrupt(event: Any) -> None:
        if within_gap(
            ours,
            float(event.data_out.mip_dual_bound),
            sense=sense,
            mip_rel_gap=mip_rel_gap,
            mip_abs_gap=mip_abs_gap,
        ):
            stopped["by_us"] = True
            event.data_in.user_interrupt = True

    if guided.solution is not None:
        highs.setSolution(lp.num_col_, np.arange(lp.num_col_, dtype=np.int32), guided.solution)
    apply_options(highs, options)
    highs.cbMipInterrupt.subscribe(interrupt)
    try:
        highs.run()
    finally:
        highs.cbMipInterrupt.unsubscribe(interrupt)
    info = highs.getInfo()
    values = objective = None
    if info.primal_solution_status == 2:
        values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        objective = float(info.objective_function_value)
    if ours is not None and (objective is None or sense * (ours - objective) < 0):
        values, objective = guided.solution, ours
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    if guided.lp_bound is not None:
        # the LP bound holds too: keep the tighter of the two
        bound = (
            guided.lp_bound
            if bound is None
            else (max if sense > 0 else min)(bound, guided.lp_bound)
        )
    status_name = highs.getModelStatus().name
    if stopped["by_us"] or (
        status_name == "kInterrupt"
        and within_gap(
            objective, bound, sense=sense, mip_rel_gap=mip_rel_gap, mip_abs_gap=mip_abs_gap
        )
    ):
        status_name = "kOptimal"  # within the wanted gap, which is what optimal means here
    return SearchEnd(status_name, values, objective, bound)
