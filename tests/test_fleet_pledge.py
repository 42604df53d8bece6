"""An operator's fleet pledge: a zero-emission fleet by a year, incumbents retiring early
(optimiser/formulation/fleet.py::add_fleet_pledges). Worked by hand on the tiny city:
10 diesel buses aged 10 (they would serve to 2033), no operator switches unpaid."""

from __future__ import annotations

import pytest

from fleetplan.errors import InputError
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.scenario import Scenario
from tests.test_formulation import NO_SWITCH, scenario, zev
from tests.tiny import site, tiny_dataset


def _fleet_pledge(year: int) -> dict:
    return {"commitment_id": "kmb_fleet", "operator": "kmb", "kind": "fleet", "year": year, "technology": None, "vehicles": None,
            "bev_share": None, "fcev_share": None}  # fmt: skip


def test_a_fleet_pledge_retires_the_diesel_buses_in_its_year() -> None:
    """Pledge: zero-emission fleet by 2026. 2025: the 10 diesel buses; 2026 and 2027: 10 battery
    buses bought in 2026, though no one would buy one unpaid and no diesel bus is due to retire."""
    data = tiny_dataset(
        bus_ages={10: 10.0}, parameters=NO_SWITCH, operator_commitments=[_fleet_pledge(2026)]
    )
    result = plan(scenario(), data, marginals=False)
    assert zev(result, "bus", 2025) == 0
    assert zev(result, "bus", 2026) == 10
    assert zev(result, "bus", 2027) == 10
    assert result.decisions[("buy", ("D1_dd", "bev", 2026))] == pytest.approx(10.0)
    assert "fleet_pledge:D1_dd" not in result.binding_limits
    # The 10 diesel buses, within their life to 2033, leave in 2026 because of the pledge.
    retired = result.early_retirements.set_index(["segment_id", "year", "cause"])[
        "retired_early_cumulative"
    ]
    assert retired.to_dict() == {
        ("D1_dd", 2026, "fleet_pledge"): 10,
        ("D1_dd", 2027, "fleet_pledge"): 10,
    }
    # Behaviour, not policy: the no-policy plan keeps it, so nothing of it is credited to policy.
    assert result.summary()["co2_abated_vs_no_policy_t"] == pytest.approx(0.0, abs=1e-6)


def test_a_fleet_pledge_the_depot_cannot_serve_is_short_and_reported_not_infeasible() -> None:
    """Room for 2 depot chargers: 2 buses each by count (4), but 2 x 100 kW x 5 h = 1,000 kWh a
    night for 300 kWh a bus (200 km x 1.5 kWh/km) charges 3.33 battery buses. The other 6.67
    diesel buses stay, short of the pledge (3 battery buses in whole numbers), and the limit
    is reported instead of the plan being infeasible."""
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
    data = tiny_dataset(bus_ages={10: 10.0}, parameters=NO_SWITCH, sites=sites,
                        operator_commitments=[_fleet_pledge(2026)])  # fmt: skip
    result = plan(scenario(), data, marginals=False, counterfactual=False)
    assert result.decisions[("stock", ("D1_dd", "bev", 2026))] == pytest.approx(10 / 3)
    assert result.decisions[("pledge_short", ("D1_dd", 2026))] == pytest.approx(20 / 3)
    assert zev(result, "bus", 2026) == 3
    assert "fleet_pledge:D1_dd" in result.binding_limits
    # No plan can do better (the depot is full): found before the solve, reported, not penalised.
    penalties = result.penalties.set_index("penalty")["discounted_hkd"]
    assert penalties["fleet_pledges_short"] == pytest.approx(0.0, abs=1e-3)
    assert any("fleet pledges: up to 7 vehicles (in 2026)" in note for note in result.notes)


def test_a_fleet_pledge_in_a_scenario_needs_its_year() -> None:
    with pytest.raises(InputError, match=r"operator_commitments\.kmb_all\.zero_emission_fleet_by"):
        plan(Scenario.model_validate({"operator_commitments": {"kmb_all": {"operator": "kmb", "kind": "fleet"}}, "years": {"start": 2025, "end": 2026}}),
             tiny_dataset(), marginals=False)  # fmt: skip


def test_a_fleet_pledge_keeps_the_diesel_buses_whose_duties_no_battery_bus_can_run() -> None:
    """Two routes of 5 buses each at 110 and 190 km a day; with a 230 km battery range the duty
    bins above 230 km (4 of the 10 buses here) stay diesel. Pledge for 2026: 4 of today's diesel
    buses stay (no new diesel bus is bought for them), 6 retire and 6 battery buses replace them."""
    import dataclasses

    import pandas as pd

    data = tiny_dataset(bus_ages={10: 10.0}, parameters={**NO_SWITCH, ("range_km", "bus_double", "bev"): 230},
                        operator_commitments=[_fleet_pledge(2026)])  # fmt: skip
    first = data.bus_routes.iloc[0].to_dict()
    routes = pd.concat(
        [data.bus_routes.assign(buses_required=5, daily_km_per_bus=110),
         pd.DataFrame([{**first, "route_id": "R2", "route": "2", "buses_required": 5, "daily_km_per_bus": 190}])],
        ignore_index=True,
    )  # fmt: skip
    data = dataclasses.replace(data, bus_routes=routes)
    result = plan(scenario(), data, marginals=False, counterfactual=False)
    decisions = result.decisions
    assert decisions[("stock", ("D1_dd", "diesel", 2026))] == pytest.approx(4.0)
    assert decisions[("buy", ("D1_dd", "diesel", 2026))] == pytest.approx(0.0, abs=1e-6)
    assert decisions[("buy", ("D1_dd", "bev", 2026))] == pytest.approx(6.0)
    fleet = result.fleet.set_index(["technology", "year"])["vehicles"]
    assert fleet[("diesel", 2026)] == 4 and fleet[("bev", 2026)] == 6 and fleet[("bev", 2027)] == 6


def test_a_fleet_pledge_served_by_fuel_cell_buses_is_not_held_to_the_survivors_room() -> None:
    """Pledge by 2026, fuel-cell buses only, one hydrogen site at the depot. 5 of the 10 diesel
    buses (age 16) retire in 2026 anyway, 5 (age 10) would serve to 2033 but leave for the
    pledge: 10 fuel-cell buses from 2026, 10 x 20 kg = 200 kg/day. The station's per-depot row
    once took its bound from the vehicles not surviving by age (5 x 20 = 100 kg/day), which
    held the plan to 5 fuel-cell buses and left the pledge short though the station could
    serve all 10."""
    sites = [
        site("S_D1", 0, "bus_depot", depot_id="D1", can_depot_charging=True, max_chargers=100,
             grid_headroom_kva=10_000),
        site("H1", 0, "petrol_station", can_hydrogen=True, max_h2_kg_day=100_000),
    ]  # fmt: skip
    data = tiny_dataset(
        bus_ages={10: 5.0, 16: 5.0},
        parameters=NO_SWITCH,
        sites=sites,
        operator_commitments=[_fleet_pledge(2026)],
    )
    fuel_cell_buses = scenario(technologies={"bus": ["fcev"], "taxi": ["bev"], "truck": ["fcev"]})
    result = plan(fuel_cell_buses, data, marginals=False, counterfactual=False)
    assert [zev(result, "bus", year) for year in (2025, 2026, 2027)] == [0, 10, 10]
    sold = result.stations.set_index(["site_id", "year"])["demand_kg_day"]
    assert sold[("H1", 2026)] == pytest.approx(200.0)
