"""The compact form's row ``trucks_need_an_open_station`` (``formulation/hydrogen``): a valid
inequality, so every plan of the model without it keeps it and the optimum does not move,
while the LP relaxation can only rise.

Ten trucks on the tiny city's A-C corridor that all want fuel cells (``_truck_data``), with a
45 km range so that one station on the corridor serves the round trip: the compact form leaves
the arc-cover rows out, and the trucks it can have in service grow year by year with the
fleet's turnover (``most_fuel_cell_trucks``), below the fleet until the last diesel truck
retires."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.formulation.hydrogen import most_fuel_cell_trucks
from fleetplan.optimiser.inputs import prepare_inputs
from tests.test_formulation import _truck_data, scenario
from tests.test_money_out_rows import _solve

ROW = "trucks_need_an_open_station"


def _inputs(end: int):
    return prepare_inputs(scenario(years={"start": 2025, "end": end}), _truck_data(45.0))


@pytest.mark.parametrize("end", [2027, 2032])
def test_every_plan_keeps_the_row_and_the_optimum_does_not_move(end: int) -> None:
    inputs = _inputs(end)
    without = build_model(inputs, compact_hydrogen=True)
    rows = without.component(ROW)
    assert rows is not None and len(rows) > 0, "no row to test"
    rows.deactivate()
    optimum_without, layer = _solve(without, relaxed=False)
    for var, value in zip(layer.columns, layer.highs.getSolution().col_value, strict=True):
        var.set_value(value, skip_validation=True)
    for key in rows:
        body = pyo.value(rows[key].body)
        assert body <= pyo.value(rows[key].upper) + 1e-6, (key, body)
    # the plan has fuel-cell trucks where the row binds its big-M below the fleet
    segment = inputs.corridors["segment_id"].iloc[0]
    assert any(without.stock[segment, "fcev", t].value > 0.5 for t in without.T)
    for t in without.T:
        assert (
            without.stock[segment, "fcev", t].value
            <= most_fuel_cell_trucks(inputs, segment, t) + 1e-6
        )
    with_rows = build_model(inputs, compact_hydrogen=True)
    optimum_with, _ = _solve(with_rows, relaxed=False)
    assert optimum_with == pytest.approx(optimum_without, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("step", [1, 3])
def test_no_point_of_the_lp_relaxation_has_more_fuel_cell_trucks_than_the_bound(step: int) -> None:
    """The row's big-M bounds the fuel-cell trucks at every point of the model without it, LP
    relaxation included (so at every plan): for each row, the most fuel-cell trucks the LP
    relaxation allows in its year, found by maximising them, is at most the bound (annual and
    three-year steps)."""
    inputs = prepare_inputs(
        scenario(years={"start": 2025, "end": 2034, "step": step}), _truck_data(45.0)
    )
    model = build_model(inputs, compact_hydrogen=True)
    rows = model.component(ROW)
    assert rows is not None and len(rows) > 0
    rows.deactivate()
    next(model.component_data_objects(pyo.Objective, active=True)).deactivate()
    segment = inputs.corridors["segment_id"].iloc[0]
    reached = []
    for _, t in rows:
        model.most_trucks = pyo.Objective(expr=model.stock[segment, "fcev", t], sense=pyo.maximize)
        most_in_lp, _ = _solve(model, relaxed=True)
        model.del_component(model.most_trucks)
        bound = most_fuel_cell_trucks(inputs, segment, t)
        assert most_in_lp <= bound + 1e-6, (t, most_in_lp, bound)
        reached.append(most_in_lp >= bound - 1e-6)
    # the bound is not loose: the LP reaches it in some year
    assert any(reached)


def test_the_lp_relaxation_rises() -> None:
    inputs = _inputs(2032)
    without = build_model(inputs, compact_hydrogen=True)
    without.component(ROW).deactivate()
    lp_without, _ = _solve(without, relaxed=True)
    lp_with, _ = _solve(build_model(inputs, compact_hydrogen=True), relaxed=True)
    assert lp_with > lp_without + 1e-3


def test_the_strong_form_has_no_such_row() -> None:
    """The Hong Kong default's form (not compact) keeps its cover rows as they were."""
    assert build_model(_inputs(2027), compact_hydrogen=False).component(ROW) is None


def test_most_fuel_cell_trucks_grows_with_turnover_up_to_the_fleet() -> None:
    inputs = _inputs(2045)
    segment = inputs.corridors["segment_id"].iloc[0]
    fleet = float(inputs.segments.at[segment, "fleet"])
    most = [most_fuel_cell_trucks(inputs, segment, t) for t in inputs.years]
    assert most == sorted(most)
    assert 0 < most[0] < fleet
    assert most[-1] == pytest.approx(fleet)
    assert np.all(np.asarray(most) <= fleet)
