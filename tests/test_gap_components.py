"""``bench.gap_components``: a plan's objective split by component against its LP relaxations.

On the tiny city with an e-bus pot that runs out (payment decisions that the LP relaxation
splits), solved by HiGHS to a zero gap: the LP relaxation is a relaxation (not above the plan
nor the bound), holding the payment decisions at the plan closes the LP's gap (they are this
instance's only integers), holding every family gives the plan back, and the part of the
objective outside the components is the tie-break on subsidy paid at every point."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from bench.gap_components import gap_components, markdown
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.formulation.expressions import spend_hkd_m
from fleetplan.optimiser.formulation.objective import SUBSIDY_TIEBREAK
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.plan import solver_options
from tests.test_formulation import _truck_data, scenario
from tests.test_money_out_rows import _inputs
from tests.tiny import tiny_dataset

TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def solved():
    inputs = _inputs(6e6, 1e9)
    model = build_model(inputs)
    options = solver_options(inputs.scenario, inputs)
    families = ("payment_level", "cap_spent", "budget_spent")
    return model, inputs, gap_components(model, options, hold=families)


def test_the_lp_relaxation_is_below_the_plan_and_its_bound(solved) -> None:
    model, _, result = solved
    plan, lp, bound = (result.objectives[key] for key in ("plan", "lp", "bound"))
    assert lp <= bound + TOLERANCE <= plan + 2 * TOLERANCE
    # this instance has an LP gap to show (the pot's payment decisions split in the LP)
    assert plan - lp > 0.1
    assert sum(fractional for _, fractional in result.fractional.values()) > 0
    # the plan is back in the model's variables
    active = next(model.component_data_objects(pyo.Objective, active=True))
    assert pyo.value(active) == pytest.approx(plan, abs=TOLERANCE)


def test_holding_the_payment_decisions_closes_the_lp_gap(solved) -> None:
    """The held LP lies between the LP and the plan; here it is the plan's (the payment
    decisions are this instance's only integers), well above the LP."""
    _, _, result = solved
    plan, lp, held = (result.objectives[key] for key in ("plan", "lp", "held_lp"))
    assert set(result.fractional) == {"payment_level", "cap_spent", "budget_spent"}
    assert lp - TOLERANCE <= held <= plan + TOLERANCE
    assert held > lp + 0.1
    assert held == pytest.approx(plan, abs=1e-5)


def test_the_rest_of_the_objective_is_the_subsidy_tiebreak(solved) -> None:
    """Objective = system cost + penalties + the tie-break on subsidy paid. The rest row is
    what the components leave of the objective; at the plan it must be that tie-break, worked
    out from the plan's spend (a component missed or counted twice would show here)."""
    model, inputs, result = solved
    rest = result.table.set_index("kind").loc["rest", "plan"]
    spent_hkd_m = pyo.value(spend_hkd_m(model, inputs))
    assert spent_hkd_m > 0
    assert rest == pytest.approx(SUBSIDY_TIEBREAK * spent_hkd_m, abs=1e-9)
    assert "plan − LP" in markdown(result)


def test_holding_the_stations_lies_between_the_lp_and_the_plan() -> None:
    """Ten trucks on the tiny city's corridor that all want fuel cells, with a 15 km range
    (``_truck_data``: stations at A, B and C): the LP relaxation opens each in part, so it
    lies below the plan; holding every integer family gives the plan back, holding where
    stations are built (not which are open) lies between."""
    inputs = prepare_inputs(scenario(years={"start": 2025, "end": 2027}), _truck_data(15.0))
    model = build_model(inputs)
    options = solver_options(inputs.scenario, inputs)
    first = gap_components(model, options)
    assert {"h2_built", "h2_open"} <= set(first.fractional)
    assert first.objectives["plan"] - first.objectives["lp"] > 0.1
    every = gap_components(model, options, hold=tuple(first.fractional))
    assert every.objectives["held_lp"] == pytest.approx(every.objectives["plan"], abs=1e-5)
    stations = gap_components(model, options, hold=("h2_built",))
    plan, lp, held = (stations.objectives[key] for key in ("plan", "lp", "held_lp"))
    assert lp - TOLERANCE <= held <= plan + TOLERANCE
    assert held > lp + 0.1


def test_another_objective_is_refused() -> None:
    inputs = prepare_inputs(
        scenario(objective="max_abatement", budget={"total_hkd": 5e6}), tiny_dataset()
    )
    model = build_model(inputs)
    with pytest.raises(ValueError, match="least-cost objective"):
        gap_components(model, solver_options(inputs.scenario, inputs))


def test_an_unknown_family_is_named() -> None:
    inputs = _inputs(6e6, 1e9)
    model = build_model(inputs)
    with pytest.raises(ValueError, match="stations_everywhere is not an integer family"):
        gap_components(
            model, solver_options(inputs.scenario, inputs), hold=("stations_everywhere",)
        )
