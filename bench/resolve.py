"""Re-solve after a one-setting change, as the app does: cold against warm, in one run.

    python -m bench.resolve [--gap 0.01] [--budget 600e6] [--without-repair] [--rebuilt]
        [--marginals] [--out resolve.json]

Solves the Hong Kong default (with its no-policy counterfactual), then the same scenario
with one lever changed (the subsidy budget) three ways: cold in a fresh cache, warm-started
from the first plan with the counterfactual reused (and the built models of the last plan,
the base scenario re-planned as after the first plan, set to the new budget:
optimiser.lever_changes), and the plan's stages timed each way. ``--rebuilt``
adds the warm re-solve with the model prepared, built and handed over again (as before the
models were kept). ``--marginals`` values the money limits after each plan, as the app does
(the kept models include the marginal values' LP).
Prints a Markdown table for BENCHMARKS.md; ratios are warm / cold from the same run.
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
        "runs": {
            name: {
                "wall_s": round(wall, 2),
                "gap": result.report.gap,
                "objective": result.report.objective,
                **{key: round(value, 2) for key, value in result.timings_s.items()},
                # how the solve began: the guided start, a start completed or repaired, an earlier bound
                "start_log": [
                    line
                    for line in result.report.log.splitlines()
                    if line.startswith(("LP-guided start", "Start:", "Earlier bound"))
                ],
            }
            for name, (result, wall) in rows.items()
        },
        "warm_over_cold": round(warm_s / cold_s, 3),
        "same_objective_within_gap": bool(
            abs(warm.report.objective - cold.report.objective)
            <= gap * max(abs(cold.report.objective - cold.report.objective_constant), 1.0)
        ),
    }


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
    args = parser.parse_args()
    figures = run(args.gap, args.budget, args.without_repair, args.rebuilt, args.marginals)
    print(markdown(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2, default=float))


if __name__ == "__main__":
    main()
