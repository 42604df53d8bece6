"""A deterministic synthetic city in the dataset schema, for scaling benchmarks.

The city is a jittered grid of road nodes inside the Hong Kong bounding box
(so the default loaders accept it with ``hk_bounds=True``), joined by the
grid's horizontal and vertical links plus some diagonals; a few vertical links
are dropped to make paths less regular, never in the first column, so every
row stays joined to the others and the graph is connected by construction.
Edge lengths are the straight-line EPSG:2326 distance (metres) times a road
circuity factor of 1.25.

On top of it: ``depots`` bus depots (each with a ``bus_depot`` candidate site,
two or three bus segments and an 18-year age profile), ``sites`` candidate
sites in all (a mix of kinds with ``can_*`` flags), ``zones`` taxi demand zones
spread over the three taxi classes, ``flows`` heavy-vehicle round-trip flows
between truck places, and the parameters, programmes and targets of the Hong
Kong default (``data/hk``) when it is there, else the round-number
``bench/base_parameters.py`` (the tests' base case). Targets are generated as zero-emission shares inside the
horizon of ``years`` years from 2025, so the synthetic fleet sizes never make
an absolute Hong Kong target meaningless.

Every random draw comes from one ``numpy.random.Generator`` seeded with
``seed``: the same arguments always give the same tables, byte for byte.
Nothing here is real data.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from fleetplan.network.city import HK_METRIC_CRS
from fleetplan.network.graph import to_grid
from fleetplan.network.loaders import DEFAULT_DATASET, Dataset, _check_references
from fleetplan.network.schema import OPERATORS, TABLES, TRUCK_PLACE_KINDS, WGS84, validate_table

#: Box the city is drawn in (lon_min, lat_min, lon_max, lat_max), inside network.schema.HK_BOUNDS.
CITY_BOX = (113.86, 22.18, 114.40, 22.53)
#: The synthetic folder has no city.yaml, so it is measured as Hong Kong's is (its box is inside Hong Kong's).
METRIC_CRS = HK_METRIC_CRS
#: Road length per metre of straight line (typical urban circuity).
CIRCUITY = 1.25
#: Share of grid cells that get a diagonal link.
DIAGONAL_SHARE = 0.15
#: Share of vertical links dropped (never in column 0, so the graph stays connected).
DROPPED_VERTICAL_SHARE = 0.10
#: First model year of the synthetic horizon.
BASE_YEAR = 2025
SRC = {"source": "synthetic benchmark city (bench/synthetic.py)", "status": "estimate"}

#: Candidate-site kinds other than bus depots, with their sampling weights and flags
#: (can_public_charging, can_hydrogen), loosely following the Hong Kong default mix.
SITE_KIND_MIX: dict[str, tuple[float, bool, bool]] = {
    "car_park": (0.45, True, False),
    "petrol_station": (0.20, True, True),
    "lpg_station": (0.15, True, True),
    "landfill": (0.12, False, True),
    "hydrogen_station": (0.08, False, True),
}


def _with_source(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(**SRC)


def _grid_nodes(n_nodes: int, rng: np.random.Generator) -> tuple[pd.DataFrame, int, int]:
    """Jittered grid of about ``n_nodes`` nodes; returns (nodes, rows, cols).

    The grid's aspect follows the box's metric aspect so cells are square-ish.
    """
    lon_min, lat_min, lon_max, lat_max = CITY_BOX
    x0, y0 = to_grid(np.array([lon_min]), np.array([lat_min]), METRIC_CRS)
    x1, y1 = to_grid(np.array([lon_max]), np.array([lat_max]), METRIC_CRS)
    aspect = float((x1 - x0)[0] / (y1 - y0)[0])
    cols = max(2, round(math.sqrt(n_nodes * aspect)))
    rows = max(2, math.ceil(n_nodes / cols))
    r, c = np.divmod(np.arange(rows * cols), cols)
    # Jitter up to 30 % of a cell so no two nodes coincide and no edge has length 0.
    jitter = rng.uniform(-0.3, 0.3, size=(rows * cols, 2))
    lon = lon_min + (c + 0.5 + jitter[:, 0]) / cols * (lon_max - lon_min)
    lat = lat_min + (r + 0.5 + jitter[:, 1]) / rows * (lat_max - lat_min)
    width = len(str(rows * cols))
    nodes = pd.DataFrame(
        {
            "node_id": [f"N{i:0{width}d}" for i in range(rows * cols)],
            "lon": np.round(lon, 6),
            "lat": np.round(lat, 6),
            "name": [f"Synthetic node {i}" for i in range(rows * cols)],
            "n_stops": 1,
        }
    )
    return nodes, rows, cols


def _grid_edges(
    nodes: pd.DataFrame, rows: int, cols: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Horizontal, vertical (some dropped) and diagonal links with lengths in metres."""
    index = np.arange(rows * cols).reshape(rows, cols)
    pairs = [
        np.column_stack(
            [index[:, :-1].ravel(), index[:, 1:].ravel()]
        ),  # horizontal: every row a path
    ]
    vertical = np.column_stack([index[:-1, :].ravel(), index[1:, :].ravel()])
    column = np.tile(np.arange(cols), rows - 1)
    keep = (column == 0) | (rng.random(len(vertical)) >= DROPPED_VERTICAL_SHARE)
    pairs.append(vertical[keep])
    diagonal = np.column_stack([index[:-1, :-1].ravel(), index[1:, 1:].ravel()])
    pairs.append(diagonal[rng.random(len(diagonal)) < DIAGONAL_SHARE])
    ends = np.concatenate(pairs)
    x, y = to_grid(nodes["lon"].to_numpy(), nodes["lat"].to_numpy(), METRIC_CRS)
    straight = np.hypot(x[ends[:, 0]] - x[ends[:, 1]], y[ends[:, 0]] - y[ends[:, 1]])
    ids = nodes["node_id"].to_numpy()
    return pd.DataFrame(
        {
            "from_node": ids[ends[:, 0]],
            "to_node": ids[ends[:, 1]],
            "length_m": np.round(np.maximum(straight * CIRCUITY, 1.0), 1),
            "bus_trips_per_day": rng.integers(10, 400, size=len(ends)).astype(float),
        }
    )


def _hk_table(name: str) -> pd.DataFrame | None:
    """A table of the Hong Kong default as raw strings, or None if it is not there."""
    path = DEFAULT_DATASET / TABLES[name].file
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _parameters() -> pd.DataFrame:
    frame = _hk_table("parameters")
    if frame is not None:
        return frame
    from bench.base_parameters import BASE_PARAMETERS  # only when the Hong Kong default is missing

    return _with_source(
        pd.DataFrame(
            [
                {
                    "parameter": n,
                    "vehicle_type": v,
                    "technology": k,
                    "year": BASE_YEAR,
                    "value": value,
                    "unit": "-",
                }
                for (n, v, k), value in BASE_PARAMETERS.items()
            ]
        )
    )


def _programmes(years: int) -> pd.DataFrame:
    frame = _hk_table("programmes")
    if frame is not None:
        return frame
    last = BASE_YEAR + min(years, 3) - 1
    rows = [
        ("e_bus", "bus_double", "bev", 800_000, 0.25, 470e6),
        ("e_bus", "bus_single", "bev", 400_000, 0.25, 470e6),
        ("e_taxi", "taxi", "bev", 45_000, 1.0, 135e6),
        ("h2_trial", "truck", "fcev", 1_200_000, 0.5, 145e6),
    ]
    return _with_source(
        pd.DataFrame(
            [
                {
                    "programme_id": p,
                    "name": p,
                    "vehicle_type": v,
                    "technology": k,
                    "per_vehicle_cap_hkd": cap,
                    "price_share_cap": share,
                    "programme_cap_hkd": total,
                    "first_year": BASE_YEAR,
                    "last_year": last,
                }
                for p, v, k, cap, share, total in rows
            ]
        )
    )


def _targets(years: int) -> pd.DataFrame:
    """Soft zero-emission share targets at a third and at the end of the horizon."""
    third = BASE_YEAR + max(years // 3, 1) - 1
    end = BASE_YEAR + years - 1
    rows = [
        ("bus_third", "bus", third, 0.15),
        ("taxi_third", "taxi", third, 0.15),
        ("bus_end", "bus", end, 0.8),
        ("taxi_end", "taxi", end, 0.8),
    ]
    return _with_source(
        pd.DataFrame(
            [
                {
                    "target_id": g,
                    "vehicle_class": c,
                    "year": y,
                    "min_zev": "",
                    "min_zev_share": s,
                    "hard": "false",
                }
                for g, c, y, s in rows
            ]
        )
    )


def synthetic_tables(
    *,
    nodes: int,
    sites: int,
    flows: int,
    years: int = 21,
    depots: int = 8,
    zones: int = 12,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Every table of a synthetic city as plain frames (before validation).

    Parameters
    ----------
    nodes:
        Road-graph nodes (about; the grid rounds up to full rows).
    sites:
        Candidate sites in all, ``depots`` of them bus-depot sites (so ``sites ≥ depots``).
    flows:
        Truck round-trip flows, between distinct truck places (each ordered pair once).
    years:
        Horizon length in years from 2025; only targets depend on it.
    depots:
        Bus depots (each with two or three segments).
    zones:
        Taxi demand zones (at least three: one per taxi class).
    seed:
        Seed of the one random generator every draw comes from.
    """
    if sites < depots:
        raise ValueError(
            f"sites ({sites}) must be at least depots ({depots}): each depot has a site"
        )
    if zones < 3:
        raise ValueError("zones must be at least 3 (one per taxi class)")
    if nodes < 4 or flows < 1 or depots < 1 or years < 1:
        raise ValueError("nodes ≥ 4, flows ≥ 1, depots ≥ 1 and years ≥ 1 are needed")
    rng = np.random.default_rng(seed)
    node_frame, rows, cols = _grid_nodes(nodes, rng)
    edge_frame = _grid_edges(node_frame, rows, cols, rng)
    n_nodes = len(node_frame)
    lon = node_frame["lon"].to_numpy()
    lat = node_frame["lat"].to_numpy()

    # Depots and their sites sit exactly on nodes (snap distance 0).
    depot_nodes = rng.choice(n_nodes, size=depots, replace=n_nodes < depots)
    depot_ids = [f"DEP{d:03d}" for d in range(depots)]
    buses = rng.integers(150, 700, size=depots)
    spaces = np.maximum((buses * rng.uniform(0.6, 1.0, size=depots)).astype(int), 20)
    utility = np.where(lat[depot_nodes] < 22.30, "hke", "clp")
    depot_frame = pd.DataFrame(
        {
            "depot_id": depot_ids,
            "operator": [OPERATORS[d % len(OPERATORS)] for d in range(depots)],
            "name": [f"Synthetic depot {d}" for d in range(depots)],
            "lon": lon[depot_nodes],
            "lat": lat[depot_nodes],
            "utility": utility,
            "buses_allocated": buses,
            "parking_spaces": spaces,
            "grid_headroom_kva": np.clip(spaces * 6.0, 800, 4000),
        }
    )

    segment_rows, age_rows, route_rows = [], [], []
    bands = (("le200", 160.0), ("200-300", 250.0), ("gt300", 330.0))
    for d, depot in enumerate(depot_ids):
        n_bands = 2 + int(rng.random() < 0.5)
        weights = rng.dirichlet(np.ones(n_bands))
        counts = np.floor(weights * buses[d]).astype(int)
        counts[0] += int(buses[d]) - int(counts.sum())
        for b in range(n_bands):
            band, km = bands[b]
            vtype = "bus_double" if rng.random() < 0.85 else "bus_single"
            segment = f"{depot}-{vtype[4]}d-{band}"
            daily_km = round(float(km * rng.uniform(0.9, 1.1)), 1)
            segment_rows.append(
                {
                    "segment_id": segment,
                    "depot_id": depot,
                    "vehicle_type": vtype,
                    "duty_band": band,
                    "buses": int(counts[b]),
                    "daily_km": daily_km,
                    "zev_today": min(
                        int(rng.integers(0, 3)), int(counts[b])
                    ),  # never more than the segment has
                }
            )
            ages = rng.dirichlet(np.ones(18)) * counts[b]
            age_rows += [
                {"segment_id": segment, "age_years": a, "buses": round(float(n), 4)}
                for a, n in enumerate(ages)
            ]
            route_rows.append(
                {
                    "route_id": f"R-{segment}",
                    "operator": OPERATORS[d % len(OPERATORS)],
                    "route": f"{d}{band}",
                    "origin": "",
                    "destination": "",
                    "depot_id": depot,
                    "length_km": round(daily_km / 10.0, 2),
                    "trips_per_day": 10.0 * max(int(counts[b]), 1),
                    "buses_required": float(counts[b]),
                    "daily_km_per_bus": daily_km,
                }
            )

    # Taxi zones (drawn before the sites: every zone gets a car park on its node, so
    # today's e-taxis can charge within reach in the first year).
    classes = ("urban", "nt", "lantau")
    zone_class = [classes[z % 3] for z in range(zones)]
    zone_nodes = rng.choice(n_nodes, size=zones, replace=n_nodes < zones)

    # Candidate sites: one per depot, one per zone (up to what ``sites`` allows), the rest
    # by kind on random nodes.
    others = sites - depots
    site_nodes = rng.choice(n_nodes, size=others, replace=n_nodes < others)
    kinds = list(SITE_KIND_MIX)
    kind = rng.choice(kinds, size=others, p=[SITE_KIND_MIX[k][0] for k in kinds])
    at_zone = min(zones, others)
    site_nodes[:at_zone] = zone_nodes[:at_zone]
    kind[:at_zone] = "car_park"
    site_rows = [
        {
            "site_id": f"S-{depot}",
            "name": f"Synthetic depot site {d}",
            "kind": "bus_depot",
            "lon": lon[depot_nodes[d]],
            "lat": lat[depot_nodes[d]],
            "depot_id": depot,
            "utility": utility[d],
            "can_depot_charging": "true",
            "can_public_charging": "false",
            "can_hydrogen": "true" if rng.random() < 0.3 else "false",
            "max_chargers": int(spaces[d] // 2),
            "grid_headroom_kva": float(np.clip(spaces[d] * 6.0, 800, 4000)),
            "existing_fast_chargers": 0,
            "existing_h2_kg_day": 0.0,
            "planned_h2_kg_day": 0.0,
            "planned_h2_year": "",
            "area_m2": "",
        }
        for d, depot in enumerate(depot_ids)
    ]
    for i in range(others):
        k = str(kind[i])
        _, public, hydrogen = SITE_KIND_MIX[k]
        n = site_nodes[i]
        existing_h2 = float(rng.choice([0.0, 500.0, 1000.0])) if k == "hydrogen_station" else 0.0
        planned = rng.random() < 0.1 and hydrogen
        site_rows.append(
            {
                "site_id": f"S{i:05d}",
                "name": f"Synthetic {k} {i}",
                "kind": k,
                "lon": lon[n],
                "lat": lat[n],
                "depot_id": "",
                "utility": "hke" if lat[n] < 22.30 else "clp",
                "can_depot_charging": "false",
                "can_public_charging": "true" if public else "false",
                "can_hydrogen": "true" if hydrogen else "false",
                "max_chargers": (80 if i < at_zone else int(rng.integers(4, 40))) if public else 0,
                "grid_headroom_kva": 8000.0 if i < at_zone else float(rng.integers(2, 30) * 100),
                "existing_fast_chargers": int(rng.integers(0, 4)) if public else 0,
                "existing_h2_kg_day": existing_h2,
                "planned_h2_kg_day": 1000.0 if planned else 0.0,
                "planned_h2_year": int(BASE_YEAR + rng.integers(1, 5)) if planned else "",
                "area_m2": float(rng.integers(1_000, 20_000)),
            }
        )

    # Taxi classes and zones: classes cycle over zones, shares sum to one per class.
    raw_share = rng.uniform(0.5, 1.5, size=zones)
    share = np.zeros(zones)
    for c in classes:
        mask = np.array([zc == c for zc in zone_class])
        share[mask] = raw_share[mask] / raw_share[mask].sum()
    zone_frame = pd.DataFrame(
        {
            "zone_id": [f"TZ{z:04d}" for z in range(zones)],
            "name": [f"Synthetic zone {z}" for z in range(zones)],
            "taxi_class": zone_class,
            "lon": lon[zone_nodes],
            "lat": lat[zone_nodes],
            "taxi_share": np.round(share, 6),
            "fast_charge_kwh_per_taxi_day": 44.8,
        }
    )
    # Fleet sizes scale with the number of zones (the Hong Kong default has ~23 zones, ~18k taxis).
    taxi_scale = zones / 23.0
    taxi_frame = pd.DataFrame(
        {
            "taxi_class": list(classes),
            "taxis": [
                int(15250 * taxi_scale),
                int(2838 * taxi_scale),
                max(int(75 * taxi_scale), 10),
            ],
            "daily_km": [400.0, 300.0, 200.0],
            "zev_today": [int(1000 * taxi_scale), int(95 * taxi_scale), 1],
            "lifetime_years": 12,
        }
    )

    # Truck places: enough for ``flows`` distinct ordered pairs.
    n_places = max(3, math.ceil((1 + math.sqrt(1 + 4 * flows)) / 2) + 1)
    place_nodes = rng.choice(n_nodes, size=n_places, replace=n_nodes < n_places)
    place_frame = pd.DataFrame(
        {
            "place_id": [f"TP{p:04d}" for p in range(n_places)],
            "name": [f"Synthetic truck place {p}" for p in range(n_places)],
            "kind": [TRUCK_PLACE_KINDS[p % len(TRUCK_PLACE_KINDS)] for p in range(n_places)],
            "lon": lon[place_nodes],
            "lat": lat[place_nodes],
        }
    )
    # Distinct ordered pairs (o != d) without building all n² of them for big n.
    chosen = rng.choice(n_places * (n_places - 1), size=flows, replace=False)
    origin, offset = np.divmod(chosen, n_places - 1)
    destination = offset + (offset >= origin)
    trucks = np.round(rng.lognormal(mean=3.0, sigma=0.8, size=flows), 1) + 1.0
    width = len(str(flows))
    flow_frame = pd.DataFrame(
        {
            "flow_id": [f"TF{q:0{width}d}" for q in range(flows)],
            "origin": place_frame["place_id"].to_numpy()[origin],
            "destination": place_frame["place_id"].to_numpy()[destination],
            "daily_round_trips": np.round(trucks * rng.uniform(1.5, 2.5, size=flows), 1),
            "trucks": trucks,
        }
    )

    tables = {
        "nodes": _with_source(node_frame),
        "edges": _with_source(edge_frame),
        "depots": _with_source(depot_frame),
        "bus_routes": _with_source(pd.DataFrame(route_rows)),
        "bus_segments": _with_source(pd.DataFrame(segment_rows)),
        "bus_age_profile": _with_source(pd.DataFrame(age_rows)),
        "taxi_classes": _with_source(taxi_frame),
        "taxi_zones": _with_source(zone_frame),
        "truck_places": _with_source(place_frame),
        "truck_flows": _with_source(flow_frame),
        "candidate_sites": _with_source(pd.DataFrame(site_rows)),
        "parameters": _parameters(),
        "programmes": _programmes(years),
        "targets": _targets(years),
    }
    return tables


def write_synthetic(
    folder: str | Path,
    *,
    nodes: int,
    sites: int,
    flows: int,
    years: int = 21,
    depots: int = 8,
    zones: int = 12,
    seed: int = 0,
) -> Path:
    """Write a synthetic city's CSV tables to ``folder`` (created) and return it.

    ``load_dataset(folder)`` accepts the result (coordinates are inside Hong
    Kong, so ``hk_bounds`` may stay on). Arguments as :func:`synthetic_tables`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = synthetic_tables(
        nodes=nodes, sites=sites, flows=flows, years=years, depots=depots, zones=zones, seed=seed
    )
    for name, frame in tables.items():
        frame.to_csv(folder / TABLES[name].file, index=False)
    return folder


def synthetic_dataset(
    *,
    nodes: int,
    sites: int,
    flows: int,
    years: int = 21,
    depots: int = 8,
    zones: int = 12,
    seed: int = 0,
) -> Dataset:
    """A synthetic city as a validated in-memory :class:`~fleetplan.network.loaders.Dataset`.

    Goes through the same :func:`~fleetplan.network.schema.validate_table` checks and
    id-reference checks as :func:`~fleetplan.network.loaders.load_dataset`, without the
    round trip through CSV files. Arguments as :func:`synthetic_tables`.
    """
    tables = synthetic_tables(
        nodes=nodes, sites=sites, flows=flows, years=years, depots=depots, zones=zones, seed=seed
    )
    validated: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        spec = TABLES[name]
        # Strings in, as from a CSV file, so the loaders' type coercion is exercised.
        typed = validate_table(
            frame.astype(str).replace({"nan": ""}), spec, file=f"synthetic/{spec.file}"
        )
        if spec.has_lonlat:
            typed = gpd.GeoDataFrame(
                typed, geometry=gpd.points_from_xy(typed["lon"], typed["lat"]), crs=WGS84
            )
        validated[name] = typed
    _check_references(validated, Path("synthetic"))
    return Dataset(path=Path("synthetic"), **validated)
