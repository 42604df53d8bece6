"""Where a plan's gap lies: each part of its objective against the LP relaxation's.

A big model's certified gap is its plan less HiGHS's bound, and that bound starts from the LP
relaxation. Valuing every system-cost and penalty component at the plan and at the LP
relaxation's optimum says which part of the plan pays for whole stations, whole chargers and
whole payment decisions: where a tighter formulation (a higher bound) or a better heuristic
(a better plan) would have to work.

``--hold FAMILIES`` also solves the LP with those integer families held at the plan's values:
the least any plan with the same such decisions can cost. When that is already above what the
gap target allows, re-deciding the other families cannot reach the target (for example holding
the plan's stations and payment decisions, with its chargers free).

    .venv/bin/python -m bench.gap_components --point '{"name": "syn-n2000-s200-f2000",
        "nodes": 2000, "sites": 200, "flows": 2000, "depots": 12, "zones": 20}'
        --time-limit 140 --hold h2_built,h2_open,payment_level,cap_spent,budget_spent

Without ``--point`` the Hong Kong default is used. Figures are HK$ million.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from fleetplan.optimiser.highs_core import apply_options
from fleetplan.optimiser.highs_layer import HandedEdits
from fleetplan.optimiser.inputs import ModelInputs
from fleetplan.optimiser.solver import (
    IPM_ROOT_MIN_COLUMNS,
    HandedOver,
    SolverOptions,
    hand_over,
    solve,
)

#: an integer column whose value is this far (absolute) from a whole number counts as fractional
FRACTIONAL = 1e-6
#: Each LP gets this many times the plan's HiGHS limit: on the 2,000-node city the LP
#: relaxation by interior point takes about as long as the plan's whole root.
LP_TIME_LIMIT_FACTOR = 4.0


@dataclasses.dataclass
class GapComponents:
    """One plan's objective split by component, at the plan and at LP relaxations of its model.

    ``table``: one row per component (``kind`` cost, penalty, or rest: what else the objective
    holds, the least-cost objective's tie-break on subsidy paid), HK$m, with columns ``plan``,
    ``lp`` and, when families were held, ``held_lp``; ``plan_less_lp`` is the difference.
    ``objectives``: the plan's objective, HiGHS's bound, the LP relaxation's objective and the
    held LP's (HK$m, the objective constant included). ``fractional``: integer family ->
    (its columns, how many are fractional at the LP relaxation's optimum). ``seconds``: wall
    time (s) of the plan's solve and of each LP.
    """

    table: pd.DataFrame
    objectives: dict[str, float | None]
    fractional: dict[str, tuple[int, int]]
    seconds: dict[str, float]
    #: why the held LP has no figures (HiGHS's status), "" when it has them or was not asked for
    held_failure: str = ""


def _components(model: pyo.ConcreteModel) -> dict[tuple[str, str], float]:
    """Each system-cost and penalty component (HK$m), and the rest of the objective (the
    least-cost objective's tie-break on subsidy paid), so that the parts add up to it."""
    out = {
        ("cost", name): float(pyo.value(model.cost_component[name]))
        for name in model.cost_component
    }
    out.update(
        {
            ("penalty", name): float(pyo.value(model.penalty_component[name]))
            for name in model.penalty_component
        }
    )
    out[("rest", "subsidy_tiebreak")] = _objective(model) - math.fsum(out.values())
    return out


def _objective(model: pyo.ConcreteModel) -> float:
    """The active objective at the variables' current values (HK$m)."""
    return float(pyo.value(next(model.component_data_objects(pyo.Objective, active=True))))


def _integer_columns(handed: HandedOver) -> dict[str, list[Any]]:
    """Integer family name -> the Pyomo variable of each of its columns."""
    lp = handed.highs.getLp()
    families: dict[str, list[Any]] = {}
    for name, kind in zip(lp.col_names_, lp.integrality_, strict=True):
        var = handed.symbols.get(name)
        if int(kind) != 0 and var is not None:
            families.setdefault(var.parent_component().name, []).append(var)
    return families


def _solve_relaxation(handed: HandedOver, big: bool) -> float:
    """Run the handed-over model as it stands (integers relaxed) and load its values into the
    Pyomo variables; its objective (HK$m, as HiGHS sees it). Raises ``RuntimeError`` naming
    HiGHS's status when the LP is not solved to optimality."""
    highs = handed.highs
    highs.clearSolver()
    highs.setOptionValue("solver", "ipm" if big else "choose")
    highs.run()
    status = highs.getModelStatus().name
    if status != "kOptimal":
        raise RuntimeError(f"ended {status}, not optimal")
    values = highs.getSolution().col_value
    for name, value in zip(highs.getLp().col_names_, values, strict=True):
        var = handed.symbols.get(name)
        if var is not None:
            var.set_value(float(value), skip_validation=True)
    return float(highs.getInfo().objective_function_value)


def gap_components(
    model: pyo.ConcreteModel,
    options: SolverOptions,
    hold: Sequence[str] = (),
) -> GapComponents:
    """Solve ``model`` as a plan is solved (``options``, its time limit included), then its LP
    relaxation, and with ``hold`` (integer family names) the LP relaxation with those families
    held at the plan's values. The plan's values are back in the Pyomo variables at the end.

    Only for the least-cost objective: there the objective is system cost + penalties + a
    tie-break, so its components mean HK$; a most-abatement objective (tonnes, maximised) or a
    diagnosis model (the sum of its slacks) is refused.
    """
    objective = next(model.component_data_objects(pyo.Objective, active=True))
    if model.elastic or objective.sense != pyo.minimize or model.component("cost_hkd_m") is None:
        raise ValueError(
            "gap components are for the least-cost objective (system cost + penalties); "
            "this model's objective is another"
        )
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    report = solve(model, options)
    seconds["plan"] = time.perf_counter() - started
    if not report.has_solution:
        raise RuntimeError(f"no plan within the limits ({report.status})")
    every_var = list(model.component_data_objects(pyo.Var))
    plan_values = {id(var): var.value for var in every_var}
    at_plan = _components(model)
    objectives: dict[str, float | None] = {
        "plan": _objective(model),
        "bound": report.best_bound,
        "objective_constant": options.objective_constant,
    }
    handed = hand_over(model, options)
    edits = HandedEdits(handed)
    families = _integer_columns(handed)
    unknown = sorted(set(hold) - set(families))
    if unknown:
        raise ValueError(
            f"--hold: {', '.join(unknown)} is not an integer family of this model "
            f"(it has {', '.join(sorted(families))})"
        )
    big = int(handed.highs.getLp().num_col_) >= IPM_ROOT_MIN_COLUMNS
    # the plan's threads and seed; a longer limit (LP_TIME_LIMIT_FACTOR)
    apply_options(
        handed.highs,
        options,
        time_limit_s=(
            None if options.time_limit_s is None else options.time_limit_s * LP_TIME_LIMIT_FACTOR
        ),
    )
    handed.highs.setOptionValue("output_flag", False)
    try:
        edits.relax_integers()
        started = time.perf_counter()
        try:
            lp_in_highs = _solve_relaxation(handed, big)
        except RuntimeError as error:
            raise RuntimeError(f"the LP relaxation {error}") from None
        seconds["lp"] = time.perf_counter() - started
        objectives["lp"] = _objective(model)
        # Pyomo's value and HiGHS's differ only by rounding: anything more would mean a column
        # of the objective that HiGHS does not see (the table would not be the LP's).
        if abs(objectives["lp"] - lp_in_highs) > 1e-6 * max(1.0, abs(lp_in_highs)):
            raise RuntimeError(
                f"the LP relaxation is {lp_in_highs} in HiGHS but {objectives['lp']} in Pyomo"
            )
        at_lp = _components(model)
        fractional = {
            family: (
                len(columns),
                sum(
                    1
                    for var in columns
                    if abs((var.value or 0.0) - round(var.value or 0.0)) > FRACTIONAL
                ),
            )
            for family, columns in families.items()
        }
        at_held: dict[tuple[str, str], float] | None = None
        held_failure = ""
        if hold:
            edits.fix_columns(
                [
                    (var, round(plan_values[id(var)] or 0.0))
                    for family in hold
                    for var in families[family]
                ]
            )
            started = time.perf_counter()
            try:
                _solve_relaxation(handed, big)
            except RuntimeError as error:
                # the plan and the LP relaxation still stand; say why there is no held column
                objectives["held_lp"] = None
                held_failure = f"the LP with {', '.join(hold)} held {error}"
            else:
                objectives["held_lp"] = _objective(model)
                at_held = _components(model)
            seconds["held_lp"] = time.perf_counter() - started
    finally:
        # the handed-over model is dropped here; only the Pyomo variables need their plan back
        for var in every_var:
            var.set_value(plan_values[id(var)], skip_validation=True)
    rows = []
    for (kind, name), plan_value in at_plan.items():
        row = {"kind": kind, "component": name, "plan": plan_value, "lp": at_lp[(kind, name)]}
        if at_held is not None:
            row["held_lp"] = at_held[(kind, name)]
        row["plan_less_lp"] = plan_value - at_lp[(kind, name)]
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("plan_less_lp", ascending=False, ignore_index=True)
    return GapComponents(table, objectives, fractional, seconds, held_failure)


def _point_model(
    spec: dict[str, Any] | None, time_limit_s: float
) -> tuple[Any, SolverOptions, ModelInputs]:
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.plan import solver_options

    if spec is None:
        from fleetplan import Scenario, load_dataset

        scenario = Scenario(solver={"time_limit_s": time_limit_s})
        dataset = load_dataset()
    else:
        from bench.fleet import Point, _load, _scenario, write_city

        point = Point(**{**spec, "time_limit_s": time_limit_s})
        folder = Path(tempfile.mkdtemp(prefix="fleetplan-gap-"))
        write_city(point, folder)
        scenario = _scenario(point)
        dataset = _load(point, folder)
    inputs = prepare_inputs(scenario, dataset)
    model = build_model(inputs)
    return model, solver_options(scenario, inputs), inputs


def markdown(result: GapComponents) -> str:
    """The table and the objectives as Markdown (HK$m)."""
    held = "held_lp" in result.table.columns
    lines = [
        "| component | plan | LP relaxation |"
        + (" LP, families held |" if held else "")
        + " plan − LP |",
        "|---|---|---|" + ("---|" if held else "") + "---|",
    ]
    for row in result.table.itertuples():
        held_cell = f" {row.held_lp:,.1f} |" if held else ""
        lines.append(
            f"| {row.kind}: {row.component} | {row.plan:,.1f} | {row.lp:,.1f} |{held_cell} "
            f"{row.plan_less_lp:+,.1f} |"
        )
    lines.append("")
    lines.append(
        "objectives (HK$m): "
        + ", ".join(
            f"{key} {value:,.1f}" for key, value in result.objectives.items() if value is not None
        )
    )
    lines.append(
        "fractional at the LP (columns, fractional): "
        + ", ".join(
            f"{family} {count}/{fractional}"
            for family, (count, fractional) in sorted(result.fractional.items())
        )
    )
    if result.held_failure:
        lines.append(f"no held column: {result.held_failure}")
    lines.append(
        "seconds: " + ", ".join(f"{key} {value:.1f}" for key, value in result.seconds.items())
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--point", help="a synthetic point as JSON (bench.run's); default: the Hong Kong default"
    )
    parser.add_argument("--time-limit", type=float, default=140.0, help="the plan's HiGHS limit, s")
    parser.add_argument(
        "--hold", default="", help="comma-separated integer families held at the plan"
    )
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    model, options, _ = _point_model(
        json.loads(args.point) if args.point else None, args.time_limit
    )
    hold = [family for family in args.hold.split(",") if family]
    result = gap_components(model, options, hold)
    print(markdown(result))
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "table": result.table.to_dict(orient="records"),
                    "objectives": result.objectives,
                    "fractional": result.fractional,
                    "seconds": result.seconds,
                    "held_failure": result.held_failure,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
