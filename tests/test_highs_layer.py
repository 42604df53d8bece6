"""Build once, solve many (#28): the marginal-value LPs on one persistent HiGHS model give what
handing the whole model to HiGHS for each solve gives. Real HiGHS solves on the tiny city."""

from __future__ import annotations

import math

import pytest

from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.highs_layer import HighsLayer
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.plan import marginal_values, solver_options
from fleetplan.optimiser.results import extract_results
from fleetplan.optimiser.servability import find_unservable
from fleetplan.optimiser.solver import solve
from tests.test_certified import _penalised_target_data, _scenario
from tests.test_formulation import scenario
from tests.tiny import ebus_programme, tiny_dataset

NUMBERS = ["value", "valid_up_to", "system_cost_hkd_per_hkd", "penalty_hkd_per_hkd", "dual"]


def _solved(scenario: object, data: object) -> tuple[object, object, object, float | None]:
    inputs = prepare_inputs(scenario, data)
    model = build_model(inputs)
    options = solver_options(scenario, inputs)
    find_unservable(model, inputs, options)
    report = solve(model, options)
    assert report.has_solution
    extract_results(model, inputs, report, {})
    return model, inputs, options, report.gap


def _announced_pot_data() -> object:
    gap = 12_000_000 - 3_000_000 + 100_000 - 18 * (365_000 - 109_500)
    params = {("vehicle_price_hkd", "bus_double", "bev"): 12_000_000, ("adoption_barrier_hkd", "-", "-"): -gap,
              ("adoption_spread_hkd", "-", "-"): 1_000_000}  # fmt: skip
    programme = {**ebus_programme(programme_cap_hkd=5e6), "per_vehicle_cap_hkd": 1_000_000, "first_year": 2026,
                 "last_year": 2026, "payment_rule": "announced"}  # fmt: skip
    return tiny_dataset(parameters=params, programmes=[programme])


@pytest.mark.parametrize(
    ("case", "scenario", "data"),
    [
        (
            "budget and a penalised target",
            _scenario(target_penalty_hkd_per_vehicle=5e6, budget={"total_hkd": 20e6}, marginal_step_hkd=10e6),
            _penalised_target_data(),
        ),
        ("announced pot that runs out (money-ran-out rows raised too)", scenario(marginal_step_hkd=1e6), _announced_pot_data()),
    ],
)
def test_persistent_marginal_values_equal_a_fresh_hand_over_per_solve(case: str, scenario: object, data: object) -> None:
    model, inputs, options, gap = _solved(scenario, data)
    persistent = marginal_values(model, inputs, options, final_gap=gap, persistent=True)
    # the model as the plan left it: solve the plan again so both start from the same incumbent
    model, inputs, options, gap = _solved(scenario, data)
    fresh = marginal_values(model, inputs, options, final_gap=gap, persistent=False)
    assert list(persistent["name"]) == list(fresh["name"]), case
    assert (persistent["value"].abs() > 1e-9).any(), case  # something binds: the comparison means something
    for column in NUMBERS:
        for a, b in zip(persistent[column], fresh[column], strict=True):
            if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
                assert (b is None or (isinstance(b, float) and math.isnan(b))) == (a is None or (isinstance(a, float) and math.isnan(a))), (case, column)
                continue
            assert a == pytest.approx(b, rel=1e-6, abs=1e-6), (case, column)
    assert [str(m) for m in persistent["meaning"]] == [str(m) for m in fresh["meaning"]], case


def test_layer_moves_only_the_rows_asked_and_puts_them_back() -> None:
    """Raising the budget row on the layer is the same LP as the model built with a larger budget
    (its integers held at the same values); restored, the first optimum comes back."""
    scenario = _scenario(target_penalty_hkd_per_vehicle=5e6, budget={"total_hkd": 20e6})
    model, _, _, _ = _solved(scenario, _penalised_target_data())
    layer = HighsLayer.build(model)
    assert layer is not None
    layer.fix_integers()
    base = layer.solve(load_duals=True)
    assert base.status == "optimal"
    dual = abs(base.duals[model.budget])
    assert dual > 0
    layer.replace_row(model.budget, upper_by=1.0)  # HK$1m more (objective rows are in HK$m)
    raised = layer.solve()
    assert raised.status == "optimal"
    # inside the LP's range the objective falls by the dual per HK$m
    assert base.objective - raised.objective == pytest.approx(dual * 1.0, rel=1e-6)
    layer.restore_rows()
    again = layer.solve()
    assert again.objective == pytest.approx(base.objective, rel=1e-9)
