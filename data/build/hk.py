"""Build the derived Hong Kong tables from the HK Bus Crawling route file.

Usage::

    python data/build/hk.py --source PATH/routeFareList.min.json --out data/hk
    python data/build/hk.py --source ... --out DIR --osm hong-kong.osm.pbf

With ``--osm`` (a local OpenStreetMap extract: ``.osm``, ``.osm.bz2`` or ``.osm.pbf``)
the graph tables are measured on real road geometry: the same nodes (ids and order) move
to their nearest OSM road junction and each edge takes the shortest OSM road length
between them (:func:`fleetplan.network.importers.osm.road_lengths_from_osm`); crossings keep their
published lengths and nodes or edges the extract does not cover keep the bus-stop
measure. Without it the build needs nothing but the route file and is reproducible.

Reads ``routeFareList.min.json`` (DATA.GOV.HK franchised-bus routes, stops and
headways compiled by HK Bus Crawling) and the hand-curated ``depots.csv`` in the
output folder, and writes:

* ``nodes.csv`` / ``edges.csv``: the coarse road graph (stop clusters of at most
  ``COARSE_DIAMETER_M`` across, a few hundred nodes);
* ``nodes_fine.csv`` / ``edges_fine.csv``: the fine graph (clusters of at most
  ``FINE_DIAMETER_M``, about 1,000+ nodes);
* ``bus_routes.csv``: route variants per operator with length, weekday trips,
  buses required, daily km per bus and assigned depot;
* ``bus_segments.csv``: buses per depot x deck type x duty band, scaled so each
  depot matches its ``buses_allocated``;
* ``bus_age_profile.csv``: an estimated age profile per segment.

Everything is deterministic: iteration is sorted, clustering is a fixed
(complete-linkage) hierarchy, and numbers are rounded to fixed decimals, so a
rebuild from the same source file reproduces the committed tables byte for byte.

Metric work is done in the Hong Kong 1980 Grid (EPSG:2326, metres); stored
coordinates are WGS84 rounded to 6 decimals.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from fleetplan.errors import InputError
from fleetplan.network.city import HK_METRIC_CRS
from fleetplan.network.city_build import largest_remainder
from fleetplan.network.road_distances import CALIBRATED, FIGURES, ROAD_EXTRACT, write_road_distances
from fleetplan.data.build.hk_road_circuity import RoadTerrain, read_link_lengths
from fleetplan.network.road_links import NEIGHBOURS_K, SPANNER_TOLERANCE, link_graph, neighbour_pairs
from fleetplan.data.build.hk_stop_graph import CROSSINGS, build_graph, portal_id, region_of

#: Road circuity by 2 km cell and the 250 m cells that have roads, derived from TD's route
#: lines by data/build/hk_road_terrain.py (the lines themselves are not committed).
CIRCUITY_TABLE = Path(__file__).resolve().parent / "hk_road_circuity.csv"
ROAD_CELLS_TABLE = Path(__file__).resolve().parent / "hk_road_cells.csv"
#: Pairs of touching 250 m road cells a route line runs between (a coarse road network).
CELL_LINKS_TABLE = Path(__file__).resolve().parent / "hk_road_cell_links.csv"
#: Road length between consecutive bus stops along TD's route lines (data/build/hk_road_terrain.py).
STOP_PAIRS_TABLE = Path(__file__).resolve().parent / "hk_road_stop_pairs.csv"
STOP_PAIRS_SOURCE = (
    "TD bus route lines, CSDI td_rcd_1638844988873_41214, Transport Department, 2025-01-15: "
    "data/build/hk_road_stop_pairs.csv, D"
)
#: Road length of the candidate neighbour links on the network of TD's route lines, by graph and
#: node pair (data/build/hk_road_terrain.py; hk_road_circuity.derive_link_lengths).
LINK_LENGTHS_TABLE = Path(__file__).resolve().parent / "hk_road_links.csv"
#: How a bus edge not measured along a route line says so in its ``source`` (hk_stop_graph.build_graph).
UNMEASURED_BUS_EDGE = "road length along consecutive stops (EPSG:2326) x"
#: The graphs' error against a road network, by edges file (data/build/hk_road_error.py).
ERROR_TABLE = Path(__file__).resolve().parent / "hk_road_error.csv"

ATTRIBUTION = (
    "Source: DATA.GOV.HK (Transport Department; KMB/LWB, Citybus, NLB), "
    "compiled by HK Bus Crawling@2021"
)

#: Largest distance between two stop groups of one node (complete linkage), metres.
#: Chosen so the graphs land in the target size ranges (coarse ~200-400, fine ~1,000+).
COARSE_DIAMETER_M = 1500.0
FINE_DIAMETER_M = 400.0
#: A bus edge measured along the road is at least the straight line between its nodes x this,
#: by graph (estimate). A route passes a fine node (400 m) near its centre, so the measured
#: road stands (x 1.0); it may pass a coarse node's centre (1.5 km) hundreds of metres off,
#: and a path between two centres goes to them, so the coarse graph keeps the floor it had
#: (straight line x 1.27, STOP_LINE_CIRCUITY). Measured on both graphs, with either floor, in
#: data/README.md ("Bus edges along the road").
MEASURED_FLOOR = {COARSE_DIAMETER_M: 1.27, FINE_DIAMETER_M: 1.0}

#: Road distance per straight-line metre between consecutive stops. Estimate: straight
#: stop-to-stop lines miss road curvature and cut across hills and water on expressway
#: sections without stops (Lion Rock Tunnel, Tsing Ma, harbour tunnels); 1.2 brings
#: well-known trips (TST-Sha Tin 11.5 km, Central-Chai Wan ~10 km by road) to
#: road/straight ratios of ~1.2-1.3, in line with published urban circuity of 1.2-1.4.
ROAD_CIRCUITY = 1.2

#: Weekday used for trips: Wednesday. ``freq`` keys are TD GTFS service ids whose
#: value is a day bitmask (bit 0 Monday ... bit 4 Friday, bit 5 Saturday, bit 6 Sunday,
#: bit 7 public holiday): 287 Mon-Fri, 31 Mon-Fri, 319 Mon-Sat, 511 daily, 271 Mon-Thu
#: contain Wednesday; 288 Sat, 448 Sun/holiday, 480 weekend, 272 Fri do not.
WEEKDAY_BIT = 1 << 2
WEEKDAY_LABEL = (
    "Wednesday (GTFS service ids whose day bitmask has bit 2 set: 31, 271, 287, 319, 511)"
)

#: Terminal layover per one-way trip (minutes): max(LAYOVER_MIN, LAYOVER_SHARE x running time).
#: Estimate: HK termini schedule ~8-15 min recovery.
LAYOVER_MIN = 8.0
LAYOVER_SHARE = 0.15
#: Running speed used when a variant has no journey time (km/h), estimate.
FALLBACK_SPEED_KMH = 18.0

#: Licensed buses per operator at end-2024 (TD "Hong Kong: The Facts - Transport", V;
#: NLB from TD Annual Transport Digest 2021, V old).
OPERATOR_BUSES = {"kmb": 3895, "ctb": 1326 + 226, "lwb": 281, "nlb": 150}
#: Km per bus per day by operator (TD monthly data via webb-site, Feb 2019, V): KMB 191;
#: Citybus franchise 1 175 (HK 182 and NWFB 167 averaged, D); Citybus Lantau 373; LWB 364;
#: NLB 189. Timetable km (straight stop-to-stop lines, weekday peak buses) understate road
#: km, so each route's daily km is scaled by one factor per group to match these averages.
OPERATOR_DAILY_KM = {"kmb": 191.0, "ctb": 175.0, "ctb_lantau": 373.0, "lwb": 364.0, "nlb": 189.0}
#: Share of single-deck buses per operator. NLB 92/150 (TD ATD 2021 table 3.2, V).
#: Citybus (with NWFB, merged 2023) 56/1,665 (D): TD Annual Transport Digest vehicle
#: tables, Citybus end-2017 (ATD 2018: franchise 1 38 of 753, franchise 2 1 of 209, V)
#: and NWFB end-2019 (ATD 2020: 17 of 703, V). KMB 4 % and LWB 0 are estimates: the
#: stored TD tables for KMB and LWB were not found (KMB runs a few single-deck routes,
#: LWB's airport routes are double-deck).
SINGLE_DECK_SHARE = {"kmb": 0.04, "ctb": 56 / 1665, "lwb": 0.0, "nlb": 92 / 150}
#: Where each operator's single-deck share comes from (written into the segments' source).
SINGLE_DECK_SOURCE = {
    "kmb": "(estimate: no KMB count by deck type found)",
    "ctb": "(D: Citybus 39/962 end-2017, TD ATD 2018; NWFB 17/703 end-2019, TD ATD 2020)",
    "lwb": "(estimate: airport routes double-deck)",
    "nlb": "(TD ATD 2021, V)",
}
#: Zero-emission buses in service (2025 base year). KMB 82 e-buses at Dec 2024 (V);
#: Citybus ~12 battery buses + 1 hydrogen bus (E, few); LWB and NLB none known.
ZEV_TODAY = {"kmb": 82, "ctb": 13, "lwb": 0, "nlb": 0}
#: Fuel-cell buses among ZEV_TODAY, by segment: Citybus's hydrogen double-decker, in
#: service from 25 Feb 2024 on route 20 (Kai Tak - Tai Kok Tsui, 220-240 km/day in
#: bus_routes.csv, so the 200-300 km band), refuelled at the West Kowloon depot's station
#: (SCMP 2024; hydrogenwire 26 Feb 2024, V); placed at that depot (E), where its only
#: station is. The other zero-emission buses are battery buses.
FCEV_TODAY = {"CTB-WK-dd-200-300": 1}
#: Zero-emission buses are placed only in segments whose mean duty is at most this (km/day):
#: today's e-buses (300-350 km design range, ~200 km in summer) run the shorter duties.
ZEV_MAX_DAILY_KM = 300.0

DUTY_BANDS = (("le200", 0.0, 200.0), ("200-300", 200.0, 300.0), ("gt300", 300.0, math.inf))
#: Weights of ages 0..17 (retire before 18 years, V): roughly uniform, fewer very new
#: buses (deliveries slowed 2020-23 and e-bus orders are only now arriving) and fewer
#: at the oldest ages (some retire early). Estimate.
AGE_WEIGHTS = (0.45, 0.7, 0.85, 0.95) + (1.0,) * 11 + (0.95, 0.85, 0.7)

#: Box around Lantau and the airport (lon_max, lat_max): an operator ``kmb`` route with a
#: stop in it is a Long Win route (KMB itself runs no Lantau routes), a Citybus route in
#: it belongs to franchise 2 (Airport / North Lantau) and is run from a Lantau depot.
LANTAU_BOX = (114.06, 22.345)

_TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class Variant:
    """One route variant as read from ``routeList`` (stops of its first operator)."""

    key: str
    operators: tuple[str, ...]
    route: str
    bound: str
    service_type: str
    origin: str
    destination: str
    stops: tuple[str, ...]
    departures: tuple[int, ...]
    journey_min: float | None


# --------------------------------------------------------------------------- source


def load_source(path: str | Path) -> dict:
    """Read ``routeFareList.min.json`` (keys routeList, stopList, stopMap)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    for key in ("routeList", "stopList", "stopMap"):
        if key not in data:
            raise ValueError(
                f"{path}: missing key '{key}'; expected an HK Bus Crawling routeFareList file"
            )
    return data


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[2:])


def weekday_departures(freq: dict | None) -> list[int]:
    """Weekday departure times (minutes after midnight, sorted) from a ``freq`` entry.

    A band ``start: [end, headway_s]`` departs at start, start + headway, ... before
    end; a band whose value is null is a single departure (timetabled routes such as
    NLB's). Bands of every weekday service id are combined (they cover different hours).
    """
    if not freq:
        return []
    departures: set[int] = set()
    for code in sorted(freq, key=str):
        try:
            mask = int(code)
        except ValueError:
            continue
        if not mask & WEEKDAY_BIT:
            continue
        for start, value in sorted(freq[code].items()):
            first = _minutes(start)
            if value is None:
                departures.add(first)
                continue
            end, headway_s = _minutes(value[0]), float(value[1])
            if end < first:  # band runs past midnight
                end += 24 * 60
            if headway_s <= 0:
                departures.add(first)
                continue
            k = 0
            while first + k * headway_s / 60.0 < end:
                departures.add(round(first + k * headway_s / 60.0))
                k += 1
    return sorted(departures)


def read_variants(data: dict) -> list[Variant]:
    """Franchised-bus route variants (MTR feeder buses skipped), sorted by key.

    ``nwfb`` is mapped to ``ctb``: NWFB merged into Citybus in 2023. A ``kmb``
    variant with a stop on Lantau or at the airport is Long Win (``lwb``).
    """
    stop_list = data["stopList"]
    variants = []
    for key in sorted(data["routeList"]):
        entry = data["routeList"][key]
        operators: list[str] = []
        for co in entry["co"]:
            op = "ctb" if co == "nwfb" else co
            if op in ("kmb", "ctb", "nlb") and op not in operators:
                operators.append(op)
        if not operators:
            continue
        stops: tuple[str, ...] = ()
        for co in entry["co"]:
            if entry["stops"].get(co):
                stops = tuple(s for s in entry["stops"][co] if s in stop_list)
                break
        if len(stops) < 2:
            continue
        if "kmb" in operators and any(_in_lantau(stop_list[s]) for s in stops):
            operators = ["lwb" if op == "kmb" else op for op in operators]
        departures = weekday_departures(entry.get("freq"))
        jt = entry.get("jt")
        bound = "".join(sorted(set((entry.get("bound") or {}).values()))) or "O"
        variants.append(
            Variant(
                key=key,
                operators=tuple(operators),
                route=str(entry["route"]),
                bound=bound,
                service_type=str(entry.get("serviceType", "1")),
                origin=entry["orig"]["en"],
                destination=entry["dest"]["en"],
                stops=stops,
                departures=tuple(departures),
                journey_min=float(jt) if jt not in (None, "") else None,
            )
        )
    return variants


def _in_lantau(stop: dict) -> bool:
    loc = stop["location"]
    return loc["lng"] < LANTAU_BOX[0] and loc["lat"] < LANTAU_BOX[1]


# --------------------------------------------------------------------------- stops and clusters


def stop_groups(data: dict, used: set[str]) -> dict[str, str]:
    """Map each used stop id to a group id: operators' equivalent stops (``stopMap``) joined."""
    parent = {s: s for s in used}

    def find(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for key in sorted(data["stopMap"]):
        members = [key] + [pair[1] for pair in data["stopMap"][key]]
        members = sorted(m for m in members if m in parent)
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {s: find(s) for s in sorted(used)}


def stop_frame(data: dict, used: set[str]) -> pd.DataFrame:
    """Used stops with WGS84 and EPSG:2326 coordinates (metres) and their group id."""
    ids = sorted(used)
    lon = np.array([data["stopList"][s]["location"]["lng"] for s in ids], dtype=float)
    lat = np.array([data["stopList"][s]["location"]["lat"] for s in ids], dtype=float)
    x, y = _TO_GRID.transform(lon, lat)
    groups = stop_groups(data, used)
    return pd.DataFrame(
        {
            "stop_id": ids,
            "name": [data["stopList"][s]["name"]["en"] for s in ids],
            "x": x,
            "y": y,
            "group": [groups[s] for s in ids],
        }
    ).set_index("stop_id")


# --------------------------------------------------------------------------- routes


def _grid_xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = _TO_GRID.transform(lon, lat)
    return float(x), float(y)


def _group_key(variant: Variant) -> tuple[str, str, tuple[str, ...]]:
    """Both directions of one route and service type (they share buses)."""
    return (variant.route, variant.service_type, variant.operators)


def peak_buses(departures: list[tuple[int, float]]) -> float:
    """Most buses in service at once.

    Each departure (minute after midnight, cycle minutes) holds a bus for its running
    time plus layover; counted on a one-minute grid over 48 hours (after-midnight
    departures are written as 24:xx or later in the source).
    """
    load = np.zeros(48 * 60 + 1, dtype=float)
    for minute, cycle in departures:
        start = min(minute, len(load) - 2)
        end = min(start + math.ceil(cycle), len(load) - 1)
        load[start] += 1.0
        load[end] -= 1.0
    return float(np.cumsum(load).max()) if departures else 0.0


def build_routes(
    stops: pd.DataFrame, variants: list[Variant], depots: pd.DataFrame
) -> pd.DataFrame:
    """One row per route variant and operator (joint routes split evenly).

    * ``length_km``: sum of straight stop-to-stop distances (EPSG:2326) x :data:`ROAD_CIRCUITY`.
    * ``trips_per_day``: weekday departures (see :data:`WEEKDAY_LABEL`), divided by the
      number of operators on a joint route.
    * ``buses_required``: peak buses in service for the route (both directions of a route
      number and service type together, so the morning and evening peaks share buses):
      each departure holds a bus for its running time (the file's ``jt``, else length at
      :data:`FALLBACK_SPEED_KMH`) plus layover; the route's peak is shared among its
      variants by bus-minutes, and among joint operators evenly.
    * ``daily_km_timetable``: trips x length / buses_required (km a peak bus runs a day,
      along straight stop-to-stop lines); ``daily_km_per_bus`` is that value scaled by
      one factor per operator group (``calibration_group``) so the bus-weighted mean
      matches :data:`OPERATOR_DAILY_KM` (TD data, V): straight lines and the 2022
      timetable understate the km buses actually run (road detours, deadheading).
    * ``depot_id``: nearest depot of the operator (EPSG:2326 straight line) to the origin
      terminus of the route's outbound variant; Citybus franchise-2 routes (Lantau or
      airport) only from Citybus Lantau depots, other Citybus routes from the others.
    """
    sx = stops["x"].to_dict()
    sy = stops["y"].to_dict()
    box_x, box_y = _grid_xy(*LANTAU_BOX)
    depot_xy = {row.depot_id: _grid_xy(row.lon, row.lat) for row in depots.itertuples(index=False)}
    depots_of: dict[str, list[str]] = defaultdict(list)
    for row in depots.sort_values("depot_id").itertuples(index=False):
        depots_of[row.operator].append(row.depot_id)
    lantau_depots = {d for d, (x, y) in depot_xy.items() if x < box_x and y < box_y}

    length_km: dict[str, float] = {}
    cycle: dict[str, float] = {}
    groups: dict[tuple, list[Variant]] = defaultdict(list)
    for variant in variants:
        km = 0.0
        for a, b in itertools.pairwise(variant.stops):
            km += math.hypot(sx[b] - sx[a], sy[b] - sy[a]) / 1000.0 * ROAD_CIRCUITY
        running = variant.journey_min if variant.journey_min else km / FALLBACK_SPEED_KMH * 60.0
        length_km[variant.key] = km
        cycle[variant.key] = running + max(LAYOVER_MIN, LAYOVER_SHARE * running)
        groups[_group_key(variant)].append(variant)

    buses_of: dict[str, float] = {}
    origin_of: dict[tuple, str] = {}
    for key in sorted(groups):
        members = groups[key]
        peak = peak_buses([(d, cycle[v.key]) for v in members for d in v.departures])
        minutes = {v.key: len(v.departures) * cycle[v.key] for v in members}
        total = sum(minutes.values())
        for v in members:
            buses_of[v.key] = peak * minutes[v.key] / total if total > 0 else 0.0
        outbound = [v for v in members if v.bound == "O"] or members
        origin_of[key] = outbound[0].stops[0]

    rows = []
    used_ids: Counter[str] = Counter()
    for variant in variants:
        n_ops = len(variant.operators)
        origin_stop = origin_of[_group_key(variant)]
        ox, oy = sx[origin_stop], sy[origin_stop]
        lantau_route = any(sx[s] < box_x and sy[s] < box_y for s in variant.stops)
        for op in variant.operators:
            trips = len(variant.departures) / n_ops
            buses = buses_of[variant.key] / n_ops
            daily_km = trips * length_km[variant.key] / buses if buses > 0 else 0.0
            candidates = depots_of[op]
            if op == "ctb":
                candidates = [
                    d for d in candidates if (d in lantau_depots) == lantau_route
                ] or candidates
            depot = min(
                candidates, key=lambda d: (math.hypot(depot_xy[d][0] - ox, depot_xy[d][1] - oy), d)
            )
            base = re.sub(r"[^A-Za-z0-9]", "", variant.route)
            route_id = f"{op.upper()}-{base}-{variant.bound}-{variant.service_type}"
            used_ids[route_id] += 1
            if used_ids[route_id] > 1:
                route_id = f"{route_id}-{used_ids[route_id]}"
            group = "ctb_lantau" if op == "ctb" and lantau_route else op
            rows.append(
                {
                    "route_id": route_id,
                    "operator": op,
                    "route": variant.route,
                    "origin": variant.origin,
                    "destination": variant.destination,
                    "depot_id": depot,
                    "length_km": round(length_km[variant.key], 2),
                    "trips_per_day": round(trips, 1),
                    "buses_required": round(buses, 2),
                    "daily_km_per_bus": daily_km,
                    "daily_km_timetable": round(daily_km, 1),
                    "calibration_group": group,
                    "joint_operators": n_ops,
                    "source": (
                        f"{ATTRIBUTION}; weekday trips, peak buses and km derived by "
                        "data/build/hk.py; daily km calibrated to TD km/bus/day (Feb 2019, V)"
                    ),
                    "status": "derived",
                }
            )
    routes = pd.DataFrame(rows)
    # Calibrate: bus-weighted mean daily km of each group = OPERATOR_DAILY_KM (TD, V).
    for group, target in sorted(OPERATOR_DAILY_KM.items()):
        mask = routes["calibration_group"] == group
        buses = routes.loc[mask, "buses_required"]
        km = (routes.loc[mask, "trips_per_day"] * routes.loc[mask, "length_km"]).sum()
        factor = target * buses.sum() / km if km > 0 else 1.0
        routes.loc[mask, "daily_km_per_bus"] = routes.loc[mask, "daily_km_per_bus"] * factor
    routes["daily_km_per_bus"] = routes["daily_km_per_bus"].round(1)
    return routes


# --------------------------------------------------------------------------- segments


def _band(km: float) -> str:
    for label, low, high in DUTY_BANDS:
        if low < km <= high or (low == 0.0 and km <= high):
            return label
    return DUTY_BANDS[-1][0]


def build_segments(routes: pd.DataFrame, depots: pd.DataFrame) -> pd.DataFrame:
    """Buses per depot x deck type x duty band.

    Each depot's ``buses_allocated`` (depots.csv) is split over duty bands in
    proportion to the peak buses its routes need in each band (operator mix if it
    runs no route), then over deck types by the operator's single-deck share.
    ``daily_km`` is the bus-weighted mean of its routes' daily km in the band.
    ``zev_today`` spreads :data:`ZEV_TODAY` over each operator's segments with
    daily_km <= :data:`ZEV_MAX_DAILY_KM`, in proportion to buses, except the fuel-cell
    buses of :data:`FCEV_TODAY`, which sit in their named segments (``fcev_today``).
    """
    routes = routes.assign(band=[_band(km) for km in routes["daily_km_per_bus"]])
    active = routes[routes["buses_required"] > 0]
    rows = []
    for depot in depots.sort_values("depot_id").itertuples(index=False):
        mine = active[active["depot_id"] == depot.depot_id]
        basis = mine if not mine.empty else active[active["operator"] == depot.operator]
        band_buses = []
        band_km = []
        for label, _, _ in DUTY_BANDS:
            part = basis[basis["band"] == label]
            buses = float(part["buses_required"].sum())
            band_buses.append(buses)
            km = (
                float((part["buses_required"] * part["daily_km_per_bus"]).sum() / buses)
                if buses > 0
                else 0.0
            )
            band_km.append(km)
        per_band = largest_remainder(band_buses, int(depot.buses_allocated))
        single_share = SINGLE_DECK_SHARE[depot.operator]
        basis_note = "its routes" if not mine.empty else "operator-wide routes (no route assigned)"
        for (label, _, _), n, km in zip(DUTY_BANDS, per_band, band_km, strict=True):
            n_single = round(n * single_share)
            for vehicle_type, count in (("bus_double", n - n_single), ("bus_single", n_single)):
                if count <= 0:
                    continue
                short = "dd" if vehicle_type == "bus_double" else "sd"
                rows.append(
                    {
                        "segment_id": f"{depot.depot_id}-{short}-{label}",
                        "depot_id": depot.depot_id,
                        "vehicle_type": vehicle_type,
                        "duty_band": label,
                        "buses": count,
                        "daily_km": round(km, 1),
                        "zev_today": 0,
                        "fcev_today": 0,
                        "operator": depot.operator,
                        "source": (
                            f"{ATTRIBUTION}; depot buses_allocated (depots.csv) split by the duty mix of "
                            f"{basis_note}; single-deck share {single_share:.3f} "
                            + SINGLE_DECK_SOURCE[depot.operator]
                        ),
                        "status": "estimate",
                    }
                )
    segments = pd.DataFrame(rows)
    fuel_cell = segments["segment_id"].map(FCEV_TODAY).fillna(0).astype(int)
    for op, zev in sorted(ZEV_TODAY.items()):
        mine = segments["operator"] == op
        # Battery buses are spread; the fuel-cell ones sit in their named segments.
        battery = zev - int(fuel_cell[mine].sum())
        eligible = segments.index[mine & (segments["daily_km"] <= ZEV_MAX_DAILY_KM)]
        counts = largest_remainder([float(segments.at[i, "buses"]) for i in eligible], battery)
        for i, c in zip(eligible, counts, strict=True):
            segments.at[i, "zev_today"] = c
    segments["zev_today"] = segments["zev_today"] + fuel_cell
    segments["fcev_today"] = fuel_cell
    return segments


def build_age_profile(segments: pd.DataFrame) -> pd.DataFrame:
    """Buses per segment and age 0..17 (float), summing exactly to the segment's buses."""
    weight_sum = sum(AGE_WEIGHTS)
    rows = []
    for seg in segments.itertuples(index=False):
        values = [round(seg.buses * w / weight_sum, 4) for w in AGE_WEIGHTS]
        # Put the rounding residual on the largest age class so the sum is exact.
        values[7] = round(values[7] + seg.buses - sum(values), 4)
        rows.extend(
            {
                "segment_id": seg.segment_id,
                "age_years": age,
                "buses": value,
                "source": (
                    "estimate: roughly uniform ages 0-17 (franchised buses retire before 18 years, "
                    "LCQ13 2011, V) with fewer buses aged 0-3 (slower deliveries 2021-24) and 15-17 "
                    "(early retirements); no per-depot age data published"
                ),
                "status": "estimate",
            }
            for age, value in enumerate(values)
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- main


def _same_region(lon: float, lat: float, osm_lon: float, osm_lat: float) -> bool:
    """A node may move only to an OSM junction in its own land region (not across water)."""
    return region_of(lon, lat) == region_of(osm_lon, osm_lat)


def _neighbour_links(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    road: tuple[pd.DataFrame, pd.DataFrame] | None,
    terrain: RoadTerrain | None,
    info: dict,
    measured: dict[tuple[str, str], tuple[float, float]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Link every node to its neighbours along the roads (:func:`link_graph`).

    With a road extract (``road``) nodes move to their junctions and every link takes the
    shortest road length (a neighbour link the extract cannot measure is dropped); without
    one a neighbour link takes its length on the network of TD's route lines where
    ``measured`` (:data:`LINK_LENGTHS_TABLE`: node pair -> (straight_m, road_m)) has it for
    nodes still where they were measured, else the straight line x the calibrated circuity
    of ``terrain``, not made over water or roadless hills.
    """
    x, y = _TO_GRID.transform(nodes["lon"].to_numpy(dtype=float), nodes["lat"].to_numpy(dtype=float))
    xy = {n: (float(a), float(b)) for n, a, b in zip(nodes["node_id"], x, y, strict=True)}
    region = {n: region_of(lon, lat) for n, lon, lat in zip(nodes["node_id"], nodes["lon"], nodes["lat"], strict=True)}
    keep = [(portal_id(c, 0), portal_id(c, 1)) for c in CROSSINGS]
    moved: dict[str, pd.DataFrame] = {"nodes": nodes}

    if road is None:
        assert terrain is not None

        def measure(candidates: pd.DataFrame) -> pd.DataFrame:
            lengths, sources = [], []
            for row in candidates.itertuples(index=False):
                a, b = xy[row.from_node], xy[row.to_node]
                found = (measured or {}).get((row.from_node, row.to_node))
                if row.link != "neighbour":
                    portal_leg = row.from_node.startswith("P-") or row.to_node.startswith("P-")
                    same_place = found is not None and abs(found[0] - math.dist(a, b)) <= 0.1
                    if not portal_leg and same_place and math.isfinite(found[1]):
                        # A bus edge is the road between its two nodes, as a neighbour link is:
                        # along the route it was the road between where the route passes them,
                        # short of the nodes by their offsets, and a node's reach starts at its
                        # centre. Legs to a crossing portal keep their floor (the tunnel bound).
                        lengths.append(found[1])
                        sources.append(
                            f"{ATTRIBUTION}; bus edge at the road length between the nodes' nearest "
                            "junctions on the network of TD bus and minibus route lines (CSDI "
                            "td_rcd_1638844988873_41214, Transport Department, 2025-01-15: "
                            f"data/build/hk_road_links.csv, D); {row.source.rsplit('; ', 1)[-1]}"
                        )
                    elif (
                        not portal_leg
                        and measured
                        and found is None
                        and (metres := terrain.estimate_m(a, b)) is not None
                        and math.ceil(metres * 10.0 - 1e-6) / 10.0 > row.length_m
                    ):
                        # The table leaves out a node the lines do not reach within 150 m: the
                        # road along the route is short of its centre, so the calibrated
                        # centre-to-centre estimate. (No table at all: the road along the route.)
                        lengths.append(math.ceil(metres * 10.0 - 1e-6) / 10.0)
                        sources.append(
                            f"{ATTRIBUTION}; bus edge with a node no TD route line passes within 150 m, "
                            "at the calibrated road estimate between the node centres (straight line x the "
                            "road circuity of its 2 km cell, or the way through the 250 m road cells where "
                            "longer: TD bus route lines 2025, data/build/hk_road_circuity.csv, "
                            "hk_road_cell_links.csv, D), "
                            f"longer than the road along the route; {row.source.rsplit('; ', 1)[-1]}"
                        )
                    else:
                        lengths.append(row.length_m)
                        sources.append(row.source)
                    continue
                if found is not None and abs(found[0] - math.dist(a, b)) <= 0.1:
                    # Measured on the lines: the thinning then chooses among road lengths, not
                    # among estimates whose shortfalls it would favour. NaN: the lines join the
                    # two nodes only far round, so no link.
                    lengths.append(found[1])
                    sources.append(
                        f"{ATTRIBUTION}: node positions; link to a neighbouring node, road length between "
                        "the nodes' nearest junctions on the network of TD bus and minibus route lines "
                        "(CSDI td_rcd_1638844988873_41214, Transport Department, 2025-01-15: "
                        "data/build/hk_road_links.csv, D) by network/road_links.py"
                    )
                    continue
                metres = terrain.estimate_m(a, b)
                middle = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)
                lengths.append(math.nan if metres is None else math.ceil(metres * 10.0 - 1e-6) / 10.0)
                sources.append(
                    f"{ATTRIBUTION}: node positions; link to a neighbouring node, straight line x road "
                    f"circuity {terrain.circuity_at(*middle):.3f} of its 2 km cell, or the way through the "
                    "250 m road cells the route lines join where longer (TD bus route lines 2025, "
                    "data/build/hk_road_circuity.csv, hk_road_cell_links.csv, D) by network/road_links.py"
                )
            out = candidates.assign(length_m=lengths, source=sources)
            return out[out["length_m"].notna()].reset_index(drop=True)

    else:
        from fleetplan.network.importers.osm import road_lengths_from_osm

        def measure(candidates: pd.DataFrame) -> pd.DataFrame:
            # A neighbour link is tried up to OSM_MAX_RATIO x 1.35 x its straight line.
            given = candidates["length_m"].where(candidates["link"] == "bus", candidates["length_m"] * 1.35)
            on_road, measured, info["osm"] = road_lengths_from_osm(
                nodes, candidates.assign(length_m=given), *road, keep=keep, same_area=_same_region, metric_crs=HK_METRIC_CRS
            )
            moved["nodes"] = on_road
            by_osm = measured["source"].str.startswith("OpenStreetMap")
            measured = measured[(measured["link"] == "bus") | by_osm].copy()
            neighbour = measured["link"] == "neighbour"
            measured.loc[neighbour, "source"] = measured.loc[neighbour, "source"].str.replace(
                r"; bus trips: .*$", "; link to a neighbouring node by network/road_links.py", regex=True
            )
            return measured.reset_index(drop=True)

    linked, links = link_graph(
        nodes,
        edges,
        xy,
        region,
        keep=keep,
        measure=measure,
        k=NEIGHBOURS_K,
        tolerance=SPANNER_TOLERANCE,
        source=ATTRIBUTION,
    )
    return moved["nodes"], linked, links


#: How the calibrated graph measures its edges (the ``source`` of its road_distances.csv rows).
CALIBRATED_METHOD = (
    "data/build/hk.py: bus edges and links to neighbouring nodes the road length between the nodes' nearest "
    "junctions on the route lines' network (data/build/hk_road_links.csv); bus edges it does not join the road "
    "length along the TD route lines between consecutive stops (data/build/hk_road_stop_pairs.csv; unmatched "
    "stops the straight line x 1.27); links the lines do not join the straight line x the road circuity of "
    "their 2 km cell "
    "(data/build/hk_road_circuity.csv) or the way through the road cells the lines join, all derived from TD "
    "bus route lines"
)


def road_distance_rows(out: Path, osm: str | Path | None = None, error_table: Path = ERROR_TABLE) -> list[dict[str, object]]:
    """The rows of ``out/road_distances.csv`` for the graphs just written (basis and error).

    A calibrated graph takes the figures of ``error_table`` (:data:`ERROR_TABLE`) measured on the same edges file
    (same SHA-256); a rebuilt graph has none until it is measured again.
    """
    measured = pd.read_csv(error_table, dtype={"graph": str}) if error_table.is_file() else pd.DataFrame()
    rows: list[dict[str, object]] = []
    for graph, file in (("coarse", "edges.csv"), ("fine", "edges_fine.csv")):
        sha = hashlib.sha256((out / file).read_bytes()).hexdigest()
        measure = "python data/build/hk_road_error.py --td-routes ROUTE_LINES --source ROUTE_FILE --dataset THIS_FOLDER"
        if osm is not None:
            rows.append({
                "graph": graph, "basis": ROAD_EXTRACT,
                "source": f"data/build/hk.py --osm {Path(osm).name}: every edge the shortest road length on the extract "
                f"between its nodes' junctions (crossings at their published lengths); error not measured (measure: {measure})",
            })  # fmt: skip
            continue
        row: dict[str, object] = {"graph": graph, "basis": CALIBRATED}
        mine = measured[measured["graph"] == graph] if len(measured) else measured
        checks = mine["check"] if "check" in mine.columns else pd.Series("in-sample", index=mine.index)
        hit = mine[(mine["edges_sha256"] == sha) & (checks == "in-sample")] if len(mine) else mine
        if len(hit):
            found = hit.iloc[0]
            row.update({column: found[column] for column in FIGURES})
            row["measured_against"] = found["measured_against"]
            held = mine[checks == "held-out"]
            held_text = (
                f"; held out (road tables from half of the route lines, graph measured on the roads of the other half, "
                f"see data/build/hk_road_error.csv): within 15 % {held['within_15pct'].iloc[0]}, "
                f"single-edge p10 {held['edge_p10_ratio'].iloc[0]}"
                if len(held)
                else ""
            )
            row["source"] = (
                f"{CALIBRATED_METHOD}; error measured {found['measured_on']} by {found['command']} on this {file} "
                f"(SHA-256 {sha[:12]}), in sample{held_text}"
            )
        else:
            row["source"] = (
                f"{CALIBRATED_METHOD}; error not measured on this {file} (measure: {measure})"
            )
        rows.append(row)
    return rows


def read_stop_pairs(path: Path = STOP_PAIRS_TABLE) -> dict[tuple[str, str], float]:
    """(from stop, to stop) -> road metres along TD's route lines; empty when the table is absent."""
    if not Path(path).is_file():
        return {}
    table = pd.read_csv(path, dtype={"from_stop": str, "to_stop": str})
    return {
        (a, b): float(m)
        for a, b, m in zip(table["from_stop"], table["to_stop"], table["road_m"], strict=True)
    }


def link_candidates(
    source: str | Path,
) -> dict[str, tuple[dict[str, tuple[float, float]], list[tuple[str, str]]]]:
    """Graph name -> (node position EPSG:2326 m, node pairs a road length may be wanted for).

    The nodes are those :func:`build` writes (their positions do not depend on any road
    table); the pairs are every pair :func:`link_graph` may make a neighbour link of and
    every bus edge within one land region (portals left out), for
    :func:`fleetplan.data.build.hk_road_circuity.derive_link_lengths` to measure.
    """
    data = load_source(source)
    variants = read_variants(data)
    stops = stop_frame(data, {s for v in variants for s in v.stops})
    out = {}
    for name, diameter in (("coarse", COARSE_DIAMETER_M), ("fine", FINE_DIAMETER_M)):
        nodes, edges, _ = build_graph(stops, variants, diameter, source=ATTRIBUTION)
        x, y = _TO_GRID.transform(nodes["lon"].to_numpy(dtype=float), nodes["lat"].to_numpy(dtype=float))
        xy = {n: (float(a), float(b)) for n, a, b in zip(nodes["node_id"], x, y, strict=True)}
        region = {
            n: region_of(lon, lat) for n, lon, lat in zip(nodes["node_id"], nodes["lon"], nodes["lat"], strict=True)
        }
        pairs = {(str(a), str(b)) for a, b in neighbour_pairs(xy, region, NEIGHBOURS_K) if region[a] == region[b]}
        pairs |= {
            (a, b)
            for a, b in zip(edges["from_node"], edges["to_node"], strict=True)
            if region[a] == region[b] and not (a.startswith("P-") or b.startswith("P-"))
        }
        out[name] = (xy, sorted(pairs))
    return out


def build(
    source: str | Path,
    out: str | Path,
    osm: str | Path | None = None,
    *,
    stop_pairs: Path = STOP_PAIRS_TABLE,
    terrain_tables: tuple[Path, Path, Path] = (CIRCUITY_TABLE, ROAD_CELLS_TABLE, CELL_LINKS_TABLE),
    link_lengths: Path = LINK_LENGTHS_TABLE,
) -> dict:
    """Build all derived tables from ``source`` into folder ``out``; return a summary.

    ``osm``: optional local OpenStreetMap extract; the graph tables then take node
    positions and edge lengths from its drivable roads (see the module docstring).
    ``stop_pairs`` (:data:`STOP_PAIRS_TABLE`) and ``terrain_tables`` (circuity, road cells,
    cell links) and ``link_lengths`` (:data:`LINK_LENGTHS_TABLE`) are the tables derived from
    TD's route lines; another set (e.g. derived from half of the lines,
    ``data/build/hk_road_error.py --source``) builds another graph.
    """
    out = Path(out)
    road = None
    if osm is not None:
        from fleetplan.network.importers.osm import import_osm

        road = import_osm(osm, network_type="drive", metric_crs=HK_METRIC_CRS)
    data = load_source(source)
    variants = read_variants(data)
    used = {s for v in variants for s in v.stops}
    stops = stop_frame(data, used)
    depots = pd.read_csv(out / "depots.csv")

    summary: dict = {"variants": len(variants), "stops": len(stops)}
    terrain = RoadTerrain.load(*terrain_tables) if road is None else None
    pairs = read_stop_pairs(stop_pairs)
    links_measured = read_link_lengths(link_lengths) if road is None else {}
    for suffix, diameter in (("", COARSE_DIAMETER_M), ("_fine", FINE_DIAMETER_M)):
        nodes, edges, info = build_graph(
            stops,
            variants,
            diameter,
            source=ATTRIBUTION,
            trips_label=WEEKDAY_LABEL.split(" (")[0],
            stop_pair_m=pairs,
            stop_pair_source=STOP_PAIRS_SOURCE,
            measured_floor=MEASURED_FLOOR[diameter],
        )
        graph_name = "fine" if suffix else "coarse"
        nodes, edges, info["links"] = _neighbour_links(
            nodes, edges, road, terrain, info, links_measured.get(graph_name)
        )
        nodes.to_csv(out / f"nodes{suffix}.csv", index=False, lineterminator="\n")
        edges.to_csv(out / f"edges{suffix}.csv", index=False, lineterminator="\n")
        summary[f"graph{suffix or '_coarse'}"] = info
    write_road_distances(out, road_distance_rows(out, osm))

    routes = build_routes(stops, variants, depots)
    routes.to_csv(out / "bus_routes.csv", index=False, lineterminator="\n")
    segments = build_segments(routes, depots)
    segments.to_csv(out / "bus_segments.csv", index=False, lineterminator="\n")
    ages = build_age_profile(segments)
    ages.to_csv(out / "bus_age_profile.csv", index=False, lineterminator="\n")
    summary["routes"] = len(routes)
    summary["segments"] = len(segments)
    summary["route_buses_required"] = (
        routes.groupby("operator")["buses_required"].sum().round(1).to_dict()
    )
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``--source`` route file, ``--out`` dataset folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="path to routeFareList.min.json")
    parser.add_argument("--out", default="data/hk", help="dataset folder holding depots.csv")
    parser.add_argument(
        "--osm",
        help="optional local OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf): measure the graph on its roads",
    )
    args = parser.parse_args(argv)
    try:
        summary = build(args.source, args.out, osm=args.osm)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for key, value in summary.items():
        if isinstance(value, dict) and "dropped_components" in value:
            value = {**value, "dropped_components": [len(c) for c in value["dropped_components"]]}
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
