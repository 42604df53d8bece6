"""``bench.gap_components``: a plan's objective split by component against its LP relaxations.

On the tiny city with an e-bus pot that runs out (payment decisions that the LP relaxation
splits), solved by HiGHS to a zero gap: the LP relaxation is a relaxation (not above the plan
nor the bound), holding some integer families lies between the two, holding every one gives
the plan back, and the components add up to the objective at each point."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from bench.gap_components import gap_components, markdown
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.formulation.expressions import spend_hkd_m
from fleetplan.optimiser.formulation.objective import SUBSIDY_TIEBREAK
from fleetplan.optimiser.plan import solver_options
from tests.test_money_out_rows import _inputs

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


def test_holding_families_lies_between_the_lp_and_the_plan(solved) -> None:
    _, _, result = solved
    plan, lp, held = (result.objectives[key] for key in ("plan", "lp", "held_lp"))
    assert lp - TOLERANCE <= held <= plan + TOLERANCE


def test_the_components_add_up_to_each_objective(solved) -> None:
    """Objective = system cost + penalties + the tie-break on subsidy paid: the rest row at the
    plan is that tie-break, worked out from the plan's spend."""
    model, inputs, result = solved
    for column in ("plan", "lp", "held_lp"):
        total = result.table[column].sum()
        assert total == pytest.approx(result.objectives[column], abs=1e-9), column
    assert result.table["plan_less_lp"].sum() == pytest.approx(
        result.objectives["plan"] - result.objectives["lp"], abs=1e-9
    )
    rest = result.table.set_index("kind").loc["rest", "plan"]
    spent_hkd_m = pyo.value(spend_hkd_m(model, inputs))
    assert spent_hkd_m > 0
    assert rest == pytest.approx(SUBSIDY_TIEBREAK * spent_hkd_m, abs=1e-9)
    assert "plan − LP" in markdown(result)


def test_holding_every_integer_family_gives_the_plan_back() -> None:
    inputs = _inputs(6e6, 1e9)
    model = build_model(inputs)
    options = solver_options(inputs.scenario, inputs)
    first = gap_components(model, options)
    every = tuple(first.fractional)
    result = gap_components(model, options, hold=every)
    assert result.objectives["held_lp"] == pytest.approx(result.objectives["plan"], abs=1e-5)


def test_an_unknown_family_is_named() -> None:
    inputs = _inputs(6e6, 1e9)
    model = build_model(inputs)
    with pytest.raises(ValueError, match="stations_everywhere is not an integer family"):
        gap_components(
            model, solver_options(inputs.scenario, inputs), hold=("stations_everywhere",)
        )
