"""Data preparation: dataset + scenario + road graph -> the model's sets and parameters.

Everything the fleet model needs is computed here, in plain Python and pandas,
before Pyomo is touched: sparse index sets (which segment may buy which
technology in which year, which sites are within reach of which zone or
depot, which stations cover which arcs of a truck round trip) and the
coefficients of every term (discounted cost per vehicle bought, HK$ and
tonnes per vehicle-year). The formulation in :mod:`fleetplan.optimiser.formulation`
only declares variables and constraints over these.

Units: money HK$, energy kWh or kg H2 per day, distances km, emissions t CO2.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.catalogue import Catalogue, VehicleClass
from fleetplan.network.fine_graph import load_fine_graph
from fleetplan.network.graph import reach_pairs, snap_to_nodes
from fleetplan.network.loaders import DEFAULT_DATASET, Dataset, load_dataset
from fleetplan.optimiser.economics import annuity_due_factor, discount_factors
from fleetplan.optimiser.frlm import arc_cover_rows, round_trip_paths
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario, catalogue_problems
from fleetplan.optimiser.uptake import (
    DutyBins,
    TechnologyOffer,
    adoption_shares,
    bus_duty_bins,
    committed_shares,
    spread_duty_bins,
)

ZEV = ("bev", "fcev")
#: Point kind -> (dataset table, id column): where an off-graph point is named.
_POINT_TABLES = {
    "site": ("candidate_sites", "site_id"),
    "depot": ("depots", "depot_id"),
    "taxi_zone": ("taxi_zones", "zone_id"),
    "truck_place": ("truck_places", "place_id"),
}
#: Snapping farther than this means a site is off the modelled road network.
MAX_SNAP_M = 3_000.0
#: Years a grid connection upgrade lasts (cost annuitised over it).
GRID_ASSET_LIFE_YEARS = 40


@dataclass
class ModelInputs:
    """Sets and coefficients of one fleet-model instance (no Pyomo objects).

    Keys are plain tuples; tables are pandas frames indexed by ids.
    """

    scenario: Scenario
    years: list[int]
    #: calendar year -> discount factor (first year = 1)
    discount: dict[int, float]
    #: modelled year -> calendar years it stands for (1 with annual steps)
    period_weight: dict[int, float]
    #: modelled year -> sum of the discount factors of the years it stands for
    period_discount: dict[int, float]
    segments: pd.DataFrame
    techs: dict[str, list[str]]
    buy_allowed: list[tuple[str, str, int]]
    lifetime: dict[tuple[str, str], int]
    initial_stock: dict[tuple[str, str, int], float]
    buy_cost_hkd: dict[tuple[str, str, int], float]
    running_cost_hkd: dict[tuple[str, str, int], float]
    emissions_t: dict[tuple[str, str, int], float]
    emissions_ttw_t: dict[tuple[str, str, int], float]
    emissions_wtw_t: dict[tuple[str, str, int], float]
    energy_per_day: dict[tuple[str, str, int], float]
    #: kWh a battery bus needs on a hot design day (energy / summer range factor): depot
    #: chargers and grid are sized for it, annual energy costs use the average day
    design_kwh_per_day: dict[tuple[str, int], float]
    #: operators' lifetime cost gap at the segment's mean duty (HK$, zero-emission minus incumbent)
    cost_gap_hkd: dict[tuple[str, str, int], float]
    duty_bins: dict[str, DutyBins]
    #: (segment, year) -> the purchase regimes: one per combination of payment levels of the
    #: programmes open to the segment in that year (a single regime where none is)
    regimes: dict[tuple[str, int], list[Regime]]
    #: (segment, zero-emission technology, year) -> share of purchases with no payment on offer
    no_policy_share: dict[tuple[str, str, int], float]
    #: one row per programme x vehicle type x technology (caps, years, payment levels)
    programme_rows: pd.DataFrame
    programme_caps_hkd: dict[str, float]
    budget_hkd: float
    yearly_limit_hkd: dict[int, float]
    sites: pd.DataFrame
    depot_sites: pd.DataFrame
    public_sites: list[str]
    h2_sites: list[str]
    zones: pd.DataFrame
    zone_site_pairs: list[tuple[str, str]]
    h2_consumers: pd.DataFrame
    h2_supply_pairs: list[tuple[str, str]]
    flows: pd.DataFrame
    #: truck corridors (one fleet segment each): a flow, or flows merged by truck_corridor_km_band
    corridors: pd.DataFrame
    #: corridor -> arc-cover rows as sets of hydrogen sites
    cover_rows: dict[str, list[frozenset[str]]]
    targets: pd.DataFrame
    carbon_price_hkd_per_t: dict[int, float]
    infrastructure: dict[str, float]
    charger_cost_coef: dict[tuple[str, int], float]
    #: ("depot" | "public", year installed) -> kW of one charger of that vintage
    charger_kw: dict[tuple[str, int], float]
    h2_cost_coef: dict[tuple[str, int], float]
    grid_cost_coef: dict[int, float]
    baseline_emissions: pd.DataFrame
    baseline_cost_hkd: float
    #: discounted vehicle, energy and carbon cost of the fleet operators would run with no
    #: payment and nothing blocked (HK$): the part of the least-cost objective no decision
    #: changes, taken out before HiGHS measures its gap
    reference_fleet_cost_hkd: float
    segments_at: dict[tuple[str, str], list[str]]
    h2_existing_kg_day: dict[tuple[str, int], float]
    graph: nx.Graph
    snaps: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def programme_levels(self) -> dict[str, tuple[float, ...]]:
        """programme -> the payment levels it may offer (shares of its per-vehicle cap, ascending)."""
        return dict(zip(self.programme_rows["programme_id"], self.programme_rows["levels"], strict=True))

    @property
    def abatement_basis(self) -> str:
        return self.scenario.abatement_basis


def _annuity_window(years: list[int], discount: dict[int, float], start: int, life: int) -> float:
    """Sum of discount factors over the years an asset bought in ``start`` serves within the horizon."""
    return sum(discount[t] for t in years if start <= t < start + life)


def _fleet_segments(data: Dataset, catalogue: Catalogue) -> pd.DataFrame:
    """One row per depot segment (depot × type × duty band) and zone fleet; corridors are added later.

    Columns: ``vehicle_class``, ``vehicle_type``, ``refuelling`` (the catalogue's pattern),
    ``location`` (depot, fleet or corridor id), ``utility``, ``fleet`` (vehicles),
    ``daily_km``, ``zev_today``, ``label``, ``incumbent``.
    """
    depots = data.depots.set_index("depot_id")
    buses = data.bus_segments.assign(
        vehicle_class=lambda f: [catalogue.of_type(t).name for t in f["vehicle_type"]],
        location=lambda f: f["depot_id"],
        utility=lambda f: f["depot_id"].map(depots["utility"]),
        fleet=lambda f: f["buses"].astype(float),
        zev_today=lambda f: f["zev_today"].fillna(0).astype(float),
        label=lambda f: f["depot_id"].map(depots["name"]) + " " + f["vehicle_type"] + " " + f["duty_band"],
    )[["segment_id", "vehicle_class", "vehicle_type", "location", "utility", "fleet", "daily_km", "zev_today", "label"]]
    fleets = data.taxi_classes
    zone_fleets = pd.DataFrame(
        {
            "segment_id": zone_segment_ids(fleets),
            "vehicle_class": fleets["vehicle_class"],
            "vehicle_type": fleets["vehicle_type"],
            "location": fleets["taxi_class"],
            "utility": "clp",
            "fleet": fleets["taxis"].astype(float),
            "daily_km": fleets["daily_km"],
            "zev_today": fleets["zev_today"].astype(float),
            "label": fleets["taxi_class"] + " " + fleets["vehicle_class"].map(_plural),
        }
    )
    segments = pd.concat([buses, zone_fleets], ignore_index=True)
    segments = segments[segments["fleet"] > 0].copy()
    segments["refuelling"] = [catalogue[c].refuelling for c in segments["vehicle_class"]]
    segments["incumbent"] = [catalogue[c].incumbent for c in segments["vehicle_class"]]
    return segments.set_index("segment_id")


def zone_segment_ids(fleets: pd.DataFrame) -> pd.Series:
    """Segment id of each zone-charged fleet: ``<class>_<fleet>`` (``taxi_urban``, ``minibus_green``)."""
    return fleets["vehicle_class"] + "_" + fleets["taxi_class"]


def _corridor_class(catalogue: Catalogue, flows: pd.DataFrame) -> VehicleClass | None:
    """The class that runs ``truck_flows.csv`` (the catalogue's one corridor class)."""
    corridor = catalogue.with_pattern("corridor")
    if len(corridor) > 1:
        raise InputError(
            f"{len(corridor)} classes refuel on corridors ({', '.join(c.name for c in corridor)}); "
            "expected one: truck_flows.csv does not say which class runs a flow",
            file="vehicle_classes.csv",
            field="refuelling",
        )
    if not corridor and (flows["trucks"].astype(float) > 0).any():
        raise InputError("truck_flows.csv has vehicles but no class of vehicle_classes.csv refuels on corridors; expected one", file="vehicle_classes.csv", field="refuelling")
    return corridor[0] if corridor else None


def check_scenario_classes(scenario: Scenario, catalogue: Catalogue) -> None:
    """Refuse a scenario naming a class or vehicle type the dataset's catalogue does not have."""
    problems = catalogue_problems(scenario, catalogue)
    if problems:
        location, message = problems[0]
        raise InputError(message, file="scenario", field=".".join(str(part) for part in location))


def _plural(name: str) -> str:
    return name + ("es" if name.endswith(("s", "x", "sh", "ch")) else "s")


def _technologies(scenario: Scenario, catalogue: Catalogue, vehicle_class: str) -> list[str]:
    """Zero-emission technologies a class may adopt: the scenario's choice, else the catalogue's."""
    if vehicle_class in scenario.technologies:
        return list(scenario.technologies[vehicle_class])
    return list(catalogue[vehicle_class].technologies)


def _initial_stock(
    data: Dataset, segments: pd.DataFrame, years: list[int], params: ParameterTable, fleet_life: dict[str, int], catalogue: Catalogue
) -> dict[tuple[str, str, int], float]:
    """Surviving vehicles of today's fleet in each year.

    Segments with an age profile (buses) follow it and leave in the year they reach
    their class's retirement age (18 for franchised buses); the others, without an
    age table, are spread evenly over ages 0 … life − 1, so a 1/life share is
    replaced every year from the base year on. Today's zero-emission vehicles are
    taken as new (age 0).
    """
    base = years[0]
    stock: dict[tuple[str, str, int], float] = {}
    profile = data.bus_age_profile.groupby("segment_id")
    for segment_id, row in segments.iterrows():
        incumbent = row["incumbent"]
        vtype = row["vehicle_type"]
        life_inc = round(params.scalar("lifetime_years", vtype, incumbent))
        zev = float(row["zev_today"])
        if row["refuelling"] == "depot" and segment_id in profile.groups:
            ages = profile.get_group(segment_id)
            total = float(ages["buses"].sum())
            scale = (row["fleet"] - zev) / total if total > 0 else 0.0
            age_counts = {int(a): float(b) * scale for a, b in zip(ages["age_years"], ages["buses"], strict=True)}
            life_inc = catalogue[row["vehicle_class"]].retirement_age_years or life_inc
        else:
            if row["refuelling"] == "zone":
                life_inc = fleet_life.get(row["location"], life_inc)
            per_age = (row["fleet"] - zev) / life_inc
            age_counts = dict.fromkeys(range(life_inc), per_age)
        zev_tech = "bev"
        life_zev = round(params.scalar("lifetime_years", vtype, zev_tech)) if zev > 0 else 0
        for t in years:
            elapsed = t - base
            # Ages are completed years at the start of the base year: a vehicle whose age
            # reaches the retirement age during year t is replaced in t.
            stock[(segment_id, incumbent, t)] = sum(n for age, n in age_counts.items() if age + elapsed + 1 < life_inc)
            if zev > 0:
                stock[(segment_id, zev_tech, t)] = zev if elapsed < life_zev else 0.0
    return stock


def prepare_inputs(scenario: Scenario, dataset: Dataset | None = None) -> ModelInputs:
    """Compute every set and coefficient of the fleet model for ``scenario``."""
    data = dataset or load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    calendar_years = list(range(scenario.years.start, scenario.years.end + 1))
    # Modelled years: the scenario's steps plus every target year inside the horizon.
    target_years = {int(y) for y in data.targets["year"]} | {t.year for t in scenario.extra_targets.values()}
    years = sorted(set(scenario.year_list) | {y for y in target_years if calendar_years[0] <= y <= calendar_years[-1]})
    params = ParameterTable(data.parameters, years, scenario)
    notes: list[str] = []
    rate = params.scalar("discount_rate")
    operator_rate = params.scalar("operator_discount_rate")
    discount = discount_factors(calendar_years, rate)
    # Each modelled year stands for the calendar years up to the next one.
    period_years = {t: [y for y in calendar_years if t <= y < nxt] for t, nxt in zip(years, [*years[1:], calendar_years[-1] + 1], strict=True)}
    period_weight = {t: float(len(ys)) for t, ys in period_years.items()}
    period_discount = {t: sum(discount[y] for y in ys) for t, ys in period_years.items()}

    catalogue = data.catalogue
    check_scenario_classes(scenario, catalogue)
    graph = data.graph
    sites = data.candidate_sites.set_index("site_id", drop=False)
    snaps = pd.concat(
        [
            snap_to_nodes(graph, data.candidate_sites, id_column="site_id").rename(columns={"site_id": "id"}).assign(kind="site"),
            snap_to_nodes(graph, data.depots, id_column="depot_id").rename(columns={"depot_id": "id"}).assign(kind="depot"),
            snap_to_nodes(graph, data.taxi_zones, id_column="zone_id").rename(columns={"zone_id": "id"}).assign(kind="taxi_zone"),
            snap_to_nodes(graph, data.truck_places, id_column="place_id").rename(columns={"place_id": "id"}).assign(kind="truck_place"),
        ],
        ignore_index=True,
    )
    far = snaps[snaps["snap_m"] > MAX_SNAP_M]
    if not far.empty:
        row = far.iloc[0]
        table, id_column = _POINT_TABLES[row["kind"]]
        ids = list(data.table(table)[id_column])
        raise InputError(
            f"{row['kind']} '{row['id']}' is {row['snap_m']:.0f} m from the nearest road-graph node; "
            f"expected within {MAX_SNAP_M:.0f} m (check its coordinates)",
            file=f"{table}.csv",
            row=ids.index(row["id"]) + 1 if row["id"] in ids else None,
            field="lon",
        )
    node_of = dict(zip(snaps["kind"] + ":" + snaps["id"], snaps["node_id"], strict=True))
    # Road km from each point to its node, added to every reach and path length.
    access_km = dict(zip(snaps["kind"] + ":" + snaps["id"], snaps["access_m"] / 1000.0, strict=True))
    sites["node_id"] = [node_of[f"site:{s}"] for s in sites.index]

    segments = _fleet_segments(data, catalogue)

    # Truck corridors: round-trip path over the road graph fixes daily km and station cover.
    flows = data.truck_flows.set_index("flow_id", drop=False)
    flows["origin_node"] = [node_of[f"truck_place:{p}"] for p in flows["origin"]]
    flows["destination_node"] = [node_of[f"truck_place:{p}"] for p in flows["destination"]]
    path_input = pd.DataFrame(
        {"flow_id": flows.index, "origin": flows["origin_node"], "destination": flows["destination_node"], "flow": flows["daily_round_trips"]}
    )
    same_node = path_input["origin"] == path_input["destination"]
    if same_node.any():
        notes.append(ModelText("truck_same_node", flows=", ".join(path_input.loc[same_node, "flow_id"])))
        flows = flows[~same_node.to_numpy()]
        path_input = path_input[~same_node]
    paths = round_trip_paths(graph, path_input, weight="length_m", km_per_unit=0.001)
    flows["one_way_km"] = [
        paths[q].length_km + access_km[f"truck_place:{flows.at[q, 'origin']}"] + access_km[f"truck_place:{flows.at[q, 'destination']}"]
        for q in flows.index
    ]
    h2_site_ids = sites.index[sites["can_hydrogen"]].tolist()
    h2_nodes = sorted({sites.at[s, "node_id"] for s in h2_site_ids})
    sites_at_node: dict[str, list[str]] = {}
    for s in h2_site_ids:
        sites_at_node.setdefault(sites.at[s, "node_id"], []).append(s)
    corridor_class = _corridor_class(catalogue, flows)
    truck_range = params.scalar("range_km", corridor_class.vehicle_types[0], "fcev") if corridor_class else 0.0
    cover_rows: dict[str, list[frozenset[str]]] = {}
    for q in flows.index:
        rows = arc_cover_rows(paths[q], truck_range, h2_nodes)
        if not rows:  # some arc is longer than the range or no candidate can cover it
            continue
        cover_rows[q] = [frozenset(s for n in row for s in sites_at_node[n]) for row in rows]
    flows["coverable"] = [q in cover_rows for q in flows.index]
    flows["path_h2_sites"] = [
        sorted({s for n in paths[q].nodes for s in sites_at_node.get(n, [])}) for q in flows.index
    ]
    trucks_of = flows["trucks"].astype(float)
    flows["daily_km_per_truck"] = 2.0 * flows["one_way_km"] * flows["daily_round_trips"] / np.maximum(trucks_of, 1e-9)
    corridors, cover_rows = _truck_corridors(flows, cover_rows, scenario.truck_corridor_km_band)
    flows["corridor"] = corridors["members"].explode().reset_index().set_index("members")["corridor"].reindex(flows.index)
    if len(corridors) < len(flows):
        notes.append(ModelText("corridors_merged", flows=len(flows), segments=len(corridors)))
    corridor_name = corridor_class.name if corridor_class else "truck"
    corridors["segment_id"] = corridor_name + "_" + corridors.index.astype(str)
    trucks = pd.DataFrame(
        {
            "segment_id": corridors["segment_id"].to_numpy(),
            "vehicle_class": corridor_name,
            "vehicle_type": corridor_class.vehicle_types[0] if corridor_class else "truck",
            "refuelling": "corridor",
            "location": corridors.index,
            "utility": "clp",
            "fleet": corridors["fleet"].to_numpy(),
            "daily_km": corridors["daily_km"].to_numpy(),
            "zev_today": 0.0,
            "label": corridors["label"].to_numpy(),
            "incumbent": corridor_class.incumbent if corridor_class else "diesel",
        }
    ).set_index("segment_id")
    segments = pd.concat([segments, trucks[trucks["fleet"] > 0]])
    if segments.empty:
        raise InputError(
            "the dataset has no vehicles to plan for: every bus segment, taxi class and truck flow has 0 vehicles",
            field="buses / taxis / trucks",
        )

    segments["daily_km"] = segments["daily_km"].astype(float)
    segments["annual_km"] = segments["daily_km"] * [catalogue[c].operating_days for c in segments["vehicle_class"]]
    fleet_life = dict(zip(data.taxi_classes["taxi_class"], data.taxi_classes["lifetime_years"].astype(int), strict=True))

    # Operators' duties: daily km bins per segment (bus routes; a relative spread for taxis and trucks).
    depot_operator = dict(zip(data.depots["depot_id"], data.depots["operator"], strict=True))
    segments["operator"] = [
        depot_operator.get(loc, "") if pattern == "depot" else "" for pattern, loc in zip(segments["refuelling"], segments["location"], strict=True)
    ]
    duty = _duty_bins(data, segments, params)

    # Technologies each segment may adopt, and in which years (range limits battery duties).
    techs: dict[str, list[str]] = {}
    buy_allowed: list[tuple[str, str, int]] = []
    lifetime: dict[tuple[str, str], int] = {}
    feasible_bins: dict[tuple[str, str, int], np.ndarray] = {}
    opportunity_needed: dict[str, bool] = {}
    for segment_id, row in segments.iterrows():
        vclass, vtype, pattern = row["vehicle_class"], row["vehicle_type"], row["refuelling"]
        allowed = _technologies(scenario, catalogue, vclass)
        options = [row["incumbent"], *allowed]
        if row["zev_today"] > 0 and "bev" not in options:
            options.append("bev")
        techs[segment_id] = options
        km_bins = duty[segment_id].km_per_day
        for k in options:
            life = round(params.scalar("lifetime_years", vtype, k))
            if pattern == "zone" and k == row["incumbent"]:
                life = fleet_life.get(row["location"], life)
            lifetime[(vtype, k)] = life
            for t in years:
                if k in ZEV and k not in allowed:
                    continue
                if k in ZEV:
                    if pattern == "corridor" and k == "fcev":
                        if not corridors.at[row["location"], "coverable"]:
                            continue
                        feasible = np.ones(len(km_bins), dtype=bool)
                    else:
                        usable = _usable_km_per_day(params, catalogue[vclass].charges_per_day, vtype, k, t)
                        feasible = km_bins <= usable + 1e-9
                        if pattern == "depot" and k == "bev" and scenario.bus_opportunity_charging and not feasible.all():
                            extra = params.at("opportunity_charging_km", t, vtype, k) if params.has("opportunity_charging_km", vtype, k) else 0.0
                            feasible = km_bins <= usable + extra + 1e-9
                            opportunity_needed[segment_id] = True
                        if not feasible.any():
                            continue
                    feasible_bins[(segment_id, k, t)] = feasible
                buy_allowed.append((segment_id, k, t))
    initial = _initial_stock(data, segments, years, params, fleet_life, catalogue)
    for segment_id in segments.index:
        for k in techs[segment_id]:
            for t in years:
                initial.setdefault((segment_id, k, t), 0.0)

    # Per-vehicle coefficients. The system counts hydrogen at the station gate (pump price less
    # the station margin) because it counts the stations themselves; operators pay the pump price.
    h2_pathways = params.technologies_of("h2_supply_share")
    buy_cost: dict[tuple[str, str, int], float] = {}
    running: dict[tuple[str, str, int], float] = {}
    ttw: dict[tuple[str, str, int], float] = {}
    wtw: dict[tuple[str, str, int], float] = {}
    energy: dict[tuple[str, str, int], float] = {}
    price_of: dict[tuple[str, str, int], float] = {}
    for segment_id, row in segments.iterrows():
        vtype, utility, km_year = row["vehicle_type"], row["utility"], float(row["annual_km"])
        for k in techs[segment_id]:
            life = lifetime[(vtype, k)]
            for i, t in enumerate(years):
                per_km = params.series("energy_per_km", vtype, k)[i]
                fuel_price, kg_co2, wtt = _fuel(params, k, vtype, utility, i, h2_pathways)
                if k == "fcev":
                    fuel_price = max(fuel_price - _station_margin(params, t), 0.0)
                # plain floats: numpy scalars make every coefficient x variable product slow in Pyomo
                running[(segment_id, k, t)] = float(
                    km_year * (per_km * fuel_price + params.series("maintenance_hkd_per_km", vtype, k)[i])
                    + _depot_demand_charge_per_bus_year(params, t, row["refuelling"], k)
                )
                ttw[(segment_id, k, t)] = float(km_year * per_km * kg_co2 / 1000.0) if k in ("diesel", "lpg") else 0.0
                wtw[(segment_id, k, t)] = float(km_year * per_km * (kg_co2 * (1.0 + wtt)) / 1000.0)
                energy[(segment_id, k, t)] = float(row["daily_km"] * per_km)
                price = float(params.series("vehicle_price_hkd", vtype, k)[i])
                price_of[(segment_id, k, t)] = price
                capital = price + _battery_replacement_pv(params, vtype, k, t, life, rate)
                if opportunity_needed.get(segment_id) and k == "bev":
                    capital += params.at("opportunity_charging_hkd_per_bus", t, vtype, k) if params.has("opportunity_charging_hkd_per_bus", vtype, k) else 0.0
                buy_cost[(segment_id, k, t)] = float(capital * annuity_due_factor(rate, life) * _annuity_window(calendar_years, discount, t, life))

    design_kwh: dict[tuple[str, int], float] = {}
    for segment_id, row in segments[segments["refuelling"] == "depot"].iterrows():
        if "bev" not in techs[segment_id]:
            continue
        vtype = row["vehicle_type"]
        for t in years:
            factor = params.at("summer_range_factor", t, vtype, "bev") if params.has("summer_range_factor", vtype, "bev") else 1.0
            design_kwh[(segment_id, t)] = energy[(segment_id, "bev", t)] / max(factor, 1e-6)

    # Operators' lifetime cost gap (zero-emission minus incumbent) per duty bin, and what they buy.
    offers, gap = _technology_offers(params, segments, techs, lifetime, years, duty, feasible_bins, operator_rate, opportunity_needed, catalogue)
    programme_rows, programme_caps = _programmes(data, scenario)
    regimes = _regimes(scenario, segments, years, offers, duty, programme_rows, price_of)
    no_policy_share = {
        (s, k, t): share
        for (s, t), options in regimes.items()
        for k, share in options[0].no_policy_share.items()
    }
    yearly = {t: float(v) for t, v in (scenario.budget.yearly_limit_hkd or {}).items()}

    # Depot charging sites: every depot with buses must have its site row.
    depot_sites = sites[sites["kind"] == "bus_depot"].dropna(subset=["depot_id"])
    depot_sites = depot_sites[depot_sites["can_depot_charging"]]
    bus_depots = set(segments.loc[segments["refuelling"] == "depot", "location"])
    missing = sorted(bus_depots - set(depot_sites["depot_id"]))
    if missing:
        raise InputError(
            f"depot '{missing[0]}' has buses but no bus_depot row with can_depot_charging in candidate_sites.csv",
            file="candidate_sites.csv",
            field="depot_id",
        )
    depot_sites = depot_sites.drop_duplicates("depot_id").set_index("depot_id", drop=False)
    public_sites = sites.index[sites["can_public_charging"]].tolist()

    # Taxi zones and the public sites within reach over the road graph.
    zones = data.taxi_zones.set_index("zone_id", drop=False)
    zones["node_id"] = [node_of[f"taxi_zone:{z}"] for z in zones.index]
    zones["segment_id"] = zones["taxi_class"].map(dict(zip(data.taxi_classes["taxi_class"], zone_segment_ids(data.taxi_classes), strict=True)))
    taxi_reach_km = params.scalar("taxi_charging_reach_km")
    # A taxi's few-km detour needs the fine graph; use it when the dataset has one.
    taxi_graph = (load_fine_graph(data.path) if scenario.graph != "fine" else None) or graph
    zone_snap = snap_to_nodes(taxi_graph, data.taxi_zones, id_column="zone_id").set_index("zone_id")
    site_snap = snap_to_nodes(taxi_graph, data.candidate_sites, id_column="site_id").set_index("site_id").loc[public_sites]
    pairs = reach_pairs(
        taxi_graph,
        zone_snap["node_id"].to_dict(),
        site_snap["node_id"].to_dict(),
        taxi_reach_km,
        source_access_km=(zone_snap["access_m"] / 1000.0).to_dict(),
        target_access_km=(site_snap["access_m"] / 1000.0).to_dict(),
    )
    zone_site_pairs = list(zip(pairs["source"], pairs["target"], strict=True))
    unreachable = sorted(set(zones.index) - set(pairs["source"]))
    if unreachable:
        notes.append(ModelText("zones_unreachable", km=f"{taxi_reach_km:g}", zones=", ".join(unreachable)))

    # Hydrogen consumers: each depot's fuel-cell buses and each truck corridor.
    bus_reach_km = params.scalar("bus_h2_reach_km")
    depot_nodes = {d: node_of[f"depot:{d}"] for d in sorted(bus_depots)}
    h2_pairs_depots = reach_pairs(
        graph,
        depot_nodes,
        dict(zip(h2_site_ids, sites.loc[h2_site_ids, "node_id"], strict=True)),
        bus_reach_km,
        source_access_km={d: access_km[f"depot:{d}"] for d in depot_nodes},
        target_access_km={s: access_km[f"site:{s}"] for s in h2_site_ids},
    )
    consumers = [{"consumer": f"depot:{d}", "kind": "depot", "ref": d} for d in sorted(bus_depots)]
    consumers += [{"consumer": f"flow:{c}", "kind": "flow", "ref": c} for c in corridors.index if corridors.at[c, "coverable"]]
    h2_consumers = pd.DataFrame(consumers, columns=["consumer", "kind", "ref"]).set_index("consumer", drop=False)
    h2_supply_pairs = [(f"depot:{d}", s) for d, s in zip(h2_pairs_depots["source"], h2_pairs_depots["target"], strict=True)]
    h2_supply_pairs += [(f"flow:{c}", s) for c in corridors.index if corridors.at[c, "coverable"] for s in corridors.at[c, "supply_sites"]]

    targets = _targets(data, scenario, segments, years)
    if targets.attrs.get("outside_horizon"):
        notes.append(ModelText("targets_outside", targets=", ".join(targets.attrs["outside_horizon"])))
    carbon = dict(zip(years, np.interp(years, sorted(scenario.carbon_price_hkd_per_t), [scenario.carbon_price_hkd_per_t[y] for y in sorted(scenario.carbon_price_hkd_per_t)]), strict=True))

    infrastructure = {
        name: params.scalar(name)
        for name in (
            "depot_charger_kw",
            "depot_charger_capex_hkd",
            "depot_buses_per_charger",
            "depot_charging_window_h",
            "public_charger_kw",
            "public_charger_capex_hkd",
            "public_charger_hours_per_day",
            "charger_lifetime_years",
            "charger_kva_per_kw",
            "grid_upgrade_hkd_per_kva",
            "grid_upgrade_lead_years",
            "h2_station_fixed_capex_hkd",
            "h2_module_kg_day",
            "h2_module_capex_hkd",
            "h2_station_max_modules",
            "h2_station_opex_share",
            "h2_station_lifetime_years",
        )
    }
    infrastructure["existing_charger_taxi_share"] = scenario.existing_charger_taxi_share
    charger_life = round(infrastructure["charger_lifetime_years"])
    station_life = round(infrastructure["h2_station_lifetime_years"])
    charger_cost: dict[tuple[str, int], float] = {}
    h2_cost: dict[tuple[str, int], float] = {}
    grid_cost: dict[int, float] = {}
    # Chargers and stations are never removed in the model, so they are charged their
    # annuity for every year from installation to the end of the horizon (replacement at
    # the end of their life included); capex follows its year path.
    charger_kw: dict[tuple[str, int], float] = {}
    for t in years:
        # Calendar years left to the end of the horizon (not modelled years: with
        # multi-year steps those would under-count the years an asset serves).
        window = _annuity_window(calendar_years, discount, t, calendar_years[-1] - t + 1)
        # Chargers keep the power of the year they were installed (their vintage).
        charger_kw[("depot", t)] = params.at("depot_charger_kw", t)
        charger_kw[("public", t)] = params.at("public_charger_kw", t)
        charger_cost[("depot", t)] = params.at("depot_charger_capex_hkd", t) * annuity_due_factor(rate, charger_life) * window
        charger_cost[("public", t)] = params.at("public_charger_capex_hkd", t) * annuity_due_factor(rate, charger_life) * window
        station_factor = annuity_due_factor(rate, station_life) * window
        h2_cost[("station", t)] = params.at("h2_station_fixed_capex_hkd", t) * station_factor
        h2_cost[("module", t)] = params.at("h2_module_capex_hkd", t) * station_factor
        h2_cost[("station_opex", t)] = infrastructure["h2_station_opex_share"] * params.at("h2_station_fixed_capex_hkd", t) * period_discount[t]
        h2_cost[("module_opex", t)] = infrastructure["h2_station_opex_share"] * params.at("h2_module_capex_hkd", t) * period_discount[t]
        grid_cost[t] = (
            params.at("grid_upgrade_hkd_per_kva", t)
            * annuity_due_factor(rate, GRID_ASSET_LIFE_YEARS)
            * _annuity_window(calendar_years, discount, t, GRID_ASSET_LIFE_YEARS)
        )

    emissions = wtw if scenario.abatement_basis == "wtw" else ttw
    baseline_rows = []
    baseline_cost = 0.0
    # The baseline keeps today's zero-emission vehicles until they retire and replaces
    # everything else with the incumbent: abatement counts only what the plan adds.
    for segment_id, row in segments.iterrows():
        inc = row["incumbent"]
        for t in years:
            existing = {k: initial[(segment_id, k, t)] for k in techs[segment_id] if k != inc}
            rest = row["fleet"] - sum(existing.values())
            baseline_rows.append(
                {
                    "segment_id": segment_id,
                    "vehicle_class": row["vehicle_class"],
                    "year": t,
                    "years_represented": period_weight[t],
                    "ttw_t": rest * ttw[(segment_id, inc, t)] + sum(n * ttw[(segment_id, k, t)] for k, n in existing.items()),
                    "wtw_t": rest * wtw[(segment_id, inc, t)] + sum(n * wtw[(segment_id, k, t)] for k, n in existing.items()),
                }
            )
            baseline_cost += rest * running[(segment_id, inc, t)] * period_discount[t] + sum(
                n * running[(segment_id, k, t)] * period_discount[t] for k, n in existing.items()
            )
    baseline = pd.DataFrame(baseline_rows)
    reference_hkd = _reference_fleet_cost(segments, techs, years, initial, lifetime, no_policy_share, buy_cost, running, emissions, carbon, period_discount)

    return ModelInputs(
        scenario=scenario,
        years=years,
        discount=discount,
        period_weight=period_weight,
        period_discount=period_discount,
        segments=segments,
        techs=techs,
        buy_allowed=buy_allowed,
        lifetime=lifetime,
        initial_stock=initial,
        buy_cost_hkd=buy_cost,
        running_cost_hkd=running,
        emissions_t=emissions,
        emissions_ttw_t=ttw,
        emissions_wtw_t=wtw,
        energy_per_day=energy,
        design_kwh_per_day=design_kwh,
        cost_gap_hkd=gap,
        duty_bins=duty,
        regimes=regimes,
        no_policy_share=no_policy_share,
        programme_rows=programme_rows,
        programme_caps_hkd=programme_caps,
        budget_hkd=float(scenario.budget.total_hkd),
        yearly_limit_hkd=yearly,
        sites=sites,
        depot_sites=depot_sites,
        public_sites=public_sites,
        h2_sites=h2_site_ids,
        zones=zones,
        zone_site_pairs=zone_site_pairs,
        h2_consumers=h2_consumers,
        h2_supply_pairs=h2_supply_pairs,
        flows=flows,
        corridors=corridors,
        cover_rows=cover_rows,
        targets=targets,
        carbon_price_hkd_per_t=carbon,
        infrastructure=infrastructure,
        charger_cost_coef=charger_cost,
        charger_kw=charger_kw,
        h2_cost_coef=h2_cost,
        grid_cost_coef=grid_cost,
        baseline_emissions=baseline,
        baseline_cost_hkd=baseline_cost,
        reference_fleet_cost_hkd=reference_hkd,
        segments_at={key: list(ids) for key, ids in segments.groupby(["refuelling", "location"]).groups.items()},
        h2_existing_kg_day=_h2_existing(sites, h2_site_ids, years),
        graph=graph,
        snaps=snaps,
        notes=notes,
    )


def _reference_fleet_cost(
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    years: list[int],
    initial: dict[tuple[str, str, int], float],
    lifetime: dict[tuple[str, str], int],
    share: dict[tuple[str, str, int], float],
    buy_cost: dict[tuple[str, str, int], float],
    running: dict[tuple[str, str, int], float],
    emissions: dict[tuple[str, str, int], float],
    carbon: dict[int, float],
    period_discount: dict[int, float],
) -> float:
    """Vehicle, energy and carbon cost (HK$, discounted) of the no-payment fleet.

    Each year every segment replaces what retires (today's vehicles by their ages,
    purchases at the end of their lives) and splits its purchases by the operators'
    no-payment shares. A plan differs from this only through decisions (payments,
    blocked uptake, early retirement), so it is the constant of the objective.
    """
    total = 0.0
    for segment_id, row in segments.iterrows():
        vtype, inc, fleet = row["vehicle_type"], row["incumbent"], float(row["fleet"])
        bought: dict[tuple[str, int], float] = {}
        for t in years:
            alive = {
                k: initial[(segment_id, k, t)]
                + sum(n for (kk, tau), n in bought.items() if kk == k and t - lifetime[(vtype, k)] < tau < t)
                for k in techs[segment_id]
            }
            purchases = max(fleet - sum(alive.values()), 0.0)
            zev = {k: share.get((segment_id, k, t), 0.0) * purchases for k in techs[segment_id] if k != inc}
            split = {inc: purchases - sum(zev.values()), **zev}
            for k, n in split.items():
                if n <= 0:
                    continue
                bought[(k, t)] = n
                total += n * buy_cost.get((segment_id, k, t), 0.0)
                alive[k] += n
            for k, n in alive.items():
                total += n * (running[(segment_id, k, t)] + carbon[t] * emissions[(segment_id, k, t)]) * period_discount[t]
    return total


def _depot_charging_per_bus_hkd(params: ParameterTable, year: int) -> float:
    """One battery bus's share of a depot charger and of the grid connection it draws (HK$)."""
    per_charger = params.at("depot_buses_per_charger", year)
    kva = params.at("depot_charger_kw", year) * params.at("charger_kva_per_kw", year)
    return (params.at("depot_charger_capex_hkd", year) + kva * params.at("grid_upgrade_hkd_per_kva", year)) / per_charger


def _truck_corridors(
    flows: pd.DataFrame, rows_by_flow: dict[str, list[frozenset[str]]], band: float
) -> tuple[pd.DataFrame, dict[str, list[frozenset[str]]]]:
    """Truck corridors, each one fleet segment: every flow alone (band 0), or flows merged.

    Flows merge when their arc-cover rows are identical (so the same stations refuel
    them all) and their km per truck per day fall in one band of relative width
    ``band``. A corridor's fleet is the sum of its flows' trucks and its km per truck
    the truck-weighted mean, so fuel, cost and emissions totals stay exact. Its
    hydrogen may be bought at the stations of a lone flow's path, or, for a merged
    corridor, at the stations in its rows (on every member's path).
    """
    keys: dict[str, tuple] = {}
    for q in flows.index:
        km = float(flows.at[q, "daily_km_per_truck"])
        rows = tuple(sorted(tuple(sorted(r)) for r in rows_by_flow.get(q, [])))
        if band > 0:
            bucket = math.floor(math.log(max(km, 1e-6)) / math.log1p(band))
            keys[q] = (rows, bucket)
        else:
            keys[q] = ("flow", q)
    groups: dict[tuple, list[str]] = {}
    for q in flows.index:
        groups.setdefault(keys[q], []).append(q)
    records = []
    corridor_rows: dict[str, list[frozenset[str]]] = {}
    for n, members in enumerate(sorted(groups.values(), key=lambda m: m[0])):
        corridor = members[0] if len(members) == 1 else f"corridor_{n:05d}"
        trucks = flows.loc[members, "trucks"].astype(float)
        fleet = float(trucks.sum())
        km = float((trucks * flows.loc[members, "daily_km_per_truck"]).sum() / fleet) if fleet > 0 else 0.0
        rows = rows_by_flow.get(members[0], [])
        if rows:
            corridor_rows[corridor] = rows
        supply = flows.at[members[0], "path_h2_sites"] if len(members) == 1 else sorted(set().union(*rows)) if rows else []
        records.append(
            {
                "corridor": corridor,
                "members": members,
                "fleet": fleet,
                "daily_km": km,
                "coverable": bool(rows),
                "supply_sites": supply,
                "label": members[0] if len(members) == 1 else f"{members[0]} and {len(members) - 1} similar corridors",
            }
        )
    columns = ["corridor", "members", "fleet", "daily_km", "coverable", "supply_sites", "label"]
    # A city without truck flows has no corridors: an empty table keeps the columns the model reads.
    return pd.DataFrame(records, columns=columns if not records else None).set_index("corridor", drop=False), corridor_rows


def _h2_existing(sites: pd.DataFrame, h2_sites: list[str], years: list[int]) -> dict[tuple[str, int], float]:
    """Hydrogen capacity in service or committed at each site and year (kg/day)."""
    capacity: dict[tuple[str, int], float] = {}
    for site_id in h2_sites:
        row = sites.loc[site_id]
        planned_year = row["planned_h2_year"]
        planned = float(row["planned_h2_kg_day"]) if pd.notna(planned_year) else 0.0
        for t in years:
            capacity[(site_id, t)] = float(row["existing_h2_kg_day"]) + (planned if planned > 0 and t >= int(planned_year) else 0.0)
    return capacity


def _fuel(
    params: ParameterTable, tech: str, vtype: str, utility: str, i: int, h2_pathways: list[str]
) -> tuple[float, float, float]:
    """(price per unit of energy, kg CO2 per unit, well-to-tank uplift) in year index ``i``."""
    if tech == "diesel":
        return (
            params.series("diesel_price_hkd_per_l", vtype)[i],
            params.series("diesel_kgco2_per_l")[i],
            params.series("fossil_wtt_uplift")[i],
        )
    if tech == "lpg":
        return (
            params.series("lpg_price_hkd_per_l", vtype)[i],
            params.series("lpg_kgco2_per_l")[i],
            params.series("fossil_wtt_uplift")[i],
        )
    if tech == "bev":
        return (
            params.series("electricity_price_hkd_per_kwh", vtype, utility)[i],
            params.series("grid_kgco2_per_kwh", "-", utility)[i],
            0.0,
        )
    if tech == "fcev":
        intensity = 0.0
        shares = [params.series("h2_supply_share", "-", p)[i] for p in h2_pathways]
        total = sum(shares) or 1.0
        for pathway, share in zip(h2_pathways, shares, strict=True):
            intensity += share / total * params.series("h2_kgco2_per_kg", "-", pathway)[i]
        return params.series("hydrogen_price_hkd_per_kg", vtype)[i], intensity, 0.0
    raise ValueError(f"unknown technology {tech}")


_FUEL_PRICE = {
    "diesel": "diesel_price_hkd_per_l",
    "lpg": "lpg_price_hkd_per_l",
    "bev": "electricity_price_hkd_per_kwh",
    "fcev": "hydrogen_price_hkd_per_kg",
}


def _running_cost_pv_per_km(
    params: ParameterTable, tech: str, vtype: str, utility: str, year: int, life: int, rate: float
) -> float:
    """Present value (HK$ in ``year``) of one km a year of energy and maintenance over a vehicle's life."""
    years = np.arange(year, year + life)
    per_km = params.values("energy_per_km", years, vtype, tech)
    fuel_technology = utility if tech == "bev" else "-"
    fuel = params.values(_FUEL_PRICE[tech], years, vtype, fuel_technology)
    maintenance = params.values("maintenance_hkd_per_km", years, vtype, tech)
    discount = (1.0 + rate) ** -(np.arange(life) + 1.0)
    return float(np.sum((per_km * fuel + maintenance) * discount))


def _operator_tco(
    params: ParameterTable,
    tech: str,
    vtype: str,
    utility: str,
    km_year: float,
    year: int,
    life: int,
    rate: float,
    cache: dict[tuple[str, str, str, int, int], float],
) -> float:
    """Operator's present cost of owning one vehicle bought in ``year`` (HK$): price + discounted running costs.

    The per-km part depends only on (technology, vehicle type, utility, year, life), so it is
    computed once per key and scaled by each segment's km a year.
    """
    key = (tech, vtype, utility, year, life)
    if key not in cache:
        cache[key] = _running_cost_pv_per_km(params, tech, vtype, utility, year, life, rate)
    return params.at("vehicle_price_hkd", year, vtype, tech) + km_year * cache[key]


@dataclass(frozen=True)
class Regime:
    """One way a segment's purchases in a year can be made: a payment level per open programme.

    levels: programme -> index into that programme's payment levels;
    payment_hkd: programme -> (technology it pays for, HK$ per vehicle at that level);
    share: zero-emission technology -> share of purchases (operators' response);
    no_policy_share: the same with no payment on offer (who would buy anyway).
    """

    regime_id: int
    levels: dict[str, int]
    payment_hkd: dict[str, tuple[str, float]]
    share: dict[str, float]
    no_policy_share: dict[str, float]


_DUTY_BAND_KM = {"le200": (0.0, 200.0), "200-300": (200.0, 300.0), "gt300": (300.0, math.inf)}


def _duty_bins(data: Dataset, segments: pd.DataFrame, params: ParameterTable) -> dict[str, DutyBins]:
    """Daily km bins of every segment's operators (see :mod:`fleetplan.optimiser.uptake`)."""
    bands = data.bus_segments.set_index("segment_id")["duty_band"].to_dict()
    bins: dict[str, DutyBins] = {}
    for segment_id, row in segments.iterrows():
        mean_km = float(row["daily_km"])
        if row["refuelling"] == "depot" and bands.get(segment_id) in _DUTY_BAND_KM:
            low, high = _DUTY_BAND_KM[bands[segment_id]]
            bins[segment_id] = bus_duty_bins(data.bus_routes, row["location"], low, high, mean_km)
        else:
            vtype = row["vehicle_type"]
            spread = params.scalar("daily_km_spread", vtype) if params.has("daily_km_spread", vtype) else 0.0
            bins[segment_id] = spread_duty_bins(mean_km, spread)
    return bins


def _usable_km_per_day(params: ParameterTable, charges_per_day: float, vtype: str, tech: str, year: int) -> float:
    """Daily km a vehicle bought in ``year`` can run on its own charges or fills, all its life.

    Battery vehicles: design range x summer factor (air-conditioning on a hot day) x the
    battery capacity left at the end of its life, times the full charges it gets a day.
    """
    usable = params.at("range_km", year, vtype, tech)
    if tech == "bev":
        if params.has("summer_range_factor", vtype, tech):
            usable *= params.at("summer_range_factor", year, vtype, tech)
        if params.has("battery_end_of_life_capacity", vtype, tech):
            usable *= params.at("battery_end_of_life_capacity", year, vtype, tech)
    return usable * charges_per_day


def _station_margin(params: ParameterTable, year: int) -> float:
    """HK$/kg of the pump price that recovers the station (0 where the dataset has no such row)."""
    return params.at("hydrogen_station_margin_hkd_per_kg", year) if params.has("hydrogen_station_margin_hkd_per_kg") else 0.0


def _depot_demand_charge_per_bus_year(params: ParameterTable, year: int, refuelling: str, tech: str) -> float:
    """Maximum-demand charge a depot-charged battery vehicle's share of its depot charger draws (HK$ a year)."""
    if refuelling != "depot" or tech != "bev" or not params.has("depot_demand_charge_hkd_per_kva_month"):
        return 0.0
    kva = params.at("depot_charger_kw", year) * params.at("charger_kva_per_kw", year) / params.at("depot_buses_per_charger", year)
    return kva * params.at("depot_demand_charge_hkd_per_kva_month", year) * 12.0


def _battery_replacement_pv(params: ParameterTable, vtype: str, tech: str, year: int, life: int, rate: float) -> float:
    """Present value, in the purchase year, of a battery replaced at mid-life (HK$)."""
    if tech != "bev" or not params.has("battery_replacement_hkd", vtype, tech):
        return 0.0
    half = life // 2
    return params.at("battery_replacement_hkd", year + half, vtype, tech) / (1.0 + rate) ** half


def _technology_offers(
    params: ParameterTable,
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    lifetime: dict[tuple[str, str], int],
    years: list[int],
    duty: dict[str, DutyBins],
    feasible_bins: dict[tuple[str, str, int], np.ndarray],
    operator_rate: float,
    opportunity_needed: dict[str, bool],
    catalogue: Catalogue,
) -> tuple[dict[tuple[str, int], list[TechnologyOffer]], dict[tuple[str, str, int], float]]:
    """Each segment's zero-emission options per year as its operators see them, and the mean gap.

    An operator's lifetime cost (price + battery replacement + discounted energy and
    maintenance at its own km, at the operator's discount rate) of each zero-emission
    technology minus the incumbent's; a bus operator also pays its depot chargers, their
    grid connection and demand charges (and terminus chargers where it needs them).
    """
    offers: dict[tuple[str, int], list[TechnologyOffer]] = {}
    gap: dict[tuple[str, str, int], float] = {}
    cache: dict[tuple[str, str, str, int, int], float] = {}
    for segment_id, row in segments.iterrows():
        vtype, utility, pattern = row["vehicle_type"], row["utility"], row["refuelling"]
        inc = row["incumbent"]
        days = catalogue[row["vehicle_class"]].operating_days
        km_year = duty[segment_id].km_per_day * days
        mean_km_year = float(row["annual_km"])
        for t in years:
            options = []
            for k in techs[segment_id]:
                if k == inc:
                    continue
                extra = _battery_replacement_pv(params, vtype, k, t, lifetime[(vtype, k)], operator_rate)
                if pattern == "depot" and k == "bev":
                    extra += _depot_charging_per_bus_hkd(params, t)
                    extra += _pv(_depot_demand_charge_per_bus_year(params, t, pattern, k), lifetime[(vtype, k)], operator_rate)
                    if opportunity_needed.get(segment_id) and params.has("opportunity_charging_hkd_per_bus", vtype, k):
                        extra += params.at("opportunity_charging_hkd_per_bus", t, vtype, k)

                def tco(tech: str, km: float, vtype: str = vtype, utility: str = utility, t: int = t) -> float:
                    return _operator_tco(params, tech, vtype, utility, km, t, lifetime[(vtype, tech)], operator_rate, cache)

                gap[(segment_id, k, t)] = tco(k, mean_km_year) + extra - tco(inc, mean_km_year)
                if (segment_id, k, t) not in feasible_bins:
                    continue
                gaps = np.array([tco(k, km) + extra - tco(inc, km) for km in km_year])
                barrier = params.at("adoption_barrier_hkd", t, vtype, k) if params.has("adoption_barrier_hkd", vtype, k) else 0.0
                spread = params.at("adoption_spread_hkd", t, vtype, k) if params.has("adoption_spread_hkd", vtype, k) else 0.0
                options.append(TechnologyOffer(k, gaps, feasible_bins[(segment_id, k, t)], barrier, spread))
            offers[(segment_id, t)] = options
    return offers, gap


def _pv(per_year: float, life: int, rate: float) -> float:
    """Present value of ``per_year`` paid at the end of each of ``life`` years."""
    if per_year == 0:
        return 0.0
    return float(sum(per_year / (1.0 + rate) ** (n + 1) for n in range(life)))


def _programmes(data: Dataset, scenario: Scenario) -> tuple[pd.DataFrame, dict[str, float]]:
    """Programme rows with the scenario's overrides applied, and each enabled programme's cap (HK$)."""
    programmes = data.programmes.copy()
    unknown = sorted(set(scenario.programmes) - set(programmes["programme_id"]))
    if unknown:
        raise InputError(
            f"unknown programme '{unknown[0]}'; expected one of {', '.join(sorted(set(programmes['programme_id'])))}",
            field=f"programmes.{unknown[0]}",
        )
    caps: dict[str, float] = {}
    rows = []
    for programme_id, group in programmes.groupby("programme_id", sort=True):
        override = scenario.programmes.get(programme_id)
        if override is not None and not override.enabled:
            continue
        caps[programme_id] = float(
            override.programme_cap_hkd if override is not None and override.programme_cap_hkd is not None else group["programme_cap_hkd"].iloc[0]
        )
        levels = list(scenario.payment_levels)
        if override is not None and override.payment_levels is not None:
            levels = list(override.payment_levels)
        levels = sorted(set(levels))
        for item in group.itertuples(index=False):
            per_vehicle = float(item.per_vehicle_cap_hkd)
            share = float(item.price_share_cap)
            first, last = int(item.first_year), int(item.last_year)
            if override is not None:
                per_vehicle = (override.per_vehicle_cap_hkd or {}).get(item.vehicle_type, per_vehicle)
                share = override.price_share_cap if override.price_share_cap is not None else share
                first = override.first_year if override.first_year is not None else first
                last = override.last_year if override.last_year is not None else last
            rows.append(
                {
                    "programme_id": programme_id,
                    "vehicle_type": item.vehicle_type,
                    "technology": item.technology,
                    "per_vehicle_cap_hkd": per_vehicle,
                    "price_share_cap": share,
                    "first_year": first,
                    "last_year": last,
                    "levels": tuple(levels),
                }
            )
    columns = ["programme_id", "vehicle_type", "technology", "per_vehicle_cap_hkd", "price_share_cap", "first_year", "last_year", "levels"]
    return pd.DataFrame(rows, columns=columns), caps


def _regimes(
    scenario: Scenario,
    segments: pd.DataFrame,
    years: list[int],
    offers: dict[tuple[str, int], list[TechnologyOffer]],
    duty: dict[str, DutyBins],
    programme_rows: pd.DataFrame,
    price_of: dict[tuple[str, str, int], float],
) -> dict[tuple[str, int], list[Regime]]:
    """The purchase regimes of every segment and year.

    A programme is open to a segment in a year when it has a row for the segment's
    vehicle type and a technology the segment may buy that year, and the year is in
    its window. Each combination of the open programmes' payment levels is a regime;
    its payment per vehicle is level x min(per-vehicle cap, share cap x price). An
    operator commitment replaces the response: no incumbent purchases from its year.
    """
    commitments = [c for c in scenario.operator_commitments.values()]
    by_type: dict[str, list[dict]] = {}
    for item in programme_rows.to_dict(orient="records"):
        by_type.setdefault(item["vehicle_type"], []).append(item)
    regimes: dict[tuple[str, int], list[Regime]] = {}
    for segment_id, row in segments.iterrows():
        weights = duty[segment_id].weight
        operator = row.get("operator", "")
        for t in years:
            options = offers.get((segment_id, t), [])
            offered = {o.technology for o in options}
            committed = next(
                (c for c in commitments if operator and c.operator == operator and t >= c.zero_emission_purchases_from),
                None,
            )
            open_rows = [
                item for item in by_type.get(row["vehicle_type"], [])
                if item["technology"] in offered and item["first_year"] <= t <= item["last_year"]
            ]  # fmt: skip
            programme_ids = sorted({item["programme_id"] for item in open_rows})
            caps = {
                item["programme_id"]: (item["technology"], min(item["per_vehicle_cap_hkd"], item["price_share_cap"] * price_of[(segment_id, item["technology"], t)]))
                for item in open_rows
            }
            levels_of = {item["programme_id"]: item["levels"] for item in open_rows}

            def respond(payments: dict[str, float], options: list[TechnologyOffer] = options, committed: object = committed, weights: np.ndarray = weights) -> dict[str, float]:
                if committed is not None:
                    return committed_shares(options, weights, committed.technology_mix)  # type: ignore[attr-defined]
                return adoption_shares(options, weights, payments)

            no_policy = respond({})
            combos = itertools.product(*(range(len(levels_of[p])) for p in programme_ids)) if programme_ids else [()]
            out = []
            for regime_id, combo in enumerate(combos):
                chosen = dict(zip(programme_ids, combo, strict=True))
                payment = {p: (caps[p][0], levels_of[p][chosen[p]] * caps[p][1]) for p in programme_ids}
                per_tech: dict[str, float] = {}
                for tech, hkd in payment.values():
                    per_tech[tech] = per_tech.get(tech, 0.0) + hkd
                out.append(Regime(regime_id, chosen, payment, respond(per_tech), no_policy))
            regimes[(segment_id, t)] = out
    return regimes


def _targets(data: Dataset, scenario: Scenario, segments: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Targets within the horizon as absolute minimum zero-emission vehicles per class and year."""
    table = data.targets.set_index("target_id", drop=False)
    unknown = sorted(set(scenario.targets) - set(table.index))
    if unknown:
        raise InputError(
            f"unknown target '{unknown[0]}'; expected one of {', '.join(table.index)}", field=f"targets.{unknown[0]}"
        )
    rows = []
    for target_id, row in table.iterrows():
        override = scenario.targets.get(target_id)
        if override is not None and not override.enabled:
            continue
        spec = row.to_dict()
        if override is not None:
            for key in ("hard", "min_zev", "min_zev_share", "year"):
                value = getattr(override, key)
                if value is not None:
                    spec[key] = value
        rows.append(spec)
    for target_id, new in scenario.extra_targets.items():
        rows.append({"target_id": target_id, **new.model_dump()})
    out = []
    outside: list[str] = []
    for spec in rows:
        year = int(spec["year"])
        if year not in years:
            outside.append(f"{spec['target_id']} ({spec['vehicle_class']}, {year})")
            continue
        fleet = float(segments.loc[segments["vehicle_class"] == spec["vehicle_class"], "fleet"].sum())
        minimum = 0.0
        if spec.get("min_zev") is not None and not (isinstance(spec["min_zev"], float) and math.isnan(spec["min_zev"])):
            minimum = max(minimum, float(spec["min_zev"]))
        share = spec.get("min_zev_share")
        if share is not None and not (isinstance(share, float) and math.isnan(share)):
            minimum = max(minimum, float(share) * fleet)
        out.append(
            {
                "target_id": spec["target_id"],
                "vehicle_class": spec["vehicle_class"],
                "year": year,
                "min_zev": min(minimum, fleet),
                "hard": bool(spec["hard"]),
            }
        )
    table = pd.DataFrame(out, columns=["target_id", "vehicle_class", "year", "min_zev", "hard"]).set_index("target_id", drop=False)
    table.attrs["outside_horizon"] = outside
    return table
