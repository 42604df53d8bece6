"""One place for solver options and for reading what HiGHS returned.

Every model in :mod:`optimiser` is solved through :func:`solve`: by default Pyomo
writes an LP file that highspy reads (or compiles it to sparse arrays that highspy
takes, or, on request, goes through Pyomo's in-memory ``highs`` interface), with an
explicit time limit, relative gap and thread count.
A MIP may first get an LP-guided start (:mod:`optimiser.lp_guided_start`, ``lp_guided_start``:
the LP relaxation's bound and a plan from its neighbourhood); a re-solve's start (a previous
plan) is completed there either way, its integers held. :func:`solve` never raises on a non-optimal end and loads the incumbent
itself, so a time-limited run still gives a plan with its gap flagged.
"""

from __future__ import annotations

import dataclasses
import io
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo

from fleetplan.errors import InfeasibleError, SolverMissingError
from fleetplan.optimiser import basis_memory, earlier_bounds
from fleetplan.optimiser.highs_core import (
    HighsOptions,
    ProgressCallback,
    ProgressRelay,
    apply_options,
    highspy_module,
    new_highs,
)
from fleetplan.optimiser.highs_status import HIGHS_STATUS as _HIGHS_STATUS
from fleetplan.optimiser.lp_guided_start import (
    GuidedStart,
    lp_guided_start,
    search_from,
    within_gap,
)

# SolverMissingError: raised from here (highs_core) when highspy is missing; callers import it here.
__all__ = [
    "HandedOver",
    "SolveReport",
    "SolverMissingError",
    "SolverOptions",
    "compile_arrays",
    "hand_over",
    "relative_gap",
    "require_solution",
    "solve",
]


@dataclass(frozen=True)
class SolverOptions(HighsOptions):
    """:class:`HighsOptions` (time limit, gaps, node limit, threads, seed; their defaults are
    there) and how a Pyomo model reaches HiGHS."""

    #: "lp_file": Pyomo writes an LP file that HiGHS reads (~2x less Pyomo-side time than the
    #: in-memory interface, see BENCHMARKS.md); "arrays": Pyomo compiles the model to sparse
    #: arrays that highspy takes (0.7 s against ~1.2 s for the LP file on the Hong Kong
    #: default, but HiGHS's path from that column order was slower there at 0.5 %);
    #: "pyomo_highs": Pyomo's in-memory ``highs`` interface.
    interface: str = "lp_file"
    #: part of the objective no decision changes (objective units): taken out of the objective
    #: HiGHS sees, so its relative gap is measured on what decisions change
    objective_constant: float = 0.0
    #: constraints whose right-hand-side ranging (how far the bound may move before the
    #: dual changes) is wanted; LP only
    ranging: tuple[Any, ...] = ()
    #: before the branch and bound, solve the LP relaxation for a bound and search the
    #: integers next to its values for a plan within the gap of it (see
    #: :mod:`optimiser.lp_guided_start`); MIPs, through highspy ("lp_file", "arrays")
    lp_guided_start: bool = True
    #: variable components (local names) whose integers that search rounds up (more of them
    #: rarely breaks a row, e.g. public chargers; when it does, the search just finds no plan)
    round_up: tuple[str, ...] = ()
    #: variable components (local names) whose integers a re-solve holds at the start's values
    #: when the start, every integer held, no longer fits the model: the rest is decided again
    #: by a small MIP (:func:`optimiser.lp_guided_start.repair_start`); empty: no repair
    held_in_repair: tuple[str, ...] = ()


@dataclass
class SolveReport:
    """What a solve produced: status, objective, bound, gap and timings (seconds)."""

    status: str
    termination: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    solve_time_s: float
    has_solution: bool
    log: str = ""
    duals: dict[Any, float] = field(default_factory=dict)
    #: the constant taken out before measuring the gap (objective units)
    objective_constant: float = 0.0
    #: constraint -> (current bound, bound up to which its dual holds), objective row units
    ranging: dict[Any, tuple[float, float]] = field(default_factory=dict)
    #: seconds HiGHS ran (every run of the solve: LP, neighbourhood search, full search);
    #: None when not measured (the in-memory interface)
    highs_run_s: float | None = None

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


# (status word, has a solution) for each Pyomo termination condition name.
_STATUS = {
    "convergenceCriteriaSatisfied": "optimal",
    "maxTimeLimit": "time_limit",
    "iterationLimit": "iteration_limit",
    "objectiveLimit": "objective_limit",
    "minStepLength": "numerical_trouble",
    "provenInfeasible": "infeasible",
    "locallyInfeasible": "infeasible",
    "infeasibleOrUnbounded": "infeasible_or_unbounded",
    "unbounded": "unbounded",
    "interrupted": "interrupted",
    "error": "error",
    "unknown": "unknown",
}


class _LogText(io.TextIOBase):
    """A text stream that keeps what is written to it (Pyomo's interface tees HiGHS's log here)."""

    def __init__(self, parts: list[str]) -> None:
        self._parts = parts

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def writable(self) -> bool:
        return True


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-9); None when either is unknown."""
    if (
        objective is None
        or bound is None
        or not math.isfinite(objective)
        or not math.isfinite(bound)
    ):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def solve(
    model: pyo.ConcreteModel,
    options: SolverOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    load_duals: bool = False,
    start: Mapping[Any, float] | None = None,
    handed: HandedOver | None = None,
) -> SolveReport:
    """Solve ``model`` with HiGHS and load the incumbent if there is one.

    Parameters
    ----------
    options:
        Time limit, gaps, threads, seed (:class:`HighsOptions`) and the hand-over.
    on_progress:
        Called with ``elapsed_s``, ``incumbent``, ``best_bound`` and ``gap``
        whenever HiGHS reports MIP progress (its MIP logging callback: each line of its
        progress table), and once with the LP-guided start's plan and bound.
    load_duals:
        Return the constraint duals (only meaningful for an LP).
    start:
        A MIP start: variable data -> value, e.g. a previous plan's (partial is fine:
        HiGHS completes it, or ignores it when it cannot). Through highspy only ("lp_file", "arrays").
    handed:
        ``model`` already in HiGHS (:func:`hand_over`, with the same ``options.interface``), as
        it stands now; solved once. Through highspy only.
    """
    options = options or SolverOptions()
    if options.interface in ("arrays", "lp_file"):
        return _solve_with_highspy(
            model,
            options,
            on_progress=on_progress,
            load_duals=load_duals,
            start=start,
            handed=handed,
        )
    highspy_module()  # a clear error when HiGHS is missing
    from pyomo.contrib.solver.common.factory import SolverFactory

    solver = SolverFactory("highs")
    started = time.perf_counter()
    log: list[str] = []
    progress = ProgressRelay(on_progress, started)
    # Pyomo's persistent interface: the instance built here is the one solve() runs, so the
    # options and the progress callback are set on it the same way as on every other HiGHS.
    solver.set_instance(model)
    apply_options(solver._solver_model, options)
    progress.attach(solver._solver_model)
    result = solver.solve(
        model,
        tee=[_LogText(log)],
        raise_exception_on_nonoptimal_result=False,
        load_solutions=False,
    )
    elapsed = time.perf_counter() - started
    termination = result.termination_condition.name
    status = _STATUS.get(termination, termination)
    has_solution = result.solution_status.name in ("optimal", "feasible")
    if has_solution:
        result.solution_loader.load_vars()
    objective = result.incumbent_objective if has_solution else None
    bound = result.objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else None
    constant = options.objective_constant
    gap = relative_gap(
        objective - constant if objective is not None else None,
        bound - constant if bound is not None else None,
    )
    if status == "optimal" and gap is None and has_solution:
        gap = 0.0
    duals: dict[Any, float] = {}
    if load_duals and has_solution:
        duals = dict(result.solution_loader.get_duals())
    return SolveReport(
        status=status,
        termination=termination,
        objective=float(objective) if objective is not None else None,
        best_bound=bound,
        gap=gap,
        solve_time_s=elapsed,
        has_solution=has_solution,
        log="".join(log),
        duals=duals,
        objective_constant=constant,
    )


@dataclass
class HandedOver:
    """A Pyomo model in a ``highspy.Highs``, handed over as :func:`solve` would (LP file or
    arrays, as ``options.interface`` says), so that a step before the solve can use the same
    HiGHS model (changing bounds and costs, and putting them back) instead of its own copy.

    ``symbols``: HiGHS column and row name -> Pyomo variable or constraint. ``log``: HiGHS's
    log so far. ``seconds``: what the hand-over took (counted in the solve's time and clock).
    """

    highs: Any
    symbols: dict[str, Any]
    log: list[str]
    seconds: float
    #: set by :func:`solve`: a handed-over model is solved once
    solved: bool = False

    def columns_of(self) -> dict[int, int]:
        """id(Pyomo variable) -> HiGHS column."""
        return {
            id(var): j
            for j, name in enumerate(self.highs.getLp().col_names_)
            if (var := self.symbols.get(name)) is not None
        }

    def rows_of(self) -> dict[int, list[int]]:
        """id(Pyomo constraint) -> its HiGHS rows (two for a ranged one in an LP file)."""
        rows: dict[int, list[int]] = {}
        for i, name in enumerate(self.highs.getLp().row_names_):
            constraint = self.symbols.get(name)
            if constraint is not None:
                rows.setdefault(id(constraint), []).append(i)
        return rows


def hand_over(model: pyo.ConcreteModel, options: SolverOptions) -> HandedOver:
    """``model`` handed to a new HiGHS as :func:`solve` hands it over ("lp_file" or "arrays")."""
    started = time.perf_counter()
    log: list[str] = []
    highs = new_highs(log.append)
    symbols = _pass_arrays(model, highs) if options.interface == "arrays" else None
    if symbols is None:
        symbols = _read_lp_file(model, highs)
    return HandedOver(highs, symbols, log, time.perf_counter() - started)


#: From this many columns handed over, a MIP's root LP is solved by interior point (HiGHS's
#: ``mip_lp_solver: ipm``, with crossover for the cuts that follow) and the LP-guided start's
#: neighbourhood search is skipped: its own LP relaxation would be solved by the simplex first,
#: and on such models one simplex LP is longer than a plan's whole time limit (the 2,000-node
#: city: 333 s by the dual simplex, its root ~85 s by interior point; BENCHMARKS.md, session 11).
IPM_ROOT_MIN_COLUMNS = 250_000


def _solve_with_highspy(
    model: pyo.ConcreteModel,
    options: SolverOptions,
    *,
    on_progress: ProgressCallback | None,
    load_duals: bool,
    start: Mapping[Any, float] | None = None,
    handed: HandedOver | None = None,
) -> SolveReport:
    """Hand the model to highspy (as sparse arrays, or as an LP file), or take ``handed``,
    solve it, load values (and duals) back.

    The objective is re-evaluated in Pyomo after loading, and the bound shifted by
    the same amount, so constant terms the hand-over may drop never skew the gap.
    """
    if handed is None:
        handed = hand_over(model, options)
    elif handed.solved:
        raise ValueError("this handed-over model was solved already: hand the model over again")
    handed.solved = True
    started = time.perf_counter() - handed.seconds
    highs, symbols, log = handed.highs, handed.symbols, handed.log
    highs.clearSolver()  # a step before may have solved it: start as from a fresh hand-over
    progress = ProgressRelay(on_progress, started)
    progress.attach(highs)
    if options.objective_constant:
        highs.changeObjectiveOffset(highs.getLp().offset_ - float(options.objective_constant))

    def left() -> HighsOptions:
        # The time limit is the solve's wall clock, the hand-over (LP file or arrays) included:
        # a model that takes long to hand over gets less time in HiGHS, not more in all.
        if options.time_limit_s is None:
            return options
        return dataclasses.replace(
            options, time_limit_s=max(options.time_limit_s - (time.perf_counter() - started), 0.0)
        )

    apply_options(highs, left())
    lp = highs.getLp()
    is_mip = lp.integrality_ is not None and any(int(kind) != 0 for kind in lp.integrality_)
    start_columns = _start_columns(highs, symbols, start) if start else None
    guided = None
    big = is_mip and int(lp.num_col_) >= IPM_ROOT_MIN_COLUMNS
    # Set on every solve: a re-used instance must not keep an earlier solve's choice.
    highs.setOptionValue("mip_lp_solver", "ipm" if big else "choose")
    if big:
        skipped = "; no LP-guided neighbourhood search" if options.lp_guided_start else ""
        log.append(
            f"{int(lp.num_col_)} columns (from {IPM_ROOT_MIN_COLUMNS}): the root LP by interior "
            f"point{skipped}.\n"
        )
    highs_started = time.perf_counter()
    # A start (a previous plan) is completed, integers held, whether or not the neighbourhood
    # search is wanted: HiGHS would check it as given and drop it once a lever moved a row.
    if is_mip and ((options.lp_guided_start and not big) or start_columns is not None):
        progress.active = False  # the search's own bound is not the model's
        guided = lp_guided_start(
            highs,
            left(),
            round_up=_columns_of_families(lp, symbols, options.round_up),
            start=start_columns,
            neighbourhood_search=options.lp_guided_start and not big,
            held_in_repair=(
                _columns_of_families(lp, symbols, options.held_in_repair)
                if start_columns is not None
                else None
            ),
        )
        progress.active = True
        log.append(guided.summary())
        if guided.objective is not None and guided.lp_bound is not None:
            progress.emit(
                guided.objective, guided.lp_bound, relative_gap(guided.objective, guided.lp_bound)
            )
    if guided is not None and guided.objective is not None:
        guided = _with_earlier_bound(guided, lp, symbols_fingerprint(lp), options, log)
    if start_columns is not None and (guided is None or guided.solution is None):
        highs.setSolution(len(start_columns[0]), *start_columns)  # else the guided plan is better
    if guided is not None and guided.within_gap:
        status_name, values = "kOptimal", guided.solution
        raw_objective, raw_bound = guided.objective, guided.lp_bound
    elif guided is not None and (guided.lp_bound is not None or guided.solution is not None):
        end = search_from(highs, guided, left())
        status_name, values, raw_objective, raw_bound = (
            end.status_name,
            end.values,
            end.objective,
            end.bound,
        )
    else:
        apply_options(highs, left())
        highs.run()
        status_name = highs.getModelStatus().name
        info = highs.getInfo()
        values = (
            np.asarray(highs.getSolution().col_value) if info.primal_solution_status == 2 else None
        )
        raw_objective = info.objective_function_value
        raw_bound = info.mip_dual_bound if is_mip else raw_objective
    if is_mip and raw_bound is not None:
        earlier_bounds.remember(symbols_fingerprint(lp), lp, raw_bound)
    highs_run_s = time.perf_counter() - highs_started
    elapsed = time.perf_counter() - started
    status = _HIGHS_STATUS.get(status_name, status_name)
    has_solution = values is not None
    objective = bound = gap = None
    duals: dict[Any, float] = {}
    ranging: dict[Any, tuple[float, float]] = {}
    if has_solution:
        for name, value in zip(lp.col_names_, values, strict=True):
            var = symbols.get(name)
            if var is not None:
                var.set_value(float(value), skip_validation=True)
        active = list(model.component_data_objects(pyo.Objective, active=True))
        objective = float(pyo.value(active[0])) if active else 0.0
        if raw_bound is not None and math.isfinite(raw_bound):
            bound = objective + (raw_bound - raw_objective)
        gap = relative_gap(
            objective - options.objective_constant,
            bound - options.objective_constant if bound is not None else None,
        )
        if status == "optimal" and gap is None:
            gap = 0.0
        solution = highs.getSolution()
        if load_duals and not is_mip and solution.dual_valid:
            for name, value in zip(lp.row_names_, solution.row_dual, strict=True):
                constraint = symbols.get(name)
                if constraint is not None:
                    duals[constraint] = duals.get(constraint, 0.0) + value
            if options.ranging:
                ranging = _row_ranging(highs, lp, symbols, options.ranging)
    return SolveReport(
        status=status,
        termination=status_name,
        objective=objective,
        best_bound=bound,
        gap=gap,
        solve_time_s=elapsed,
        has_solution=has_solution,
        log="".join(log),
        duals=duals,
        objective_constant=options.objective_constant,
        ranging=ranging,
        highs_run_s=highs_run_s,
    )


def symbols_fingerprint(lp: Any) -> str | None:
    """The structure fingerprint of a handed-over model (:func:`basis_memory.structure_fingerprint`)."""
    return basis_memory.structure_fingerprint(lp)


def _with_earlier_bound(
    guided: GuidedStart, lp: Any, fingerprint: str | None, options: SolverOptions, log: list[str]
) -> GuidedStart:
    """``guided`` with its bound raised to an earlier solve's where that holds here.

    Only a re-solve from a previous plan (``guided.from_start``) asks: an earlier solve's
    dual bound holds when this model only tightens that one (:mod:`.earlier_bounds`), and
    with it the completed plan may already be within the gap, so the full search is skipped.
    """
    if not guided.from_start or guided.objective is None:
        return guided
    earlier = earlier_bounds.bound_for(fingerprint, lp)
    if earlier is None:
        return guided
    sense = 1.0 if int(lp.sense_) >= 0 else -1.0
    better = (
        earlier
        if guided.lp_bound is None
        else (max if sense > 0 else min)(earlier, guided.lp_bound)
    )
    within = within_gap(
        guided.objective,
        better,
        sense=sense,
        mip_rel_gap=options.mip_rel_gap,
        mip_abs_gap=options.mip_abs_gap,
    )
    then = "within the gap: full search skipped" if within else "handed to the full search"
    log.append(
        f"Earlier bound: {earlier:.6g} from an earlier solve holds here (this model only tightens "
        f"that one: same rows, columns, costs and matrix, no bound looser); the plan of "
        f"{guided.objective:.6g} is {abs(guided.objective - better) / max(abs(guided.objective), 1e-9):.3%} from the better "
        f"bound; {then}.\n"
    )
    return dataclasses.replace(guided, lp_bound=better, within_gap=guided.within_gap or within)


def _read_lp_file(model: pyo.ConcreteModel, highs: Any) -> dict[str, Any]:
    """Pyomo writes the model as an LP file, HiGHS reads it; returns name -> Pyomo component."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fleetplan-") as folder:
        path = f"{folder}/model.lp"
        _, symbol_map_id = model.write(path, io_options={"symbolic_solver_labels": False})
        highs.readModel(path)
    return model.solutions.symbol_map[symbol_map_id].bySymbol


def _pass_arrays(model: pyo.ConcreteModel, highs: Any) -> dict[str, Any] | None:
    """Pyomo compiles the model to sparse arrays (its linear standard form) and highspy takes
    them as they are: on the Hong Kong default 0.7 s against ~1.0 s to write an LP file and
    0.2 s for HiGHS to read it. Returns name -> Pyomo component (the names are given
    here: x<i> for column i, r<j> for row j), or None when Pyomo cannot compile the model
    this way (then the LP file is used, as it was before).
    """
    compiled = compile_arrays(model)
    if compiled is None:
        return None
    lp, columns, rows = compiled
    highs.passModel(lp)
    symbols: dict[str, Any] = {f"x{i}": var for i, var in enumerate(columns)}
    symbols.update({f"r{j}": constraint for j, (constraint, _) in enumerate(rows)})
    return symbols


def compile_arrays(model: pyo.ConcreteModel) -> tuple[Any, list[Any], list[tuple[Any, int]]] | None:
    """The model's active rows and objective as a ``highspy.HighsLp``, with the Pyomo variable
    of each column and (constraint, sense) of each row (sense 1: ≤, −1: ≥, 0: =; a ranged
    constraint gives a ≤ and a ≥ row). Fixed variables are constants. None when Pyomo cannot
    compile the model this way (a trivially infeasible row, several objectives).
    """
    import highspy
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    try:
        repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    except Exception:  # e.g. a trivially infeasible row: the LP-file path reports it as HiGHS does
        return None
    if len(repn.objectives) > 1:
        return None
    columns, rows = repn.columns, repn.rows
    infinity = highspy.kHighsInf
    matrix = repn.A.tocsc()
    senses = np.fromiter((sense for _, sense in rows), dtype=np.int8, count=len(rows))
    rhs = np.asarray(repn.rhs, dtype=np.float64)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(columns), len(rows)
    lp.col_cost_ = np.asarray(
        repn.c.toarray()[0] if repn.objectives else np.zeros(len(columns)), dtype=np.float64
    )
    lp.offset_ = float(repn.c_offset[0]) if repn.objectives else 0.0
    lp.col_lower_ = np.array(
        [-infinity if var.lb is None else var.lb for var in columns], dtype=np.float64
    )
    lp.col_upper_ = np.array(
        [infinity if var.ub is None else var.ub for var in columns], dtype=np.float64
    )
    # mixed form: sense 1 is a ≤ row, −1 a ≥ row, 0 an equality
    lp.row_lower_ = np.where(senses == 1, -infinity, rhs)
    lp.row_upper_ = np.where(senses == -1, infinity, rhs)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = len(columns), len(rows)
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    maximise = bool(repn.objectives) and repn.objectives[0].sense == pyo.maximize
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    integer = [var.is_integer() or var.is_binary() for var in columns]
    if any(integer):
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    lp.col_names_ = [f"x{i}" for i in range(len(columns))]
    lp.row_names_ = [f"r{j}" for j in range(len(rows))]
    return lp, list(columns), [(constraint, int(sense)) for constraint, sense in rows]


def _start_columns(
    highs: Any, symbols: dict[str, Any], start: Mapping[Any, float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """A MIP start as (column indices, values): the columns of ``start``'s variables.

    A start within the final gap lets a re-solve stop as soon as the root bound is
    close enough, instead of waiting for HiGHS's own heuristics to find such a plan.
    """
    column_of = {name: i for i, name in enumerate(highs.getLp().col_names_)}
    indices, values = [], []
    for name, var in symbols.items():
        value = start.get(var)
        if value is not None and name in column_of:
            indices.append(column_of[name])
            values.append(float(value))
    if not indices:
        return None
    return np.asarray(indices, dtype=np.int32), np.asarray(values, dtype=np.float64)


def _columns_of_families(lp: Any, symbols: dict[str, Any], families: tuple[str, ...]) -> np.ndarray:
    """Column indices of the variables whose component is named in ``families``."""
    if not families:
        return np.zeros(0, dtype=np.int32)
    wanted = set(families)
    return np.asarray(
        [
            i
            for i, name in enumerate(lp.col_names_)
            if (var := symbols.get(name)) is not None
            and var.parent_component().local_name in wanted
        ],
        dtype=np.int32,
    )


def _row_ranging(
    highs: Any, lp: Any, symbols: dict[str, Any], wanted: tuple[Any, ...]
) -> dict[Any, tuple[float, float]]:
    """(current upper bound, bound at which the basis changes) of each wanted ≤ row."""
    rows = {
        id(c): i for i, name in enumerate(lp.row_names_) if (c := symbols.get(name)) is not None
    }
    status, ranging = highs.getRanging()
    out: dict[Any, tuple[float, float]] = {}
    if int(status) != 0:
        return out
    for constraint in wanted:
        index = rows.get(id(constraint))
        if index is None:
            continue
        bound = float(lp.row_upper_[index])
        up = float(ranging.row_bound_up.value_[index])
        out[constraint] = (bound, up)
    return out


def require_solution(report: SolveReport, what: str = "model") -> None:
    """Raise :class:`InfeasibleError` (with the status in words) when there is no solution."""
    if report.has_solution:
        return
    if report.status in ("infeasible", "infeasible_or_unbounded"):
        raise InfeasibleError(f"the {what} is infeasible")
    if report.status == "time_limit":
        raise InfeasibleError(f"no feasible solution of the {what} found within the time limit")
    raise InfeasibleError(f"the {what} ended without a solution (status: {report.status})")
