"""Marginal values on the Hong Kong default: one persistent HiGHS model against a hand-over per
solve, in one run (#28, item 2).

    python -m bench.marginals [--gap 0.01] [--repeats 2] [--json marginals.json]

The plan is solved once (to ``--gap``); then :func:`fleetplan.optimiser.plan.marginal_values`
runs with ``persistent=False`` (the fixed-integer LP and each raised-limit LP handed to HiGHS
through Pyomo, as ``solver.interface`` says) and ``persistent=True`` (compiled once into a
:class:`~fleetplan.optimiser.highs_layer.HighsLayer`, bounds moved between warm re-solves),
alternating, from the same plan's values each time. Reported: median wall of each, their
ratio, the HiGHS time inside the persistent one, and the largest difference between the two
tables' values (they must agree).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import pyomo.environ as pyo


def run(gap: float, repeats: int) -> dict[str, Any]:
    import dataclasses

    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.plan import marginal_values, solver_options
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.optimiser.servability import find_unservable
    from fleetplan.optimiser.solver import solve

    scenario = Scenario()
    scenario = scenario.model_copy(
        update={"solver": scenario.solver.model_copy(update={"mip_rel_gap": gap})}
    )
    dataset = load_dataset(DEFAULT_DATASET)
    inputs = prepare_inputs(scenario, dataset)
    model = build_model(inputs)
    options = solver_options(scenario, inputs)
    find_unservable(model, inputs, options)
    started = time.perf_counter()
    report = solve(model, options)
    plan_s = time.perf_counter() - started
    if not report.has_solution:
        raise RuntimeError(f"the default found no plan ({report.status})")
    values = [(var, var.value) for var in model.component_data_objects(pyo.Var, descend_into=True)]
    walls: dict[str, list[float]] = {"hand_over_per_solve": [], "persistent": []}
    tables: dict[str, Any] = {}
    for _ in range(repeats):
        for name, persistent in (("hand_over_per_solve", False), ("persistent", True)):
            for var, value in values:
                var.set_value(value, skip_validation=True)
            started = time.perf_counter()
            tables[name] = marginal_values(
                model,
                inputs,
                dataclasses.replace(options),
                final_gap=report.gap,
                persistent=persistent,
            )
            walls[name].append(time.perf_counter() - started)
    a = tables["hand_over_per_solve"].set_index("name")["value"].astype(float)
    b = tables["persistent"].set_index("name")["value"].astype(float)
    medians = {name: statistics.median(times) for name, times in walls.items()}
    return {
        "gap": gap,
        "plan": {"status": report.status, "gap": report.gap, "solve_s": plan_s},
        "rows": len(a),
        "median_s": medians,
        "walls_s": walls,
        "persistent_over_hand_over": medians["persistent"] / medians["hand_over_per_solve"],
        "largest_value_difference": float((a - b.reindex(a.index)).abs().max()) if len(a) else 0.0,
        "values": {str(k): float(v) for k, v in b.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = run(args.gap, args.repeats)
    print(json.dumps({k: v for k, v in result.items() if k != "values"}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
