"""The servability LP and the plan's solve on the Hong Kong default: one hand-over to HiGHS for
both against one each, in one run (#28 item 2), and the Pyomo share of the plan.

    python -m bench.servability [--gap 0.01] [--repeats 2] [--json servability.json]

Each repeat builds the model afresh and runs, alternating: ``own`` (the servability LP hands the
model to HiGHS, then the plan's solve hands it over again: the path before) and ``handed`` (the
model handed over once; the servability LP changes its costs and bounds and puts them back,
then the plan's solve takes it: what :func:`fleetplan.optimiser.plan.plan` does now). Both must
find the same unservable uptake and the same objective. Then the results are extracted.

Reported (seconds, medians): servability + solve wall of each and their ratio; HiGHS's own time
inside them (every ``Highs.run``, timed around the call); and the Pyomo share of the plan
(the definition of BENCHMARKS.md, with the servability LP the plan runs counted in):
(build + servability + solve − HiGHS + extract) / (load + prepare + build + servability + solve + extract).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any


class _HighsClock:
    """Sums the wall time of every ``highspy.Highs.run`` while installed."""

    def __init__(self) -> None:
        import highspy

        self.seconds = 0.0
        self._highs = highspy.Highs
        self._run = highspy.Highs.run
        clock = self

        def timed_run(highs: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return clock._run(highs, *args, **kwargs)
            finally:
                clock.seconds += time.perf_counter() - started

        self._highs.run = timed_run

    def close(self) -> None:
        self._highs.run = self._run


def run(gap: float, repeats: int) -> dict[str, Any]:
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.plan import solver_options
    from fleetplan.optimiser.results import extract_results
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.optimiser.servability import find_unservable
    from fleetplan.optimiser.solver import hand_over, solve

    scenario = Scenario()
    scenario = scenario.model_copy(
        update={"solver": scenario.solver.model_copy(update={"mip_rel_gap": gap})}
    )
    started = time.perf_counter()
    dataset = load_dataset(DEFAULT_DATASET)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    inputs = prepare_inputs(scenario, dataset)
    prepare_s = time.perf_counter() - started
    options = solver_options(scenario, inputs)
    runs: dict[str, list[dict[str, Any]]] = {"own": [], "handed": []}
    clock = _HighsClock()
    try:
        for _ in range(repeats):
            for mode in ("own", "handed"):
                started = time.perf_counter()
                model = build_model(inputs)
                build_s = time.perf_counter() - started
                clock.seconds = 0.0
                started = time.perf_counter()
                handed = hand_over(model, options) if mode == "handed" else None
                found = find_unservable(model, inputs, options, handed=handed)
                report = solve(model, options, handed=handed)
                solve_s = time.perf_counter() - started
                highs_s = clock.seconds
                started = time.perf_counter()
                extract_results(model, inputs, report, {})
                extract_s = time.perf_counter() - started
                total = load_s + prepare_s + build_s + solve_s + extract_s
                runs[mode].append(
                    {
                        "build_s": build_s,
                        "servability_and_solve_s": solve_s,
                        "highs_s": highs_s,
                        "extract_s": extract_s,
                        "pyomo_share": (build_s + solve_s - highs_s + extract_s) / total,
                        "status": report.status,
                        "gap": report.gap,
                        "objective": report.objective,
                        "unservable_vehicles": sum(found.values()),
                    }
                )
    finally:
        clock.close()

    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[mode])

    return {
        "gap": gap,
        "load_s": load_s,
        "prepare_s": prepare_s,
        "median": {
            mode: {
                key: median(mode, key)
                for key in (
                    "build_s",
                    "servability_and_solve_s",
                    "highs_s",
                    "extract_s",
                    "pyomo_share",
                )
            }
            for mode in runs
        },
        "handed_over_own": median("handed", "servability_and_solve_s")
        / median("own", "servability_and_solve_s"),
        "same_answers": all(
            abs(a["objective"] - b["objective"]) <= 1e-9 * max(1.0, abs(a["objective"]))
            and abs(a["unservable_vehicles"] - b["unservable_vehicles"]) <= 1e-6
            for a, b in zip(runs["own"], runs["handed"], strict=True)
        ),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = run(args.gap, args.repeats)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
