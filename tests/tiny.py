"""Tiny hand-built datasets for tests whose optimum can be worked out by hand.

A three-node line in Kowloon (A - B - C, 10 km per edge), one depot at A,
one taxi zone at B, one truck flow A <-> C, and candidate sites at A, B, C.
Every price and factor is a round number so the docstrings of the tests can
state the optimum in a few lines of arithmetic. Nothing here is real data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from bench.base_parameters import BASE_PARAMETERS  # the base case, shared with bench.synthetic
from fleetplan.network.loaders import Dataset
from fleetplan.network.schema import TABLES, WGS84, validate_table

SRC = {"source": "test fixture (hand-made)", "status": "estimate"}

#: Three nodes roughly 10 km apart in a line (their metric distance is not used:
#: edge lengths are given explicitly).
NODES = [("A", 114.10, 22.33), ("B", 114.19, 22.33), ("C", 114.28, 22.33)]


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    spec = TABLES[name]
    frame = pd.DataFrame([{**SRC, **row} for row in rows])
    frame = validate_table(frame.astype(str).replace({"None": ""}), spec, file=f"tiny/{spec.file}")
    if spec.has_lonlat:
        return gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84
        )
    return frame


def site(site_id: str, node: int, kind: str, **values: Any) -> dict[str, Any]:
    """A candidate-site row at node index ``node`` with nothing allowed unless given."""
    _, lon, lat = NODES[node]
    row = {
        "site_id": site_id,
        "name": site_id,
        "kind": kind,
        "lon": lon,
        "lat": lat,
        "depot_id": None,
        "utility": "clp",
        "can_depot_charging": False,
        "can_public_charging": False,
        "can_hydrogen": False,
        "max_chargers": 0,
        "grid_headroom_kva": 0,
        "existing_fast_chargers": 0,
        "existing_h2_kg_day": 0,
        "planned_h2_kg_day": 0,
        "planned_h2_year": None,
        "area_m2": None,
        "max_h2_kg_day": None,
    }
    row.update(values)
    return row


def ebus_programme(
    *, programme_cap_hkd: float = 1e9, first_year: int = 2025, last_year: int = 2027
) -> dict[str, Any]:
    """An e-bus programme paying min(HK$5m, 50 % of price) per battery double-decker.

    With a HK$12m battery bus the operator's lifetime cost gap is HK$4.501m (see
    tests/test_formulation.py), so each payment induces one purchase.
    """
    return {
        "programme_id": "e_bus",
        "name": "e-bus",
        "vehicle_type": "bus_double",
        "technology": "bev",
        "per_vehicle_cap_hkd": 5_000_000,
        "price_share_cap": 0.5,
        "programme_cap_hkd": programme_cap_hkd,
        "first_year": first_year,
        "last_year": last_year,
    }


def pledge(
    year: int, *, commitment_id: str = "kmb_pledge", operator: str = "kmb", **shares: float
) -> dict[str, Any]:
    """An operators' pledge row: zero-emission purchases only from ``year`` (shares: bev_share, fcev_share)."""
    return {"commitment_id": commitment_id, "operator": operator, "kind": "pledge", "year": year, "technology": None, "vehicles": None,
            "bev_share": shares.get("bev_share"), "fcev_share": shares.get("fcev_share")}  # fmt: skip


def order(
    vehicles: float,
    year: int,
    *,
    technology: str = "bev",
    commitment_id: str = "kmb_order",
    operator: str = "kmb",
) -> dict[str, Any]:
    """An operator's order row: ``vehicles`` of ``technology`` bought by ``year``."""
    return {"commitment_id": commitment_id, "operator": operator, "kind": "order", "year": year, "technology": technology,
            "vehicles": vehicles, "bev_share": None, "fcev_share": None}  # fmt: skip


def tiny_dataset(
    *,
    buses: int = 10,
    zev_today: int = 0,
    fcev_today: int | None = None,
    bus_ages: dict[int, float] | None = None,
    bus_daily_km: float = 200.0,
    taxis: int = 0,
    taxi_daily_km: float = 400.0,
    trucks: float = 0.0,
    sites: list[dict[str, Any]] | None = None,
    parameters: dict[tuple[str, str, str], float] | None = None,
    programmes: list[dict[str, Any]] | None = None,
    targets: list[dict[str, Any]] | None = None,
    edge_km: float = 10.0,
    operator_commitments: list[dict[str, Any]] | None = None,
    committed_chargers: list[dict[str, Any]] | None = None,
) -> Dataset:
    """Build the tiny dataset; every argument changes one thing of the base case."""
    params = {**BASE_PARAMETERS, **(parameters or {})}
    nodes = _frame(
        "nodes",
        [{"node_id": n, "lon": lon, "lat": lat, "name": n, "n_stops": 1} for n, lon, lat in NODES],
    )
    edges = _frame(
        "edges",
        [
            {
                "from_node": "A",
                "to_node": "B",
                "length_m": edge_km * 1000,
                "bus_trips_per_day": 100,
            },
            {
                "from_node": "B",
                "to_node": "C",
                "length_m": edge_km * 1000,
                "bus_trips_per_day": 100,
            },
        ],
    )
    depots = _frame(
        "depots",
        [
            {
                "depot_id": "D1",
                "operator": "kmb",
                "name": "Depot one",
                "lon": NODES[0][1],
                "lat": NODES[0][2],
                "utility": "clp",
                "buses_allocated": buses,
                "parking_spaces": 100,
                "grid_headroom_kva": 0,
            }
        ],
    )
    # Age 16 at the start of 2025: turns 18 during 2026, so it is replaced in 2026.
    ages = bus_ages if bus_ages is not None else {16: float(buses)}
    bus_segments = _frame(
        "bus_segments",
        [
            {
                "segment_id": "D1_dd",
                "depot_id": "D1",
                "vehicle_type": "bus_double",
                "duty_band": "le200",
                "buses": buses,
                "daily_km": bus_daily_km,
                "zev_today": zev_today,
                "fcev_today": fcev_today,
            }
        ],
    )
    bus_age_profile = _frame(
        "bus_age_profile",
        [{"segment_id": "D1_dd", "age_years": a, "buses": n} for a, n in sorted(ages.items())],
    )
    bus_routes = _frame(
        "bus_routes",
        [
            {
                "route_id": "R1",
                "operator": "kmb",
                "route": "1",
                "depot_id": "D1",
                "length_km": 20,
                "trips_per_day": 100,
                "buses_required": buses,
                "daily_km_per_bus": bus_daily_km,
            }
        ],
    )
    taxi_classes = _frame(
        "taxi_classes",
        [
            {
                "taxi_class": "urban",
                "taxis": taxis,
                "daily_km": taxi_daily_km,
                "zev_today": 0,
                "lifetime_years": 10,
            }
        ],
    )
    taxi_zones = _frame(
        "taxi_zones",
        [
            {
                "zone_id": "Z1",
                "name": "Zone one",
                "taxi_class": "urban",
                "lon": NODES[1][1],
                "lat": NODES[1][2],
                "taxi_share": 1.0,
                "fast_charge_kwh_per_taxi_day": 50.0,
            }
        ],
    )
    truck_places = _frame(
        "truck_places",
        [
            {
                "place_id": "PA",
                "name": "Port A",
                "kind": "container_terminal",
                "lon": NODES[0][1],
                "lat": NODES[0][2],
            },
            {
                "place_id": "PC",
                "name": "Border C",
                "kind": "boundary_crossing",
                "lon": NODES[2][1],
                "lat": NODES[2][2],
            },
        ],
    )
    truck_flows = _frame(
        "truck_flows",
        [
            {
                "flow_id": "F1",
                "origin": "PA",
                "destination": "PC",
                "daily_round_trips": max(trucks, 1.0),
                "trucks": trucks,
            }
        ],
    )
    site_rows = (
        sites
        if sites is not None
        else [
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=100,
                grid_headroom_kva=10_000,
            ),
        ]
    )
    candidate_sites = _frame("candidate_sites", site_rows)
    parameter_rows = [
        {
            "parameter": n,
            "vehicle_type": v,
            "technology": k,
            "year": 2025,
            "value": value,
            "unit": "-",
        }
        for (n, v, k), value in params.items()
    ]
    parameters_frame = _frame("parameters", parameter_rows)
    programme_rows = (
        programmes
        if programmes is not None
        else [
            {
                "programme_id": "e_bus",
                "name": "e-bus",
                "vehicle_type": "bus_double",
                "technology": "bev",
                "per_vehicle_cap_hkd": 0,
                "price_share_cap": 0,
                "programme_cap_hkd": 0,
                "first_year": 2025,
                "last_year": 2025,
            }
        ]
    )
    target_rows = (
        targets
        if targets is not None
        else [
            {
                "target_id": "none",
                "vehicle_class": "bus",
                "year": 2100,
                "min_zev": 0,
                "min_zev_share": None,
                "hard": False,
            }
        ]
    )
    return Dataset(
        path=Path("tiny"),
        nodes=nodes,
        edges=edges,
        depots=depots,
        bus_routes=bus_routes,
        bus_segments=bus_segments,
        bus_age_profile=bus_age_profile,
        taxi_classes=taxi_classes,
        taxi_zones=taxi_zones,
        truck_places=truck_places,
        truck_flows=truck_flows,
        candidate_sites=candidate_sites,
        parameters=parameters_frame,
        programmes=_frame("programmes", programme_rows),
        targets=_frame("targets", target_rows),
        operator_commitments=_frame("operator_commitments", operator_commitments)
        if operator_commitments
        else None,
        committed_chargers=_frame("committed_chargers", committed_chargers)
        if committed_chargers
        else None,
    )


#: A battery double-decker at HK$12m: the operator's lifetime cost gap is HK$4.501m, and
#: the e-bus programme pays min(HK$5m, 50 % x 12m) = HK$5m per bus, which closes it, so
#: every subsidised purchase is a bus the budget bought (see tests/test_formulation.py).
SUBSIDY_MATTERS: dict[str, Any] = {
    "parameters": {("vehicle_price_hkd", "bus_double", "bev"): 12_000_000},
    "programmes": [ebus_programme()],
}


def write_tiny_dataset(folder: Path, **kwargs: Any) -> Path:
    """Save ``tiny_dataset(**kwargs)`` as a dataset folder of CSV files (coarse and fine graph), as a planner's folder."""
    folder.mkdir(parents=True, exist_ok=True)
    data = tiny_dataset(**kwargs)
    for name, spec in TABLES.items():
        frame = data.table(name)
        frame = pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))
        frame.to_csv(folder / spec.file, index=False)
        if name in ("nodes", "edges"):
            frame.to_csv(folder / spec.file.replace(".csv", "_fine.csv"), index=False)
    return folder
