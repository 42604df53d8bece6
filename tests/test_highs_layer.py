"""Build once, solve many (#28): the marginal-value LPs on one persistent HiGHS model give what
handing the whole model to HiGHS for each solve gives. Real HiGHS solves on the tiny city."""

from __future__ import annotations

import math
from typing import Any

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
            _scenario(
                target_penalty_hkd_per_vehicle=5e6,
                budget={"total_hkd": 20e6},
                marginal_step_hkd=10e6,
            ),
            _penalised_target_data(),
        ),
        (
            "announced pot that runs out (money-ran-out rows raised too)",
            scenario(marginal_step_hkd=1e6),
            _announced_pot_data(),
        ),
    ],
)
def test_persistent_marginal_values_equal_a_fresh_hand_over_per_solve(
    case: str, scenario: object, data: object
) -> None:
    model, inputs, options, gap = _solved(scenario, data)
    persistent = marginal_values(model, inputs, options, final_gap=gap, persistent=True)
    # the model as the plan left it: solve the plan again so both start from the same incumbent
    model, inputs, options, gap = _solved(scenario, data)
    fresh = marginal_values(model, inputs, options, final_gap=gap, persistent=False)
    assert list(persistent["name"]) == list(fresh["name"]), case
    assert (persistent["value"].abs() > 1e-9).any(), (
        case
    )  # something binds: the comparison means something
    for column in NUMBERS:
        for a, b in zip(persistent[column], fresh[column], strict=True):
            if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
                assert (b is None or (isinstance(b, float) and math.isnan(b))) == (
                    a is None or (isinstance(a, float) and math.isnan(a))
                ), (case, column)
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


def _depot_full_data(pledge: bool) -> object:
    """Room for 2 depot chargers: 3.33 battery buses; the rest of the willing buyers (or of a
    fleet pledge) no plan can serve (tests/test_formulation.py, tests/test_fleet_pledge.py)."""
    from tests.test_fleet_pledge import _fleet_pledge
    from tests.test_formulation import NO_SWITCH
    from tests.tiny import site

    sites = [
        site(
            "S_D1",
            0,
            "bus_depot",
            depot_id="D1",
            can_depot_charging=True,
            max_chargers=2,
            grid_headroom_kva=10_000,
        )
    ]
    if pledge:
        return tiny_dataset(
            bus_ages={10: 10.0},
            parameters=NO_SWITCH,
            sites=sites,
            operator_commitments=[_fleet_pledge(2026)],
        )
    return tiny_dataset(sites=sites)


def _lp_arrays(highs: object) -> dict[str, object]:
    lp = highs.getLp()  # type: ignore[attr-defined]
    import numpy as np

    return {
        "cost": np.asarray(lp.col_cost_), "col_lower": np.asarray(lp.col_lower_), "col_upper": np.asarray(lp.col_upper_),
        "row_lower": np.asarray(lp.row_lower_), "row_upper": np.asarray(lp.row_upper_),
        "integrality": np.asarray([int(k) for k in lp.integrality_]), "offset": lp.offset_, "sense": int(lp.sense_),
        "start": np.asarray(lp.a_matrix_.start_), "index": np.asarray(lp.a_matrix_.index_), "value": np.asarray(lp.a_matrix_.value_),
    }  # fmt: skip


@pytest.mark.parametrize("interface", ["lp_file", "arrays"])
@pytest.mark.parametrize(
    ("case", "make_scenario", "make_data"),
    [
        (
            "uptake the depot cannot serve",
            lambda: scenario(),
            lambda: _depot_full_data(pledge=False),
        ),
        (
            "a fleet pledge the depot cannot serve",
            lambda: scenario(),
            lambda: _depot_full_data(pledge=True),
        ),
        (
            "announced pot (its rows freed for the LP)",
            lambda: scenario(marginal_step_hkd=1e6),
            _announced_pot_data,
        ),
    ],
)
def test_servability_on_the_plans_highs_model_finds_the_same_and_leaves_the_plans_model(
    interface: str, case: str, make_scenario: object, make_data: object
) -> None:
    """Build once, solve many: the servability LP run on the HiGHS model the plan's solve then
    takes finds what its own hand-over finds, and leaves exactly the model a fresh hand-over of
    the plan (with the values found) gives HiGHS."""
    import numpy as np

    from fleetplan.optimiser.solver import hand_over

    sc = make_scenario().model_copy(
        update={"solver": make_scenario().solver.model_copy(update={"interface": interface})}
    )
    data = make_data()
    inputs = prepare_inputs(sc, data)
    options = solver_options(sc, inputs)

    own = build_model(inputs)
    expected = find_unservable(own, inputs, options)

    model = build_model(inputs)
    handed = hand_over(model, options)
    found = find_unservable(model, inputs, options, handed=handed)
    assert found.keys() == expected.keys(), case
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (case, key)
    if case != "announced pot (its rows freed for the LP)":
        unserved = [*found.values(), *(row.value for row in model.unservable_pledge.values())]
        assert max(unserved) > 1.0, (
            case
        )  # something no plan can serve: the rows moved mean something

    fresh = _lp_arrays(hand_over(model, options).highs)
    reused = _lp_arrays(handed.highs)
    for name, array in fresh.items():
        assert np.array_equal(reused[name], array), (case, interface, name)

    # and the plan's solve on it gives the plan's answer
    report = solve(model, options, handed=handed)
    again = build_model(inputs)
    find_unservable(again, inputs, options)
    assert report.objective == pytest.approx(solve(again, options).objective, rel=1e-9), case
    with pytest.raises(ValueError, match="solved already"):
        solve(model, options, handed=handed)


def test_a_probe_the_money_cannot_reach_says_so_instead_of_nan() -> None:
    """The announced pot (HK$5m, HK$1m a bus, 2026 only) runs out in 2026. Raised by HK$100m, with
    payment levels and sites held, the pot would have to pay 105 buses in 2026 out of 10: no plan
    does, and the sentence says so (it once read "system cost rises by HK$nanm"). Raised by HK$1m
    the probe solves and splits the value as before."""
    from fleetplan.optimiser.plan import plan

    def cap_row(step_hkd: float) -> Any:
        result = plan(
            scenario(marginal_step_hkd=step_hkd), _announced_pot_data(), counterfactual=False
        )
        table = result.marginal_values.set_index("name")
        return table.loc["programme_cap:e_bus"]

    far = cap_row(100e6)
    assert far["meaning"].key == "mv_probe_no_plan"
    assert "nan" not in str(far["meaning"])
    near = cap_row(1e6)
    # (the step check of the plan re-solved may then take over the sentence)
    assert near["meaning"].key in ("mv_cost_falls", "mv_cost_rises", "mv_step_agrees")
    assert "nan" not in str(near["meaning"])


@pytest.mark.parametrize(
    ("solved", "status", "saved", "key"),
    [
        (True, "optimal", 2.0, "mv_cost_falls"),
        (True, "optimal", -2.0, "mv_cost_rises"),
        (False, "infeasible", float("nan"), "mv_probe_no_plan"),
        (False, "time_limit", float("nan"), "mv_probe_unsolved"),
    ],
)
def test_a_probe_without_an_answer_is_not_called_infeasible(
    solved: bool, status: str, saved: float, key: str
) -> None:
    """Only a probe HiGHS proved infeasible says the money cannot be spent; a time limit or
    numerical trouble says the re-solve ended without an answer."""
    from fleetplan.optimiser.plan import _probe_sentence

    assert _probe_sentence(solved, status, saved) == key
