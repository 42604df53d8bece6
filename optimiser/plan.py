"""Plan a scenario end to end: load → prepare → build → solve → extract → marginal values.

Each step is timed; the result holds tidy tables only (see :mod:`optimiser.results`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import pyomo.environ as pyo

from network.errors import InfeasibleError
from network.loaders import DEFAULT_DATASET, Dataset, load_dataset
from optimiser.diagnosis import diagnose
from optimiser.formulation import build_model
from optimiser.inputs import ModelInputs, prepare_inputs
from optimiser.results import PlanResult, extract_results
from optimiser.scenario import Scenario
from optimiser.solver import SolveReport, SolverOptions, solve


def solver_options(scenario: Scenario) -> SolverOptions:
    return SolverOptions(
        time_limit_s=scenario.solver.time_limit_s,
        mip_rel_gap=scenario.solver.mip_rel_gap,
        threads=scenario.solver.threads,
        interface=scenario.solver.interface,
    )


def plan(
    scenario: Scenario | None = None,
    dataset: Dataset | None = None,
    *,
    on_progress: Callable[[dict[str, float]], None] | None = None,
    marginals: bool = True,
) -> PlanResult:
    """Solve ``scenario`` (default: the Hong Kong default) and return its tidy results.

    Raises
    ------
    InfeasibleError
        With a diagnosis naming the conflicting targets or families, when the
        scenario has no feasible plan, or when no plan was found in the time limit.
    """
    scenario = scenario or Scenario()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if dataset is None:
        dataset = load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    timings["load_s"] = time.perf_counter() - started

    started = time.perf_counter()
    inputs = prepare_inputs(scenario, dataset)
    timings["prepare_s"] = time.perf_counter() - started

    started = time.perf_counter()
    model = build_model(inputs)
    timings["build_s"] = time.perf_counter() - started

    options = solver_options(scenario)
    report = solve(model, options, on_progress=on_progress)
    timings["solve_s"] = report.solve_time_s
    if not report.has_solution:
        if report.status in ("infeasible", "infeasible_or_unbounded"):
            raise InfeasibleError(f"scenario '{scenario.name}' is infeasible", diagnose(inputs, options))
        raise InfeasibleError(
            f"no feasible plan found for '{scenario.name}' within {options.time_limit_s:g} s (status {report.status}); "
            "raise solver.time_limit_s or loosen mip_rel_gap"
        )

    started = time.perf_counter()
    result = extract_results(model, inputs, report, timings)
    timings["extract_s"] = time.perf_counter() - started

    if marginals:
        started = time.perf_counter()
        result.marginal_values = marginal_values(model, inputs, options)
        timings["marginals_s"] = time.perf_counter() - started
    result.timings_s = timings
    return result


def marginal_values(model: pyo.ConcreteModel, inputs: ModelInputs, options: SolverOptions) -> pd.DataFrame:
    """Duals of the LP with every integer fixed at its optimum, turned into plain figures.

    Relaxing a ≤ budget or cap can only help, so the improvement per unit is
    the dual's magnitude: HK$ of system cost saved (least-cost objective) or
    tonnes abated (most-abatement objective) per extra HK$1m; for a target,
    the HK$ million of system cost one more zero-emission vehicle adds.
    """
    relaxed = []
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.is_integer() or var.is_binary():
            # HiGHS gives duals only for an LP: drop integrality, then hold the value.
            relaxed.append((var, var.domain, var.fixed))
            value = round(var.value) if var.value is not None else 0
            var.domain = pyo.Reals
            var.fix(value)
    try:
        report: SolveReport = solve(model, options, load_duals=True)
    finally:
        for var, domain, was_fixed in relaxed:
            var.domain = domain
            if not was_fixed:
                var.unfix()
    if not report.has_solution:
        return pd.DataFrame(columns=["name", "value", "unit", "meaning"])
    duals = report.duals
    per_hkd_m = "t CO2 per HK$1m" if inputs.scenario.objective == "max_abatement" else "HK$ saved per HK$1 of budget"
    rows = []
    budget = abs(duals.get(model.budget, 0.0)) if model.budget.active and len(model.budget) else 0.0
    if inputs.scenario.objective == "max_abatement":
        rows.append(
            {
                "name": "budget",
                "value": budget,
                "unit": per_hkd_m,
                "meaning": f"one more HK$100m of subsidy budget abates about {budget * 100:,.0f} t CO2 "
                "(with the chosen sites and chargers held fixed)",
            }
        )
    else:
        rows.append(
            {
                "name": "budget",
                "value": budget,
                "unit": per_hkd_m,
                "meaning": f"one more HK$100m of subsidy budget saves about HK${budget * 100:,.1f}m of system cost "
                "(with the chosen sites and chargers held fixed)",
            }
        )
    for p in model.P:
        value = abs(duals.get(model.programme_cap[p], 0.0)) if p in model.programme_cap else 0.0
        rows.append(
            {
                "name": f"programme_cap:{p}",
                "value": value,
                "unit": per_hkd_m,
                "meaning": f"raising the {p} cap by HK$100m is worth {value * 100:,.1f} "
                + ("t CO2" if inputs.scenario.objective == "max_abatement" else "HK$m of system cost"),
            }
        )
    for g in model.G:
        value = abs(duals.get(model.target[g], 0.0)) if g in model.target else 0.0
        unit = "t CO2 per vehicle" if inputs.scenario.objective == "max_abatement" else "HK$m per vehicle"
        short = pyo.value(model.target_short[g])
        if short is not None and short > 0.5:
            meaning = (
                f"target {g} is out of reach in this scenario ({short:,.0f} vehicles short); "
                "each vehicle short pays the soft-target penalty"
            )
        elif value <= 1e-9:
            meaning = f"target {g} does not bind: the plan exceeds it anyway"
        else:
            meaning = f"one more zero-emission vehicle in target {g} costs {value:,.3f} {unit.split(' per')[0]}"
        rows.append({"name": f"target:{g}", "value": value, "unit": unit, "meaning": meaning})
    return pd.DataFrame(rows, columns=["name", "value", "unit", "meaning"])


def target_cost(scenario: Scenario | None = None, dataset: Dataset | None = None) -> dict[str, object]:
    """What the scenario's targets cost: the plan with its targets made hard against the plan without any.

    Returns the two system costs, subsidies and tonnes abated and their
    differences (HK$, t). If the targets cannot be met, ``feasible`` is False
    and ``diagnosis`` says what conflicts (e.g. replacement pace, budget).
    """
    scenario = scenario or Scenario()
    if dataset is None:
        dataset = load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    target_ids = list(dataset.targets["target_id"]) + list(scenario.extra_targets)
    base = scenario.model_dump()
    free = Scenario.model_validate(
        {**base, "targets": {g: {"enabled": False} for g in dataset.targets["target_id"]}, "extra_targets": {}}
    )
    hard = Scenario.model_validate(
        {
            **base,
            "targets": {g: {**base["targets"].get(g, {}), "hard": True} for g in dataset.targets["target_id"]},
            "extra_targets": {g: {**t, "hard": True} for g, t in base["extra_targets"].items()},
        }
    )
    without = plan(free, dataset, marginals=False).summary()
    try:
        with_targets = plan(hard, dataset, marginals=False).summary()
    except InfeasibleError as error:
        return {"targets": target_ids, "feasible": False, "diagnosis": error.diagnosis, "without_targets": without}
    return {
        "targets": target_ids,
        "feasible": True,
        "system_cost_hkd_delta": with_targets["system_cost_hkd"] - without["system_cost_hkd"],
        "subsidy_hkd_delta": with_targets["subsidy_hkd_total"] - without["subsidy_hkd_total"],
        "co2_abated_t_delta": with_targets["co2_abated_t"] - without["co2_abated_t"],
        "with_targets": with_targets,
        "without_targets": without,
    }
