"""One tiny instance per constraint family, with its optimum worked out by hand.

All instances use ``tests/tiny.py``: a line A - B - C with 10 km edges, a depot
at A, zero discount rate, round prices. Costs are annuitised: at 0 % a
vehicle of life L costs price / L for each year it serves inside the horizon.
Diesel bus: 200 km/day x 365 x 0.5 L x HK$10 = HK$365,000 a year; battery
bus: 200 x 365 x 1.5 kWh x HK$1 = HK$109,500 a year.
"""

from __future__ import annotations

import pytest

from network.errors import InfeasibleError
from optimiser.frlm import is_refuelled, round_trip_paths
from optimiser.inputs import prepare_inputs
from optimiser.plan import plan
from optimiser.scenario import Scenario
from tests.tiny import ebus_programme, site, tiny_dataset

EXACT = {"time_limit_s": 60, "mip_rel_gap": 1e-9, "threads": 1}


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
    chosen = (fleet["vehicle_class"] == vehicle_class) & (fleet["year"] == year) & fleet["technology"].isin(["bev", "fcev"])
    return float(fleet.loc[chosen, "vehicles"].sum())


def test_stock_flow_replaces_retirements_with_incumbents() -> None:
    """10 diesel buses aged 16 turn 18 in 2026 and leave; nothing else may be bought.

    Optimum: buy 10 diesel in 2026. Vehicle cost = 10 x 3.0m / 18 x 2 years (2026, 2027)
    = HK$3,333,333; running = 10 x 365,000 x 3 years = HK$10,950,000.
    """
    result = plan(scenario(technologies={"bus": [], "taxi": [], "truck": []}), tiny_dataset(), marginals=False)
    bought = result.purchases.set_index(["technology", "year"])["bought"]
    assert bought[("diesel", 2025)] == pytest.approx(0.0, abs=1e-6)
    assert bought[("diesel", 2026)] == pytest.approx(10.0)
    costs = result.costs.set_index("component")["discounted_hkd"]
    assert costs["vehicles"] == pytest.approx(10 * 3e6 / 18 * 2)
    assert costs["energy_and_maintenance"] == pytest.approx(10 * 365_000 * 3)


def test_voluntary_uptake_ceiling_and_depot_chargers() -> None:
    """Operators would buy battery buses (their lifetime cost is lower) but only up to
    a voluntary share of 0.5 of purchases.

    2026: 10 purchases -> 5 battery buses. Each needs 200 km x 1.5 = 300 kWh a night;
    a 100 kW charger over a 5 h window gives 500 kWh -> 1,500 / 500 = 3 chargers, and
    sharing (2 buses per charger) needs 2.5 -> 3. Battery buses are cheaper per year
    (4.0m/18 + 109,500 = 331,722 vs 3.0m/18 + 365,000 = 531,667) so the ceiling binds.
    """
    data = tiny_dataset(parameters={("voluntary_zev_share", "-", "-"): 0.5})
    result = plan(scenario(), data, marginals=False)
    assert zev(result, "bus", 2025) == pytest.approx(0.0, abs=1e-6)
    assert zev(result, "bus", 2026) == pytest.approx(5.0)
    depot = result.chargers[(result.chargers["charger_kind"] == "depot") & (result.chargers["year"] == 2026)]
    assert depot["new_chargers"].sum() == 3


def test_depot_space_caps_battery_buses() -> None:
    """With room for only 2 chargers: energy 2 x 500 = 1,000 kWh -> 1,000/300 = 3.33 buses;
    sharing 2 x 2 = 4 buses. The tighter bound is energy: 3.333 battery buses."""
    data = tiny_dataset(
        parameters={("voluntary_zev_share", "-", "-"): 1.0},
        sites=[site("S_D1", 0, "bus_depot", depot_id="D1", can_depot_charging=True, max_chargers=2, grid_headroom_kva=10_000)],
    )
    result = plan(scenario(), data, marginals=False)
    assert zev(result, "bus", 2026) == pytest.approx(1000 / 300)


def test_grid_lead_time_delays_battery_buses() -> None:
    """No spare connection and a 2-year lead time: an upgrade ordered in 2025 serves from 2027.

    5 buses retire in 2026 and 5 in 2027 (ages 16 and 15). In 2026 battery buses cannot
    charge, so 5 diesel; in 2027 5 battery buses need 3 chargers x 100 kW = 300 kVA,
    ordered in 2025.
    """
    data = tiny_dataset(
        bus_ages={16: 5.0, 15: 5.0},
        parameters={("voluntary_zev_share", "-", "-"): 1.0, ("grid_upgrade_lead_years", "-", "-"): 2},
        sites=[site("S_D1", 0, "bus_depot", depot_id="D1", can_depot_charging=True, max_chargers=100, grid_headroom_kva=0)],
    )
    result = plan(scenario(years={"start": 2025, "end": 2028}), data, marginals=False)
    assert zev(result, "bus", 2026) == pytest.approx(0.0, abs=1e-6)
    assert zev(result, "bus", 2027) == pytest.approx(5.0)
    grid = result.chargers[result.chargers["charger_kind"] == "depot"].set_index("year")
    assert grid.loc[2025, "grid_upgrade_ordered_kva"] == pytest.approx(300.0)
    assert grid.loc[2027, "kva_needed"] <= grid.loc[2027, "grid_upgrade_in_service_kva"] + 1e-6


@pytest.mark.parametrize("allowed", [False, True])
def test_early_retirement_only_when_allowed(allowed: bool) -> None:
    """10 diesel buses aged 10 would serve past the horizon. Replacing one early with a
    battery bus costs 4.0m/18 + 109,500 = 331,722 a year against 365,000 for running the
    old one (its capital is sunk); 10 battery buses need 6 chargers (HK$10,000 a year each).
    Saving: 10 x 33,278 - 60,000 > 0, so when allowed all 10 go in 2025; otherwise none."""
    data = tiny_dataset(bus_ages={10: 10.0}, parameters={("voluntary_zev_share", "-", "-"): 1.0})
    result = plan(scenario(allow_early_retirement=allowed), data, marginals=False)
    assert zev(result, "bus", 2025) == pytest.approx(10.0 if allowed else 0.0, abs=1e-6)
    if allowed:
        assert result.early_retirements["retired_early_cumulative"].max() == pytest.approx(10.0)


def _bus_subsidy_data(programme_cap_hkd: float) -> object:
    """Battery bus at HK$12m: operator gap = (12m + 18 x 109,500 + its share of a depot
    charger and grid, (100,000 + 100 kVA x HK$1,000) / 2 = 100,000) - (3m + 18 x 365,000)
    = 4.501m. The programme pays min(5m cap, 50 % x 12m) = 5m >= gap, so it induces purchases."""
    return tiny_dataset(
        parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000},
        programmes=[ebus_programme(programme_cap_hkd=programme_cap_hkd)],
    )


def test_subsidy_budget_buys_abatement_and_its_marginal_value() -> None:
    """Most abatement with a HK$20m budget: 20m / 5m = 4 subsidised battery buses in 2026.

    Each saves 200 km x 365 x 0.5 L x 2 kg = 73 t a year (grid is zero-carbon here), for
    2026 and 2027: 4 x 73 x 2 = 584 t. One more HK$1m buys 0.2 bus -> 0.2 x 146 = 29.2 t
    (chargers fixed at 3 still have room for a 5th bus).
    """
    result = plan(scenario(objective="max_abatement", budget={"total_hkd": 20e6}), _bus_subsidy_data(1e9))
    assert result.subsidy["vehicles"].sum() == pytest.approx(4.0)
    assert result.subsidy["subsidy_hkd"].sum() == pytest.approx(20e6)
    assert result.emissions["abated_t"].sum() == pytest.approx(584.0)
    marginal = result.marginal_values.set_index("name")["value"]
    assert marginal["budget"] == pytest.approx(29.2, rel=1e-3)


def test_programme_cap_binds_before_budget() -> None:
    """A HK$15m programme cap under a HK$750m budget: 3 buses; the budget stays unspent."""
    result = plan(scenario(objective="max_abatement"), _bus_subsidy_data(15e6), marginals=False)
    assert result.subsidy["vehicles"].sum() == pytest.approx(3.0)
    assert result.summary()["subsidy_hkd_total"] == pytest.approx(15e6)


def test_subsidy_that_cannot_close_the_gap_buys_nothing() -> None:
    """Raise the battery bus to HK$20m: gap = 12.501m > 5m payment, so no purchase is induced."""
    data = _bus_subsidy_data(1e9)
    data.parameters.loc[
        (data.parameters["parameter"] == "vehicle_price_hkd") & (data.parameters["technology"] == "bev"), "value"
    ] = 20_000_000
    result = plan(scenario(objective="max_abatement"), data, marginals=False)
    assert result.subsidy.empty
    assert zev(result, "bus", 2027) == pytest.approx(0.0, abs=1e-6)


def test_taxi_charging_uses_sites_within_road_reach_only() -> None:
    """100 taxis over ages 0-9 (10-year life), so 10 are replaced in 2025; e-taxis are
    cheaper so all 10 go electric (voluntary share 1). They need 10 x 50 = 500 kWh/day in
    zone Z1 (at B). A site at C has free existing chargers but is 10 km away by road
    (reach 5 km): the plan must build 1 charger (100 kW x 10 h = 1,000 kWh/day) at B.
    """
    data = tiny_dataset(
        buses=0,
        taxis=100,
        parameters={("voluntary_zev_share", "-", "-"): 1.0},
        sites=[
            site("S_B", 1, "car_park", can_public_charging=True, max_chargers=10, grid_headroom_kva=1_000),
            site("S_C", 2, "car_park", can_public_charging=True, max_chargers=20, existing_fast_chargers=10, grid_headroom_kva=1_000),
        ],
    )
    result = plan(scenario(years={"start": 2025, "end": 2025}, technologies={"bus": [], "taxi": ["bev"], "truck": []}), data, marginals=False)
    assert zev(result, "taxi", 2025) == pytest.approx(10.0)
    public = result.chargers[(result.chargers["charger_kind"] == "public") & (result.chargers["year"] == 2025)].set_index("site_id")
    assert public.loc["S_B", "new_chargers"] == 1
    assert "S_C" not in public.index or public.loc["S_C", "new_chargers"] == 0
    served = result.taxi_charging[result.taxi_charging["year"] == 2025]
    assert set(served["site_id"]) == {"S_B"}
    assert served["kwh_per_day"].sum() == pytest.approx(500.0)


def _truck_data(range_km: float) -> object:
    """10 trucks on A <-> C (20 km each way); fuel-cell trucks cost the same as diesel and run
    cheaper, so operators convert voluntarily wherever they can refuel."""
    return tiny_dataset(
        buses=0,
        trucks=10,
        parameters={
            ("voluntary_zev_share", "-", "-"): 1.0,
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
def test_flow_refuelling_opens_the_stations_the_range_needs(range_km: float, expected_sites: set[str]) -> None:
    sc = scenario(objective="max_abatement", technologies={"bus": [], "taxi": [], "truck": ["fcev"]}, years={"start": 2025, "end": 2026})
    data = _truck_data(range_km)
    result = plan(sc, data, marginals=False)
    opened = set(result.stations[result.stations["opened"] & (result.stations["year"] == 2026)]["site_id"])
    assert opened == expected_sites
    assert zev(result, "truck", 2026) > 0
    # Independent check: the opened stations really refuel the round trip.
    inputs = prepare_inputs(sc, data)
    path = round_trip_paths(inputs.graph, inputs.flows.assign(origin=inputs.flows["origin_node"], destination=inputs.flows["destination_node"])[["flow_id", "origin", "destination"]], weight="length_m", km_per_unit=0.001)["F1"]
    nodes = {inputs.sites.at[s, "node_id"] for s in opened}
    assert is_refuelled(path.nodes, path.cum_km, nodes, range_km)
    # Hydrogen sold never exceeds capacity.
    assert (result.stations["demand_kg_day"] <= result.stations["capacity_kg_day"] + 1e-6).all()


def test_hard_target_out_of_reach_is_diagnosed() -> None:
    """A hard target of 8 battery buses in 2026 with no voluntary uptake and no subsidy
    cannot be met: the diagnosis names the target and the shortfall (8 vehicles)."""
    data = tiny_dataset(
        targets=[{"target_id": "ebus_2026", "vehicle_class": "bus", "year": 2026, "min_zev": 8, "min_zev_share": None, "hard": True}]
    )
    with pytest.raises(InfeasibleError) as raised:
        plan(scenario(), data, marginals=False)
    text = " ".join(raised.value.diagnosis)
    assert "ebus_2026" in text
    assert "8.0" in text


def test_soft_target_pays_its_penalty() -> None:
    """The same target made soft: 8 vehicles short x HK$5m penalty = HK$40m in the objective
    on top of the cost without the target."""
    free = plan(scenario(), tiny_dataset(), marginals=False)
    data = tiny_dataset(
        targets=[{"target_id": "ebus_2026", "vehicle_class": "bus", "year": 2026, "min_zev": 8, "min_zev_share": None, "hard": False}]
    )
    soft = plan(scenario(), data, marginals=False)
    assert soft.targets.set_index("target_id").loc["ebus_2026", "short"] == pytest.approx(8.0)
    assert soft.report.objective - free.report.objective == pytest.approx(40.0)  # HK$ million


def test_same_scenario_same_result() -> None:
    data = tiny_dataset(parameters={("voluntary_zev_share", "-", "-"): 0.5})
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
    from optimiser.plan import target_cost

    data = _bus_subsidy_data(1e9)
    data = type(data)(
        **{
            **data.__dict__,
            "targets": tiny_dataset(
                targets=[{"target_id": "ebus", "vehicle_class": "bus", "year": 2026, "min_zev": 5, "min_zev_share": None, "hard": False}]
            ).targets,
        }
    )
    outcome = target_cost(scenario(), data)
    assert outcome["feasible"]
    assert outcome["system_cost_hkd_delta"] == pytest.approx(2_505_000, abs=2)
    assert outcome["subsidy_hkd_delta"] == pytest.approx(25e6, abs=2)


def test_converted_operators_replace_like_for_like() -> None:
    """Subsidy (2026 only, HK$20m) buys 4 battery buses that here last 2 years. In 2028 they
    retire; with no subsidy left and no voluntary uptake, operators may still replace them
    like for like, so the 4 battery buses stay in service (most-abatement objective)."""
    data = _bus_subsidy_data(1e9)
    params = data.parameters
    params.loc[len(params)] = {
        "parameter": "lifetime_years", "vehicle_type": "bus_double", "technology": "bev", "year": 2025,
        "value": 2.0, "unit": "years", "source": "test", "status": "estimate",
    }
    data.programmes.loc[:, ["first_year", "last_year"]] = 2026
    result = plan(scenario(objective="max_abatement", budget={"total_hkd": 20e6}, years={"start": 2025, "end": 2029}), data, marginals=False)
    assert zev(result, "bus", 2026) == pytest.approx(4.0)
    assert zev(result, "bus", 2028) == pytest.approx(4.0)
    bought = result.purchases.set_index(["technology", "year"])
    assert bought.loc[("bev", 2028), "voluntary"] == pytest.approx(4.0)


def test_both_solver_interfaces_agree() -> None:
    """The LP-file path and Pyomo's in-memory highs interface reach the same optimum and marginal value."""
    outcomes = []
    for interface in ("lp_file", "pyomo_highs"):
        sc = scenario(objective="max_abatement", budget={"total_hkd": 20e6}, solver={**EXACT, "interface": interface})
        outcomes.append(plan(sc, _bus_subsidy_data(1e9)))
    assert outcomes[0].report.objective == pytest.approx(outcomes[1].report.objective, rel=1e-9)
    budgets = [o.marginal_values.set_index("name").loc["budget", "value"] for o in outcomes]
    assert budgets[0] == pytest.approx(budgets[1], rel=1e-6)


def test_merging_alike_truck_corridors_keeps_the_optimum() -> None:
    """Two corridors on the same road (same arc-cover rows) with the same km per truck
    (trips in proportion to trucks) merge into one segment under truck_corridor_km_band;
    cost, fuel and emissions are linear in km, so the optimum and the abatement are the
    same as with one segment per corridor."""
    data = _truck_data(25.0)
    flows = data.truck_flows
    flows.loc[len(flows)] = {**flows.iloc[0].to_dict(), "flow_id": "F2", "trucks": 30.0, "daily_round_trips": 30.0}
    results = {}
    for band in (0.0, 0.1):
        sc = scenario(
            objective="max_abatement",
            technologies={"bus": [], "taxi": [], "truck": ["fcev"]},
            years={"start": 2025, "end": 2026},
            truck_corridor_km_band=band,
        )
        results[band] = (plan(sc, data, marginals=False), prepare_inputs(sc, data))
    exact, merged = results[0.0], results[0.1]
    assert len(exact[1].corridors) == 2 and len(merged[1].corridors) == 1
    assert merged[0].report.objective == pytest.approx(exact[0].report.objective, rel=1e-9)
    assert merged[0].emissions["abated_t"].sum() == pytest.approx(exact[0].emissions["abated_t"].sum(), rel=1e-9)
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
            site("S_D1", 0, "bus_depot", depot_id="D1", can_depot_charging=True, max_chargers=100, grid_headroom_kva=10_000),
            site("H_A", 0, "hydrogen_station", can_hydrogen=True, existing_h2_kg_day=500),
        ],
    )
    years = {"start": 2025, "end": 2025}
    techs = {"bus": [], "taxi": [], "truck": []}
    closed = plan(scenario(years=years, technologies=techs), data, marginals=False)
    kept_open = plan(scenario(years=years, technologies=techs, allow_station_closure=False), data, marginals=False)
    costs_closed = closed.costs.set_index("component")["discounted_hkd"]
    costs_open = kept_open.costs.set_index("component")["discounted_hkd"]
    assert costs_closed["hydrogen_stations"] == pytest.approx(0.0, abs=1e-6)
    assert costs_open["hydrogen_stations"] == pytest.approx(0.1 * 10_000_000)


def test_a_dataset_without_vehicles_is_refused() -> None:
    """Nothing to plan: a clear InputError, not an empty plan or a crash deep in pandas."""
    from network.errors import InputError

    with pytest.raises(InputError, match="no vehicles"):
        plan(scenario(), tiny_dataset(buses=0), marginals=False)


def test_multi_year_steps_match_annual_steps_when_retirements_fall_on_them() -> None:
    """10 buses aged 15 leave in 2027; with voluntary uptake 0.5, 5 battery and 5 diesel
    buses replace them in 2027. Modelling 2025 and 2027 only (step 2, each standing for
    two years) must give the same cost, fleet and tonnes as modelling every year, because
    nothing happens in 2026 or 2028: running costs and emissions count twice per step."""
    data = tiny_dataset(bus_ages={15: 10.0}, parameters={("voluntary_zev_share", "-", "-"): 0.5})
    annual = plan(scenario(years={"start": 2025, "end": 2028}), data, marginals=False)
    stepped = plan(scenario(years={"start": 2025, "end": 2028, "step": 2}), data, marginals=False)
    assert sorted(stepped.fleet["year"].unique()) == [2025, 2027, 2028]
    assert stepped.report.objective == pytest.approx(annual.report.objective, rel=1e-9)
    assert stepped.summary()["co2_abated_t"] == pytest.approx(annual.summary()["co2_abated_t"], rel=1e-9)
    assert zev(stepped, "bus", 2027) == pytest.approx(5.0)
