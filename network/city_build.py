"""Build a city's dataset folder from a GTFS feed and an OpenStreetMap extract.

:func:`build_city` (the ``fleetplan city build`` command) writes a complete dataset
folder that :func:`fleetplan.network.loaders.load_dataset` accepts and the model
solves:

* ``city.yaml``: the name and metric CRS given, bounds = the extent of the feed's
  used stops plus a margin, the base dataset's currency, sources and licences;
* ``nodes.csv`` / ``edges.csv``: the bus-stop graph of the feed (stops within
  ``cluster_m`` merged; edges between consecutive stops) put on the extract's
  drivable roads (each node moves to its nearest OSM junction, each edge takes the
  shortest road length between them); parts the routes leave unconnected are
  joined at their closest nodes (straight line x ACCESS_CIRCUITY, an estimate);
* ``depots.csv``: a feed has no depots, so each operator (GTFS agency) gets one at
  the stop node nearest the trip-weighted centre of its routes' first stops
  (an estimate to replace with the real depots);
* ``bus_routes.csv``: every route with its length (the feed's shapes, else its stops,
  in metres of the metric CRS), weekday trips, buses and daily km per bus;
* ``bus_segments.csv`` / ``bus_age_profile.csv``: one segment per depot; the fleet
  is the feed's vehicle blocks (``trips.block_id``) if it has them, else the route
  km per day divided by an assumed daily km per bus; ages spread evenly;
* ``candidate_sites.csv``: the depots, as sites for depot chargers and hydrogen;
* ``taxi_*.csv`` / ``truck_*.csv``: header only (a feed says nothing of them);
* ``parameters.csv``, ``programmes.csv``, ``targets.csv`` (and ``vehicle_classes.csv``
  if the base has one): copied from a base dataset (default: the Hong Kong one),
  every row's ``source`` prefixed with where it came from. Prices, subsidies and
  targets are the base city's until replaced; targets counting vehicles (the base
  city's fleet) and targets of classes this city has no vehicles of are left out.

Everything derived is marked ``derived``; everything assumed ``estimate``.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from fleetplan.errors import InputError
from fleetplan.network.city import (
    City,
    check_metric_crs,
    city_from_mapping,
    load_city,
    to_metric,
    write_city,
)
from fleetplan.network.graph import ACCESS_CIRCUITY
from fleetplan.network.loaders import (
    DEFAULT_DATASET,
    MAX_TABLE_BYTES,
    Dataset,
    load_dataset,
    read_csv_text,
)
from fleetplan.network.road_distances import ROAD_EXTRACT, write_road_distances
from fleetplan.network.road_links import NEIGHBOURS_K, SPANNER_TOLERANCE, link_graph
from fleetplan.network.schema import TABLES
from fleetplan.network.spreadsheet_cells import inert_frame

#: Margin around the stops' extent that the city's bounds add (metres).
BOUNDS_MARGIN_M = 2000.0
#: Stops closer than this merge into one road-graph node (metres); a stop pair on the two
#: sides of a street, or two operators' poles at one stop.
CLUSTER_M = 100.0
#: Farthest a stop node moves to an OSM junction (metres): a stop stands mid-block, a
#: junction or two away at most (estimate); further, the extract probably lacks its street
#: and the node keeps its place (its edges their feed length).
STOP_SNAP_M = 150.0
#: A neighbour link's road is sought up to OSM_MAX_RATIO x this x its straight line (the
#: Hong Kong build's factor: 1.35 x 3 = about 4 times the straight line; estimate).
NEIGHBOUR_ROAD_FACTOR = 1.35
#: Km a bus runs per day when the feed has no vehicle blocks (estimate: Hong Kong's
#: franchised buses run 175-190 km/day, TD 2019; European city buses 150-250).
DEFAULT_DAILY_KM_PER_BUS = 200.0
#: Depot parking per bus and spare grid per parking space (the Hong Kong dataset's
#: estimates: ~6 kVA per space, one charger dispenser between two bays).
PARKING_PER_BUS = 1.2
KVA_PER_SPACE = 6.0
#: Duty bands of bus segments (km/day), as in the Hong Kong dataset.
DUTY_BANDS = (("le200", 200.0), ("200-300", 300.0), ("gt300", math.inf))
#: Ages of today's buses when the base has no bus lifetime: spread evenly over 0..17.
DEFAULT_MAX_AGE = 17
#: Tables copied from the base dataset (the non-geographic ones).
COPIED_TABLES = ("parameters", "programmes", "targets", "vehicle_classes")
#: Tables left header-only: a GTFS feed describes neither taxis nor trucks.
EMPTY_TABLES = ("taxi_classes", "taxi_zones", "truck_places", "truck_flows")

_OSM_SOURCE = "© OpenStreetMap contributors (ODbL 1.0)"


def _slug(text: str) -> str:
    """A lower-case identifier from a name ('Carris Metropolitana' -> 'carris_metropolitana')."""
    slug = re.sub(r"[^0-9a-z]+", "_", str(text).strip().lower()).strip("_")
    return slug or "operator"


def _bounds(lon: np.ndarray, lat: np.ndarray, margin_m: float) -> tuple[float, float, float, float]:
    """The extent of the points plus ``margin_m`` metres on every side (WGS84 degrees, 4 decimals out)."""
    mid_lat = math.radians(float(np.mean(lat)))
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * max(math.cos(mid_lat), 0.01))
    return (
        math.floor((float(lon.min()) - dlon) * 1e4) / 1e4,
        math.floor((float(lat.min()) - dlat) * 1e4) / 1e4,
        math.ceil((float(lon.max()) + dlon) * 1e4) / 1e4,
        math.ceil((float(lat.max()) + dlat) * 1e4) / 1e4,
    )


def _linked_on_roads(
    nodes: pd.DataFrame, edges: pd.DataFrame, road: tuple[pd.DataFrame, pd.DataFrame], crs: str
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """The feed's stop graph on the extract's roads, each node also linked to its nearest along them.

    Consecutive stops alone make paths follow the routes (round a hill by the bus's way, not
    the road's); so every node is also linked to its :data:`NEIGHBOURS_K` nearest at the
    shortest road length between their junctions, and the links thinned to a spanner
    (:func:`fleetplan.network.road_links.link_graph`). A link the extract cannot measure is
    not made: water and roadless ground are crossed only where a road does.
    Returns (nodes moved to their junctions, edges, the OSM measure's info, the links' info).
    """
    from fleetplan.network.importers.osm import road_lengths_from_osm

    x, y = to_metric(nodes["lon"].to_numpy(dtype=float), nodes["lat"].to_numpy(dtype=float), crs)
    xy = {str(n): (float(a), float(b)) for n, a, b in zip(nodes["node_id"], x, y, strict=True)}
    found: dict[str, Any] = {"nodes": nodes, "info": {}}

    def measure(candidates: pd.DataFrame) -> pd.DataFrame:
        # A neighbour link is tried up to OSM_MAX_RATIO x its straight line x NEIGHBOUR_ROAD_FACTOR.
        given = candidates["length_m"].where(
            candidates["link"] == "bus", candidates["length_m"] * NEIGHBOUR_ROAD_FACTOR
        )
        on_road, measured, found["info"] = road_lengths_from_osm(
            nodes, candidates.assign(length_m=given), *road, max_snap_m=STOP_SNAP_M, metric_crs=crs
        )
        found["nodes"] = on_road
        by_osm = measured["source"].str.startswith("OpenStreetMap")
        measured = measured[(measured["link"] == "bus") | by_osm].copy()
        neighbour = measured["link"] == "neighbour"
        measured.loc[neighbour, "source"] = measured.loc[neighbour, "source"].str.replace(
            r"; bus trips: .*$", "; link to a neighbouring node (fleetplan city build)", regex=True
        )
        return measured.reset_index(drop=True)

    linked, links = link_graph(
        nodes, edges, xy, dict.fromkeys(xy, "city"), keep=(), measure=measure, k=NEIGHBOURS_K,
        tolerance=SPANNER_TOLERANCE, source="link to a neighbouring node (fleetplan city build)",
    )  # fmt: skip
    return found["nodes"], linked, found["info"], links


def _join_parts(nodes: pd.DataFrame, edges: pd.DataFrame, crs: str) -> tuple[pd.DataFrame, int]:
    """Join disconnected parts of the graph to the largest at their closest nodes.

    Routes that share no stop leave parts the model cannot reach between; a city's
    roads join them. The link is the straight line x ACCESS_CIRCUITY (estimate).
    Returns the edges with the links added and the number of links.
    """
    graph = nx.Graph()
    graph.add_nodes_from(nodes["node_id"])
    graph.add_edges_from(zip(edges["from_node"], edges["to_node"], strict=True))
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    if len(parts) <= 1:
        return edges, 0
    x, y = to_metric(nodes["lon"].to_numpy(), nodes["lat"].to_numpy(), crs)
    xy = dict(zip(nodes["node_id"], zip(x, y, strict=True), strict=True))
    joined = sorted(parts[0])
    links = []
    for part in parts[1:]:
        members = sorted(part)
        tree = cKDTree([xy[n] for n in joined])
        distance, index = tree.query([xy[n] for n in members], k=1)
        best = int(np.argmin(distance))
        a, b = sorted((members[best], joined[int(index[best])]))
        links.append(
            {
                "from_node": a,
                "to_node": b,
                "length_m": round(max(float(distance[best]) * ACCESS_CIRCUITY, 1.0), 1),
                "bus_trips_per_day": 0.0,
                "source": f"estimate: joins a part of the route network that shares no stop with the rest; straight line x {ACCESS_CIRCUITY}",
                "status": "estimate",
            }
        )
        joined = sorted(set(joined) | part)
    return pd.concat([edges, pd.DataFrame(links)], ignore_index=True), len(links)


def largest_remainder(weights: list[float], total: int) -> list[int]:
    """Whole numbers proportional to ``weights`` that add up to ``total``."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    raw = [w / weight_sum * total for w in weights]
    out = [math.floor(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))[: total - sum(out)]:
        out[i] += 1
    return out


def _band(km: float) -> str:
    return next(label for label, high in DUTY_BANDS if km <= high)


def _check_out_folder(out: Path) -> None:
    """Refuse, before any work, an ``--out`` that is a file, a non-empty folder or in a place that cannot be written."""
    if out.exists() and not out.is_dir():
        raise InputError(
            "exists and is a file; expected a new or empty folder for the dataset",
            file=out,
            field="--out",
        )
    if out.is_dir() and any(out.iterdir()):
        raise InputError(
            "folder is not empty; expected a new or empty folder for the dataset",
            file=out,
            field="--out",
        )
    existing = out.absolute().parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(
            f"'{existing}' is a file, not a folder; expected a new or empty folder for the dataset",
            file=out,
            field="--out",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"no permission to write in '{existing}'; choose another folder",
            file=out,
            field="--out",
        )


def _base_table(base: Path, name: str) -> pd.DataFrame:
    """One table of the base dataset as text cells, after the checks every CSV reader makes (size first)."""
    spec = TABLES[name]
    text = read_csv_text(
        base / spec.file,
        expected=f"the '{spec.name}' table ({spec.description})",
        max_bytes=MAX_TABLE_BYTES,
    )
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)


def _copy_table(base: Path, name: str, out: Path, note: str, keep: pd.Series | None = None) -> int:
    """Copy one table of the base dataset, prefixing every row's source with ``note``."""
    frame = _base_table(base, name)
    if keep is not None:
        frame = frame[keep.to_numpy()]
    if "source" in frame.columns:
        frame["source"] = note + frame["source"]
    inert_frame(frame).to_csv(out / TABLES[name].file, index=False, lineterminator="\n")
    return len(frame)


def _feed_tables(gtfs: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """routes.txt, stops.txt and agency_id -> agency name of a vetted feed."""
    from fleetplan.network.importers.gtfs import load_feed

    feed = load_feed(gtfs)
    routes = feed.required("routes.txt").copy()
    stops = feed.required("stops.txt").copy()
    agency = feed.required("agency.txt")
    ids = (
        agency["agency_id"].astype(str)
        if "agency_id" in agency.columns
        else pd.Series([""] * len(agency))
    )
    names = dict(zip(ids.fillna(""), agency["agency_name"].astype(str), strict=True))
    return routes, stops, names


def build_city(
    gtfs: str | Path,
    osm: str | Path,
    *,
    name: str,
    crs: str,
    out: str | Path,
    base: str | Path = DEFAULT_DATASET,
    date: str | None = None,
    cluster_m: float = CLUSTER_M,
    margin_m: float = BOUNDS_MARGIN_M,
    vehicle_type: str = "bus_single",
    utility: str | None = None,
    daily_km_per_bus: float = DEFAULT_DAILY_KM_PER_BUS,
    feed_licence: str = "",
) -> dict[str, Any]:
    """Write a dataset folder for the city of ``gtfs`` and ``osm`` into ``out``; return a summary.

    Parameters
    ----------
    gtfs, osm:
        Local GTFS feed (zip or folder) and OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf).
    name, crs:
        The city's name and metric CRS (projected, metres; e.g. its UTM zone).
    out:
        Folder to write (created; it must not hold a dataset already).
    base:
        Dataset whose parameters, programmes and targets are copied (default: Hong Kong).
    date:
        Service date ``YYYYMMDD`` for trips and buses; default the feed's busiest weekday.
    cluster_m, margin_m:
        Stop merging radius and the margin the bounds add around the stops (metres).
    vehicle_type:
        The base's bus vehicle type the city's buses take (prices, energy use).
    utility:
        The base's electricity utility whose tariff and grid carbon the depots take; one of
        the ``utilities`` of the base's ``city.yaml``, default its ``fleet_utility``. The new
        city's ``city.yaml`` lists the base's utilities (its parameter rows are the base's).
    daily_km_per_bus:
        Km per bus per day used to size the fleet when the feed has no ``block_id``.
    feed_licence:
        Terms the GTFS feed is published under, for ``city.yaml``.

    Raises
    ------
    InputError
        On a bad CRS (naming ``--crs``), a bad feed or extract (naming the file), an
        output folder that already holds a dataset, or a result the loader refuses.
    """
    from fleetplan.network.importers.gtfs import (
        assign_depots,
        blocks_from_gtfs,
        graph_tables_from_gtfs,
        route_summary,
    )
    from fleetplan.network.importers.osm import import_osm

    gtfs, osm, out, base = Path(gtfs), Path(osm), Path(out), Path(base)
    crs = check_metric_crs(crs, field="--crs")
    if not str(name).strip():
        raise InputError("empty; expected the city's name", field="--name")
    if not (cluster_m >= 0 and margin_m >= 0 and daily_km_per_bus > 0):
        raise InputError(
            "expected cluster_m >= 0, margin_m >= 0 and daily_km_per_bus > 0 (metres, km/day)",
            field="--cluster-m",
        )
    _check_out_folder(out)
    base_city = load_city(base)
    utility = base_city.fleet_utility if utility is None else utility
    if utility not in base_city.utilities:
        raise InputError(
            f"'{utility}' is not a utility of {base_city.name}; expected one of {', '.join(base_city.utilities)} "
            f"(the base dataset's city.yaml)",
            field="--utility",
        )
    summary: dict[str, Any] = {"city": name, "metric_crs": crs}

    # Road graph: the feed's stop graph, put on the extract's roads.
    nodes, edges = graph_tables_from_gtfs(gtfs, date=date, cluster_m=cluster_m, metric_crs=crs)
    service_date = nodes.attrs.get("service_date")
    road = import_osm(osm, network_type="drive", metric_crs=crs)
    nodes, edges, info, linked = _linked_on_roads(nodes, edges, road, crs)
    edges, links = _join_parts(nodes, edges, crs)
    nodes["lon"] = nodes["lon"].astype(float).round(6)
    nodes["lat"] = nodes["lat"].astype(float).round(6)
    edges["length_m"] = edges["length_m"].astype(float).round(1)
    summary["graph"] = {
        "nodes": len(nodes), "edges": len(edges), "parts_joined": links, "neighbour_links": linked["kept_neighbour"],
        **{k: info[k] for k in ("nodes_moved", "edges_measured")},
    }  # fmt: skip

    lon, lat = nodes["lon"].to_numpy(dtype=float), nodes["lat"].to_numpy(dtype=float)
    gtfs_source = f"GTFS feed {gtfs.name}" + (
        f", service date {service_date}" if service_date else ""
    )
    city = city_from_mapping(
        {
            "name": str(name).strip(),
            "metric_crs": crs,
            "bounds": list(_bounds(lon, lat, margin_m)),
            "currency": base_city.currency,
            # The parameter rows (tariffs, grid carbon) are copied from the base: so are its utilities.
            "utilities": list(base_city.utilities),
            "fleet_utility": base_city.fleet_utility,
            "licence": "; ".join(
                part
                for part in (
                    f"GTFS feed {gtfs.name}: {feed_licence or 'the terms its publisher grants (fill in)'}",
                    f"road lengths: {_OSM_SOURCE}",
                    f"parameters, programmes and targets copied from {base_city.name}: {base_city.licence or 'see that dataset'}",
                )
            ),
            "sources": [
                {"name": gtfs_source, "licence": feed_licence},
                {
                    "name": f"OpenStreetMap extract {osm.name}",
                    "url": "https://www.openstreetmap.org/copyright",
                    "licence": "ODbL 1.0",
                },
                *[
                    {"name": f"{base_city.name}: {s.name}", "url": s.url, "licence": s.licence}
                    for s in base_city.sources
                ],
            ],
        },
        file="fleetplan city build",
    )

    # Routes, operators and depots.
    routes = route_summary(gtfs, date=date, metric_crs=crs)
    routes = routes[routes["trips_per_day"] > 0].reset_index(drop=True)
    if routes.empty:
        raise InputError(
            "no route runs on the service date; expected a weekday timetable", file=gtfs
        )
    feed_routes, feed_stops, agencies = _feed_tables(gtfs)
    agency_of = {}
    for row in feed_routes.itertuples(index=False):
        agency_id = str(getattr(row, "agency_id", "") or "")
        agency_of[str(row.route_id)] = agencies.get(agency_id, next(iter(agencies.values())))
    routes["operator"] = [_slug(agency_of[str(r)]) for r in routes["route_id"]]
    stop_name = dict(
        zip(
            feed_stops["stop_id"].astype(str),
            feed_stops.get("stop_name", feed_stops["stop_id"]).astype(str),
            strict=True,
        )
    )
    routes["day_km"] = routes["trips_per_day"] * routes["length_km"]

    node_xy = np.column_stack(to_metric(lon, lat, crs))
    depots_rows = []
    for operator, mine in routes.groupby("operator", sort=True):
        fx, fy = to_metric(
            mine["first_stop_lon"].to_numpy(), mine["first_stop_lat"].to_numpy(), crs
        )
        weight = mine["trips_per_day"].to_numpy(dtype=float)
        centre = (float(np.average(fx, weights=weight)), float(np.average(fy, weights=weight)))
        at = int(cKDTree(node_xy).query(centre, k=1)[1])
        depots_rows.append(
            {
                "depot_id": f"{operator.upper()}-D1",
                "operator": operator,
                "name": f"{agency_of[str(mine['route_id'].iloc[0])]} depot (placeholder near {nodes['name'].iloc[at] or nodes['node_id'].iloc[at]})",
                "lon": float(nodes["lon"].iloc[at]),
                "lat": float(nodes["lat"].iloc[at]),
                "utility": utility,
            }
        )
    depots = pd.DataFrame(depots_rows)
    assigned = []
    for operator, mine in routes.groupby("operator", sort=True):
        assigned.append(assign_depots(mine, depots[depots["operator"] == operator], metric_crs=crs))
    routes = pd.concat(assigned).sort_index()

    # Fleet: the feed's vehicle blocks if it has them, else route km at an assumed daily km.
    try:
        blocks = blocks_from_gtfs(gtfs, date=service_date, metric_crs=crs)
        fleet = len(blocks)
        fleet_km = float(blocks["km"].sum()) / fleet
        fleet_note = f"{fleet} vehicle blocks (trips.block_id) of {gtfs.name} on {service_date}"
    except InputError:
        fleet_km = daily_km_per_bus
        fleet = max(1, math.ceil(float(routes["day_km"].sum()) / fleet_km))
        fleet_note = f"route km per day / {fleet_km:g} km per bus per day (estimate: the feed has no block_id)"
    route_buses = routes["day_km"] / routes["day_km"].sum() * fleet
    routes = routes.assign(
        route=[
            str(v) if str(v) else str(r)
            for v, r in zip(routes["route_short_name"], routes["route_id"], strict=True)
        ],
        origin=[stop_name.get(str(s), str(s)) for s in routes["first_stop_id"]],
        destination=[stop_name.get(str(s), str(s)) for s in routes["last_stop_id"]],
        length_km=routes["length_km"].round(2),
        trips_per_day=routes["trips_per_day"].round(1),
        buses_required=route_buses.round(2),
        daily_km_per_bus=(routes["day_km"] / route_buses).round(1),
        source=f"{gtfs_source}; length along shapes or stops in {crs}; buses shared by route km from {fleet_note}",
        status="derived",
    )
    bus_routes = routes[
        [
            "route_id",
            "operator",
            "route",
            "origin",
            "destination",
            "depot_id",
            "length_km",
            "trips_per_day",
            "buses_required",
            "daily_km_per_bus",
            "source",
            "status",
        ]
    ]

    per_depot = (
        routes.groupby("depot_id")["buses_required"].sum().reindex(depots["depot_id"]).fillna(0.0)
    )
    depots["buses_allocated"] = largest_remainder(per_depot.tolist(), fleet)
    depots["parking_spaces"] = [math.ceil(b * PARKING_PER_BUS) for b in depots["buses_allocated"]]
    depots["grid_headroom_kva"] = [round(s * KVA_PER_SPACE, 1) for s in depots["parking_spaces"]]
    depots["source"] = (
        f"estimate: no depot in a GTFS feed; placed at the stop node nearest the trip-weighted centre of the operator's "
        f"first stops ({gtfs_source}); buses from {fleet_note}; parking {PARKING_PER_BUS:g} per bus, "
        f"{KVA_PER_SPACE:g} kVA spare per space (Hong Kong dataset estimates); utility {utility} of the base dataset"
    )
    depots["status"] = "estimate"

    segments: list[dict[str, object]] = []
    ages: list[dict[str, object]] = []
    max_age = _max_age(base, vehicle_type)
    for depot in depots.itertuples(index=False):
        if depot.buses_allocated <= 0:
            continue
        mine = routes[routes["depot_id"] == depot.depot_id]
        km = float((mine["day_km"]).sum() / mine["buses_required"].sum())
        segment_id = f"{depot.depot_id}-{_band(km)}"
        segments.append(
            {
                "segment_id": segment_id,
                "depot_id": depot.depot_id,
                "vehicle_type": vehicle_type,
                "duty_band": _band(km),
                "buses": int(depot.buses_allocated),
                "daily_km": round(km, 1),
                "zev_today": 0,
                "operator": depot.operator,
                "source": f"{gtfs_source}; {fleet_note}; vehicle type {vehicle_type} and no zero-emission bus today (estimates)",
                "status": "estimate",
            }
        )
        share = round(depot.buses_allocated / (max_age + 1), 4)
        values = [share] * (max_age + 1)
        values[0] = round(values[0] + depot.buses_allocated - sum(values), 4)  # exact total
        ages.extend(
            {
                "segment_id": segment_id,
                "age_years": age,
                "buses": value,
                "source": f"estimate: ages spread evenly over 0-{max_age} years (no age data in a GTFS feed)",
                "status": "estimate",
            }
            for age, value in enumerate(values)
        )

    sites = depots.assign(
        site_id=[f"S-{d}" for d in depots["depot_id"]],
        kind="bus_depot",
        can_depot_charging=True,
        can_public_charging=False,
        can_hydrogen=True,
        max_chargers=[max(1, math.ceil(p / 2)) for p in depots["parking_spaces"]],
        existing_fast_chargers=0,
        existing_h2_kg_day=0.0,
        planned_h2_kg_day=0.0,
        planned_h2_year="",
        area_m2="",
        max_h2_kg_day="",  # no site limit known: the station ceiling (h2_station_max_modules) applies
        source="estimate: the placeholder depot as a site for depot chargers (one per two spaces) and a hydrogen station (site rules not checked)",
        status="estimate",
    )[[c.name for c in TABLES["candidate_sites"].columns]]

    # Write: geographic tables, empty ones, copied ones, the manifest, a note.
    out.mkdir(parents=True, exist_ok=True)
    try:
        _write(
            out,
            city,
            nodes,
            edges,
            depots,
            bus_routes,
            segments,
            ages,
            sites,
            base,
            base_city,
            gtfs,
            osm,
        )
        write_road_distances(out, [_road_distance_row(osm, summary["graph"])])
        dataset = load_dataset(out)
    except BaseException:
        # Leave no half-made dataset behind for the next run to trip over.
        shutil.rmtree(out, ignore_errors=True)
        raise
    summary.update(_summary(dataset, fleet, fleet_note))
    return summary


def _max_age(base: Path, vehicle_type: str) -> int:
    """Oldest age of today's buses: the base's diesel lifetime of the type, less one, at most 17."""
    try:
        parameters = _base_table(base, "parameters")
        rows = parameters[
            (parameters["parameter"] == "lifetime_years")
            & (parameters["vehicle_type"] == vehicle_type)
            & (parameters["technology"] == "diesel")
        ]
        return int(min(DEFAULT_MAX_AGE, max(1, float(rows["value"].iloc[0]) - 1)))
    except (OSError, KeyError, IndexError, ValueError, InputError):
        return DEFAULT_MAX_AGE


def _write(
    out: Path,
    city: City,
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    depots: pd.DataFrame,
    bus_routes: pd.DataFrame,
    segments: list[dict],
    ages: list[dict],
    sites: pd.DataFrame,
    base: Path,
    base_city: City,
    gtfs: Path,
    osm: Path,
) -> None:
    def write(name: str, frame: pd.DataFrame) -> None:
        # Stop, route and agency names come from the feed: a name such as '=HYPERLINK(...)'
        # is written as text a spreadsheet shows, never as a formula it runs.
        inert_frame(frame).to_csv(out / TABLES[name].file, index=False, lineterminator="\n")

    write("nodes", nodes)
    write("edges", edges)
    write("depots", depots[[c.name for c in TABLES["depots"].columns]])
    write("bus_routes", bus_routes)
    write("bus_segments", pd.DataFrame(segments))
    write("bus_age_profile", pd.DataFrame(ages))
    write("candidate_sites", sites)
    for name in EMPTY_TABLES:
        write(name, pd.DataFrame(columns=[c.name for c in TABLES[name].columns]))

    note = f"copied from the {base_city.name} dataset ({base.name}) by fleetplan city build; "
    for name in COPIED_TABLES:
        if name not in TABLES or not (base / TABLES[name].file).is_file():
            continue
        keep = None
        if name == "targets":
            targets = _base_table(base, name)
            # A count of vehicles is the base city's fleet; a share carries over, for classes this city has.
            keep = (targets["vehicle_class"] == "bus") & (targets["min_zev"].str.strip() == "")
        _copy_table(base, name, out, note, keep)

    write_city(
        city,
        out,
        comment=(
            f"{city.name}: built by `fleetplan city build` from {gtfs.name} and {osm.name}.\n"
            f"Derived: road graph, routes, buses. Estimates: depots, sites, fleet ages.\n"
            f"Copied from {base_city.name}: parameters, programmes, targets (prices in {city.currency})."
        ),
    )


def _road_distance_row(osm: Path, graph: dict[str, Any]) -> dict[str, object]:
    """The graph's row of ``road_distances.csv``: on the extract's roads, error not measured."""
    return {
        "graph": "coarse",
        "basis": ROAD_EXTRACT,
        "source": (
            f"fleetplan city build --osm {osm.name}: {graph['edges_measured']} of {graph['edges']} edges the shortest "
            f"road length on the extract between their stops' junctions, the rest the feed's length or (parts joined: "
            f"{graph['parts_joined']}) straight line x {ACCESS_CIRCUITY} (E); error against real roads not measured"
        ),
    }


def _summary(dataset: Dataset, fleet: int, fleet_note: str) -> dict[str, Any]:
    return {
        "folder": str(dataset.path),
        "bounds": list(dataset.city.bounds),
        "operators": sorted(dataset.depots["operator"].unique().tolist()),
        "routes": len(dataset.bus_routes),
        "depots": len(dataset.depots),
        "buses": int(dataset.bus_segments["buses"].sum()),
        "fleet_from": fleet_note,
        "fleet": fleet,
    }
