"""The money-ran-out rows made as tight as one year's purchases allow
(``subsidy._add_unpaid_only_once_reached``): valid inequalities, so every plan of the model
without them keeps them and the optimum does not move; the LP relaxation can only rise.

Each instance is solved twice by HiGHS to a zero gap: once without the rows (their values
checked at that plan), once with them (the same optimum)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.highs_layer import HighsLayer
from fleetplan.optimiser.inputs import prepare_inputs
from tests.test_formulation import scenario
from tests.tiny import ebus_programme, tiny_dataset

#: the operators' lifetime gap of a HK$12m battery bus (tests/test_formulation.py::_bus_subsidy_data)
BEV_GAP_AT_12M_HKD = 4_501_000

ROWS = ("unpaid_only_once_cap_reached", "unpaid_only_once_budget_reached")


def _data(programme_cap_hkd: float, second_cap_hkd: float | None = None):
    """16 diesel buses retiring 3, 4, 5 and 4 a year over 2025-2028; a HK$12m battery bus, which
    half of the operators buy unpaid (their perceived gap is centred on zero) though it costs
    the system more, so an unpaid purchase is cheaper for it; HK$1m a battery bus paid as
    announced over 2025-2029 from a pot of ``programme_cap_hkd``. With ``second_cap_hkd`` a
    second scheme on the same buses pays HK$2m from a pot of that size, both from one budget
    (so each programme's budget row counts the other's cap)."""
    programme = {
        **ebus_programme(programme_cap_hkd=programme_cap_hkd),
        "per_vehicle_cap_hkd": 1_000_000,
        "first_year": 2025,
        "last_year": 2029,
        "payment_rule": "announced",
    }
    programmes = [programme]
    if second_cap_hkd is not None:
        programmes.append(
            {**programme, "programme_id": "e_bus2", "name": "e-bus 2",
             "programme_cap_hkd": second_cap_hkd, "per_vehicle_cap_hkd": 2_000_000}
        )  # fmt: skip
    return tiny_dataset(
        bus_ages={17: 3.0, 16: 4.0, 15: 5.0, 14: 4.0},
        parameters={
            ("vehicle_price_hkd", "bus_double", "bev"): 12_000_000,
            ("adoption_barrier_hkd", "-", "-"): -BEV_GAP_AT_12M_HKD,
            ("adoption_spread_hkd", "-", "-"): 1_000_000,
        },
        programmes=programmes,
    )


def _scenario(budget_hkd: float):
    return scenario(
        years={"start": 2025, "end": 2032},
        budget={"total_hkd": budget_hkd},
        marginal_step_hkd=1e6,
    )


def _inputs(programme_cap_hkd: float, budget_hkd: float, second_cap_hkd: float | None = None):
    return prepare_inputs(_scenario(budget_hkd), _data(programme_cap_hkd, second_cap_hkd))


def _solve(model: pyo.ConcreteModel, *, relaxed: bool) -> tuple[float, HighsLayer]:
    layer = HighsLayer.build(model)
    assert layer is not None
    highs = layer.highs
    if relaxed:
        n = len(layer.columns)
        highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 0.0)
    highs.run()
    assert highs.getModelStatus().name == "kOptimal"
    return highs.getInfo().objective_function_value, layer


def _without_rows(inputs) -> pyo.ConcreteModel:
    model = build_model(inputs)
    for name in ROWS:
        model.component(name).deactivate()
    return model


#: (first pot, budget, second pot or None), HK$
CASES = [
    (2e6, 1e9, None),
    (6e6, 1e9, None),
    (12e6, 1e9, None),
    (1e9, 6e6, None),
    (4e6, 6e6, None),
    (8e6, 5e6, None),
    (1e9, 7e6, 4e6),
    (5e6, 6e6, 3e6),
    (1e9, 5e6, 2e6),
]


@pytest.mark.parametrize(("cap_hkd", "budget_hkd", "second_hkd"), CASES)
def test_every_plan_keeps_the_rows_and_the_optimum_does_not_move(
    cap_hkd: float, budget_hkd: float, second_hkd: float | None
) -> None:
    """The optimum of the model without the rows keeps every one of them; with them HiGHS
    finds the same optimum."""
    inputs = _inputs(cap_hkd, budget_hkd, second_hkd)
    without = _without_rows(inputs)
    assert sum(len(without.component(name)) for name in ROWS) > 0, "no row to test"
    optimum_without, layer = _solve(without, relaxed=False)
    for var, value in zip(layer.columns, layer.highs.getSolution().col_value, strict=True):
        var.set_value(value, skip_validation=True)
    assert (
        any((without.cap_spent[key].value or 0) > 0.5 for key in without.cap_spent)
        or any((without.budget_spent[t].value or 0) > 0.5 for t in without.budget_spent)
        or (cap_hkd >= 12e6 and budget_hkd >= 1e9)
    ), "the money should run out in this case"
    for name in ROWS:
        for index, constraint in without.component(name).items():
            assert pyo.value(constraint.body) <= pyo.value(constraint.upper) + 1e-6, (name, index)
    optimum_with, _ = _solve(build_model(inputs), relaxed=False)
    assert optimum_with == pytest.approx(optimum_without, rel=1e-9, abs=1e-6)


def test_the_lp_relaxation_only_rises_and_rises_somewhere() -> None:
    raised = []
    for cap_hkd, budget_hkd, second_hkd in CASES:
        inputs = _inputs(cap_hkd, budget_hkd, second_hkd)
        lp_without, _ = _solve(_without_rows(inputs), relaxed=True)
        lp_with, _ = _solve(build_model(inputs), relaxed=True)
        assert lp_with >= lp_without - 1e-7 * max(1.0, abs(lp_without))
        raised.append(lp_with - lp_without)
    # e.g. a HK$6m pot: the LP rises from 50.674 to 51.246 of a 52.009 optimum
    assert min(raised[:6]) > 0.1, f"the rows do not tighten every one-scheme case: {raised}"


@pytest.mark.parametrize(
    ("cap_hkd", "budget_hkd", "second_hkd"), [(1e9, 7e6, 4e6), (2e6, 6e6, None)]
)
def test_the_marginal_values_are_those_of_the_model_without_the_rows(
    monkeypatch: pytest.MonkeyPatch, cap_hkd: float, budget_hkd: float, second_hkd: float | None
) -> None:
    """Each money limit's value and range with the rows in the plan's model equal those without
    them. (Left in the fixed-integer LP, the first programme's budget row held the second
    pot's cap at its old size when the marginal values raised it: HK$0 a HK$ instead of
    HK$0.63.)"""
    from fleetplan.optimiser import lever_changes
    from fleetplan.optimiser.formulation import subsidy
    from fleetplan.optimiser.plan import plan

    data = _data(cap_hkd, second_hkd)
    lever_changes.forget()
    with_rows = plan(_scenario(budget_hkd), data, counterfactual=False).marginal_values
    monkeypatch.setattr(subsidy, "_add_unpaid_only_once_reached", lambda *args, **kwargs: None)
    lever_changes.forget()
    without = plan(_scenario(budget_hkd), data, counterfactual=False).marginal_values
    lever_changes.forget()
    with_rows, without = with_rows.set_index("name"), without.set_index("name")
    assert with_rows.index.tolist() == without.index.tolist()
    assert (without["value"].abs() > 1e-3).any(), "no money limit is worth anything here"
    for column in ("value", "valid_up_to", "system_cost_hkd_per_hkd", "penalty_hkd_per_hkd"):
        assert np.allclose(
            with_rows[column].astype(float), without[column].astype(float),
            rtol=1e-6, atol=1e-6, equal_nan=True,
        ), column  # fmt: skip
