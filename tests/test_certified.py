"""Figures an official can quote: a deterministic stop, certified errors, real money apart from
penalties, one tonnes-per-HK$ figure. Real HiGHS solves on the tiny city (tests/tiny.py)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
from pathlib import Path

import pytest

from fleetplan.optimiser.certainty import difference_error_hkd, measurable
from fleetplan.optimiser.outputs import write_results
from fleetplan.optimiser.plan import DEFAULT_ABS_GAP_HKD_M, plan, solver_options
from fleetplan.optimiser.scenario import Scenario
from tests.test_cli import CLI
from tests.tiny import ebus_programme, tiny_dataset

TARGET_2026 = [
    {
        "target_id": "ebus_2026",
        "vehicle_class": "bus",
        "year": 2026,
        "min_zev": 8,
        "min_zev_share": None,
        "hard": False,
    }
]


def _scenario(**fields: object) -> Scenario:
    base = {
        "years": {"start": 2025, "end": 2027},
        "technologies": {"bus": ["bev"], "taxi": ["bev"], "truck": ["fcev"]},
        "solver": {"mip_rel_gap": 1e-9, "mip_abs_gap": 0.0},
    }
    base.update(fields)
    return Scenario.model_validate(base)


def _penalised_target_data() -> object:
    """The HK$12m battery bus (operator gap HK$4.501m, tests/test_formulation.py) with an e-bus
    programme paying HK$5m and a soft target of 8 battery buses in 2026, penalised when asked."""
    return tiny_dataset(
        parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000},
        programmes=[ebus_programme()],
        targets=TARGET_2026,
    )


def test_default_stops_on_the_gap_never_on_the_clock() -> None:
    """No wall-clock limit unless asked; a least-cost plan is certified to HK$30m."""
    scenario = Scenario()
    assert scenario.solver.time_limit_s is None
    options = solver_options(scenario)
    assert options.time_limit_s is None and options.mip_abs_gap == DEFAULT_ABS_GAP_HKD_M == 30.0
    assert solver_options(Scenario(objective="max_abatement")).mip_abs_gap is None


def _spin(seconds: float) -> None:
    import time

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_same_figures_while_another_process_keeps_a_core_busy() -> None:
    """Two solves of one scenario, the second while a busy loop holds a core, give identical
    headline figures: nothing in the stop depends on the clock."""
    data = _penalised_target_data()
    scenario = _scenario(target_penalty_hkd_per_vehicle=5e6, budget={"total_hkd": 20e6})
    quiet = plan(scenario, data).summary()
    busy = multiprocessing.get_context("spawn").Process(target=_spin, args=(60.0,), daemon=True)
    busy.start()
    try:
        loaded = plan(scenario, data).summary()
    finally:
        busy.terminate()
        busy.join()
    for key in (
        "status",
        "system_cost_hkd",
        "subsidy_hkd_by_programme",
        "co2_abated_vs_no_policy_t",
        "zev_in_service",
        "penalties_hkd",
    ):
        assert loaded[key] == quiet[key], key


def test_marginal_value_is_split_into_money_and_penalty_and_checked_by_a_step() -> None:
    """Least cost, HK$20m budget, a soft target penalised at HK$5m per bus short.

    Each HK$5m of budget pays one more bus (quota), which cuts the shortfall by one bus in 2026
    and 2027 stock: the penalty falls, the system cost rises by that bus's extra cost. The
    marginal value must equal its system-cost part plus its penalty part, each equal to what a
    re-solve at +HK$10m (inside the LP range, an independent computation) gives per HK$.
    """
    data = _penalised_target_data()
    scenario = _scenario(
        target_penalty_hkd_per_vehicle=5e6, budget={"total_hkd": 20e6}, marginal_step_hkd=10e6
    )
    result = plan(scenario, data, counterfactual=False)
    budget = result.marginal_values.set_index("name").loc["budget"]
    assert budget["value"] > 0
    assert budget["value"] == pytest.approx(
        budget["system_cost_hkd_per_hkd"] + budget["penalty_hkd_per_hkd"]
    )
    # real money rises (an e-bus costs the system more than a diesel bus) while the penalty falls
    assert budget["system_cost_hkd_per_hkd"] < 0 < budget["penalty_hkd_per_hkd"]

    base = result.summary()
    raised = plan(_scenario(target_penalty_hkd_per_vehicle=5e6, budget={"total_hkd": 30e6}), data,
                  counterfactual=False, marginals=False).summary()  # fmt: skip
    cost_per_hkd = (base["system_cost_hkd"] - raised["system_cost_hkd"]) / 10e6
    penalty_per_hkd = (
        sum(base["penalties_hkd"].values()) - sum(raised["penalties_hkd"].values())
    ) / 10e6
    assert budget["system_cost_hkd_per_hkd"] == pytest.approx(cost_per_hkd, rel=1e-3, abs=1e-6)
    assert budget["penalty_hkd_per_hkd"] == pytest.approx(penalty_per_hkd, rel=1e-3, abs=1e-6)
    # the policy-sized step is a re-solve of the whole plan: same figures here, and it agrees
    assert budget["step_hkd"] == pytest.approx(10e6)
    assert budget["step_system_cost_hkd_per_hkd"] == pytest.approx(cost_per_hkd, rel=1e-3, abs=1e-6)
    assert budget["step_penalty_hkd_per_hkd"] == pytest.approx(penalty_per_hkd, rel=1e-3, abs=1e-6)
    assert bool(budget["step_agrees"]) and budget["step_status"] == "optimal"


def test_one_tonnes_per_hkd_figure_against_no_policy() -> None:
    """The all-incumbent ratio is gone; the one figure is abatement the policy adds per HK$1m,
    labelled with its basis and horizon; a cost difference carries both solves' error."""
    data = _penalised_target_data()
    summary = plan(_scenario(budget={"total_hkd": 20e6}, objective="max_abatement",
                             max_abatement={"infrastructure": "budget"}), data).summary()  # fmt: skip
    assert (
        "co2_t_per_hkd_m_subsidy_vs_baseline" not in summary
        and "subsidy_hkd_per_t_abated" not in summary
    )
    extra_t = summary["co2_abated_vs_no_policy_t"]
    assert summary["co2_t_per_hkd_m_subsidy_vs_no_policy"] == pytest.approx(
        extra_t / (summary["subsidy_hkd_total"] / 1e6), rel=1e-3
    )
    assert (
        "no-policy" in summary["co2_t_per_hkd_m_definition"]
        and "2025-2027" in summary["co2_t_per_hkd_m_definition"]
    )
    assert summary["no_policy"]["status"] == "optimal"
    assert summary["money_basis"]["subsidy_hkd"].startswith("nominal")


def test_a_difference_within_the_error_bound_is_no_measurable_difference() -> None:
    assert difference_error_hkd({"objective_unit": "HK$ million", "gap_absolute": 20.0},
                                {"objective_unit": "HK$ million", "gap_absolute": 25.0}) == pytest.approx(45e6)  # fmt: skip
    assert measurable(40e6, 45e6) is False and measurable(-50e6, 45e6) is True
    assert (
        difference_error_hkd(
            {"objective_unit": "t CO2", "gap_absolute": 1.0},
            {"objective_unit": "HK$ million", "gap_absolute": 1.0},
        )
        is None
    )


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=600)


def test_compare_says_no_measurable_difference_within_both_errors(tmp_path: Path) -> None:
    """The same plan under two names: the cost difference is 0, inside the two solves' error,
    and compare says so instead of quoting a number; a real difference (HK$20m of budget against
    none, each plan certified to HK$0.01m) stays a number."""
    data = _penalised_target_data()
    base = _scenario(
        target_penalty_hkd_per_vehicle=5e6,
        budget={"total_hkd": 20e6},
        solver={"mip_rel_gap": 1e-9, "mip_abs_gap": 0.01},
    )
    for name, scenario in (("a", base), ("b", base.model_copy(update={"name": "same-plan"})),
                           ("c", base.model_copy(update={"budget": base.budget.model_copy(update={"total_hkd": 0.0})}))):  # fmt: skip
        write_results(plan(scenario, data, marginals=False), scenario, tmp_path / name)
    same = _cli("compare", tmp_path / "a", tmp_path / "b", "--json")
    assert same.returncode == 0, same.stderr
    payload = json.loads(same.stdout)
    cost = next(f for f in payload["figures"] if f["name"] == "system_cost_hkd")
    assert cost["measurable"][1] is False
    assert any("no measurable difference" in w for w in payload["warnings"])
    other = json.loads(_cli("compare", tmp_path / "a", tmp_path / "c", "--json").stdout)
    cost = next(f for f in other["figures"] if f["name"] == "system_cost_hkd")
    assert cost["measurable"][1] is True and abs(cost["deltas"][1]) > cost["delta_errors"][1]


def test_a_bound_past_the_plan_is_named_not_quoted_as_a_certified_error(tmp_path: Path) -> None:
    """When HiGHS's bound lies past its own plan (no valid bound can), the plan says so.

    On this small synthetic city HiGHS 1.16's presolve (its aggregator) gives a bound above the
    LP-guided plan's cost. Checked independently: the same model solved by HiGHS without presolve
    reaches a plan at or below the guided plan's cost, so a bound above that cost is not valid.
    Whatever HiGHS does, the note is there exactly when the bound crosses the plan.
    """
    import highspy

    from bench.synthetic import write_synthetic
    from fleetplan.network.loaders import load_dataset
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.results import bound_past_plan, extract_results
    from fleetplan.optimiser.scenario import Years
    from fleetplan.optimiser.solver import SolverOptions, solve
    from tests.test_reductions import SMALL

    folder = write_synthetic(tmp_path / "city", **SMALL, seed=3)
    scenario = Scenario(name="bound", years=Years(start=2025, end=2025 + SMALL["years"] - 1))
    inputs = prepare_inputs(scenario, load_dataset(folder))
    model = build_model(inputs)
    report = solve(model, SolverOptions(mip_rel_gap=0.0, mip_abs_gap=1e-9, lp_guided_start=True))
    assert report.objective is not None and report.best_bound is not None
    crossed = bound_past_plan(report, maximise=False)
    result = extract_results(model, inputs, report, {})
    assert any(getattr(note, "key", "") == "bound_past_plan" for note in result.notes) == crossed

    mps = tmp_path / "small.mps"
    build_model(inputs).write(str(mps))
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.readModel(str(mps))
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 1e-9)
    highs.run()
    independent = highs.getInfo().objective_function_value
    # The plan HiGHS returns is never better than the true optimum; a bound above the
    # independent optimum is what the note names.
    assert independent <= report.objective + 1e-6 * abs(report.objective)
    if crossed:
        assert report.best_bound > independent


def test_bound_past_plan_by_sense() -> None:
    """Past means above the plan when minimising, below it when maximising; round-off is not past."""
    from fleetplan.optimiser.results import bound_past_plan
    from fleetplan.optimiser.solver import SolveReport

    def report(objective: float, bound: float) -> SolveReport:
        return SolveReport("optimal", "optimal", objective, bound, 0.0, 1.0, True)

    assert bound_past_plan(report(100.0, 100.5), maximise=False)
    assert not bound_past_plan(report(100.0, 99.5), maximise=False)
    assert bound_past_plan(report(100.0, 99.5), maximise=True)
    assert not bound_past_plan(report(1000.0, 1000.0 + 1e-4), maximise=False)
