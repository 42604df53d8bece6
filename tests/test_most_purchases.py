"""The most vehicles a segment can buy in a year (optimiser/inputs/technologies.py::most_purchases),
the big-M of the payment rows: worked by hand, and never below what an LP over the whole model
can buy (HiGHS maximising each segment-year's purchases), so it cuts off no plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.formulation.expressions import total_purchases
from fleetplan.optimiser.highs_layer import HighsLayer
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.inputs.technologies import most_purchases
from tests.test_formulation import NO_SWITCH, scenario
from tests.tiny import tiny_dataset

YEARS = list(range(2025, 2031))


def _one_segment(early: bool) -> dict[tuple[str, int], float]:
    """10 diesel buses (life 5), 2 leaving each year from 2025; battery buses live 3 years."""
    segments = pd.DataFrame(
        {"fleet": [10.0], "incumbent": ["ice"], "vehicle_type": ["bus"]}, index=["s"]
    )
    survivors = dict(zip(YEARS, [8.0, 6.0, 4.0, 2.0, 0.0, 0.0], strict=True))
    initial = {("s", "ice", t): n for t, n in survivors.items()}
    initial |= {("s", "bev", t): 0.0 for t in YEARS}
    lifetime = {("bus", "ice"): 5, ("bus", "bev"): 3}
    return most_purchases(segments, {"s": ["ice", "bev"]}, lifetime, YEARS, initial, {}, early)


def test_most_purchases_worked_by_hand() -> None:
    """U[t] = 10 − survivors[t] − the fewest earlier purchases surely in service (bought less than
    3 years before); L[t] = 10 − survivors[t] − the most earlier purchases possibly in service
    (less than 5 years before), at least 0.
    2025: U = 10 − 8 = 2, L = 2.  2026: U = 10 − 6 − L25 = 2, L = 10 − 6 − U25 = 2.
    2027: U = 10 − 4 − (2 + 2) = 2, L = 2.  2028: U = 10 − 2 − (L26 + L27) = 4 (the 2025 buses may
    be battery buses retiring after 3 years), L = 10 − 2 − (2 + 2 + 2) = 2.
    2029: U = 10 − 0 − (L27 + L28) = 6, L = max(10 − (2 + 2 + 2 + 4), 0) = 0.
    2030: U = 10 − (L28 + L29) = 8."""
    most = _one_segment(early=False)
    assert [most[("s", t)] for t in YEARS] == [2.0, 2.0, 2.0, 4.0, 6.0, 8.0]
    # today's diesel buses may leave early: none of them stays, the first year may replace all
    assert _one_segment(early=True)[("s", 2025)] == 10.0


def _lp_most_purchases(inputs, skip=frozenset()) -> dict[tuple[str, int], float]:
    """(segment, year) -> the most its purchases reach in the LP relaxation of the whole model
    (but for the segment-years in ``skip``)."""
    model = build_model(inputs)
    layer = HighsLayer.build(model)
    assert layer is not None
    highs = layer.highs
    n = len(layer.columns)
    highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    column_of = {id(var): j for j, var in enumerate(layer.columns)}
    out = {}
    for s in model.S:
        for t in model.T:
            if (s, t) in skip:
                continue
            cost = np.zeros(n)
            bought = total_purchases(model, inputs, s, t)
            for var in bought.args if hasattr(bought, "args") else [bought]:
                if id(var) in column_of:
                    cost[column_of[id(var)]] = -1.0  # HiGHS minimises: the most purchases
            highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
            highs.setOptionValue("output_flag", False)
            highs.run()
            assert highs.getModelStatus().name == "kOptimal", (s, t)
            out[(s, t)] = -highs.getInfo().objective_function_value
    return out


@pytest.mark.parametrize("early_retirement", [False, True])
def test_no_plan_buys_more_than_the_bound(early_retirement: bool) -> None:
    """16 buses (10 aged 10, 6 aged 4) over 2025-2050, so purchases retire inside the horizon: in
    every segment-year the LP relaxation of the whole model, maximising that year's purchases,
    stays within the bound; without early retirement the first year's bound is what it must buy."""
    data = tiny_dataset(bus_ages={10: 10.0, 4: 6.0}, parameters=NO_SWITCH)
    inputs = prepare_inputs(
        scenario(years={"start": 2025, "end": 2050}, allow_early_retirement=early_retirement), data
    )
    fleet = inputs.segments["fleet"].to_dict()
    reached = _lp_most_purchases(inputs)
    assert any(value > 0 for value in reached.values())
    for key, value in reached.items():
        assert value <= inputs.most_purchases[key] + 1e-6, key
    if not early_retirement:
        tighter = [key for key in reached if inputs.most_purchases[key] < fleet[key[0]] - 1e-9]
        assert tighter, "the bound never tightens the fleet: the test would prove nothing"
        first = inputs.years[0]
        for s in inputs.segments.index:
            assert reached[(s, first)] == pytest.approx(inputs.most_purchases[(s, first)])


def test_under_a_fleet_pledge_the_bound_is_the_fleet_from_its_year() -> None:
    """A fleet pledge from 2027 lets incumbents leave early: from then on the bound is the fleet;
    before it the LP of the whole model stays within the bound. (From it the LP's purchases are
    unbounded: incumbents bought and retired at once, which no least-cost plan does.)"""
    pledge = {"commitment_id": "kmb_fleet", "operator": "kmb", "kind": "fleet", "year": 2027, "technology": None,
              "vehicles": None, "bev_share": None, "fcev_share": None}  # fmt: skip
    data = tiny_dataset(
        bus_ages={10: 10.0, 4: 6.0}, parameters=NO_SWITCH, operator_commitments=[pledge]
    )
    inputs = prepare_inputs(scenario(years={"start": 2025, "end": 2035}), data)
    assert inputs.incumbent_cap, "the pledge did not reach the model"
    fleet = inputs.segments["fleet"].to_dict()
    pledged = {s for s, _ in inputs.incumbent_cap}
    for s in pledged:
        assert inputs.most_purchases[(s, 2026)] < fleet[s]
        for t in range(2027, 2036):
            assert inputs.most_purchases[(s, t)] == fleet[s]
    reached = _lp_most_purchases(inputs, skip=set(inputs.incumbent_cap))
    assert reached
    for key, value in reached.items():
        assert value <= inputs.most_purchases[key] + 1e-6, key
