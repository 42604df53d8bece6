"""Data preparation: dataset + scenario + road graph -> the fleet model's sets and parameters.

Everything the fleet model needs is computed in plain Python and pandas before Pyomo
is touched, one step per module of this package; :func:`prepare_inputs` runs them in
order. Units: money HK$, energy kWh or kg H2 per day, distances km, emissions t CO2.
"""

from __future__ import annotations

from fleetplan.network.loaders import DEFAULT_DATASET, Dataset, load_dataset
from fleetplan.optimiser.inputs.baseline import no_plan_baseline, reference_fleet_cost
from fleetplan.optimiser.inputs.calendar import modelled_years, plan_calendar
from fleetplan.optimiser.inputs.coefficients import carbon_prices, vehicle_coefficients
from fleetplan.optimiser.inputs.commitments import (
    committed_public_chargers,
    fleet_pledge_caps,
    natural_purchases,
    note_pledged_incumbent_duties,
    operator_commitments,
    order_floors,
    purchase_pledges,
)
from fleetplan.optimiser.inputs.corridors import truck_corridors
from fleetplan.optimiser.inputs.infrastructure import existing_depot_charging, infrastructure_costs
from fleetplan.optimiser.inputs.model_inputs import ModelInputs
from fleetplan.optimiser.inputs.offers import technology_offers
from fleetplan.optimiser.inputs.points import snap_points
from fleetplan.optimiser.inputs.programmes import (
    no_policy_shares,
    programmes,
    purchase_regimes,
    yearly_limits,
)
from fleetplan.optimiser.inputs.reductions import (
    hydrogen_supply_groups,
    idle_hydrogen_sites,
    idle_public_sites,
    use_compact_hydrogen,
)
from fleetplan.optimiser.inputs.scenario_checks import check_scenario_against_dataset
from fleetplan.optimiser.inputs.segments import (
    add_corridor_segments,
    check_scenario_classes,
    depot_and_zone_segments,
    segments_by_location,
)
from fleetplan.optimiser.inputs.sites import (
    candidate_sites,
    depot_sites,
    existing_hydrogen,
    hydrogen_consumers,
    hydrogen_module_limits,
    hydrogen_sites,
    public_sites,
    taxi_zones,
)
from fleetplan.optimiser.inputs.targets import target_table
from fleetplan.optimiser.inputs.technologies import (
    allowed_technologies,
    duty_bins,
    fleet_lifetimes,
    initial_stock,
    most_purchases,
)
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario


def prepare_inputs(scenario: Scenario, dataset: Dataset | None = None) -> ModelInputs:
    """Compute every set and coefficient of the fleet model for ``scenario``."""
    data = dataset or load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    calendar_years, years = modelled_years(scenario, data)
    params = ParameterTable(data.parameters, years, scenario)
    notes: list[str] = []
    calendar = plan_calendar(calendar_years, years, params)
    catalogue = data.catalogue
    check_scenario_classes(scenario, catalogue, data.city.utilities)
    check_scenario_against_dataset(scenario, data)
    graph = data.graph
    points = snap_points(graph, data)
    sites = candidate_sites(data, points)
    h2_sites = hydrogen_sites(sites)

    # Fleet segments: depots and zone fleets, then one per truck corridor.
    segments = depot_and_zone_segments(data, catalogue)
    trucks = truck_corridors(
        data, scenario, params, catalogue, graph, points, sites, h2_sites, notes
    )
    segments = add_corridor_segments(segments, trucks, data, catalogue)

    # What each segment may buy and when, today's stock, and per-vehicle coefficients.
    fleet_life = fleet_lifetimes(data)
    duty = duty_bins(data, segments, params)
    tech = allowed_technologies(
        scenario, catalogue, params, segments, trucks.corridors, years, duty, fleet_life
    )
    initial = initial_stock(data, segments, years, params, fleet_life, catalogue, tech.techs)
    coefs = vehicle_coefficients(params, segments, tech, calendar)

    # Where vehicles refuel: depots, public sites within reach of taxi zones, hydrogen supply.
    depots = depot_sites(sites, segments)
    public = public_sites(sites)
    zones, zone_site_pairs = taxi_zones(data, scenario, params, graph, points, public, notes)
    h2_consumers, h2_supply_pairs, h2_supply_km = hydrogen_consumers(
        params, graph, points, sites, h2_sites, segments, trucks.corridors
    )
    compact_hydrogen = use_compact_hydrogen(h2_supply_pairs, len(years))
    committed_chargers = committed_public_chargers(data, scenario, params, public, years)

    # Operators' own commitments (behaviour): pledges and orders, applied to what they buy.
    commitments = operator_commitments(data, scenario)
    pledges = purchase_pledges(commitments)
    supplied = {u.removeprefix("depot:") for u, _ in h2_supply_pairs if u.startswith("depot:")}
    runs_fcev = {
        s
        for s in segments.index
        if segments.at[s, "refuelling"] != "depot" or segments.at[s, "location"] in supplied
    }
    floors = order_floors(
        [c for c in commitments if c.kind == "order"], segments, years, natural_purchases(segments, tech.techs, years, initial),
        tech.feasible_bins, duty, runs_fcev, notes,
    )  # fmt: skip
    note_pledged_incumbent_duties(
        pledges, segments, years, tech.feasible_bins, duty, runs_fcev, notes
    )
    incumbent_cap, zev_room = fleet_pledge_caps(
        commitments, segments, years, tech.feasible_bins, duty, runs_fcev
    )

    # Operators' lifetime cost gaps, what they buy, and the programmes' purchase regimes.
    offers, gap = technology_offers(
        params, segments, tech, years, duty, calendar.operator_discount_rate, catalogue
    )
    programme_rows, programme_caps = programmes(data, scenario)
    regimes = purchase_regimes(
        scenario,
        segments,
        years,
        offers,
        duty,
        programme_rows,
        coefs.price_hkd,
        pledges,
        floors,
        runs_fcev,
    )
    no_policy = no_policy_shares(regimes)

    targets = target_table(data, scenario, segments, years, notes)
    carbon = carbon_prices(scenario, years)
    infra = infrastructure_costs(params, scenario, calendar)
    segments_at = segments_by_location(segments)
    h2_existing = existing_hydrogen(sites, h2_sites, years)
    depot_chargers_today, depot_kw_today = existing_depot_charging(
        depots, segments_at, initial, coefs.design_kwh_per_day, infra.parameters, years[0]
    )
    emissions = coefs.emissions_t(scenario.abatement_basis)
    baseline = no_plan_baseline(segments, tech.techs, initial, coefs, calendar)
    reference_hkd = reference_fleet_cost(
        segments,
        tech.techs,
        years,
        initial,
        tech.lifetime,
        no_policy,
        coefs.buy_cost_hkd,
        coefs.running_cost_hkd,
        emissions,
        carbon,
        calendar.period_discount,
    )

    return ModelInputs(
        scenario=scenario, years=years, discount=calendar.discount, period_weight=calendar.period_weight, period_discount=calendar.period_discount,
        segments=segments, techs=tech.techs, buy_allowed=tech.buy_allowed, lifetime=tech.lifetime, initial_stock=initial,
        buy_cost_hkd=coefs.buy_cost_hkd, running_cost_hkd=coefs.running_cost_hkd, emissions_t=emissions, emissions_ttw_t=coefs.emissions_ttw_t,
        emissions_wtw_t=coefs.emissions_wtw_t, energy_per_day=coefs.energy_per_day, design_kwh_per_day=coefs.design_kwh_per_day,
        cost_gap_hkd=gap, duty_bins=duty, regimes=regimes, no_policy_share=no_policy, programme_rows=programme_rows,
        programme_caps_hkd=programme_caps, budget_hkd=float(scenario.budget.total_hkd), yearly_limit_hkd=yearly_limits(scenario),
        sites=sites, depot_sites=depots, public_sites=public, h2_sites=h2_sites, zones=zones, zone_site_pairs=zone_site_pairs,
        h2_consumers=h2_consumers, h2_supply_pairs=h2_supply_pairs, h2_supply_km=h2_supply_km, incumbent_cap=incumbent_cap, zev_room=zev_room, flows=trucks.flows, corridors=trucks.corridors, cover_rows=trucks.cover_rows,
        targets=targets, carbon_price_hkd_per_t=carbon, infrastructure=infra.parameters, charger_cost_coef=infra.charger_cost,
        charger_kw=infra.charger_kw, h2_cost_coef=infra.h2_cost, grid_cost_coef=infra.grid_cost,
        baseline_emissions=baseline.emissions, baseline_cost_hkd=baseline.cost_hkd, reference_fleet_cost_hkd=reference_hkd,
        segments_at=segments_at, h2_existing_kg_day=h2_existing,
        graph=graph, snaps=points.snaps, notes=notes, h2_max_modules=hydrogen_module_limits(sites, h2_sites, params),
        committed_public_chargers=committed_chargers.chargers, committed_public_kw=committed_chargers.kw,
        existing_depot_chargers=depot_chargers_today, existing_depot_kw=depot_kw_today,
        idle_public_sites=idle_public_sites(public, zone_site_pairs, sites, depots["site_id"]),
        idle_h2_sites=idle_hydrogen_sites(h2_sites, h2_supply_pairs, h2_existing),
        compact_hydrogen=compact_hydrogen,
        most_purchases=most_purchases(
            segments, tech.techs, tech.lifetime, years, initial, incumbent_cap,
            scenario.allow_early_retirement,
        ),
        h2_supply_groups=hydrogen_supply_groups(h2_supply_pairs) if compact_hydrogen else {},
    )  # fmt: skip
