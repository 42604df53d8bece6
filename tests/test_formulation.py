"""One tiny instance per constraint family, with its optimum worked out by hand.

All instances use ``tests/tiny.py``: a line A - B - C with 10 km edges, a depot
at A, zero discount rate, round prices. Costs are annuitised: at 0 % a
vehicle of life L costs price / L for each year it serves inside the horizon.
Diesel bus: 200 km/day x 365 x 0.5 L x HK$10 = HK$365,000 a year; battery
bus: 200 x 365 x 1.5 kWh x HK$1 = HK$109,500 a year.
"""

from __future__ import annotations

import pytest

from fleetplan.errors import InfeasibleError
from fleetplan.optimiser.frlm import is_refuelled, round_trip_paths
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.scenario import Scenario
from tests.tiny import ebus_programme, site, tiny_dataset

EXACT = {"mip_rel_gap": 1e-9, "mip_abs_gap": 0.0, "threads": 1}


def scenario(**fields: object) -> Scenario:
    base = {
        "years": {"start": 2025, "end": 2027},
        "technologies": {"bus": ["bev"], "taxi": ["bev"], "truck": ["fcev"]},
        "solver": EXACT,
    }
    base.update(fields)
    return Scenario.model_validate(base)


def zev(result, vehicle_class: str, year: int) -> float:
    fleet = result.fleet
    chosen = (
        (fleet["vehicle_class"] == vehicle_class)
        & (fleet["year"] == year)
        & fleet["technology"].isin(["bev", "fcev"])
    )
    return float(fleet.loc[chosen, "vehicles"].sum())


def test_stock_flow_replaces_retirements_with_incumbents() -> None:
    """10 diesel buses aged 16 turn 18 in 2026 and leave; nothing else may be bought.

    Optimum: buy 10 diesel in 2026. Vehicle cost = 10 x 3.0m / 18 x 2 years (2026, 2027)
    = HK$3,333,333; running = 10 x 365,000 x 3 years = HK$10,950,000.
    """
    result = plan(
        scenario(technologies={"bus": [], "taxi": [], "truck": []}), tiny_dataset(), marginals=False
    )
    bought = result.purchases.set_index(["technology", "year"])["bought"]
    assert bought[("diesel", 2025)] == pytest.approx(0.0, abs=1e-6)
    assert bought[("diesel", 2026)] == pytest.approx(10.0)
    costs = result.costs.set_index("component")["discounted_hkd"]
    assert costs["vehicles"] == pytest.approx(10 * 3e6 / 18 * 2)
    assert costs["energy_and_maintenance"] == pytest.approx(10 * 365_000 * 3)


#: Operators' lifetime gap of the tiny battery bus (HK$4m, 200 km/day, 18 years at 0 %):
#: 1.0m price + 0.1m depot charging share - 18 x (365,000 - 109,500) running = -3.499m.
TINY_BEV_GAP_HKD = 1_000_000 + 100_000 - 18 * (365_000 - 109_500)


def _half_switch() -> dict[tuple[str, str, str], float]:
    """Behaviour parameters under which exactly half the operators switch with no payment:
    the mean perceived gap is zero (barrier = -gap) and operators spread around it."""
    return {
        ("adoption_barrier_hkd", "-", "-"): -TINY_BEV_GAP_HKD,
        ("adoption_spread_hkd", "-", "-"): 1_000_000,
    }


NO_SWITCH = {("adoption_barrier_hkd", "-", "-"): 1e8}


def test_operators_respond_to_their_gap_and_depot_chargers_follow() -> None:
    """With the mean perceived gap at zero half the operators switch: 10 purchases in 2026
    -> exactly 5 battery buses (a floor the plan cannot suppress, nor exceed).

    Each needs 200 km x 1.5 = 300 kWh a night; a 100 kW charger over a 5 h window gives
    500 kWh -> 1,500 / 500 = 3 chargers; sharing (2 buses per charger) needs 2.5.
    """
    inputs = prepare_inputs(scenario(), tiny_dataset(parameters=_half_switch()))
    assert inputs.cost_gap_hkd[("D1_dd", "bev", 2026)] == pytest.approx(TINY_BEV_GAP_HKD)
    result = plan(scenario(), tiny_dataset(parameters=_half_switch()), marginals=False)
    assert zev(result, "bus", 2025) == pytest.approx(0.0, abs=1e-6)
    assert zev(result, "bus", 2026) == pytest.approx(5.0)
    depot = result.chargers[
        (result.chargers["charger_kind"] == "depot") & (result.chargers["year"] == 2026)
    ]
    assert depot["new_chargers"].sum() == 3


def test_operators_who_gain_always_buy() -> None:
    """No barrier and no spread: every operator gains from a battery bus, so all 10
    replacements are battery buses even in the most-abatement objective with a HK$1/t
    cut-off, which would rather keep cost down: the floor is not the planner's to ignore."""
    sc = scenario(objective="max_abatement", max_abatement={"cutoff_hkd_per_t": 1.0})
    result = plan(sc, tiny_dataset(), marginals=False, counterfactual=False)
    assert zev(result, "bus", 2026) == pytest.approx(10.0)


def test_depot_space_caps_battery_buses_and_the_rest_is_reported_blocked() -> None:
    """With room for only 2 chargers: energy 2 x 500 = 1,000 kWh -> 1,000/300 = 3.33 buses;
    sharing 2 x 2 = 4 buses. The tighter bound is energy: 3.333 battery buses; the other
    6.667 willing buyers are blocked (named as binding limits). The tables count whole vehicles:
    3 battery buses in service, 7 purchases blocked. No plan can serve them (the depot has no room
    for a third charger): they are found before the solve and reported as unservable, not penalised."""
    data = tiny_dataset(
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=2,
                grid_headroom_kva=10_000,
            )
        ],
    )
    result = plan(scenario(), data, marginals=False, counterfactual=False)
    assert result.decisions[("stock", ("D1_dd", "bev", 2026))] == pytest.approx(1000 / 300)
    assert result.decisions[("blocked", ("D1_dd", "bev", 2026))] == pytest.approx(10 - 1000 / 300)
    assert zev(result, "bus", 2026) == 3
    blocked = result.purchases.set_index(["technology", "year"]).loc[("bev", 2026), "blocked"]
    assert blocked == 7
    limits = result.summary()["binding_limits"]
    assert "depot_space:D1" in limits and "blocked_uptake:D1_dd" in limits
    unservable = result.purchases.set_index(["technology", "year"]).loc[("bev", 2026), "unservable"]
    assert unservable == 7  # all 7 whole blocked purchases: the depot has no room for more
    assert result.summary()["penalties_hkd"]["blocked_uptake"] == pytest.approx(0.0, abs=1.0)
    assert any("cannot be served by any plan" in note for note in result.notes)


def test_uptake_a_plan_can_serve_is_served_not_called_unservable() -> None:
    """Room for 10 chargers: every willing buyer can be served, so nothing is unservable and
    the plan serves them all (blocking would pay the penalty)."""
    data = tiny_dataset(
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=10,
                grid_headroom_kva=10_000,
            )
        ],
    )
    result = plan(scenario(), data, marginals=False, counterfactual=False)
    assert result.purchases["unservable"].sum() == pytest.approx(0.0, abs=1e-6)
    assert result.purchases["blocked"].sum() == pytest.approx(0.0, abs=1e-6)
    assert zev(result, "bus", 2026) == pytest.approx(10.0)


def test_grid_lead_time_delays_battery_buses() -> None:
    """No spare connection and a 2-year lead time: an upgrade ordered in 2025 serves from 2027.

    5 buses retire in 2026 and 5 in 2027 (ages 16 and 15). In 2026 battery buses cannot
    charge, so the 5 willing buyers are blocked and buy diesel; in 2027 5 battery buses need
    3 chargers x 100 kW = 300 kVA, ordered in 2025.
    """
    data = tiny_dataset(
        bus_ages={16: 5.0, 15: 5.0},
        parameters={("grid_upgrade_lead_years", "-", "-"): 2},
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=100,
                grid_headroom_kva=0,
            )
        ],
    )
    result = plan(
        scenario(years={"start": 2025, "end": 2028}), data, marginals=False, counterfactual=False
    )
    assert zev(result, "bus", 2026) == pytest.approx(0.0, abs=1e-6)
    assert zev(result, "bus", 2027) == pytest.approx(5.0)
    grid = result.chargers[result.chargers["charger_kind"] == "depot"].set_index("year")
    assert grid.loc[2025, "grid_upgrade_ordered_kva"] == pytest.approx(300.0)
    assert grid.loc[2027, "kva_needed"] <= grid.loc[2027, "grid_upgrade_in_service_kva"] + 1e-6


def test_todays_battery_buses_charge_on_the_chargers_they_came_with() -> None:
    """4 of the 10 buses are battery buses today; the depot has no spare connection and an
    upgrade takes 2 years. Today's 4 charge on their own chargers (4 / 2 buses per charger = 2,
    4 x 300 kWh / 5 h = 240 kW), which are not in the headroom: the plan is feasible and builds
    nothing. The 6 diesel buses leave in 2026; their 6 willing battery buyers find no new
    charger and are blocked (they buy diesel)."""
    import dataclasses

    data = tiny_dataset(sites=[site("S_D1", 0, "bus_depot", depot_id="D1", can_depot_charging=True, max_chargers=100, grid_headroom_kva=0)],
                        parameters={("grid_upgrade_lead_years", "-", "-"): 2})  # fmt: skip
    data = dataclasses.replace(data, bus_segments=data.bus_segments.assign(zev_today=4))
    inputs = prepare_inputs(scenario(years={"start": 2025, "end": 2026}), data)
    assert inputs.existing_depot_chargers["D1"] == pytest.approx(2.0)
    assert inputs.existing_depot_kw["D1"] == pytest.approx(240.0)
    result = plan(
        scenario(years={"start": 2025, "end": 2026}), data, marginals=False, counterfactual=False
    )
    assert zev(result, "bus", 2026) == pytest.approx(4.0)
    assert result.purchases.set_index(["technology", "year"]).loc[
        ("bev", 2026), "blocked"
    ] == pytest.approx(6.0)
    assert result.chargers.empty or result.chargers["new_chargers"].sum() == 0


@pytest.mark.parametrize("allowed", [False, True])
def test_early_retirement_only_when_allowed(allowed: bool) -> None:
    """10 diesel buses aged 10 would serve past the horizon. Replacing one early with a
    battery bus costs 4.0m/18 + 109,500 = 331,722 a year against 365,000 for running the
    old one (its capital is sunk); 10 battery buses need 6 chargers (HK$10,000 a year each).
    Saving: 10 x 33,278 - 60,000 > 0, so when allowed all 10 go in 2025; otherwise none."""
    data = tiny_dataset(bus_ages={10: 10.0})
    result = plan(
        scenario(allow_early_retirement=allowed), data, marginals=False, counterfactual=False
    )
    assert zev(result, "bus", 2025) == pytest.approx(10.0 if allowed else 0.0, abs=1e-6)
    if allowed:
        assert result.early_retirements["retired_early_cumulative"].max() == pytest.approx(10.0)


def _bus_subsidy_data(programme_cap_hkd: float) -> object:
    """Battery bus at HK$12m: operator gap = (12m + 18 x 109,500 + its share of a depot
    charger and grid, (100,000 + 100 kVA x HK$1,000) / 2 = 100,000) - (3m + 18 x 365,000)
    = 4.501m. The programme's top level pays min(5m cap, 50 % x 12m) = 5m >= gap, so it
    induces purchases; its 75 % level (3.75m) closes no operator's gap."""
    return tiny_dataset(
        parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000},
        programmes=[ebus_programme(programme_cap_hkd=programme_cap_hkd)],
    )


#: Most abatement with public infrastructure in the budget: system cost only breaks ties.
MOST_ABATEMENT = {"objective": "max_abatement", "max_abatement": {"infrastructure": "budget"}}


def test_subsidy_budget_buys_abatement_and_its_marginal_value_holds_in_its_range() -> None:
    """Most abatement with a HK$20m budget. The programme pays HK$5m per bus to every
    purchase it is offered to; all 10 purchases of 2026 would take it, so a quota of
    20m / 5m = 4 buses is offered.

    Each bus saves 200 km x 365 x 0.5 L x 2 kg = 73 t a year (grid is zero-carbon here), for
    2026 and 2027: 4 x 73 x 2 = 584 t. One more HK$1m buys 0.2 bus -> 0.2 x 146 = 29.2 t,
    and holds until the quota covers all 10 purchases: HK$30m more. Re-solving at +HK$10m
    (inside the range) abates 584 + 10 x 29.2 = 876 t.
    """
    result = plan(scenario(**MOST_ABATEMENT, budget={"total_hkd": 20e6}), _bus_subsidy_data(1e9))
    assert result.subsidy["vehicles"].sum() == pytest.approx(4.0)
    assert result.subsidy["subsidy_hkd"].sum() == pytest.approx(20e6)
    assert result.emissions["abated_t"].sum() == pytest.approx(584.0)
    marginal = result.marginal_values.set_index("name")
    assert marginal.loc["budget", "value"] == pytest.approx(29.2, rel=1e-3)
    assert marginal.loc["budget", "valid_up_to"] == pytest.approx(30e6, rel=1e-6)
    raised = plan(
        scenario(**MOST_ABATEMENT, budget={"total_hkd": 30e6}),
        _bus_subsidy_data(1e9),
        marginals=False,
    )
    assert raised.emissions["abated_t"].sum() == pytest.approx(584.0 + 10 * 29.2, rel=1e-6)
    # No operator would buy a HK$12m battery bus unpaid: every paid bus is induced, and the
    # no-policy counterfactual abates nothing.
    summary = result.summary()
    assert summary["free_rider_share_by_programme"]["e_bus"] == pytest.approx(0.0, abs=1e-9)
    assert summary["co2_abated_vs_no_policy_t"] == pytest.approx(584.0)
    assert summary["subsidy_vehicles_by_programme"]["e_bus"] == pytest.approx(4.0)
    assert "budget" in summary["binding_limits"]


def test_free_riders_are_paid() -> None:
    """Half the operators switch unpaid (mean perceived gap 0, spread HK$1m). A HK$1m
    payment to every purchase lifts the share to Φ(1) = 0.8413: of 10 purchases in 2026,
    8.413 battery buses are paid HK$8.413m, 5 of them free riders, 3.413 induced. The tables
    count whole vehicles (8 paid, 5 free riders); the money stays the model's HK$8.413m."""
    params = {**_half_switch()}
    data = tiny_dataset(
        parameters=params,
        programmes=[
            {
                **ebus_programme(),
                "per_vehicle_cap_hkd": 1_000_000,
                "first_year": 2026,
                "last_year": 2026,
            }
        ],
    )
    result = plan(scenario(**MOST_ABATEMENT, budget={"total_hkd": 1e9}), data, marginals=False)
    paid = result.subsidy.set_index("year")
    assert paid.loc[2026, "vehicles"] == 8
    assert paid.loc[2026, "free_riders"] == 5
    assert paid.loc[2026, "subsidy_hkd"] == pytest.approx(1e6 * 10 * 0.841344746, rel=1e-6)
    summary = result.summary()
    assert summary["free_rider_share_by_programme"]["e_bus"] == pytest.approx(5 / 8, abs=1e-4)
    assert summary["subsidy_payment_hkd_by_programme_year"]["e_bus"]["2026"] == pytest.approx(1e6)


def test_programme_cap_binds_before_budget() -> None:
    """A HK$15m programme cap under a HK$750m budget: 3 buses; the budget stays unspent."""
    result = plan(
        scenario(**MOST_ABATEMENT), _bus_subsidy_data(15e6), marginals=False, counterfactual=False
    )
    assert result.subsidy["vehicles"].sum() == pytest.approx(3.0)
    summary = result.summary()
    assert summary["subsidy_hkd_total"] == pytest.approx(15e6)
    assert (
        "programme_cap:e_bus" in summary["binding_limits"]
        and "budget" not in summary["binding_limits"]
    )


def test_subsidy_that_cannot_close_the_gap_buys_nothing() -> None:
    """Raise the battery bus to HK$20m: gap = 12.501m > 5m payment, so no purchase is induced."""
    data = _bus_subsidy_data(1e9)
    data.parameters.loc[
        (data.parameters["parameter"] == "vehicle_price_hkd")
        & (data.parameters["technology"] == "bev"),
        "value",
    ] = 20_000_000
    result = plan(scenario(**MOST_ABATEMENT), data, marginals=False, counterfactual=False)
    assert result.subsidy.empty
    assert zev(result, "bus", 2027) == pytest.approx(0.0, abs=1e-6)


def test_a_level_below_every_gap_is_never_paid() -> None:
    """Only the 75 % level (HK$3.75m) is on offer: below the 4.501m gap of every operator, it
    would pay for nothing, so the plan offers no payment at all."""
    data = _bus_subsidy_data(1e9)
    sc = scenario(**MOST_ABATEMENT, programmes={"e_bus": {"payment_levels": [0.0, 0.75]}})
    result = plan(sc, data, marginals=False, counterfactual=False)
    assert result.subsidy.empty
    assert result.summary()["subsidy_hkd_total"] == 0


def test_paid_vehicles_are_not_replaced_like_for_like_for_free() -> None:
    """Battery buses here last 2 years, so an operator's gap is 12m + 2 x 109,500 + 0.1m -
    (3m + 18 x 365,000) = 2.749m: the 75 % level (HK$3.75m) closes it, and the HK$20m of 2026
    buys 20 / 3.75 = 5.33 buses (5 whole ones in the tables). In 2028 they retire; no payment
    is on offer and no operator gains, so the replacements are diesel: a one-year subsidy
    buys one vintage, not a battery fleet forever."""
    data = _bus_subsidy_data(1e9)
    params = data.parameters
    params.loc[len(params)] = {
        "parameter": "lifetime_years", "vehicle_type": "bus_double", "technology": "bev", "year": 2025,
        "value": 2.0, "unit": "years", "source": "test", "status": "estimate",
    }  # fmt: skip
    data.programmes.loc[:, ["first_year", "last_year"]] = 2026
    sc = scenario(**MOST_ABATEMENT, budget={"total_hkd": 20e6}, years={"start": 2025, "end": 2029})
    result = plan(sc, data, marginals=False, counterfactual=False)
    assert result.decisions[("stock", ("D1_dd", "bev", 2026))] == pytest.approx(20 / 3.75)
    assert zev(result, "bus", 2026) == 5
    assert zev(result, "bus", 2028) == 0


def test_a_new_zone_charged_class_is_data_rows_only() -> None:
    """Minibuses added as data alone: a catalogue row (pattern 'zone'), a fleet row, a zone
    row and parameter rows copied from the taxi. The taxi case of the test below, worked by
    hand, then holds for them with no code naming them: 100 minibuses over ages 0-9, so 10
    are replaced in 2025 and all go electric; they need 10 x 50 = 500 kWh/day in zone Z1,
    met by 1 new charger at B (100 kW x 10 h), never by the out-of-reach site C."""
    import dataclasses

    import pandas as pd

    data = tiny_dataset(
        buses=0,
        taxis=100,
        sites=[
            site(
                "S_B",
                1,
                "car_park",
                can_public_charging=True,
                max_chargers=10,
                grid_headroom_kva=1_000,
            ),
            site(
                "S_C",
                2,
                "car_park",
                can_public_charging=True,
                max_chargers=20,
                existing_fast_chargers=10,
                grid_headroom_kva=1_000,
            ),
        ],
    )
    catalogue = pd.concat([data.vehicle_classes, data.vehicle_classes[data.vehicle_classes["vehicle_class"] == "taxi"].assign(
        vehicle_class="minibus", vehicle_types="minibus", incumbent="diesel")], ignore_index=True)  # fmt: skip
    fleets = data.taxi_classes.assign(
        taxi_class="green", vehicle_class="minibus", vehicle_type="minibus"
    )
    zones = data.taxi_zones.assign(taxi_class="green")
    parameters = data.parameters
    as_minibus = parameters[parameters["vehicle_type"] == "taxi"].assign(vehicle_type="minibus")
    as_minibus.loc[as_minibus["technology"] == "lpg", "technology"] = "diesel"
    data = dataclasses.replace(data, vehicle_classes=catalogue, taxi_classes=fleets, taxi_zones=zones,
                               parameters=pd.concat([parameters, as_minibus], ignore_index=True))  # fmt: skip
    result = plan(
        scenario(
            years={"start": 2025, "end": 2025},
            technologies={"bus": [], "minibus": ["bev"], "truck": []},
        ),
        data,
        marginals=False,
        counterfactual=False,
    )
    assert zev(result, "minibus", 2025) == pytest.approx(10.0)
    assert "taxi" not in set(result.fleet["vehicle_class"])  # the fleet row became minibuses
    public = result.chargers[
        (result.chargers["charger_kind"] == "public") & (result.chargers["year"] == 2025)
    ].set_index("site_id")
    assert public.loc["S_B", "new_chargers"] == 1
    assert "S_C" not in public.index or public.loc["S_C", "new_chargers"] == 0
    served = result.taxi_charging[result.taxi_charging["year"] == 2025]
    assert set(served["site_id"]) == {"S_B"}
    assert served["kwh_per_day"].sum() == pytest.approx(500.0)


def test_taxi_charging_uses_sites_within_road_reach_only() -> None:
    """100 taxis over ages 0-9 (10-year life), so 10 are replaced in 2025; e-taxis are
    cheaper so all 10 go electric. They need 10 x 50 = 500 kWh/day in zone Z1 (at B). A
    site at C has free existing chargers but is 10 km away by road (reach 5 km): the plan
    must build 1 charger (100 kW x 10 h = 1,000 kWh/day) at B.
    """
    data = tiny_dataset(
        buses=0,
        taxis=100,
        sites=[
            site(
                "S_B",
                1,
                "car_park",
                can_public_charging=True,
                max_chargers=10,
                grid_headroom_kva=1_000,
            ),
            site(
                "S_C",
                2,
                "car_park",
                can_public_charging=True,
                max_chargers=20,
                existing_fast_chargers=10,
                grid_headroom_kva=1_000,
            ),
        ],
    )
    result = plan(
        scenario(
            years={"start": 2025, "end": 2025},
            technologies={"bus": [], "taxi": ["bev"], "truck": []},
        ),
        data,
        marginals=False,
        counterfactual=False,
    )
    assert zev(result, "taxi", 2025) == pytest.approx(10.0)
    public = result.chargers[
        (result.chargers["charger_kind"] == "public") & (result.chargers["year"] == 2025)
    ].set_index("site_id")
    assert public.loc["S_B", "new_chargers"] == 1
    assert "S_C" not in public.index or public.loc["S_C", "new_chargers"] == 0
    served = result.taxi_charging[result.taxi_charging["year"] == 2025]
    assert set(served["site_id"]) == {"S_B"}
    assert served["kwh_per_day"].sum() == pytest.approx(500.0)


def _truck_data(range_km: float) -> object:
    """10 trucks on A <-> C (20 km each way); fuel-cell trucks cost the same as diesel and run
    cheaper, so every operator wants one: the plan must open the stations their round trip
    needs (not serving them is penalised far above a station's cost)."""
    return tiny_dataset(
        buses=0,
        trucks=10,
        parameters={
            ("vehicle_price_hkd", "truck", "fcev"): 1_500_000,
            ("range_km", "truck", "fcev"): range_km,
            ("hydrogen_price_hkd_per_kg", "-", "-"): 10.0,
        },
        sites=[site(f"H_{n}", i, "petrol_station", can_hydrogen=True) for i, n in enumerate("ABC")],
    )


@pytest.mark.parametrize(
    ("range_km", "expected_sites"),
    [
        # R = 25: a station at B leaves cycles B-C-B and B-A-B of 20 km <= 25; A or C alone
        # leaves a 40 km lap > 25. Exactly {B}.
        (25.0, {"H_B"}),
        # R = 15: any gap of 20 km is too long; only stations at A, B and C (gaps 10 km) work.
        (15.0, {"H_A", "H_B", "H_C"}),
    ],
)
def test_flow_refuelling_opens_the_stations_the_range_needs(
    range_km: float, expected_sites: set[str]
) -> None:
    sc = scenario(
        technologies={"bus": [], "taxi": [], "truck": ["fcev"]}, years={"start": 2025, "end": 2026}
    )
    data = _truck_data(range_km)
    result = plan(sc, data, marginals=False)
    opened = set(
        result.stations[result.stations["opened"] & (result.stations["year"] == 2026)]["site_id"]
    )
    assert opened == expected_sites
    assert zev(result, "truck", 2026) > 0
    # Independent check: the opened stations really refuel the round trip.
    inputs = prepare_inputs(sc, data)
    path = round_trip_paths(
        inputs.graph,
        inputs.flows.assign(
            origin=inputs.flows["origin_node"], destination=inputs.flows["destination_node"]
        )[["flow_id", "origin", "destination"]],
        weight="length_m",
        km_per_unit=0.001,
    )["F1"]
    nodes = {inputs.sites.at[s, "node_id"] for s in opened}
    assert is_refuelled(path.nodes, path.cum_km, nodes, range_km)
    # Hydrogen sold never exceeds capacity.
    assert (result.stations["demand_kg_day"] <= result.stations["capacity_kg_day"] + 1e-6).all()


def test_hard_target_out_of_reach_is_diagnosed() -> None:
    """A hard target of 8 battery buses in 2026 where no operator would switch and no subsidy
    exists cannot be met: the diagnosis names the target and the shortfall (8 vehicles)."""
    data = tiny_dataset(
        parameters=NO_SWITCH,
        targets=[
            {
                "target_id": "ebus_2026",
                "vehicle_class": "bus",
                "year": 2026,
                "min_zev": 8,
                "min_zev_share": None,
                "hard": True,
            }
        ],
    )
    with pytest.raises(InfeasibleError) as raised:
        plan(scenario(), data, marginals=False)
    text = " ".join(raised.value.diagnosis)
    assert "ebus_2026" in text
    assert "8.0" in text


def test_soft_target_pays_its_penalty_when_asked() -> None:
    """The same target made soft, with a penalty asked for: 8 vehicles short x HK$5m penalty =
    HK$40m in the objective on top of the cost without the target."""
    free = plan(
        scenario(), tiny_dataset(parameters=NO_SWITCH), marginals=False, counterfactual=False
    )
    data = tiny_dataset(
        parameters=NO_SWITCH,
        targets=[
            {
                "target_id": "ebus_2026",
                "vehicle_class": "bus",
                "year": 2026,
                "min_zev": 8,
                "min_zev_share": None,
                "hard": False,
            }
        ],
    )
    soft = plan(
        scenario(target_penalty_hkd_per_vehicle=5e6), data, marginals=False, counterfactual=False
    )
    assert soft.summary()["penalties_hkd"]["soft_targets"] == pytest.approx(40e6)
    assert soft.targets.set_index("target_id").loc["ebus_2026", "short"] == pytest.approx(8.0)
    assert soft.targets.set_index("target_id").loc["ebus_2026", "treatment"] == "penalised"
    assert soft.report.objective - free.report.objective == pytest.approx(40.0)  # HK$ million


def test_soft_target_is_reported_not_priced_by_default() -> None:
    """By default a soft target is only reported: the objective is the cost without the target
    (no penalty, no row), and the result says 8 vehicles short, read off the plan's stock."""
    free = plan(
        scenario(), tiny_dataset(parameters=NO_SWITCH), marginals=False, counterfactual=False
    )
    data = tiny_dataset(
        parameters=NO_SWITCH,
        targets=[
            {
                "target_id": "ebus_2026",
                "vehicle_class": "bus",
                "year": 2026,
                "min_zev": 8,
                "min_zev_share": None,
                "hard": False,
            }
        ],
    )
    reported = plan(scenario(), data, marginals=True, counterfactual=False)
    row = reported.targets.set_index("target_id").loc["ebus_2026"]
    assert row["treatment"] == "reported" and row["short"] == pytest.approx(8.0) and not row["met"]
    assert reported.summary()["penalties_hkd"]["soft_targets"] == pytest.approx(0.0)
    assert reported.report.objective == pytest.approx(free.report.objective)
    meaning = reported.marginal_values.set_index("name").loc["target:ebus_2026", "meaning"]
    assert "8 vehicles short" in meaning and "not penalised" in meaning


def test_same_scenario_same_result() -> None:
    data = tiny_dataset(parameters=_half_switch())
    first = plan(scenario(), data).summary()
    second = plan(scenario(), data).summary()
    first.pop("timings_s")
    second.pop("timings_s")
    assert first == second


def test_target_cost_is_the_difference_between_plans_with_and_without_it() -> None:
    """A hard target of 5 battery buses in 2026, with HK$12m battery buses the subsidy can
    induce (5m each). Without it the plan stays diesel. Extra cost per bus-year:
    (12m/18 + 109,500) - (3m/18 + 365,000) = 244,500, for 5 buses x 2 years = 2,445,000,
    plus 3 chargers x 100,000/10 x 2 years = 60,000: HK$2,505,000. Subsidy: 5 x 5m = 25m."""
    from fleetplan.optimiser.target_cost import target_cost

    data = _bus_subsidy_data(1e9)
    data = type(data)(
        **{
            **data.__dict__,
            "targets": tiny_dataset(
                targets=[
                    {
                        "target_id": "ebus",
                        "vehicle_class": "bus",
                        "year": 2026,
                        "min_zev": 5,
                        "min_zev_share": None,
                        "hard": False,
                    }
                ]
            ).targets,
        }
    )
    outcome = target_cost(scenario(), data)
    assert outcome["feasible"]
    assert outcome["system_cost_hkd_delta"] == pytest.approx(2_505_000, abs=2)
    assert outcome["subsidy_hkd_delta"] == pytest.approx(25e6, abs=2)


def test_the_solver_interfaces_agree() -> None:
    """The arrays and LP-file hand-overs and Pyomo's in-memory highs interface reach the same
    optimum and marginal value (the budget's dual and its range come through every path)."""
    outcomes = []
    for interface in ("arrays", "lp_file", "pyomo_highs"):
        sc = scenario(
            **MOST_ABATEMENT, budget={"total_hkd": 20e6}, solver={**EXACT, "interface": interface}
        )
        outcomes.append(plan(sc, _bus_subsidy_data(1e9)))
    for other in outcomes[1:]:
        assert other.report.objective == pytest.approx(outcomes[0].report.objective, rel=1e-9)
    marginals = [o.marginal_values.set_index("name").loc["budget"] for o in outcomes]
    for other in marginals[1:]:
        assert other["value"] == pytest.approx(marginals[0]["value"], rel=1e-6)
    # The range comes from HiGHS's ranging, which the two highspy paths read (Pyomo's
    # in-memory interface gives none, so its range is a re-solve's): the hand-worked HK$30m.
    assert marginals[0]["valid_up_to"] == pytest.approx(30e6, rel=1e-6)
    assert marginals[1]["valid_up_to"] == pytest.approx(30e6, rel=1e-6)


def test_merging_alike_truck_corridors_keeps_the_optimum() -> None:
    """Two corridors on the same road (same arc-cover rows) with the same km per truck
    (trips in proportion to trucks) merge into one segment under truck_corridor_km_band;
    cost, fuel and emissions are linear in km, so the optimum and the abatement are the
    same as with one segment per corridor."""
    data = _truck_data(25.0)
    flows = data.truck_flows
    flows.loc[len(flows)] = {
        **flows.iloc[0].to_dict(),
        "flow_id": "F2",
        "trucks": 30.0,
        "daily_round_trips": 30.0,
    }
    results = {}
    for band in (0.0, 0.1):
        sc = scenario(
            technologies={"bus": [], "taxi": [], "truck": ["fcev"]},
            years={"start": 2025, "end": 2026},
            truck_corridor_km_band=band,
        )
        results[band] = (plan(sc, data, marginals=False), prepare_inputs(sc, data))
    exact, merged = results[0.0], results[0.1]
    assert len(exact[1].corridors) == 2 and len(merged[1].corridors) == 1
    assert merged[0].report.objective == pytest.approx(exact[0].report.objective, rel=1e-9)
    assert merged[0].emissions["abated_t"].sum() == pytest.approx(
        exact[0].emissions["abated_t"].sum(), rel=1e-9
    )
    # per-flow coverage is still reported flow by flow
    coverage = merged[0].truck_coverage
    assert set(coverage["flow_id"]) == {"F1", "F2"}
    per_flow = coverage[coverage["year"] == 2026].set_index("flow_id")["fcev_trucks"]
    assert per_flow["F2"] == pytest.approx(3 * per_flow["F1"])


def test_mothballed_station_pays_no_module_upkeep() -> None:
    """No hydrogen demand at all (diesel buses only): an existing 500 kg/day station costs
    O&M (10 % of its HK$10m capex a year) while open. With closure allowed the plan keeps
    it closed and pays nothing; forced open, it pays 10 % x 10m = HK$1m for the year and
    adds no modules (module O&M is charged only on operating modules)."""
    data = tiny_dataset(
        parameters={("h2_station_opex_share", "-", "-"): 0.1},
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=100,
                grid_headroom_kva=10_000,
            ),
            site("H_A", 0, "hydrogen_station", can_hydrogen=True, existing_h2_kg_day=500),
        ],
    )
    years = {"start": 2025, "end": 2025}
    techs = {"bus": [], "taxi": [], "truck": []}
    closed = plan(
        scenario(years=years, technologies=techs, allow_station_closure=True), data, marginals=False
    )
    kept_open = plan(
        scenario(years=years, technologies=techs, allow_station_closure=False),
        data,
        marginals=False,
    )
    costs_closed = closed.costs.set_index("component")["discounted_hkd"]
    costs_open = kept_open.costs.set_index("component")["discounted_hkd"]
    assert costs_closed["hydrogen_stations"] == pytest.approx(0.0, abs=1e-6)
    assert costs_open["hydrogen_stations"] == pytest.approx(0.1 * 10_000_000)


def test_a_dataset_without_vehicles_is_refused() -> None:
    """Nothing to plan: a clear InputError, not an empty plan or a crash deep in pandas."""
    from fleetplan.errors import InputError

    with pytest.raises(InputError, match="no vehicles"):
        plan(scenario(), tiny_dataset(buses=0), marginals=False)


def test_multi_year_steps_match_annual_steps_when_retirements_fall_on_them() -> None:
    """10 buses aged 15 leave in 2027; half the operators switch, so 5 battery and 5 diesel
    buses replace them in 2027. Modelling 2025 and 2027 only (step 2, each standing for
    two years) must give the same cost, fleet and tonnes as modelling every year, because
    nothing happens in 2026 or 2028: running costs and emissions count twice per step."""
    data = tiny_dataset(bus_ages={15: 10.0}, parameters=_half_switch())
    annual = plan(scenario(years={"start": 2025, "end": 2028}), data, marginals=False)
    stepped = plan(scenario(years={"start": 2025, "end": 2028, "step": 2}), data, marginals=False)
    assert sorted(stepped.fleet["year"].unique()) == [2025, 2027, 2028]
    assert stepped.report.objective == pytest.approx(annual.report.objective, rel=1e-9)
    assert stepped.summary()["co2_abated_t"] == pytest.approx(
        annual.summary()["co2_abated_t"], rel=1e-9
    )
    assert zev(stepped, "bus", 2027) == pytest.approx(5.0)


def test_multi_year_steps_cost_infrastructure_over_calendar_years() -> None:
    """A charger installed in the first year is charged its annuity for every calendar year to
    the horizon's end, whatever the step: at 0 % with a 10-year life and a 10-year horizon,
    exactly its capex (HK$100,000) with step 1 and with step 5."""
    data = tiny_dataset()
    coefs = []
    for step in (1, 5):
        inputs = prepare_inputs(scenario(years={"start": 2025, "end": 2034, "step": step}), data)
        coefs.append(inputs.charger_cost_coef[("depot", 2025)])
    assert coefs[0] == pytest.approx(100_000)
    assert coefs[1] == pytest.approx(coefs[0])


def test_a_charger_keeps_the_power_of_its_year() -> None:
    """Public chargers are 120 kW when installed in 2025 and 180 kW from 2026: one charger of
    each vintage gives 120 + 180 = 300 kW in 2026 (a 180 kW charger serves 1.5 x a 120 kW one)."""
    import pyomo.environ as pyo

    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.formulation.charging import installed_kw

    params = {("public_charger_kw", "-", "-"): 120.0}
    data = tiny_dataset(
        buses=0,
        taxis=100,
        parameters=params,
        sites=[
            site(
                "S_B",
                1,
                "car_park",
                can_public_charging=True,
                max_chargers=10,
                grid_headroom_kva=1_000,
            )
        ],
    )
    rows = data.parameters
    rows.loc[len(rows)] = {
        **rows[rows["parameter"] == "public_charger_kw"].iloc[0].to_dict(),
        "year": 2026,
        "value": 180.0,
    }
    inputs = prepare_inputs(scenario(years={"start": 2025, "end": 2026}), data)
    model = build_model(inputs)
    model.public_chargers["S_B", 2025].fix(1)
    model.public_chargers["S_B", 2026].fix(2)
    assert pyo.value(
        installed_kw(model, inputs, "public", model.public_chargers, "S_B", 2025)
    ) == pytest.approx(120.0)
    assert pyo.value(
        installed_kw(model, inputs, "public", model.public_chargers, "S_B", 2026)
    ) == pytest.approx(300.0)


def test_an_unreachable_taxi_zone_leaves_e_taxis_elsewhere_untouched() -> None:
    """Two zones share the class's e-taxis: Z1 at B has a site within reach, Z2 at C has none.
    All 10 replacements are still e-taxis (operators gain); Z1's 250 kWh/day is charged at B,
    Z2's 250 kWh/day is reported unserved (penalised, named in a note), not a ban."""
    data = tiny_dataset(
        buses=0,
        taxis=100,
        sites=[
            site(
                "S_B",
                1,
                "car_park",
                can_public_charging=True,
                max_chargers=10,
                grid_headroom_kva=1_000,
            )
        ],
    )
    zones = data.taxi_zones
    zones.loc[:, "taxi_share"] = 0.5
    second = zones.iloc[0].to_dict()
    second.update({"zone_id": "Z2", "name": "Zone two", "lon": 114.28, "lat": 22.33})
    zones.loc[len(zones)] = second
    sc = scenario(
        years={"start": 2025, "end": 2025}, technologies={"bus": [], "taxi": ["bev"], "truck": []}
    )
    result = plan(sc, data, marginals=False, counterfactual=False)
    assert zev(result, "taxi", 2025) == pytest.approx(10.0)
    served = result.taxi_charging.groupby("zone_id")["kwh_per_day"].sum()
    assert served["Z1"] == pytest.approx(250.0)
    assert "Z2" not in served.index
    assert any("Z2" in note and "no site within reach" in note for note in result.notes)
    assert "taxi_charging:Z2" in result.summary()["binding_limits"]


def test_the_system_counts_hydrogen_at_the_station_gate() -> None:
    """The pump price (HK$50/kg here) pays the station back; with a HK$16/kg station margin
    the system counts HK$34/kg plus its stations, while operators still weigh HK$50/kg."""
    data = _truck_data(25.0)
    rows = data.parameters
    rows.loc[len(rows)] = {
        **rows.iloc[0].to_dict(),
        "parameter": "hydrogen_station_margin_hkd_per_kg",
        "vehicle_type": "-",
        "technology": "-",
        "value": 16.0,
    }
    rows.loc[rows["parameter"] == "hydrogen_price_hkd_per_kg", "value"] = 50.0
    inputs = prepare_inputs(scenario(technologies={"bus": [], "taxi": [], "truck": ["fcev"]}), data)
    segment = inputs.segments.index[inputs.segments["vehicle_class"] == "truck"][0]
    km_year = float(inputs.segments.at[segment, "annual_km"])
    assert inputs.running_cost_hkd[(segment, "fcev", 2025)] == pytest.approx(
        km_year * 0.1 * (50.0 - 16.0)
    )
    # operators: (fuel-cell - diesel) price 0 + 15 years x km x (0.1 x 50 - 0.4 x 10) at 0 %
    assert inputs.cost_gap_hkd[(segment, "fcev", 2025)] == pytest.approx(
        15 * km_year * (0.1 * 50.0 - 0.4 * 10.0)
    )


def test_an_operator_commitment_overrides_the_payment_it_lacks() -> None:
    """No operator would switch (a prohibitive barrier), but the depot's operator (kmb) has
    pledged zero-emission purchases from 2026: all 10 replacements of 2026 are battery buses;
    before the pledge, in 2025, nothing would have been (nothing retires then anyway)."""
    data = tiny_dataset(parameters=NO_SWITCH)
    free = plan(scenario(), data, marginals=False, counterfactual=False)
    assert zev(free, "bus", 2026) == pytest.approx(0.0, abs=1e-6)
    pledged = scenario(
        operator_commitments={"kmb": {"operator": "kmb", "zero_emission_purchases_from": 2026}}
    )
    result = plan(pledged, data, marginals=False, counterfactual=False)
    assert zev(result, "bus", 2026) == pytest.approx(10.0)


def test_an_off_graph_site_is_named_with_its_file_and_row() -> None:
    """A candidate site placed ~19 km from every road-graph node: the error names
    candidate_sites.csv, its row and the coordinate field."""
    from fleetplan.errors import InputError

    data = tiny_dataset(
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=100,
                grid_headroom_kva=10_000,
            ),
            {**site("S_SEA", 1, "car_park"), "lat": 22.50},
        ]
    )
    with pytest.raises(InputError) as raised:
        prepare_inputs(scenario(), data)
    text = str(raised.value)
    assert "candidate_sites.csv" in text and "row 2" in text and "S_SEA" in text


def test_most_abatement_counts_public_stations_against_the_budget() -> None:
    """With public infrastructure in the budget, a HK$1bn budget pays the station at B the
    trucks need (R = 25 km) and the plan's subsidy plus public infrastructure stays within it;
    with a HK$1 budget no station can be paid for, so no fuel-cell truck runs."""
    techs = {"bus": [], "taxi": [], "truck": ["fcev"]}
    rich = scenario(
        **MOST_ABATEMENT,
        technologies=techs,
        years={"start": 2025, "end": 2026},
        budget={"total_hkd": 1e9},
    )
    result = plan(rich, _truck_data(25.0), marginals=False, counterfactual=False)
    assert zev(result, "truck", 2026) > 0
    station = result.costs.set_index("component").loc["hydrogen_stations", "discounted_hkd"]
    assert station > 0 and station + result.summary()["subsidy_hkd_total"] <= 1e9
    poor = scenario(
        **MOST_ABATEMENT,
        technologies=techs,
        years={"start": 2025, "end": 2026},
        budget={"total_hkd": 1.0},
    )
    result = plan(poor, _truck_data(25.0), marginals=False, counterfactual=False)
    assert zev(result, "truck", 2026) == pytest.approx(0.0, abs=1e-6)


def test_todays_fuel_cell_buses_run_on_hydrogen_from_a_site_within_its_limit() -> None:
    """Two of the depot's ten buses are fuel-cell today (``fcev_today``) and the scenario buys
    no zero-emission bus: the 2025 fleet still holds 2 fuel-cell buses (not battery ones), and
    they need 2 x 200 km x 0.1 kg/km = 40 kg of hydrogen a day. The depot's own site may host
    a station of at most 400 kg/day, less than one 500 kg/day module, so it can add none; the
    site 10 km away (within the 15 km reach) has no limit and supplies all 40 kg/day from one
    module."""
    data = tiny_dataset(
        zev_today=2,
        fcev_today=2,
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=100,
                grid_headroom_kva=10_000,
            ),
            site("H_A", 0, "landfill", can_hydrogen=True, max_h2_kg_day=400),
            site("H_B", 1, "landfill", can_hydrogen=True),
        ],
    )
    sc = scenario(
        years={"start": 2025, "end": 2025}, technologies={"bus": [], "taxi": [], "truck": []}
    )
    inputs = prepare_inputs(sc, data)
    assert inputs.h2_max_modules == {"H_A": 0, "H_B": 2}
    result = plan(sc, data, marginals=False)
    fleet = result.fleet[result.fleet["year"] == 2025].groupby("technology")["vehicles"].sum()
    assert fleet.get("fcev", 0.0) == pytest.approx(2.0)
    assert fleet.get("bev", 0.0) == pytest.approx(0.0)
    stations = result.stations[
        (result.stations["year"] == 2025) & result.stations["site_id"].isin(["H_A", "H_B"])
    ].set_index("site_id")
    assert stations.loc["H_B", "modules"] == 1
    assert stations.loc["H_B", "demand_kg_day"] == pytest.approx(40.0)
    assert "H_A" not in stations.index or stations.loc["H_A", "demand_kg_day"] == pytest.approx(0.0)
