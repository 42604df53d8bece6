"""Truck corridors: round trips over the road graph, the stations that can refuel them, merged flows.

Each truck flow's round-trip path fixes its km (``one_way_km``, ``daily_km_per_truck``)
and its arc-cover rows (sets of hydrogen sites of which one must be open for a
fuel-cell truck of the corridor class's range, km, to make the trip). Flows merge into
corridors, one fleet segment each, by ``truck_corridor_km_band``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.catalogue import Catalogue, VehicleClass
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.frlm import arc_cover_rows, round_trip_paths
from fleetplan.optimiser.inputs.points import SnappedPoints
from fleetplan.optimiser.inputs.reductions import minimal_cover_rows
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario


@dataclass(frozen=True)
class TruckCorridors:
    """Truck flows with their paths' km and cover, and the corridors they form."""

    #: one row per flow (origin and destination nodes, km, coverable, corridor)
    flows: pd.DataFrame
    #: one row per corridor: member flows, trucks, km per truck a day, supply sites, segment id
    corridors: pd.DataFrame
    #: corridor -> arc-cover rows as sets of hydrogen sites
    cover_rows: dict[str, list[frozenset[str]]]
    #: the catalogue's class that refuels on corridors (None: the dataset has none)
    vehicle_class: VehicleClass | None


def corridor_class(catalogue: Catalogue, flows: pd.DataFrame) -> VehicleClass | None:
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
        raise InputError(
            "truck_flows.csv has vehicles but no class of vehicle_classes.csv refuels on corridors; expected one",
            file="vehicle_classes.csv",
            field="refuelling",
        )
    return corridor[0] if corridor else None


def stations_near_nodes(
    graph: nx.Graph,
    sites: pd.DataFrame,
    h2_sites: list[str],
    points: SnappedPoints,
    detour_km: float,
) -> dict[Hashable, dict[str, float]]:
    """Graph node -> the hydrogen sites a truck passing it can refuel at -> km one way from the node.

    A site serves its own node, and (deviation flow refuelling, Kim & Kuby 2012) every node
    from which it lies within ``detour_km`` by road, one way, counting its access from the
    graph: a station by an interchange serves the highway that passes it without sitting on
    a node of the truck's path.
    """
    near: dict[Hashable, dict[str, float]] = {}
    for s in h2_sites:
        node = sites.at[s, "node_id"]
        access_km = points.access("site", s)
        near.setdefault(node, {})[s] = access_km
        budget_m = (detour_km - access_km) * 1000.0
        if budget_m <= 0:
            continue
        for other, metres in nx.single_source_dijkstra_path_length(
            graph, node, cutoff=budget_m, weight="length_m"
        ).items():
            at_node = near.setdefault(other, {})
            at_node[s] = min(at_node.get(s, math.inf), access_km + metres / 1000.0)
    return {n: dict(sorted(found.items())) for n, found in near.items()}


def truck_corridors(
    data: Dataset,
    scenario: Scenario,
    params: ParameterTable,
    catalogue: Catalogue,
    graph: nx.Graph,
    points: SnappedPoints,
    sites: pd.DataFrame,
    h2_sites: list[str],
    notes: list[str],
) -> TruckCorridors:
    """Paths, km and station cover of every truck flow, merged into corridors (notes appended to ``notes``)."""
    # Round-trip path over the road graph fixes daily km and station cover.
    flows = data.truck_flows.set_index("flow_id", drop=False)
    flows["origin_node"] = [points.node("truck_place", p) for p in flows["origin"]]
    flows["destination_node"] = [points.node("truck_place", p) for p in flows["destination"]]
    path_input = pd.DataFrame(
        {
            "flow_id": flows.index,
            "origin": flows["origin_node"],
            "destination": flows["destination_node"],
            "flow": flows["daily_round_trips"],
        }
    )
    same_node = path_input["origin"] == path_input["destination"]
    if same_node.any():
        notes.append(
            ModelText("truck_same_node", flows=", ".join(path_input.loc[same_node, "flow_id"]))
        )
        flows = flows[~same_node.to_numpy()]
        path_input = path_input[~same_node]
    paths = round_trip_paths(graph, path_input, weight="length_m", km_per_unit=0.001)
    # plain lists, not a pandas lookup per flow (20,000 flows on the largest synthetic city)
    flows["one_way_km"] = [
        paths[q].length_km
        + points.access("truck_place", origin)
        + points.access("truck_place", destination)
        for q, origin, destination in zip(
            flows.index, flows["origin"], flows["destination"], strict=True
        )
    ]
    detour_km = params.scalar("truck_h2_detour_km") if params.has("truck_h2_detour_km") else 0.0
    sites_at_node = stations_near_nodes(graph, sites, h2_sites, points, detour_km)
    h2_nodes = sorted(
        sites_at_node, key=str
    )  # build_graph keys nodes by str id: the ids' own order
    vehicle_class = corridor_class(catalogue, flows)
    # A station off the route costs the truck the way there and back out of its range.
    truck_range = (
        max(
            params.scalar("range_km", vehicle_class.vehicle_types[0], "fcev") - 2.0 * detour_km, 0.0
        )
        if vehicle_class
        else 0.0
    )
    cover_rows: dict[str, list[frozenset[str]]] = {}
    for q in flows.index:
        rows = arc_cover_rows(paths[q], truck_range, h2_nodes)
        if not rows:  # some arc is longer than the range or no candidate can cover it
            continue
        cover_rows[q] = minimal_cover_rows(
            frozenset(s for n in row for s in sites_at_node[n]) for row in rows
        )
    flows["coverable"] = [q in cover_rows for q in flows.index]
    flows["path_h2_sites"] = [
        sorted({s for n in paths[q].nodes for s in sites_at_node.get(n, {})}) for q in flows.index
    ]
    # km one way from the route to each station that can refuel it (0 on the route, + its access)
    flows["h2_site_km"] = [
        {
            s: min(sites_at_node[n][s] for n in paths[q].nodes if s in sites_at_node.get(n, {}))
            for s in on_path
        }
        for q, on_path in zip(flows.index, flows["path_h2_sites"], strict=True)
    ]
    trucks_of = flows["trucks"].astype(float)
    flows["daily_km_per_truck"] = (
        2.0 * flows["one_way_km"] * flows["daily_round_trips"] / np.maximum(trucks_of, 1e-9)
    )
    corridors, cover_rows = _merge_flows(flows, cover_rows, scenario.truck_corridor_km_band)
    flows["corridor"] = (
        corridors["members"]
        .explode()
        .reset_index()
        .set_index("members")["corridor"]
        .reindex(flows.index)
    )
    if len(corridors) < len(flows):
        notes.append(ModelText("corridors_merged", flows=len(flows), segments=len(corridors)))
    corridor_name = vehicle_class.name if vehicle_class else "truck"
    corridors["segment_id"] = corridor_name + "_" + corridors.index.astype(str)
    return TruckCorridors(
        flows=flows, corridors=corridors, cover_rows=cover_rows, vehicle_class=vehicle_class
    )


def _merge_flows(
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
    for q, km_per_truck in zip(flows.index, flows["daily_km_per_truck"], strict=True):
        km = float(km_per_truck)
        row_key = tuple(sorted(tuple(sorted(r)) for r in rows_by_flow.get(q, [])))
        if band > 0:
            bucket = math.floor(math.log(max(km, 1e-6)) / math.log1p(band))
            keys[q] = (row_key, bucket)
        else:
            keys[q] = ("flow", q)
    groups: dict[tuple, list[str]] = {}
    for q in flows.index:
        groups.setdefault(keys[q], []).append(q)
    records = []
    corridor_rows: dict[str, list[frozenset[str]]] = {}
    # Columns read once as dictionaries: a pandas lookup per corridor was most of this step's
    # time with 20,000 lone flows.
    trucks_of = dict(zip(flows.index, flows["trucks"].astype(float), strict=True))
    km_of = dict(zip(flows.index, flows["daily_km_per_truck"], strict=True))
    sites_of = dict(zip(flows.index, flows["path_h2_sites"], strict=True))
    site_km_of = dict(zip(flows.index, flows["h2_site_km"], strict=True))
    for n, members in enumerate(sorted(groups.values(), key=lambda m: m[0])):
        corridor = members[0] if len(members) == 1 else f"corridor_{n:05d}"
        if len(members) == 1:
            fleet = float(trucks_of[members[0]])
            km = float(trucks_of[members[0]] * km_of[members[0]] / fleet) if fleet > 0 else 0.0
        else:
            trucks = flows.loc[members, "trucks"].astype(float)
            fleet = math.fsum(trucks.tolist())
            km = (
                math.fsum((trucks * flows.loc[members, "daily_km_per_truck"]).tolist()) / fleet
                if fleet > 0
                else 0.0
            )
        rows = rows_by_flow.get(members[0], [])
        if rows:
            corridor_rows[corridor] = rows
        supply = (
            sites_of[members[0]]
            if len(members) == 1
            else sorted(set().union(*rows))
            if rows
            else []
        )
        # a merged corridor's km to a station: the farthest of its members' (each member passes it)
        supply_km = {s: max(site_km_of[q].get(s, 0.0) for q in members) for s in supply}
        records.append(
            {
                "corridor": corridor,
                "members": members,
                "fleet": fleet,
                "daily_km": km,
                "coverable": bool(rows),
                "supply_sites": supply,
                "supply_km": supply_km,
                "label": members[0]
                if len(members) == 1
                else f"{members[0]} and {len(members) - 1} similar corridors",
            }
        )
    columns = [
        "corridor",
        "members",
        "fleet",
        "daily_km",
        "coverable",
        "supply_sites",
        "supply_km",
        "label",
    ]
    # A city without truck flows has no corridors: an empty table keeps the columns the model reads.
    return pd.DataFrame(records, columns=columns if not records else None).set_index(
        "corridor", drop=False
    ), corridor_rows
