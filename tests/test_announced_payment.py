"""Schemes paid as announced: every eligible purchase is paid, first come, first served,
until the money runs out (programmes.csv ``payment_rule``; formulation
``subsidy.add_announced_payment``). Worked by hand on the tiny city of tests/tiny.py.

Half the operators switch to a battery bus unpaid (mean perceived gap 0, spread HK$1m);
a HK$1m payment lifts the share to Φ(1) = 0.841345. Ten diesel buses retire in 2026,
so 10 purchases are made that year and none in 2025 or 2027.
"""

from __future__ import annotations

import pytest

from fleetplan.errors import InputError
from fleetplan.optimiser.plan import plan
from tests.test_formulation import _half_switch, scenario, zev
from tests.tiny import ebus_programme, tiny_dataset

PAID_SHARE = 0.841344746


def _data(programme_cap_hkd: float, rule: str | None = "announced") -> object:
    programme = {
        **ebus_programme(programme_cap_hkd=programme_cap_hkd),
        "per_vehicle_cap_hkd": 1_000_000,
        "first_year": 2026,
        "last_year": 2026,
    }
    if rule is not None:
        programme["payment_rule"] = rule
    return tiny_dataset(parameters=_half_switch(), programmes=[programme])


def test_an_announced_scheme_pays_every_purchase_even_where_paying_changes_little() -> None:
    """Least cost, money enough: the plan may not withhold the payment. All 10 purchases of
    2026 are offered HK$1m; 8.413 battery buses are bought and paid HK$8.413m, 5 of them
    free riders (they would have switched unpaid)."""
    result = plan(scenario(), _data(1e9), marginals=False)
    assert result.subsidy["subsidy_hkd"].sum() == pytest.approx(PAID_SHARE * 10 * 1e6, rel=1e-6)
    assert result.decisions[("stock", ("D1_dd", "bev", 2026))] == pytest.approx(
        10 * PAID_SHARE, rel=1e-6
    )
    assert result.summary()["free_rider_share_by_programme"]["e_bus"] == pytest.approx(
        5 / 8, abs=1e-4
    )


def test_when_the_money_runs_out_the_rest_buy_as_if_unpaid() -> None:
    """A HK$5m pot: the first purchases take HK$1m each until it is spent, exactly. With x
    purchases offered the payment, 0.841345 x are paid: x = 5 / 0.841345 = 5.943; the other
    4.057 purchases see no payment and half of them switch: 5 + 0.5 x 4.057 = 7.029 battery buses."""
    result = plan(scenario(), _data(5e6), marginals=False, counterfactual=False)
    assert result.subsidy["subsidy_hkd"].sum() == pytest.approx(5e6, rel=1e-6)
    offered = 5 / PAID_SHARE
    assert result.decisions[("stock", ("D1_dd", "bev", 2026))] == pytest.approx(
        5 + 0.5 * (10 - offered), rel=1e-6
    )
    assert "programme_cap:e_bus" in result.summary()["binding_limits"]


def test_a_budget_of_zero_pays_no_one_and_is_not_infeasible() -> None:
    """No money at all: the budget is spent from the start, so every purchase goes unpaid and half switch."""
    result = plan(
        scenario(budget={"total_hkd": 0.0}), _data(1e9), marginals=False, counterfactual=False
    )
    assert result.subsidy.empty or result.subsidy["subsidy_hkd"].sum() == pytest.approx(
        0.0, abs=1e-3
    )
    assert zev(result, "bus", 2026) == 5


def test_a_scenario_may_make_the_payment_a_choice_again() -> None:
    """A HK$12m battery bus (operators' gap HK$4.501m, nobody switches unpaid; see
    tests/test_formulation.py::_bus_subsidy_data) and HK$5m a bus on offer in 2026. Paid as
    announced, every one of the 10 purchases takes it: 10 battery buses, HK$50m. Made a
    choice (``payment_rule: chosen``), least cost offers nothing: each battery bus costs the
    system HK$4.5m more over its life than the diesel it replaces."""
    programme = {
        **ebus_programme(),
        "first_year": 2026,
        "last_year": 2026,
        "payment_rule": "announced",
    }
    data = tiny_dataset(
        parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000}, programmes=[programme]
    )
    announced = plan(scenario(), data, marginals=False, counterfactual=False)
    assert announced.summary()["subsidy_hkd_total"] == pytest.approx(50e6)
    assert zev(announced, "bus", 2026) == 10
    chosen = plan(
        scenario(programmes={"e_bus": {"payment_rule": "chosen"}}),
        data,
        marginals=False,
        counterfactual=False,
    )
    assert chosen.summary()["subsidy_hkd_total"] == 0
    assert zev(chosen, "bus", 2026) == 0


def test_an_announced_scheme_with_two_amounts_is_refused() -> None:
    with pytest.raises(InputError, match=r"programmes\.e_bus\.payment_levels.*one level above 0"):
        plan(
            scenario(
                programmes={"e_bus": {"payment_rule": "announced", "payment_levels": [0.5, 1.0]}}
            ),
            _data(1e9),
            marginals=False,
        )


def test_rows_of_one_programme_that_disagree_on_the_rule_are_refused() -> None:
    data = _data(1e9)
    extra = {
        **data.programmes.iloc[0].to_dict(),
        "vehicle_type": "bus_single",
        "payment_rule": "chosen",
    }
    data.programmes.loc[len(data.programmes)] = extra
    with pytest.raises(InputError, match=r"programmes\.csv.*payment_rule.*disagree"):
        plan(scenario(), data, marginals=False)


def test_the_marginal_value_of_an_announced_pot_is_what_a_larger_pot_changes() -> None:
    """A HK$12m battery bus with half the operators switching unpaid (their mean gap closed by
    the barrier): HK$1m a bus, paid as announced from a HK$5m pot that runs out. One more HK$1m
    of pot pays more of the year's buyers, so more switch, and the system, whose battery bus
    costs more, pays for it: the value per HK$ of pot is what the re-solve at HK$6m says, not
    "does not bind" (the LP's cap row alone would say so: the money-ran-out row pays it out)."""
    gap = 12_000_000 - 3_000_000 + 100_000 - 18 * (365_000 - 109_500)
    params = {("vehicle_price_hkd", "bus_double", "bev"): 12_000_000, ("adoption_barrier_hkd", "-", "-"): -gap,
              ("adoption_spread_hkd", "-", "-"): 1_000_000}  # fmt: skip

    def data(cap: float) -> object:
        programme = {**ebus_programme(programme_cap_hkd=cap), "per_vehicle_cap_hkd": 1_000_000, "first_year": 2026, "last_year": 2026,
                     "payment_rule": "announced"}  # fmt: skip
        return tiny_dataset(parameters=params, programmes=[programme])

    result = plan(scenario(marginal_step_hkd=1e6), data(5e6), counterfactual=False)
    larger = plan(scenario(), data(6e6), marginals=False, counterfactual=False)
    expected = (result.summary()["system_cost_hkd"] - larger.summary()["system_cost_hkd"]) / 1e6
    assert expected < 0  # paying more buyers costs the system here
    value = result.marginal_values.set_index("name").loc["programme_cap:e_bus", "value"]
    assert value == pytest.approx(expected, rel=1e-3)
