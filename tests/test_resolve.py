"""Re-solving after a small change: a warm start from the previous plan, and the no-policy
counterfactual reused when a lever changes. Neither may change the answer."""

from __future__ import annotations

import multiprocessing

import pytest

from fleetplan.optimiser import plan as plan_module
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.results import mip_start
from tests.test_formulation import MOST_ABATEMENT, _bus_subsidy_data, scenario


def test_warm_start_gives_the_same_optimum_as_a_cold_solve() -> None:
    """The budget example of test_formulation (HK$20m buys 4 buses, 584 t) re-solved at
    HK$30m: cold, and warm from the HK$20m plan. Both are solved to a zero gap, so both
    must reach the hand-worked 584 + 10 x 29.2 = 876 t; the start covers every variable
    of the new model (same dataset and horizon). Only a warm re-solve starts its LPs from
    the bases earlier solves left (basis_memory); the cold one, the same input as a fresh
    process's, takes none."""
    from fleetplan.optimiser import basis_memory

    basis_memory.forget()
    data = _bus_subsidy_data(1e9)
    first = plan(
        scenario(**MOST_ABATEMENT, budget={"total_hkd": 20e6}),
        data,
        marginals=False,
        counterfactual=False,
    )
    assert first.decisions
    changed = scenario(**MOST_ABATEMENT, budget={"total_hkd": 30e6})
    cold = plan(changed, data, marginals=False, counterfactual=False)
    warm = plan(changed, data, marginals=False, counterfactual=False, warm_start=first)
    for result in (cold, warm):
        assert result.summary()["co2_abated_t"] == pytest.approx(876.0, rel=1e-6)
    assert warm.report.objective == pytest.approx(cold.report.objective, rel=1e-9, abs=1e-6)
    assert "the start given, completed" in warm.report.log
    assert "from an earlier basis" not in cold.report.log
    again = plan(changed, data, marginals=False, counterfactual=False, warm_start=warm)
    assert again.report.objective == pytest.approx(cold.report.objective, rel=1e-9, abs=1e-6)
    assert "from an earlier basis" in again.report.log
    # the start's completion LP starts from the relaxation's basis (guided start, the default)
    # or from the last completion's (solver.lp_guided_start false)
    kept = {purpose for purpose, _ in basis_memory._BASES}
    assert "servability" in kept and kept & {"relaxation", "completion"}


def test_mip_start_maps_decisions_by_name_and_index_only() -> None:
    """A start built from a plan of a longer horizon keeps only the variables both models have."""
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs

    data = _bus_subsidy_data(1e9)
    longer = plan(
        scenario(years={"start": 2025, "end": 2027}), data, marginals=False, counterfactual=False
    )
    model = build_model(prepare_inputs(scenario(years={"start": 2025, "end": 2026}), data))
    start = mip_start(model, longer.decisions)
    assert len(start) > 0
    for var, value in start.items():
        assert longer.decisions[(var.parent_component().local_name, var.index())] == value
        assert 2027 not in (var.index() if isinstance(var.index(), tuple) else (var.index(),))


def test_counterfactual_is_reused_when_only_a_lever_changes() -> None:
    """Two budgets have one no-policy counterfactual: the second plan reuses it (no new
    solve), and it equals the counterfactual a fresh process would solve."""
    data = _bus_subsidy_data(1e9)
    plan_module._COUNTERFACTUALS.clear()
    first = plan(scenario(budget={"total_hkd": 20e6}), data, marginals=False)
    assert len(plan_module._COUNTERFACTUALS) == 1
    second = plan(scenario(budget={"total_hkd": 30e6}), data, marginals=False)
    assert len(plan_module._COUNTERFACTUALS) == 1
    assert second.counterfactual == first.counterfactual
    plan_module._COUNTERFACTUALS.clear()
    fresh = plan(scenario(budget={"total_hkd": 30e6}), data, marginals=False)
    assert fresh.counterfactual == second.counterfactual


def test_a_counterfactual_solved_in_a_second_process_equals_the_serial_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """plan(parallel=True) spawns a process for the no-policy plan: the same numbers as
    solving it here, the hand-worked 584 t against no policy, and the process is gone."""
    from fleetplan.optimiser.plan import _BackgroundCounterfactual

    started = []
    real_start = _BackgroundCounterfactual.start.__func__

    def counted_start(cls: type, *args: object) -> object:
        background = real_start(cls, *args)
        started.append(background)
        return background

    monkeypatch.setattr(_BackgroundCounterfactual, "start", classmethod(counted_start))
    data = _bus_subsidy_data(1e9)
    chosen = scenario(**MOST_ABATEMENT, budget={"total_hkd": 20e6})
    plan_module._COUNTERFACTUALS.clear()
    serial = plan(chosen, data, marginals=False)
    plan_module._COUNTERFACTUALS.clear()
    before = set(multiprocessing.active_children())
    parallel = plan(chosen, data, marginals=False, parallel=True)
    assert len(started) == 1  # it did run apart
    assert parallel.counterfactual == serial.counterfactual
    assert parallel.summary()["co2_abated_vs_no_policy_t"] == pytest.approx(584.0)
    assert not started[0]._process.is_alive()
    assert set(multiprocessing.active_children()) <= before
    # The cache works the same way: a lever change reuses it without a second process.
    plan_module._COUNTERFACTUALS.clear()
    plan(scenario(budget={"total_hkd": 20e6}), data, marginals=False, parallel=True)
    plan(scenario(budget={"total_hkd": 30e6}), data, marginals=False, parallel=True)
    assert len(plan_module._COUNTERFACTUALS) == 1
    assert len(started) == 2  # one process for the first budget, none for the second


def test_an_infeasible_counterfactual_in_a_second_process_raises_the_named_error() -> None:
    """The error crosses the process with its diagnosis, as the serial path raises it."""
    from fleetplan.errors import InfeasibleError
    from fleetplan.optimiser.plan import _BackgroundCounterfactual

    data = _bus_subsidy_data(1e9)
    # A hard target no plan can meet (every vehicle zero-emission in the first year).
    impossible = scenario(
        extra_targets={
            "all_now": {"vehicle_class": "bus", "year": 2025, "min_zev_share": 1.0, "hard": True}
        }
    )
    with pytest.raises(InfeasibleError) as serial:
        plan(impossible, data, marginals=False, counterfactual=False)
    background = _BackgroundCounterfactual.start(impossible, data)
    try:
        with pytest.raises(InfeasibleError) as crossed:
            background.result()
    finally:
        background.stop()
    assert str(crossed.value) == str(serial.value)
    assert crossed.value.diagnosis == serial.value.diagnosis


def test_a_counterfactual_process_that_dies_is_solved_here_instead() -> None:
    """Killed (out of memory, a signal), the second process leaves no result: the
    counterfactual is then solved in this process, with the same figures."""
    from fleetplan.optimiser.plan import (
        _BackgroundCounterfactual,
        _counterfactual_summary,
        no_policy_scenario,
    )

    data = _bus_subsidy_data(1e9)
    reference = no_policy_scenario(scenario(budget={"total_hkd": 20e6}), data)
    plan_module._COUNTERFACTUALS.clear()
    serial = plan(reference, data, marginals=False, counterfactual=False).summary()
    background = _BackgroundCounterfactual.start(reference, data)
    background._process.kill()
    background._process.join()
    try:
        summary = _counterfactual_summary(reference, data, background)
    finally:
        background.stop()
    for key in ("co2_abated_t", "system_cost_hkd", "zev_in_service"):
        assert summary[key] == serial[key]
