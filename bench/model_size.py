"""Model size per family, without solving: rows, columns and non-zeros as HiGHS would get them.

Usage (from the repository root)::

    python -m bench.model_size --point '<json of bench.fleet.Point>' [--out size.json] [--lp] [--solve]

Builds the point's model (a synthetic city, or the Hong Kong default with ``"kind": "hk"``),
compiles it to the linear standard form the solver hands to HiGHS
(:func:`fleetplan.optimiser.solver.compile_arrays`: fixed variables are constants, a ranged
row counts twice) and counts rows and non-zeros per constraint family and columns per
variable family. Cheap next to a solve, so a reduction's effect on size can be measured on
the largest points. The model is built twice from the same inputs, with the exact
reductions of issue #28 and without them (``build_model(reduced=False)``), and the ratios given.

``--compare-solves N`` solves both models as a plan would, alternating, N times each (a time
ratio in one command). ``--lp`` also solves both LP relaxations (they must have one optimum: every reduction is exact
for the LP too); ``--solve`` solves the reduced model once as a plan would (the point's gap and
limit) and carries that plan into the unreduced model, reporting its largest violation there
and its objective in both (they must agree).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.fleet import Point, _load, _scenario, write_city


def model_size(model: Any) -> dict[str, Any]:
    """Rows, columns and non-zeros of ``model``'s compiled form, in total and per family."""
    from fleetplan.optimiser.solver import compile_arrays

    compiled = compile_arrays(model)
    if compiled is None:
        raise RuntimeError("Pyomo could not compile the model to arrays")
    lp, columns, rows = compiled
    row_nnz = np.bincount(np.asarray(lp.a_matrix_.index_, dtype=np.int64), minlength=len(rows))
    rows_by: Counter[str] = Counter()
    nnz_by: Counter[str] = Counter()
    for j, (constraint, _) in enumerate(rows):
        family = constraint.parent_component().name
        rows_by[family] += 1
        nnz_by[family] += int(row_nnz[j])
    cols_by = Counter(var.parent_component().name for var in columns)
    return {
        "rows": len(rows),
        "columns": len(columns),
        "nonzeros": len(lp.a_matrix_.index_),
        "rows_by_family": dict(rows_by.most_common()),
        "nonzeros_by_family": dict(nnz_by.most_common()),
        "columns_by_family": dict(cols_by.most_common()),
    }


def objective_value(model: Any) -> float:
    """The value of ``model``'s active objective at its variables' current values."""
    import pyomo.environ as pyo

    return float(pyo.value(next(model.component_data_objects(pyo.Objective, active=True)).expr))


def lp_relaxation(model: Any) -> tuple[float, float]:
    """The optimum of ``model`` with integrality dropped (HiGHS on the compiled arrays, the layer's options)
    and HiGHS's time for it (s)."""
    import highspy

    from fleetplan.optimiser.highs_core import HighsOptions, apply_options, new_highs
    from fleetplan.optimiser.solver import compile_arrays

    compiled = compile_arrays(model)
    if compiled is None:
        raise RuntimeError("Pyomo could not compile the model to arrays")
    lp = compiled[0]
    lp.integrality_ = []
    # Through the project's HiGHS layer: setting "threads" directly fails once another solve
    # in the process has started HiGHS's (process-wide) thread pool with another count.
    highs = new_highs()
    apply_options(highs, HighsOptions())
    highs.passModel(lp)
    started = time.perf_counter()
    highs.run()
    elapsed = time.perf_counter() - started
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(
            f"LP relaxation not solved: {highs.modelStatusToString(highs.getModelStatus())}"
        )
    return float(highs.getInfo().objective_function_value), elapsed


def carry_plan(solution: Any, into: Any, inputs: Any) -> float:
    """Put the values of ``solution`` (a solved model) into ``into`` (the same instance built the
    other way) and return the largest violation of its rows, bounds and fixings.

    ``into``'s refuelled shares, where it has them (the unreduced model), are set to what the
    open stations cover, the value the projected-out variable would take; where one model buys
    hydrogen per supply group and the other per consumer, each group's purchases are split
    between its members by demand (``results.supply_by_consumer``).
    """
    import pyomo.environ as pyo

    worst = 0.0
    for var in into.component_data_objects(pyo.Var, descend_into=True):
        source = solution.find_component(var.parent_component().name)
        if source is None or var.index() not in source:
            continue
        value = source[var.index()].value
        if value is None:
            continue
        if var.fixed:
            worst = max(worst, abs(value - var.value))
            continue
        var.set_value(value, skip_validation=True)
        worst = max(
            worst,
            (var.lb - value) if var.lb is not None else 0.0,
            (value - var.ub) if var.ub is not None else 0.0,
        )
    if into.supply_members != solution.supply_members:
        # one model buys hydrogen per consumer, the other per supply group: carry what each
        # consumer buys (a group's purchases split by its members' demand) and re-sum
        from fleetplan.optimiser.results import supply_by_consumer

        bought = supply_by_consumer(solution, inputs)
        for u, h in into.UH:
            for t in into.T:
                into.h2_supply[u, h, t].set_value(
                    math.fsum(bought.get((v, h, t), 0.0) for v in into.supply_members[u])
                )
    if into.find_component("refuelled") is not None:
        for q, t in into.refuelled:
            open_share = min(
                sum(pyo.value(into.h2_open[h, t]) for h in rows) for rows in inputs.cover_rows[q]
            )
            into.refuelled[q, t].set_value(min(1.0, max(0.0, open_share)))
    for row in into.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        body = pyo.value(row.body)
        if row.has_lb():
            worst = max(worst, pyo.value(row.lower) - body)
        if row.has_ub():
            worst = max(worst, body - pyo.value(row.upper))
    return worst


def _check_lp(inputs: Any) -> dict[str, float]:
    from fleetplan.optimiser.formulation import build_model

    reduced, reduced_s = lp_relaxation(build_model(inputs))
    unreduced, unreduced_s = lp_relaxation(build_model(inputs, reduced=False))
    return {
        "reduced": reduced,
        "unreduced": unreduced,
        "reduced_s": reduced_s,
        "unreduced_s": unreduced_s,
    }


def _check_solve(point: Point, inputs: Any) -> dict[str, Any]:
    import dataclasses

    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.plan import solver_options
    from fleetplan.optimiser.solver import solve

    model = build_model(inputs)
    options = dataclasses.replace(
        solver_options(inputs.scenario, inputs),
        time_limit_s=point.time_limit_s,
        mip_rel_gap=point.mip_rel_gap,
        threads=1,
    )
    started = time.perf_counter()
    report = solve(model, options)
    out: dict[str, Any] = {
        "status": report.status, "objective": report.objective, "best_bound": report.best_bound, "gap": report.gap,
        "solve_s": time.perf_counter() - started, "highs_run_s": report.highs_run_s,
    }  # fmt: skip
    if report.has_solution:
        unreduced = build_model(inputs, reduced=False)
        out["largest_violation_in_unreduced"] = carry_plan(model, unreduced, inputs)
        out["objective_in_reduced"] = objective_value(model)
        out["objective_in_unreduced"] = objective_value(unreduced)
    return out


def _compare_solves(point: Point, inputs: Any, repeats: int) -> list[dict[str, Any]]:
    """The unreduced and the reduced model built and solved as a plan would (the point's gap and
    limit), alternating, ``repeats`` times each: build and solve seconds, HiGHS's own time."""
    import dataclasses

    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.plan import solver_options
    from fleetplan.optimiser.solver import solve

    options = dataclasses.replace(
        solver_options(inputs.scenario, inputs),
        time_limit_s=point.time_limit_s,
        mip_rel_gap=point.mip_rel_gap,
        threads=1,
    )
    runs = []
    for _ in range(repeats):
        for reduced in (False, True):
            started = time.perf_counter()
            model = build_model(inputs, reduced=reduced)
            built = time.perf_counter()
            report = solve(model, options)
            runs.append({
                "reduced": reduced, "build_s": built - started, "solve_s": time.perf_counter() - built,
                "highs_run_s": report.highs_run_s, "status": report.status, "objective": report.objective, "gap": report.gap,
            })  # fmt: skip
    return runs


def measure(
    point: Point, *, unreduced: bool = True, lp: bool = False, mip: bool = False, repeats: int = 0
) -> dict[str, Any]:
    """Prepare and build ``point``'s model and return its size (and the phase times); with
    ``unreduced`` also the size of the model built without the exact reductions
    (``build_model(reduced=False)``) from the same inputs, and the ratios."""
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs

    workdir = Path(tempfile.mkdtemp(prefix="fleetplan-size-"))
    try:
        write_city(point, workdir)
        times: dict[str, float] = {}
        started = time.perf_counter()
        dataset = _load(point, workdir)
        inputs = prepare_inputs(_scenario(point), dataset)
        times["prepare_s"] = time.perf_counter() - started
        started = time.perf_counter()
        model = build_model(inputs)
        times["build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        size = model_size(model)
        times["compile_s"] = time.perf_counter() - started
        result = {"point": asdict(point), **size, "times": times}
        if unreduced:
            del model
            before = model_size(build_model(inputs, reduced=False))
            result["unreduced"] = before
            result["ratio_to_unreduced"] = {
                key: size[key] / max(before[key], 1) for key in ("rows", "columns", "nonzeros")
            }
        if lp:
            result["lp_relaxation"] = _check_lp(inputs)
        if mip:
            result["solve"] = _check_solve(point, inputs)
        if repeats:
            result["solves"] = _compare_solves(point, inputs, repeats)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.model_size", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--point", required=True, help="JSON of bench.fleet.Point")
    parser.add_argument("--out", type=Path, help="write the result JSON here")
    parser.add_argument("--top", type=int, default=12, help="families to print")
    parser.add_argument("--reduced-only", action="store_true", help="skip the unreduced build")
    parser.add_argument("--lp", action="store_true", help="solve both LP relaxations")
    parser.add_argument(
        "--compare-solves",
        type=int,
        default=0,
        metavar="N",
        help="solve unreduced and reduced, alternating, N times each",
    )
    parser.add_argument(
        "--solve",
        action="store_true",
        help="solve the reduced model once, carry the plan into the unreduced",
    )
    args = parser.parse_args(argv)
    spec = json.loads(args.point)
    point = Point(**{**spec, "sweep": tuple(spec.get("sweep", ()))})
    result = measure(
        point,
        unreduced=not args.reduced_only,
        lp=args.lp,
        mip=args.solve,
        repeats=args.compare_solves,
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(
        f"{point.name}: {result['rows']:,} rows, {result['columns']:,} columns, {result['nonzeros']:,} non-zeros"
    )
    for family, count in list(result["rows_by_family"].items())[: args.top]:
        print(f"  rows {family:40s} {count:>9,}  nnz {result['nonzeros_by_family'][family]:>10,}")
    for family, count in list(result["columns_by_family"].items())[: args.top]:
        print(f"  cols {family:40s} {count:>9,}")
    if "unreduced" in result:
        before = result["unreduced"]
        ratio = result["ratio_to_unreduced"]
        print(
            f"unreduced: {before['rows']:,} rows, {before['columns']:,} columns, {before['nonzeros']:,} non-zeros; "
            f"reduced / unreduced: rows {ratio['rows']:.3f}, columns {ratio['columns']:.3f}, non-zeros {ratio['nonzeros']:.3f}"
        )
    if "lp_relaxation" in result:
        lp = result["lp_relaxation"]
        print(
            f"LP relaxation: reduced {lp['reduced']:.6f} in {lp['reduced_s']:.1f} s, unreduced {lp['unreduced']:.6f} in "
            f"{lp['unreduced_s']:.1f} s (time ratio {lp['reduced_s'] / max(lp['unreduced_s'], 1e-9):.2f})"
        )
    if "solve" in result:
        print(f"solve: {result['solve']}")
    for run in result.get("solves", []):
        print(
            f"{'reduced' if run['reduced'] else 'unreduced':9s}: build {run['build_s']:.1f} s, solve {run['solve_s']:.1f} s "
            f"(HiGHS {run['highs_run_s'] or 0.0:.1f} s), {run['status']}, objective {run['objective']}, gap {run['gap']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
