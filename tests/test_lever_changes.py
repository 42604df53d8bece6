"""Build once, solve many (#28): a re-solve after a budget change takes the previous plan's
models, set to the new budget exactly as a fresh preparation, build and hand-over would leave
them. Real HiGHS solves on the tiny city."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo
import pytest

from fleetplan.optimiser import lever_changes
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.plan import plan, solver_options
from fleetplan.optimiser.solver import hand_over
from tests.test_formulation import MOST_ABATEMENT, _bus_subsidy_data, scenario
from tests.test_highs_layer import _announced_pot_data


def _arrays(highs: Any) -> dict[str, Any]:
    lp = highs.getLp()
    return {
        "col_cost": np.asarray(lp.col_cost_),
        "col_lower": np.asarray(lp.col_lower_),
        "col_upper": np.asarray(lp.col_upper_),
        "row_lower": np.asarray(lp.row_lower_),
        "row_upper": np.asarray(lp.row_upper_),
        "start": np.asarray(lp.a_matrix_.start_),
        "index": np.asarray(lp.a_matrix_.index_),
        "value": np.asarray(lp.a_matrix_.value_),
        "integrality": np.asarray([int(kind) for kind in lp.integrality_]),
        "offset": np.asarray([lp.offset_]),
        "columns": np.asarray(lp.col_names_),
        "rows": np.asarray(lp.row_names_),
    }


@pytest.mark.parametrize(("before_hkd", "after_hkd"), [(20e6, 3e6), (20e6, 0.0), (0.0, 20e6)])
def test_a_budget_change_sets_the_model_a_fresh_hand_over_would_give(
    before_hkd: float, after_hkd: float
) -> None:
    """An announced pot (its money-ran-out rows read the budget as a coefficient) planned at
    one budget with marginal values, then set to another: the HiGHS model equals, array for
    array, a fresh hand-over of a fresh build; the inputs carry the new budget. At HK$0 the
    coefficient is 0, which a hand-over leaves out of the matrix, so the change must take it
    out (and put it back on the way up)."""
    lever_changes.forget()
    data = _announced_pot_data()
    first = scenario(budget={"total_hkd": before_hkd}, marginal_step_hkd=1e6)
    plan(first, data)
    changed = scenario(budget={"total_hkd": after_hkd}, marginal_step_hkd=1e6)
    kept = lever_changes.take(changed, data)
    assert kept is not None
    assert lever_changes.take(changed, data) is None  # taken: one plan at a time
    inputs, model, handed = lever_changes.with_budget(kept, changed)
    assert len(model.budget_spent_by) > 0, "no row reads the budget as a coefficient"
    assert inputs.budget_hkd == after_hkd and inputs.scenario == changed

    fresh_inputs = prepare_inputs(changed, data)
    assert fresh_inputs.notes == inputs.notes
    fresh = hand_over(build_model(fresh_inputs), solver_options(changed, fresh_inputs))
    reused, expected = _arrays(handed.highs), _arrays(fresh.highs)
    assert reused.keys() == expected.keys()
    for name, values in expected.items():
        assert np.array_equal(reused[name], values), name
    # the model as handed over at HK$20m differs from it: the budget's rows did move
    before = kept.handed_lp
    assert not (
        np.array_equal(np.asarray(before.row_upper_), expected["row_upper"])
        and np.array_equal(np.asarray(before.a_matrix_.value_), expected["value"])
    )


def test_a_re_solve_after_a_budget_change_reuses_the_model_and_keeps_the_optimum() -> None:
    """test_resolve's example: HK$20m buys 584 t; HK$30m must give the hand-worked
    584 + 10 x 29.2 = 876 t, with the model reused (no preparation) and without (a fresh
    build, the reuse forgotten)."""
    lever_changes.forget()
    data = _bus_subsidy_data(1e9)
    first = plan(scenario(**MOST_ABATEMENT, budget={"total_hkd": 20e6}), data, marginals=False)
    assert first.summary()["co2_abated_t"] == pytest.approx(584.0, rel=1e-6)
    changed = scenario(**MOST_ABATEMENT, budget={"total_hkd": 30e6})
    reused = plan(changed, data, marginals=False, warm_start=first)
    assert reused.timings_s["prepare_s"] == 0.0, "the model was built again"
    lever_changes.forget()
    rebuilt = plan(changed, data, marginals=False, warm_start=first)
    assert rebuilt.timings_s["prepare_s"] > 0.0
    for result in (reused, rebuilt):
        assert result.summary()["co2_abated_t"] == pytest.approx(876.0, rel=1e-6)
    assert reused.report.objective == pytest.approx(rebuilt.report.objective, rel=1e-9, abs=1e-6)
    # back to HK$20m from the reused model: the first plan's figures again
    again = plan(
        scenario(**MOST_ABATEMENT, budget={"total_hkd": 20e6}),
        data,
        marginals=False,
        warm_start=reused,
    )
    assert again.timings_s["prepare_s"] == 0.0
    assert again.summary()["co2_abated_t"] == pytest.approx(584.0, rel=1e-6)


def test_only_a_budget_change_of_the_same_dataset_reuses_the_model() -> None:
    lever_changes.forget()
    data = _bus_subsidy_data(1e9)
    first = plan(scenario(budget={"total_hkd": 20e6}), data, marginals=False)
    # another lever (a yearly limit), another dataset, no warm start: built again, nothing taken
    other_lever = scenario(budget={"total_hkd": 20e6, "yearly_limit_hkd": {2026: 5e6}})
    assert lever_changes.take(other_lever, data) is None
    assert lever_changes.take(scenario(budget={"total_hkd": 30e6}), _bus_subsidy_data(1e9)) is None
    cold = plan(scenario(budget={"total_hkd": 30e6}), data, marginals=False)
    assert cold.timings_s["prepare_s"] > 0.0
    # a plan that holds decisions (the marginal values' step check) neither takes nor keeps
    held = plan(
        scenario(budget={"total_hkd": 25e6}),
        data,
        marginals=False,
        counterfactual=False,
        warm_start=first,
        hold=("payment_level",),
    )
    assert held.timings_s["prepare_s"] > 0.0
    assert lever_changes.take(scenario(budget={"total_hkd": 40e6}), data) is not None


def test_a_reused_model_reports_progress_only_to_its_own_plan() -> None:
    """The first plan's progress listener is taken off the HiGHS model the re-solve takes: it
    would otherwise report that solve to its own (finished) caller, e.g. an old app page."""
    lever_changes.forget()
    data = _bus_subsidy_data(1e9)
    first_events: list[dict[str, float]] = []
    plan(
        scenario(budget={"total_hkd": 20e6}), data, marginals=False, on_progress=first_events.append
    )
    changed = scenario(budget={"total_hkd": 30e6})
    kept = lever_changes.take(changed, data)
    assert kept is not None
    assert kept.handed.highs.cbMipLogging.callbacks, "the first plan's listener was not there"
    _, _, handed = lever_changes.with_budget(kept, changed)
    assert not handed.highs.cbMipLogging.callbacks


@pytest.mark.parametrize(("before_hkd", "after_hkd"), [(20e6, 3e6), (20e6, 0.0), (0.0, 20e6)])
def test_the_marginal_values_lp_kept_with_the_model_is_the_one_a_fresh_compile_gives(
    before_hkd: float, after_hkd: float
) -> None:
    """The marginal values' fixed-integer LP is kept with the model: after a budget change it is
    the LP a fresh compile of the model gives, array for array, and its figures are the ones
    the plan rebuilt from scratch gives."""
    from fleetplan.optimiser.formulation.subsidy import money_out_cuts_set_aside
    from fleetplan.optimiser.highs_layer import HighsLayer

    lever_changes.forget()
    data = _announced_pot_data()
    first = plan(scenario(budget={"total_hkd": before_hkd}, marginal_step_hkd=1e6), data)
    kept_layer = lever_changes._KEPT[0].marginal_layer
    assert kept_layer is not None
    changed = scenario(budget={"total_hkd": after_hkd}, marginal_step_hkd=1e6)
    reused = plan(changed, data, warm_start=first)
    assert reused.timings_s["prepare_s"] == 0.0, "the model was built again"
    kept = lever_changes._KEPT[0]
    assert kept.marginal_layer is kept_layer, "the marginal values' LP was compiled again"

    # the marginal values' LP is compiled without the money-ran-out cuts (plan.marginal_values)
    with money_out_cuts_set_aside(kept.model):
        fresh = HighsLayer.build(kept.model, solver_options(changed, kept.inputs))
    assert fresh is not None
    fresh.fix_integers()
    got, expected = _arrays(kept_layer.highs), _arrays(fresh.highs)
    for name in expected.keys() - {"columns", "rows"}:  # a compiled LP has no names
        assert np.array_equal(got[name], expected[name]), name
    assert np.array_equal(kept_layer.row_lower, fresh.row_lower)
    assert np.array_equal(kept_layer.row_upper, fresh.row_upper)

    lever_changes.forget()
    rebuilt = plan(changed, data, warm_start=first)
    assert rebuilt.timings_s["prepare_s"] > 0.0
    assert reused.report.objective == pytest.approx(rebuilt.report.objective, rel=1e-12)
    columns = ["name", "value", "valid_up_to", "system_cost_hkd_per_hkd", "penalty_hkd_per_hkd"]
    a, b = reused.marginal_values[columns], rebuilt.marginal_values[columns]
    assert list(a["name"]) == list(b["name"])
    assert (a["value"].abs() > 1e-9).any(), "no money limit binds: the test would prove nothing"
    for column in columns[1:]:
        assert np.allclose(
            a[column].astype(float), b[column].astype(float), rtol=1e-9, atol=1e-9, equal_nan=True
        ), column


def test_the_kept_marginal_values_lp_takes_a_moved_servability_param() -> None:
    """A servability Param that moved since the marginal values' LP was compiled (what no plan can
    serve, set before each solve) sets its row again, as a fresh compile would."""
    from fleetplan.optimiser.formulation.subsidy import money_out_cuts_set_aside
    from fleetplan.optimiser.highs_layer import HighsLayer

    lever_changes.forget()
    data = _announced_pot_data()
    plan(scenario(budget={"total_hkd": 20e6}, marginal_step_hkd=1e6), data)
    changed = scenario(budget={"total_hkd": 3e6}, marginal_step_hkd=1e6)
    kept = lever_changes.take(changed, data)
    assert kept is not None and kept.marginal_layer is not None
    _, model, _ = lever_changes.with_budget(kept, changed)
    moved = [
        key for key in model.BZ if kept.marginal_layer.rows_of(model.blocked_beyond_unservable[key])
    ]
    assert moved, "no servability row in the marginal values' LP"
    model.unservable[moved[0]] = float(pyo.value(model.unservable[moved[0]])) + 7.0
    layer = lever_changes.marginal_layer(kept)
    assert layer is kept.marginal_layer
    with money_out_cuts_set_aside(model):
        fresh = HighsLayer.build(model, solver_options(changed, kept.inputs))
    assert fresh is not None
    for name in ("row_lower", "row_upper", "start", "index", "value", "col_cost"):
        assert np.array_equal(_arrays(layer.highs)[name], _arrays(fresh.highs)[name]), name
