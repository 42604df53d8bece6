"""One place for solver options and for reading what HiGHS returned.

Every model in :mod:`optimiser` is solved through :func:`solve`, which calls
Pyomo's ``highs`` interface (``pyomo.contrib.solver``) with an explicit time
limit, relative gap and thread count, never raises on a non-optimal end, and
loads the incumbent itself so a time-limited run still gives a plan with its
gap flagged.
"""

from __future__ import annotations

import io
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo

from network.errors import InfeasibleError


class SolverMissingError(RuntimeError):
    """HiGHS (highspy) is not importable."""


@dataclass(frozen=True)
class SolverOptions:
    """Options handed to HiGHS.

    time_limit_s: wall-clock limit of the solve, seconds.
    mip_rel_gap: stop when (incumbent - bound) / incumbent <= this.
    threads: HiGHS threads (its MIP search is essentially serial; 1 is usually best).
    """

    time_limit_s: float = 60.0
    mip_rel_gap: float = 0.01
    threads: int = 1
    seed: int = 0


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

_PROGRESS = re.compile(
    r"^\s*[A-Z]?\s*\d+\s+\d+\s+\d+\s+[\d.]+%\s+(?P<bound>\S+)\s+(?P<incumbent>\S+)\s+(?P<gap>\S+)"
)


class _LogStream(io.TextIOBase):
    """Collects HiGHS's log and forwards MIP progress lines to a callback."""

    def __init__(self, on_progress: Callable[[dict[str, float]], None] | None, started: float):
        self.buffer: list[str] = []
        self._on_progress = on_progress
        self._started = started
        self._partial = ""

    def write(self, text: str) -> int:
        self.buffer.append(text)
        if self._on_progress is None:
            return len(text)
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            match = _PROGRESS.match(line)
            if match:
                self._on_progress(
                    {
                        "elapsed_s": time.perf_counter() - self._started,
                        "best_bound": _number(match["bound"]),
                        "incumbent": _number(match["incumbent"]),
                        "gap": _number(match["gap"].rstrip("%")) / 100.0,
                    }
                )
        return len(text)

    def writable(self) -> bool:
        return True


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _highs_solver() -> Any:
    try:
        import highspy  # noqa: F401
    except ImportError as error:  # pragma: no cover - depends on the install
        raise SolverMissingError(
            "HiGHS is not installed: run `make test` or `pip install highspy` in the project's .venv"
        ) from error
    from pyomo.contrib.solver.common.factory import SolverFactory

    return SolverFactory("highs")


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-9); None when either is unknown."""
    if objective is None or bound is None or not math.isfinite(objective) or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def solve(
    model: pyo.ConcreteModel,
    options: SolverOptions | None = None,
    *,
    on_progress: Callable[[dict[str, float]], None] | None = None,
    load_duals: bool = False,
) -> SolveReport:
    """Solve ``model`` with HiGHS and load the incumbent if there is one.

    Parameters
    ----------
    options:
        Time limit, relative gap, threads.
    on_progress:
        Called with ``elapsed_s``, ``incumbent``, ``best_bound`` and ``gap``
        whenever HiGHS reports MIP progress (used by the app's progress bar).
    load_duals:
        Return the constraint duals (only meaningful for an LP).
    """
    options = options or SolverOptions()
    solver = _highs_solver()
    started = time.perf_counter()
    stream = _LogStream(on_progress, started)
    result = solver.solve(
        model,
        tee=[stream],
        time_limit=options.time_limit_s,
        rel_gap=options.mip_rel_gap,
        threads=options.threads,
        raise_exception_on_nonoptimal_result=False,
        load_solutions=False,
        solver_options={"random_seed": options.seed, "mip_rel_gap": options.mip_rel_gap},
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
    gap = relative_gap(objective, bound)
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
        log="".join(stream.buffer),
        duals=duals,
    )


def require_solution(report: SolveReport, what: str = "model") -> None:
    """Raise :class:`InfeasibleError` (with the status in words) when there is no solution."""
    if report.has_solution:
        return
    if report.status in ("infeasible", "infeasible_or_unbounded"):
        raise InfeasibleError(f"the {what} is infeasible")
    if report.status == "time_limit":
        raise InfeasibleError(f"no feasible solution of the {what} found within the time limit")
    raise InfeasibleError(f"the {what} ended without a solution (status: {report.status})")
