"""The entry point :func:`size_depot`: pre-check, baseline, MIP, solve, result."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence

from fleetplan.optimiser.deadline import Deadline
from fleetplan.optimiser.depot_sizing.inputs import DepotSizingInputs
from fleetplan.optimiser.depot_sizing.model import build_model
from fleetplan.optimiser.depot_sizing.prechecks import BusDuty, check_duties
from fleetplan.optimiser.depot_sizing.results import DepotSizingResult, SolvedSchedule, build_result
from fleetplan.optimiser.depot_sizing.uncontrolled import uncontrolled_charging
from fleetplan.optimiser.depot_sizing.units import clean
from fleetplan.optimiser.solver import SolverOptions, require_solution, solve

#: Depot sizing stops within 1 % of the cheapest schedule, not at a plan's 0.01 %: its answer
#: is whole chargers of a few powers, and a minute-by-minute schedule of a large depot
#: would spend most of its time limit proving the last fractions of a percent.
DEPOT_MIP_REL_GAP = 0.01


def depot_options(time_limit_s: float | None = None) -> SolverOptions:
    """Depot sizing's HiGHS options: its 1 % gap and ``time_limit_s`` (None: none)."""
    return SolverOptions(time_limit_s=time_limit_s, mip_rel_gap=DEPOT_MIP_REL_GAP)


def size_depot(
    inputs: DepotSizingInputs,
    options: SolverOptions | None = None,
    *,
    deadline: Deadline | None = None,
) -> DepotSizingResult:
    """Size a depot's chargers and grid connection for its blocks.

    Parameters
    ----------
    inputs:
        Blocks, battery, energy use, charger options, grid and tariff.
    options:
        Solver time limit, gap and threads (default :func:`depot_options`).
    deadline:
        The command's time limit over everything: the pre-checks and the model's build
        stop when it passes, and HiGHS gets what is left of it.

    Returns
    -------
    DepotSizingResult
        Chargers by power, peak kW/kVA, grid upgrade kVA, energy and annual
        cost, schedule and load curve (smart vs uncontrolled), and the buses
        depot charging cannot serve.

    Raises
    ------
    InfeasibleError
        If HiGHS finds no schedule (e.g. none within the time limit);
        :class:`~fleetplan.optimiser.deadline.TimeLimitReached` if ``deadline`` passes
        before the solver starts.
    """
    options = options or depot_options()
    watch = deadline.watch("checking the duties") if deadline else contextlib.nullcontext()
    with watch:
        feasible, infeasible = check_duties(inputs)
        site_uncontrolled, _, uncontrolled_chargers = uncontrolled_charging(inputs, feasible)
    # No bus to schedule: nothing to solve, and the empty schedule is optimal.
    solved = SolvedSchedule(
        kw={}, soc={}, power_of={}, chargers_by_kw={power: 0 for power in inputs.charger_kw}
    )
    if feasible:
        cap = max(site_uncontrolled, default=0.0) if inputs.cap_peak_at_uncontrolled else None
        solved = solve_schedule(inputs, feasible, cap, options, deadline=deadline)
    return build_result(
        inputs, feasible, infeasible, site_uncontrolled, uncontrolled_chargers, solved
    )


def solve_schedule(
    inputs: DepotSizingInputs,
    duties: Sequence[BusDuty],
    peak_cap_kw: float | None,
    options: SolverOptions,
    *,
    deadline: Deadline | None = None,
) -> SolvedSchedule:
    """Build and solve the MIP for the servable ``duties`` and read its schedule off.

    ``peak_cap_kw`` (grid kW) caps the site peak, or ``None`` for no cap.

    Raises
    ------
    InfeasibleError
        If HiGHS finds no schedule (e.g. none within the time limit).
    """
    if deadline is None:
        model = build_model(inputs, duties, peak_cap_kw=peak_cap_kw)
    else:
        doing = f"building the model of {len(duties):,} buses"
        with deadline.watch(doing):
            model = build_model(inputs, duties, peak_cap_kw=peak_cap_kw)
        left = deadline.solver_seconds(doing)
        options = dataclasses.replace(options, time_limit_s=min(options.time_limit_s or left, left))
    report = solve(model, options)
    require_solution(report, "depot sizing model")
    kw: dict[tuple[str, int], float] = {}
    soc: dict[tuple[str, int], float] = {}
    power_of: dict[str, float] = {}
    chargers_by_kw = {power: 0 for power in inputs.charger_kw}
    for b in model.B:
        for t in model.T:
            kw[b, t] = max(0.0, clean(model.p[b, t].value))
        for tau in model.TAU:
            soc[b, tau] = clean(model.soc[b, tau].value)
        chosen = max(model.K, key=lambda k, b=b: model.a[b, k].value or 0.0)
        power_of[b] = inputs.charger_kw[chosen]
    for k in model.K:
        # A variable the solver never saw (no constraint uses it) comes back as None.
        chargers_by_kw[inputs.charger_kw[k]] = round(model.n[k].value or 0.0)
    return SolvedSchedule(
        kw=kw,
        soc=soc,
        power_of=power_of,
        chargers_by_kw=chargers_by_kw,
        status=report.status,
        gap=report.gap,
        solve_time_s=report.solve_time_s,
    )
