"""Invariants of the Hong Kong default plan, checked against the solution independently.

One solve of the default (about a minute) is shared by every test. Each
invariant is recomputed from the result tables and the prepared inputs, not
read back from the model's own constraints.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from fleetplan.network.loaders import load_dataset
from fleetplan.optimiser.frlm import is_refuelled, round_trip_paths
from fleetplan.optimiser.inputs import ModelInputs, prepare_inputs
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario

#: Every test here reads one solve of the Hong Kong default (minutes): `pytest -m "not slow"` skips them.
pytestmark = pytest.mark.slow

TOL = 1e-4


@pytest.fixture(scope="module")
def solved() -> tuple[Scenario, ModelInputs, PlanResult]:
    scenario = Scenario(solver={"time_limit_s": 300, "mip_rel_gap": 0.01})
    return scenario, prepare_inputs(scenario), plan(scenario, marginals=False, counterfactual=False)


def test_default_solves_within_one_percent(solved) -> None:
    _, _, result = solved
    assert result.report.status == "optimal"
    assert result.report.gap is not None and result.report.gap <= 0.01


def test_budget_and_programme_caps_never_exceeded(solved) -> None:
    _, inputs, result = solved
    assert result.subsidy["subsidy_hkd"].sum() <= inputs.budget_hkd * (1 + TOL)
    spent = result.subsidy.groupby("programme_id")["subsidy_hkd"].sum()
    for programme, cap in inputs.programme_caps_hkd.items():
        assert spent.get(programme, 0.0) <= cap * (1 + TOL) + 1.0


def test_per_vehicle_payments_respect_the_programme_rules(solved) -> None:
    """Every payment is a level of the programme's cap, inside its window, and paid to every
    purchase of its quota: free riders included, never more than the vehicles paid."""
    _, inputs, result = solved
    table = load_dataset().programmes.set_index(["programme_id", "vehicle_type", "technology"])
    levels = {
        row["programme_id"]: row["levels"]
        for row in inputs.programme_rows.to_dict(orient="records")
    }
    assert not result.subsidy.empty
    for row in result.subsidy.itertuples(index=False):
        rule = table.loc[(row.programme_id, row.vehicle_type, row.technology)]
        assert row.payment_per_vehicle_hkd <= float(rule["per_vehicle_cap_hkd"]) + 1e-6
        assert rule["first_year"] <= row.year <= rule["last_year"]
        assert row.payment_level in levels[row.programme_id]
        assert 0 <= row.free_riders <= row.vehicles
        # the money is the model's, paid on its continuous count (the tables count whole vehicles)
        assert row.subsidy_hkd == pytest.approx(row.vehicles_model * row.payment_per_vehicle_hkd)


def test_every_segment_keeps_its_fleet(solved) -> None:
    _, inputs, result = solved
    expected = inputs.segments["fleet"]
    for column in ("vehicles", "vehicles_model"):  # whole vehicles, and the model's
        totals = result.fleet.groupby(["segment_id", "year"])[column].sum()
        for (segment, _year), vehicles in totals.items():
            assert vehicles == pytest.approx(expected[segment], rel=1e-6, abs=1e-4)


def test_reported_refuelled_flows_are_refuellable(solved) -> None:
    _, inputs, result = solved
    flows = inputs.flows
    paths = round_trip_paths(
        inputs.graph,
        pd.DataFrame(
            {
                "flow_id": flows.index,
                "origin": flows["origin_node"],
                "destination": flows["destination_node"],
            }
        ),
        weight="length_m",
        km_per_unit=0.001,
    )
    params = ParameterTable(load_dataset().parameters, inputs.years)
    # A truck may leave its route for a station within the detour (one way, with the station's
    # access from the graph); the way there and back comes off its range.
    detour_km = params.scalar("truck_h2_detour_km")
    truck_range = params.scalar("range_km", "truck", "fcev") - 2 * detour_km
    access_km = (
        inputs.snaps[inputs.snaps["kind"] == "site"].set_index("id")["access_m"] / 1000.0
    ).to_dict()
    stations = result.stations
    for row in result.truck_coverage[result.truck_coverage["refuelled"]].itertuples(index=False):
        opened = stations[(stations["year"] == row.year) & stations["opened"]]["site_id"]
        nodes = set()
        for s in opened:
            node = inputs.sites.at[s, "node_id"]
            nodes.add(node)
            left_m = (detour_km - access_km[s]) * 1000.0
            if left_m > 0:
                nodes |= set(
                    nx.single_source_dijkstra_path_length(
                        inputs.graph, node, cutoff=left_m, weight="length_m"
                    )
                )
        path = paths[row.flow_id]
        assert is_refuelled(path.nodes, path.cum_km, nodes, truck_range), (row.flow_id, row.year)
    # Fuel-cell trucks run only on refuelled corridors (up to HiGHS's feasibility tolerance: on
    # rows in tonnes per day it lets a few millionths of a truck through, e.g. 4e-6 on TF05 in 2027).
    unrefuelled = result.truck_coverage[~result.truck_coverage["refuelled"]]
    assert (unrefuelled["fcev_trucks"] <= 1e-5).all()


def test_energy_served_within_capacity_everywhere(solved) -> None:
    _, inputs, result = solved
    infra = inputs.infrastructure
    kw_today = inputs.charger_kw[("public", inputs.years[0])]
    # Taxi fast charging: energy assigned to a site never exceeds what its chargers deliver
    # (each vintage at its own kW, today's chargers at today's, committed ones at theirs;
    # taxis get their share of today's and committed chargers).
    served = result.taxi_charging.groupby(["site_id", "year"])["kwh_per_day"].sum()
    public = result.chargers[result.chargers["charger_kind"] == "public"].set_index(
        ["site_id", "year"]
    )["new_kw"]
    for (site, year), kwh in served.items():
        shared_kw = float(
            inputs.sites.at[site, "existing_fast_chargers"]
        ) * kw_today + inputs.committed_public_kw.get((site, year), 0.0)
        kw = float(public.get((site, year), 0.0)) + shared_kw * infra["existing_charger_taxi_share"]
        assert kwh <= kw * infra["public_charger_hours_per_day"] * (1 + TOL) + 1e-3
    # Hydrogen: demand never exceeds capacity and only open stations sell.
    stations = result.stations
    assert (stations["demand_kg_day"] <= stations["capacity_kg_day"] + 1e-3).all()
    assert (stations.loc[~stations["opened"], "demand_kg_day"] <= 1e-3).all()
    # Depots: battery buses' nightly energy on a hot design day fits their depot's chargers.
    fleet = result.fleet[
        (result.fleet["vehicle_class"] == "bus") & (result.fleet["technology"] == "bev")
    ]
    depot = result.chargers[result.chargers["charger_kind"] == "depot"].set_index(
        ["depot_id", "year"]
    )["new_kw"]
    for (location, year), group in fleet.groupby(["location", "year"]):
        need = sum(
            row.vehicles_model * inputs.design_kwh_per_day[(row.segment_id, year)]
            for row in group.itertuples(index=False)
        )
        # new chargers plus those today's battery buses came with
        capacity = (
            float(depot.get((location, year), 0.0)) + inputs.existing_depot_kw.get(location, 0.0)
        ) * infra["depot_charging_window_h"]
        assert need <= capacity * (1 + TOL) + 1e-3


def test_taxi_energy_balance(solved) -> None:
    """Every zone's charging need (e-taxis, e-minibuses) is met at sites within reach, or reported unserved."""
    _, inputs, result = solved
    fleet = result.fleet[
        result.fleet["segment_id"].isin(inputs.zones["segment_id"])
        & (result.fleet["technology"] == "bev")
    ]
    ev = fleet.set_index(["segment_id", "year"])["vehicles_model"]
    served = result.taxi_charging.groupby(["zone_id", "year"])["kwh_per_day"].sum()
    unserved = result.taxi_unserved.set_index(["zone_id", "year"])["unserved_kwh_per_day"]
    reach = set(inputs.zone_site_pairs)
    assert all(
        (z, s) in reach
        for z, s in zip(
            result.taxi_charging["zone_id"], result.taxi_charging["site_id"], strict=True
        )
    )
    for zone, row in inputs.zones.iterrows():
        for year in inputs.years:
            need = (
                float(ev.get((row["segment_id"], year), 0.0))
                * row["taxi_share"]
                * row["fast_charge_kwh_per_taxi_day"]
            )
            got = float(served.get((zone, year), 0.0)) + float(unserved.get((zone, year), 0.0))
            assert got == pytest.approx(need, rel=1e-5, abs=1e-2)


def test_abatement_matches_fleet_emissions(solved) -> None:
    """Tonnes abated = baseline (all incumbents) - plan emissions, year by year."""
    _, inputs, result = solved
    emissions = result.emissions
    basis = inputs.abatement_basis
    assert emissions["abated_t"].sum() == pytest.approx(
        (emissions[f"baseline_{basis}_t"] - emissions[f"{basis}_t"]).sum()
    )
    plan_total = sum(
        row.vehicles_model * inputs.emissions_t[(row.segment_id, row.technology, row.year)]
        for row in result.fleet.itertuples(index=False)
    )
    assert emissions[f"{basis}_t"].sum() == pytest.approx(plan_total, rel=1e-9)
