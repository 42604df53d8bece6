"""Where vehicles refuel: candidate sites, depot sites, taxi zones within reach, hydrogen consumers.

Sites carry their road-graph node; reach is road km over the graph plus each point's
access km (``taxi_charging_reach_km`` for a taxi zone to a public charging site,
``bus_h2_reach_km`` for a depot to a hydrogen site); hydrogen capacity is kg/day.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.fine_graph import load_fine_graph
from fleetplan.network.graph import reach_pairs, snap_to_nodes
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.inputs.points import SnappedPoints
from fleetplan.optimiser.inputs.segments import zone_segment_ids
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario


def candidate_sites(data: Dataset, points: SnappedPoints) -> pd.DataFrame:
    """``candidate_sites.csv`` indexed by ``site_id``, with each site's road-graph ``node_id``."""
    sites = data.candidate_sites.set_index("site_id", drop=False)
    sites["node_id"] = [points.node("site", s) for s in sites.index]
    return sites


def hydrogen_sites(sites: pd.DataFrame) -> list[str]:
    """Sites that may host a hydrogen station."""
    return sites.index[sites["can_hydrogen"]].tolist()


def public_sites(sites: pd.DataFrame) -> list[str]:
    """Sites that may host public (taxi) fast chargers."""
    return sites.index[sites["can_public_charging"]].tolist()


def _bus_depots(segments: pd.DataFrame) -> set[str]:
    return set(segments.loc[segments["refuelling"] == "depot", "location"])


def depot_sites(sites: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Depot charging sites indexed by ``depot_id``: every depot with buses must have its site row."""
    depot_sites = sites[sites["kind"] == "bus_depot"].dropna(subset=["depot_id"])
    depot_sites = depot_sites[depot_sites["can_depot_charging"]]
    missing = sorted(_bus_depots(segments) - set(depot_sites["depot_id"]))
    if missing:
        raise InputError(
            f"depot '{missing[0]}' has buses but no bus_depot row with can_depot_charging in candidate_sites.csv",
            file="candidate_sites.csv",
            field="depot_id",
        )
    return depot_sites.drop_duplicates("depot_id").set_index("depot_id", drop=False)


def existing_hydrogen(
    sites: pd.DataFrame, h2_sites: list[str], years: list[int]
) -> dict[tuple[str, int], float]:
    """Hydrogen capacity in service or committed at each site and year (kg/day)."""
    capacity: dict[tuple[str, int], float] = {}
    for site_id in h2_sites:
        row = sites.loc[site_id]
        planned_year = row["planned_h2_year"]
        planned = float(row["planned_h2_kg_day"]) if pd.notna(planned_year) else 0.0
        for t in years:
            capacity[(site_id, t)] = float(row["existing_h2_kg_day"]) + (
                planned if planned > 0 and t >= int(planned_year) else 0.0
            )
    return capacity


def hydrogen_module_limits(
    sites: pd.DataFrame, h2_sites: list[str], params: ParameterTable
) -> dict[str, int]:
    """Most modules each hydrogen site may add: its ``max_h2_kg_day`` room, at most ``h2_station_max_modules``.

    The room is the site's limit less the capacity in service and committed there, in
    whole modules of ``h2_module_kg_day``; a site without a limit takes the global ceiling.
    """
    module_kg = params.scalar("h2_module_kg_day")
    ceiling = round(params.scalar("h2_station_max_modules"))
    limits: dict[str, int] = {}
    for site_id in h2_sites:
        limit = (
            sites.at[site_id, "max_h2_kg_day"] if "max_h2_kg_day" in sites.columns else float("nan")
        )
        if pd.isna(limit):
            limits[site_id] = ceiling
            continue
        committed = float(sites.at[site_id, "existing_h2_kg_day"]) + float(
            sites.at[site_id, "planned_h2_kg_day"]
        )
        room = max(float(limit) - committed, 0.0)
        limits[site_id] = min(ceiling, int((room + 1e-6) // module_kg)) if module_kg > 0 else 0
    return limits


def taxi_zones(
    data: Dataset,
    scenario: Scenario,
    params: ParameterTable,
    graph: nx.Graph,
    points: SnappedPoints,
    public: list[str],
    notes: list[str],
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Taxi zones (with node and zone-fleet segment) and the (zone, public site) pairs within reach.

    A taxi's few-km detour needs the fine graph; it is used when the dataset has one.
    A zone with no site within reach is noted in ``notes``.
    """
    zones = data.taxi_zones.set_index("zone_id", drop=False)
    zones["node_id"] = [points.node("taxi_zone", z) for z in zones.index]
    zones["segment_id"] = zones["taxi_class"].map(
        dict(zip(data.taxi_classes["taxi_class"], zone_segment_ids(data.taxi_classes), strict=True))
    )
    taxi_reach_km = params.scalar("taxi_charging_reach_km")
    taxi_graph = (load_fine_graph(data.path) if scenario.graph != "fine" else None) or graph
    zone_snap = snap_to_nodes(taxi_graph, data.taxi_zones, id_column="zone_id").set_index("zone_id")
    site_snap = (
        snap_to_nodes(taxi_graph, data.candidate_sites, id_column="site_id")
        .set_index("site_id")
        .loc[public]
    )
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
        notes.append(
            ModelText("zones_unreachable", km=f"{taxi_reach_km:g}", zones=", ".join(unreachable))
        )
    return zones, zone_site_pairs


def hydrogen_consumers(
    params: ParameterTable,
    graph: nx.Graph,
    points: SnappedPoints,
    sites: pd.DataFrame,
    h2_sites: list[str],
    segments: pd.DataFrame,
    corridors: pd.DataFrame,
) -> tuple[pd.DataFrame, list[tuple[str, str]], dict[tuple[str, str], float]]:
    """Hydrogen consumers (each depot's fuel-cell buses, each coverable truck corridor) and the sites that may supply them.

    A depot is supplied by the hydrogen sites within ``bus_h2_reach_km``; a corridor by its supply sites.
    Also each pair's road km (depot to station; a corridor's detour to the station, 0 on its route).
    """
    bus_depots = _bus_depots(segments)
    bus_reach_km = params.scalar("bus_h2_reach_km")
    depot_nodes = {d: points.node("depot", d) for d in sorted(bus_depots)}
    h2_pairs_depots = reach_pairs(
        graph,
        depot_nodes,
        dict(zip(h2_sites, sites.loc[h2_sites, "node_id"], strict=True)),
        bus_reach_km,
        source_access_km={d: points.access("depot", d) for d in depot_nodes},
        target_access_km={s: points.access("site", s) for s in h2_sites},
    )
    consumers = [{"consumer": f"depot:{d}", "kind": "depot", "ref": d} for d in sorted(bus_depots)]
    consumers += [
        {"consumer": f"flow:{c}", "kind": "flow", "ref": c}
        for c in corridors.index
        if corridors.at[c, "coverable"]
    ]
    h2_consumers = pd.DataFrame(consumers, columns=["consumer", "kind", "ref"]).set_index(
        "consumer", drop=False
    )
    h2_supply_km = {
        (f"depot:{d}", s): float(km)
        for d, s, km in zip(
            h2_pairs_depots["source"],
            h2_pairs_depots["target"],
            h2_pairs_depots["distance_km"],
            strict=True,
        )
    }
    for c in corridors.index:
        if corridors.at[c, "coverable"]:
            supply_km = corridors.at[c, "supply_km"] if "supply_km" in corridors.columns else {}
            h2_supply_km.update(
                {
                    (f"flow:{c}", s): float(supply_km.get(s, 0.0))
                    for s in corridors.at[c, "supply_sites"]
                }
            )
    return h2_consumers, list(h2_supply_km), h2_supply_km
