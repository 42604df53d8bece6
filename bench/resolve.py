"""Re-solve after a one-setting change, as the app does: cold against warm, in one run.

    python -m bench.resolve [--gap 0.01] [--budget 600e6] [--without-repair] [--rebuilt]
        [--marginals] [--out resolve.json]
    python -m bench.resolve --app-path 700e6,650e6,600e6,500e6,450e6 [--out app.json]

Solves the Hong Kong default (with its no-policy counterfactual), then the same scenario
with one lever changed (the subsidy budget) three ways: cold in a fresh cache, warm-started
from the first plan with the counterfactual reused (and the built models of the last plan,
the base scenario re-planned as after the first plan, set to the new budget:
optimiser.lever_changes), and the plan's stages timed each way. ``--rebuilt``
adds the warm re-solve with the model prepared, built and handed over again (as before the
models were kept). ``--marginals`` values the money limits after each plan, as the app does
(the kept models include the marginal values' LP).
Prints a Markdown table for BENCHMARKS.md; ratios are warm / cold from the same run.

``--app-path`` is the app's own path instead: the default scenario with its own solver settings
(the certified gap), marginal values and counterfactual, planned once, then each budget of the
list warm-started from the plan before it, one after the other in one process, as a user
moving the budget does.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any


def _timed_plan(
    scenario: Any, dataset: Any, marginals: bool = False, **options: Any
) -> tuple[Any, float]:
    from fleetplan.optimiser.plan import plan

    started = time.perf_counter()
    result = plan(scenario, dataset, marginals=marginals, **options)
    return result, time.perf_counter() - started


def _figures(result: Any, wall: float) -> dict[str, Any]:
    """One plan's row: wall time, gap, objective, stage timings and how its solve began."""
    report = result.report
    return {
        "wall_s": round(wall, 2),
        "gap": report.gap,
        "gap_hkd_m": (
            None
            if report.best_bound is None or report.objective is None
            else report.objective - report.best_bound
        ),
        "objective": report.objective,
        **{key: round(value, 2) for key, value in result.timings_s.items()},
        # how the solve began: the guided start, a start completed or repaired, an earlier bound
        "start_log": [
            line
            for line in report.log.splitlines()
            if line.startswith(("LP-guided start", "Start:", "Earlier bound"))
        ],
    }


def run(
    gap: float,
    budget_hkd: float,
    without_repair: bool = False,
    rebuilt: bool = False,
    marginals: bool = False,
) -> dict[str, Any]:
    from fleetplan import Scenario, load_dataset
    from fleetplan.optimiser import basis_memory, earlier_bounds, lever_changes
    from fleetplan.optimiser import plan as plan_module

    dataset = load_dataset()
    solver = {"mip_rel_gap": gap, "time_limit_s": 600.0}
    base = Scenario(solver=solver)
    changed = Scenario(solver=solver, budget={"total_hkd": budget_hkd})
    plan_module._COUNTERFACTUALS.clear()
    first, first_s = _timed_plan(base, dataset, marginals)
    plan_module._COUNTERFACTUALS.clear()
    lever_changes.forget()  # cold: a fresh process's build
    cold, cold_s = _timed_plan(changed, dataset, marginals)
    # The app's path: the counterfactual of the first plan is still cached, the decisions start HiGHS.
    # What the cold run of the changed scenario left (its dual bound, its bases) is forgotten:
    # the app has not solved the changed scenario before (else its cache would answer), and
    # that bound would certify the warm plan for free.
    plan_module._COUNTERFACTUALS.clear()

    def as_after_the_first_plan() -> None:
        earlier_bounds.forget()
        basis_memory.forget()
        # refills the cache as the first solve had
        _timed_plan(base, dataset, marginals, warm_start=first)

    as_after_the_first_plan()
    warm, warm_s = _timed_plan(changed, dataset, marginals, warm_start=first)
    rows = {
        "first": (first, first_s),
        "cold": (cold, cold_s),
        "warm": (warm, warm_s),
    }
    if rebuilt:
        as_after_the_first_plan()
        lever_changes.forget()
        rows["warm, rebuilt"] = _timed_plan(changed, dataset, marginals, warm_start=first)
    if without_repair:
        # The same warm re-solve with no repair of a start that no longer fits (as before it).
        as_after_the_first_plan()
        held, plan_module.HELD_IN_REPAIR = plan_module.HELD_IN_REPAIR, ()
        try:
            rows["warm, no repair"] = _timed_plan(changed, dataset, marginals, warm_start=first)
        finally:
            plan_module.HELD_IN_REPAIR = held
    return {
        "gap_target": gap,
        "budget_hkd": budget_hkd,
        "machine": platform.platform(),
        "runs": {name: _figures(result, wall) for name, (result, wall) in rows.items()},
        "warm_over_cold": round(warm_s / cold_s, 3),
        "same_objective_within_gap": bool(
            abs(warm.report.objective - cold.report.objective)
            <= gap * max(abs(cold.report.objective - cold.report.objective_constant), 1.0)
        ),
    }


def app_path(budgets_hkd: list[float]) -> dict[str, Any]:
    """The default planned as the app plans it, then each budget warm-started from the last plan."""
    from fleetplan import Scenario, load_dataset
    from fleetplan.optimiser import plan as plan_module

    dataset = load_dataset()
    plan_module._COUNTERFACTUALS.clear()
    first, first_s = _timed_plan(Scenario(), dataset, marginals=True)
    rows = {"first (HK$750m)": (first, first_s)}
    previous = first
    for budget in budgets_hkd:
        changed = Scenario(budget={"total_hkd": budget})
        previous, wall = _timed_plan(changed, dataset, marginals=True, warm_start=previous)
        rows[f"warm HK${budget / 1e6:.0f}m"] = (previous, wall)
    return {
        "machine": platform.platform(),
        "runs": {name: _figures(result, wall) for name, (result, wall) in rows.items()},
    }


def app_markdown(figures: dict[str, Any]) -> str:
    lines = [
        "| run | wall s | solve s | marginals s | servability s | gap HK$m | how it began |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run_ in figures["runs"].items():
        began = "; ".join(line.split(":")[0] for line in run_["start_log"]) or "HiGHS"
        gap = "–" if run_["gap_hkd_m"] is None else f"{run_['gap_hkd_m']:.1f}"
        lines.append(
            f"| {name} | {run_['wall_s']:.1f} | {run_.get('solve_s', 0):.1f} | "
            f"{run_.get('marginals_s', 0):.1f} | {run_.get('servability_s', 0):.1f} | "
            f"{gap} | {began} |"
        )
    return "\n".join(lines)


def markdown(figures: dict[str, Any]) -> str:
    lines = [
        "| run | wall s | prepare s | build s | solve s | extract s | marginals s | counterfactual s | final gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, run_ in figures["runs"].items():
        lines.append(
            f"| {name} | {run_['wall_s']:.1f} | {run_.get('prepare_s', 0):.1f} | {run_.get('build_s', 0):.1f} | "
            f"{run_.get('solve_s', 0):.1f} | {run_.get('extract_s', 0):.1f} | {run_.get('marginals_s', 0):.1f} | "
            f"{run_.get('counterfactual_s', 0):.1f} | "
            f"{run_['gap']:.2%} |"
        )
    lines.append("")
    lines.append(
        f"warm / cold wall time: **{figures['warm_over_cold']:.2f}**; same objective within the gap: {figures['same_objective_within_gap']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--budget", type=float, default=600e6)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--without-repair",
        action="store_true",
        help="also the warm re-solve without repairing a start the change rules out",
    )
    parser.add_argument(
        "--rebuilt",
        action="store_true",
        help="also the warm re-solve with the model built again instead of taken from the first plan",
    )
    parser.add_argument(
        "--marginals", action="store_true", help="value the money limits after each plan"
    )
    parser.add_argument(
        "--app-path",
        help="comma-separated budgets (HK$): the app's path, each warm-started from the plan before",
    )
    args = parser.parse_args()
    if args.app_path:
        figures = app_path([float(value) for value in args.app_path.split(",")])
        print(app_markdown(figures))
    else:
        figures = run(args.gap, args.budget, args.without_repair, args.rebuilt, args.marginals)
        print(markdown(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2, default=float))


if __name__ == "__main__":
    main()
