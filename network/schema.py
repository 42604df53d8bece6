"""Table schemas of the dataset: the contract between data files, loaders and the model.

Each table is a CSV file in a dataset folder (the Hong Kong default is
``data/hk/``). A :class:`TableSpec` lists its columns with type, unit, bounds
and meaning; :func:`validate_table` checks a loaded frame against it and raises
:class:`~fleetplan.errors.InputError` naming file, row and field.

Coordinates are stored as WGS84 longitude/latitude (EPSG:4326) and must lie
inside the city's bounds; metric work is done in the city's metric CRS. Both come
from the folder's ``city.yaml`` (:mod:`fleetplan.network.city`, which also says what a
folder without one is).

Every table carries ``source`` (document and year, or why it is an estimate)
and ``status`` (``verified``, ``derived`` or ``estimate``) on every row.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.city import (  # noqa: F401 - HK_BOUNDS, WGS84 re-exported
    HK_BOUNDS,
    HK_UTILITIES,
    HONG_KONG,
    UTILITY_ID,
    WGS84,
    City,
)

STATUSES = ("verified", "derived", "estimate")
#: Hong Kong's franchised bus operators (named by the Hong Kong build and the synthetic
#: bench). Not a rule: a dataset's operators are whatever its depots.csv names.
OPERATORS = ("kmb", "ctb", "lwb", "nlb")
#: Vehicle classes and types are data (``vehicle_classes.csv``, see
#: :mod:`fleetplan.network.catalogue`); these are the Hong Kong default's, for messages
#: and for checks made before a dataset is known.
VEHICLE_CLASSES = ("bus", "taxi", "minibus", "truck")
VEHICLE_TYPES = ("bus_double", "bus_single", "taxi", "minibus", "truck")
TECHNOLOGIES = ("diesel", "lpg", "bev", "fcev")
ZERO_EMISSION = ("bev", "fcev")
#: Hong Kong's utilities: what a parameter label may name before a dataset (and its city.yaml) is known.
UTILITIES = HK_UTILITIES
SITE_KINDS = (
    "bus_depot",
    "car_park",
    "petrol_station",
    "lpg_station",
    "landfill",
    "hydrogen_station",
    # A hydrogen production project (electrolysis, biogas reforming, a pilot): no pump for
    # vehicles, so it is never a refuelling-station candidate (can_hydrogen false).
    "hydrogen_production",
)
TRUCK_PLACE_KINDS = ("container_terminal", "boundary_crossing", "logistics", "airport")


#: A vehicle driving 24 hours at 100 km/h: more km per day is a typing error.
MAX_DAILY_KM = 2400.0


@dataclass(frozen=True)
class Column:
    """One column: name, kind (``str``, ``int``, ``float``, ``bool``), bounds, unit and meaning."""

    name: str
    kind: str
    description: str
    unit: str = ""
    required: bool = True
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    nullable: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A dataset table: file name, columns, key columns and (optionally) id references."""

    name: str
    file: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: column -> (table name, key column) that it must reference
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    has_lonlat: bool = False
    #: the table may hold no rows (header only): a city without taxis or trucks
    may_be_empty: bool = False
    #: the file may be absent from a dataset folder: read as a table with no rows (tables
    #: added after datasets existed, such as commitments, so older folders keep loading)
    optional: bool = False

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _provenance() -> tuple[Column, ...]:
    return (
        Column("source", "str", "document and year, or why the figure is an estimate"),
        Column("status", "str", "verified / derived / estimate", choices=STATUSES),
    )


def _lonlat() -> tuple[Column, ...]:
    return (
        Column("lon", "float", "longitude, WGS84", "degree", min=-180, max=180),
        Column("lat", "float", "latitude, WGS84", "degree", min=-90, max=90),
    )


NODES = TableSpec(
    "nodes",
    "nodes.csv",
    "Road-graph nodes: clusters of bus stops (operators' equivalent stops merged).",
    (
        Column("node_id", "str", "node identifier"),
        *_lonlat(),
        Column("name", "str", "name of the most-served stop in the cluster", required=False),
        Column("n_stops", "int", "bus stops merged into the node", min=1, required=False),
        *_provenance(),
    ),
    key=("node_id",),
    has_lonlat=True,
)

EDGES = TableSpec(
    "edges",
    "edges.csv",
    "Undirected road-graph edges between consecutive stop clusters on some bus route.",
    (
        Column("from_node", "str", "node at one end"),
        Column("to_node", "str", "node at the other end"),
        Column(
            "length_m",
            "float",
            "length along the road, metres (measured in the city's metric CRS)",
            "m",
            min=0.0,
        ),
        Column(
            "bus_trips_per_day",
            "float",
            "bus trips per weekday using the edge (corridor volume)",
            "trips/day",
            min=0.0,
            required=False,
        ),
        *_provenance(),
    ),
    key=("from_node", "to_node"),
    references={"from_node": ("nodes", "node_id"), "to_node": ("nodes", "node_id")},
)

DEPOTS = TableSpec(
    "depots",
    "depots.csv",
    "Franchised-bus depots.",
    (
        Column("depot_id", "str", "depot identifier"),
        Column("operator", "str", "bus operator (an identifier such as kmb; any the city has)"),
        Column("name", "str", "depot name"),
        *_lonlat(),
        Column(
            "utility", "str", "electricity utility serving the site (one of city.yaml's utilities)"
        ),
        Column("buses_allocated", "int", "buses based at the depot", "buses", min=0),
        Column(
            "parking_spaces", "int", "bus parking spaces (caps depot chargers)", "spaces", min=0
        ),
        Column("grid_headroom_kva", "float", "spare grid connection today", "kVA", min=0.0),
        *_provenance(),
    ),
    key=("depot_id",),
    has_lonlat=True,
)

BUS_ROUTES = TableSpec(
    "bus_routes",
    "bus_routes.csv",
    "Bus route variants with length, trips and the depot assigned to run them.",
    (
        Column("route_id", "str", "route variant identifier"),
        Column("operator", "str", "operator (one that depots.csv names)"),
        Column("route", "str", "public route number"),
        Column("origin", "str", "origin stop name", required=False),
        Column("destination", "str", "destination stop name", required=False),
        Column("depot_id", "str", "depot that runs the route"),
        Column("length_km", "float", "one-way route length", "km", min=0.0),
        Column("trips_per_day", "float", "one-way weekday trips", "trips/day", min=0.0),
        Column("buses_required", "float", "buses to run the timetable", "buses", min=0.0),
        Column(
            "daily_km_per_bus",
            "float",
            "km a bus on this route drives per day",
            "km/day",
            min=0.0,
            max=MAX_DAILY_KM,
        ),
        *_provenance(),
    ),
    key=("route_id",),
    references={"depot_id": ("depots", "depot_id")},
)

BUS_SEGMENTS = TableSpec(
    "bus_segments",
    "bus_segments.csv",
    "Bus fleet segments: buses of one depot, deck type and daily-duty band.",
    (
        Column("segment_id", "str", "segment identifier"),
        Column("depot_id", "str", "depot the buses are based at"),
        Column(
            "vehicle_type",
            "str",
            "a vehicle type of a depot-based class in vehicle_classes.csv, e.g. bus_double",
        ),
        Column("duty_band", "str", "daily-km band label, e.g. 'le200', '200-300', 'gt300'"),
        Column("buses", "int", "buses in the segment today", "buses", min=0),
        Column("daily_km", "float", "mean km per bus per day", "km/day", min=0.0, max=MAX_DAILY_KM),
        Column(
            "zev_today",
            "int",
            "zero-emission buses already in the segment",
            "buses",
            min=0,
            required=False,
        ),
        Column(
            "fcev_today",
            "int",
            "of zev_today, the fuel-cell buses (the rest are battery buses); blank = none",
            "buses",
            min=0,
            required=False,
            nullable=True,
        ),
        *_provenance(),
    ),
    key=("segment_id",),
    references={"depot_id": ("depots", "depot_id")},
)

BUS_AGE_PROFILE = TableSpec(
    "bus_age_profile",
    "bus_age_profile.csv",
    "Age of today's buses per segment; buses retire at the statutory 18 years.",
    (
        Column("segment_id", "str", "segment"),
        Column("age_years", "int", "age in the base year", "years", min=0, max=17),
        Column("buses", "float", "buses of that age", "buses", min=0.0),
        *_provenance(),
    ),
    key=("segment_id", "age_years"),
    references={"segment_id": ("bus_segments", "segment_id")},
)

VEHICLE_CLASSES_TABLE = TableSpec(
    "vehicle_classes",
    "vehicle_classes.csv",
    "The vehicle-class catalogue: one row per fleet the dataset plans for, with the refuelling pattern that selects its constraint families.",
    (
        Column("vehicle_class", "str", "class identifier, e.g. bus, taxi, minibus, truck"),
        Column(
            "vehicle_types",
            "str",
            "its vehicle types, separated by ';' (each priced in parameters.csv)",
        ),
        Column("incumbent", "str", "technology today's vehicles run on", choices=("diesel", "lpg")),
        Column(
            "technologies",
            "str",
            "zero-emission technologies it may adopt by default, ';'-separated (bev, fcev) or blank",
            required=False,
        ),
        Column(
            "refuelling",
            "str",
            "refuelling pattern: depot, zone or corridor",
            choices=("depot", "zone", "corridor"),
        ),
        Column(
            "operating_days", "float", "days in service per year", "days/year", min=1.0, max=366.0
        ),
        Column(
            "charges_per_day",
            "float",
            "full battery charges a battery vehicle gets per day",
            "charges/day",
            min=0.1,
            max=10.0,
        ),
        Column(
            "retirement_age_years",
            "int",
            "age at which vehicles must leave service, if any",
            "years",
            min=1,
            max=60,
            required=False,
            nullable=True,
        ),
        *_provenance(),
    ),
    key=("vehicle_class",),
)

TAXI_CLASSES_TABLE = TableSpec(
    "taxi_classes",
    "taxi_classes.csv",
    "Fleets that charge at public fast chargers in zones (refuelling pattern 'zone'): taxis by licence class, minibuses by kind.",
    (
        Column(
            "taxi_class",
            "str",
            "fleet identifier, e.g. urban, nt, lantau (taxis), green, red (minibuses)",
        ),
        Column("taxis", "int", "vehicles licensed (quota)", "vehicles", min=0),
        Column("daily_km", "float", "km per vehicle per day", "km/day", min=0.0, max=MAX_DAILY_KM),
        Column(
            "zev_today", "int", "electric vehicles in service in the base year", "vehicles", min=0
        ),
        Column("lifetime_years", "int", "typical replacement age", "years", min=1, max=40),
        Column(
            "vehicle_class", "str", "its class in vehicle_classes.csv (blank: taxi)", required=False
        ),
        Column(
            "vehicle_type",
            "str",
            "its vehicle type (blank: the class's first type)",
            required=False,
        ),
        *_provenance(),
    ),
    key=("taxi_class",),
    may_be_empty=True,
)

TAXI_ZONES = TableSpec(
    "taxi_zones",
    "taxi_zones.csv",
    "Taxi demand zones where e-taxis need public fast charging (shift-change charging).",
    (
        Column("zone_id", "str", "zone identifier"),
        Column("name", "str", "district or area name"),
        Column("taxi_class", "str", "fleet (taxi_classes.csv) charging in the zone"),
        *_lonlat(),
        Column("taxi_share", "float", "share of its class's taxis charging here", min=0.0, max=1.0),
        Column(
            "fast_charge_kwh_per_taxi_day",
            "float",
            "fast-charge energy one e-taxi draws in the zone per day",
            "kWh/day",
            min=0.0,
        ),
        *_provenance(),
    ),
    key=("zone_id",),
    has_lonlat=True,
    may_be_empty=True,
)

TRUCK_PLACES = TableSpec(
    "truck_places",
    "truck_places.csv",
    "Origins and destinations of heavy goods vehicle flows.",
    (
        Column("place_id", "str", "place identifier"),
        Column("name", "str", "place name"),
        Column("kind", "str", "kind of place", choices=TRUCK_PLACE_KINDS),
        *_lonlat(),
        *_provenance(),
    ),
    key=("place_id",),
    has_lonlat=True,
    may_be_empty=True,
)

TRUCK_FLOWS = TableSpec(
    "truck_flows",
    "truck_flows.csv",
    "Heavy goods vehicle origin-destination flows (round trips).",
    (
        Column("flow_id", "str", "flow identifier"),
        Column("origin", "str", "origin place"),
        Column("destination", "str", "destination place"),
        Column("daily_round_trips", "float", "round trips per day", "trips/day", min=0.0),
        Column("trucks", "float", "heavy goods vehicles serving the flow", "vehicles", min=0.0),
        *_provenance(),
    ),
    key=("flow_id",),
    references={
        "origin": ("truck_places", "place_id"),
        "destination": ("truck_places", "place_id"),
    },
    may_be_empty=True,
)

CANDIDATE_SITES = TableSpec(
    "candidate_sites",
    "candidate_sites.csv",
    "Sites that may host depot chargers, public fast chargers or a hydrogen station.",
    (
        Column("site_id", "str", "site identifier"),
        Column("name", "str", "site name"),
        Column("kind", "str", "kind of site", choices=SITE_KINDS),
        *_lonlat(),
        Column(
            "depot_id", "str", "depot at the site (bus_depot sites)", required=False, nullable=True
        ),
        Column("utility", "str", "electricity utility (one of city.yaml's utilities)"),
        Column("can_depot_charging", "bool", "may host overnight bus chargers"),
        Column("can_public_charging", "bool", "may host public fast chargers"),
        Column("can_hydrogen", "bool", "may host a hydrogen station (safety setbacks, land use)"),
        Column("max_chargers", "int", "space for chargers", "chargers", min=0),
        Column("grid_headroom_kva", "float", "spare grid connection today", "kVA", min=0.0),
        Column(
            "existing_fast_chargers", "int", "public fast chargers already there", "chargers", min=0
        ),
        Column("existing_h2_kg_day", "float", "hydrogen capacity in service", "kg/day", min=0.0),
        Column("planned_h2_kg_day", "float", "committed hydrogen capacity", "kg/day", min=0.0),
        Column(
            "planned_h2_year",
            "int",
            "year the committed capacity opens",
            "year",
            min=2000,
            max=2100,
            required=False,
            nullable=True,
        ),
        Column("area_m2", "float", "site area", "m2", min=0.0, required=False, nullable=True),
        Column(
            "max_h2_kg_day",
            "float",
            "most hydrogen a station on the site may dispense, existing and committed capacity included; "
            "blank = existing + committed + h2_station_max_modules modules",
            "kg/day",
            min=0.0,
            required=False,
            nullable=True,
        ),
        *_provenance(),
    ),
    key=("site_id",),
    has_lonlat=True,
)

PARAMETERS = TableSpec(
    "parameters",
    "parameters.csv",
    "Techno-economic parameters by vehicle type, technology and year (linear between years).",
    (
        Column("parameter", "str", "parameter name (see data/README.md)"),
        Column("vehicle_type", "str", "vehicle type or '-'"),
        Column("technology", "str", "technology, utility, hydrogen pathway or '-'"),
        Column(
            "year",
            "int",
            "year the value applies from (linear between anchors)",
            min=2000,
            max=2100,
        ),
        Column("value", "float", "value"),
        Column("unit", "str", "unit of value"),
        *_provenance(),
    ),
    key=("parameter", "vehicle_type", "technology", "year"),
)

PROGRAMMES = TableSpec(
    "programmes",
    "programmes.csv",
    "Subsidy programmes (one row per programme and eligible vehicle type/technology).",
    (
        Column("programme_id", "str", "programme identifier"),
        Column("name", "str", "programme name"),
        Column("vehicle_type", "str", "eligible vehicle type (of vehicle_classes.csv)"),
        Column("technology", "str", "eligible technology", choices=ZERO_EMISSION),
        Column("per_vehicle_cap_hkd", "float", "subsidy cap per vehicle", "HK$", min=0.0),
        Column("price_share_cap", "float", "cap as share of vehicle price", min=0.0, max=1.0),
        Column("programme_cap_hkd", "float", "programme total cap", "HK$", min=0.0),
        Column("first_year", "int", "first year of purchases", min=2000, max=2100),
        Column("last_year", "int", "last year of purchases", min=2000, max=2100),
        Column(
            "payment_rule",
            "str",
            "how the scheme pays: 'announced' (its amount to every eligible purchase, first come, first served, "
            "until the money runs out) or 'chosen' (the plan chooses a payment level each year); empty: chosen",
            required=False,
            nullable=True,
            choices=("announced", "chosen"),
        ),
        *_provenance(),
    ),
    key=("programme_id", "vehicle_type", "technology"),
)

TARGETS = TableSpec(
    "targets",
    "targets.csv",
    "Policy targets: minimum zero-emission vehicles (or share) in service by a year.",
    (
        Column("target_id", "str", "target identifier"),
        Column("vehicle_class", "str", "a class of vehicle_classes.csv, e.g. bus or taxi"),
        Column("year", "int", "year by whose end the target holds", min=2000, max=2100),
        Column(
            "min_zev",
            "float",
            "minimum zero-emission vehicles in service",
            "vehicles",
            min=0.0,
            required=False,
            nullable=True,
        ),
        Column(
            "min_zev_share",
            "float",
            "minimum zero-emission share of the fleet",
            min=0.0,
            max=1.0,
            required=False,
            nullable=True,
        ),
        Column("hard", "bool", "hard constraint (true) or penalised (false)"),
        *_provenance(),
    ),
    key=("target_id",),
)

#: Kinds of an operator's own commitment (behaviour, not policy; see optimiser/inputs/commitments.py).
COMMITMENT_KINDS = ("pledge", "order", "fleet")

OPERATOR_COMMITMENTS = TableSpec(
    "operator_commitments",
    "operator_commitments.csv",
    "Operators' announced commitments (behaviour, applied by default): pledges to buy only zero-emission "
    "vehicles from a year, and orders of zero-emission vehicles by a year.",
    (
        Column(
            "commitment_id",
            "str",
            "commitment identifier (a scenario's operator_commitments key changes it)",
        ),
        Column("operator", "str", "operator (one that depots.csv names)"),
        Column(
            "kind",
            "str",
            "pledge (zero-emission purchases only from year), fleet (zero-emission fleet by year, early retirement included) or order (vehicles bought by year)",
            choices=COMMITMENT_KINDS,
        ),
        Column(
            "year",
            "int",
            "pledge: first year of zero-emission purchases only; order: year by whose end the vehicles are bought",
            "year",
            min=2000,
            max=2100,
        ),
        Column(
            "technology",
            "str",
            "order: the zero-emission technology ordered (blank for a pledge)",
            required=False,
            nullable=True,
            choices=ZERO_EMISSION,
        ),
        Column(
            "vehicles",
            "float",
            "order: vehicles of that technology the operator buys from the base year to year (blank for a pledge)",
            "vehicles",
            min=0.0,
            required=False,
            nullable=True,
        ),
        Column(
            "bev_share",
            "float",
            "pledge: share of zero-emission purchases that are battery vehicles where a duty allows both (blank: the cheapest)",
            min=0.0,
            max=1.0,
            required=False,
            nullable=True,
        ),
        Column(
            "fcev_share",
            "float",
            "pledge: share that are fuel-cell vehicles where a duty allows both (blank: the cheapest)",
            min=0.0,
            max=1.0,
            required=False,
            nullable=True,
        ),
        *_provenance(),
    ),
    key=("commitment_id",),
    may_be_empty=True,
    optional=True,
)

#: Kinds of committed public charging: a funded programme (counted by default) or a
#: government target without a funded programme (counted only when a scenario asks).
CHARGER_COMMITMENT_KINDS = ("programme", "target")

COMMITTED_CHARGERS = TableSpec(
    "committed_chargers",
    "committed_chargers.csv",
    "Public fast chargers announced by programmes and targets, in service from a year; not a decision of the plan.",
    (
        Column("commitment_id", "str", "commitment identifier"),
        Column(
            "kind",
            "str",
            "programme (funded, counted by default) or target (announced goal)",
            choices=CHARGER_COMMITMENT_KINDS,
        ),
        Column(
            "year",
            "int",
            "year by whose end the chargers are in service",
            "year",
            min=2000,
            max=2100,
        ),
        Column("fast_chargers", "int", "public fast chargers added", "chargers", min=0),
        Column(
            "site_id",
            "str",
            "a public charging site of candidate_sites.csv, or blank: city-wide, spread over the public sites in proportion to their existing fast chargers",
            required=False,
            nullable=True,
        ),
        *_provenance(),
    ),
    key=("commitment_id",),
    references={"site_id": ("candidate_sites", "site_id")},
    may_be_empty=True,
    optional=True,
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        NODES,
        EDGES,
        DEPOTS,
        BUS_ROUTES,
        BUS_SEGMENTS,
        BUS_AGE_PROFILE,
        VEHICLE_CLASSES_TABLE,
        TAXI_CLASSES_TABLE,
        TAXI_ZONES,
        TRUCK_PLACES,
        TRUCK_FLOWS,
        CANDIDATE_SITES,
        PARAMETERS,
        PROGRAMMES,
        TARGETS,
        OPERATOR_COMMITMENTS,
        COMMITTED_CHARGERS,
    )
}

#: Ceiling of an integer column without its own maximum (vehicles, spaces, chargers):
#: checked before the cast, so 1e19 is refused instead of wrapping round to a negative.
MAX_COUNT = 10_000_000
#: Largest magnitude of a number column without its own bounds (HK$, kVA, metres).
MAX_MAGNITUDE = 1e12

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _row_number(index_position: int) -> int:
    """1-based data row as a spreadsheet user counts it below the header."""
    return index_position + 1


def validate_table(
    frame: pd.DataFrame,
    spec: TableSpec,
    *,
    file: str | Path | None = None,
    city: City = HONG_KONG,
    check_bounds: bool = True,
    hk_bounds: bool | None = None,
) -> pd.DataFrame:
    """Check ``frame`` against ``spec`` and return it with typed columns.

    ``city`` gives the bounds every coordinate must lie in (when ``check_bounds``);
    ``hk_bounds`` is the old name of ``check_bounds`` and overrides it when given.

    Raises
    ------
    InputError
        On a missing column, a value of the wrong type, out of bounds or not
        among the allowed choices, a duplicate key, a coordinate outside the
        city's bounds (when ``check_bounds``), or no rows in a table that needs
        them. The message names file, row and field.
    """
    file = file if file is not None else spec.file
    if hk_bounds is not None:
        check_bounds = hk_bounds
    if frame.empty and not (spec.may_be_empty and len(frame.columns)):
        raise InputError(f"table '{spec.name}' has no rows", file=file)
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    known = {c.name for c in spec.columns}
    for column in spec.columns:
        if column.name not in frame.columns:
            if column.required:
                close = [c for c in frame.columns if c.lower().replace(" ", "_") == column.name]
                # A misspelt header ('grid_headroom_kav') is the usual cause: name the likely culprit.
                close = close or difflib.get_close_matches(
                    column.name, [c for c in frame.columns if c not in known], n=1, cutoff=0.75
                )
                hint = f" (found '{close[0]}')" if close else ""
                raise InputError(
                    f"missing column; expected {column.description}{hint}",
                    file=file,
                    field=column.name,
                )
            frame[column.name] = np.nan
    for column in spec.columns:
        frame[column.name] = _coerce(frame[column.name], column, file)
    extra = [c for c in frame.columns if c not in known]
    frame = frame[[c.name for c in spec.columns] + extra]

    duplicated = frame.duplicated(list(spec.key), keep="first")
    if duplicated.any():
        pos = int(np.flatnonzero(duplicated.to_numpy())[0])
        key = ", ".join(f"{k}={frame.iloc[pos][k]}" for k in spec.key)
        raise InputError(
            f"duplicate id ({key})", file=file, row=_row_number(pos), field=spec.key[0]
        )

    if spec.has_lonlat and check_bounds and len(frame):
        lon_min, lat_min, lon_max, lat_max = city.bounds
        lon_out = ~frame["lon"].between(lon_min, lon_max)
        lat_out = ~frame["lat"].between(lat_min, lat_max)
        outside = lon_out | lat_out
        if outside.any():
            pos = int(np.flatnonzero(outside.to_numpy())[0])
            raise InputError(
                f"coordinate ({frame.iloc[pos]['lon']}, {frame.iloc[pos]['lat']}) is outside {city.name}'s bounds; "
                f"expected lon {lon_min}..{lon_max}, lat {lat_min}..{lat_max} (WGS84)",
                file=file,
                row=_row_number(pos),
                # Name the coordinate that is out, so the planner looks at the right cell.
                field="lon" if bool(lon_out.iloc[pos]) else "lat",
            )
    if "utility" in frame.columns and any(c.name == "utility" for c in spec.columns):
        # the city's utilities, not a fixed list: another city has its own
        unknown = frame["utility"].notna() & ~frame["utility"].isin(city.utilities)
        if unknown.any():
            pos = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(
                f"'{frame['utility'].iloc[pos]}' is not one of {city.name}'s utilities; expected one of {', '.join(city.utilities)} "
                "(city.yaml: utilities)",
                file=file,
                row=_row_number(pos),
                field="utility",
            )
    if spec.name == "parameters":
        _check_parameter_rows(frame, file, city.utilities)
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class ValueRange:
    """Bounds of one parameter's values: ``low <= v <= high``, ``v > 0`` if ``positive``, whole if ``whole``."""

    low: float
    high: float
    positive: bool = False
    whole: bool = False

    def problem(self, value: float) -> str | None:
        """What is wrong with ``value``, or None."""
        if not np.isfinite(value):
            return f"{value} is not a finite number"
        if self.positive and value <= 0:
            return f"{value:g} is out of range; expected more than 0 (it divides other values)"
        if value < self.low:
            what = "is negative" if value < 0 <= self.low else "is out of range"
            return f"{value:g} {what}; expected {self.low:g} to {self.high:g}"
        if value > self.high:
            return f"{value:g} is out of range; expected {self.low:g} to {self.high:g}"
        if self.whole and value != round(value):
            return f"{value:g} is not a whole number of years"
        return None


_SHARE = ValueRange(0.0, 1.0)
_YEARS = ValueRange(1.0, 60.0, whole=True)
_HKD = ValueRange(0.0, 1e10)
_POWER_KW = ValueRange(0.0, 10_000.0, positive=True)
_KG_CO2 = ValueRange(0.0, 100.0)

#: Plausible range of every parameter (units as in PARAMETER_NAMES). The bounds are
#: wide: they catch typing errors (a share of 5, a negative price, a discount rate
#: of -0.5, a lifetime of 0) and values that would break the maths (a divisor of 0,
#: 1e308 reaching the solver), not unusual but possible values.
PARAMETER_RANGES: dict[str, ValueRange] = {
    "vehicle_price_hkd": ValueRange(0.0, 1e8),
    "energy_per_km": ValueRange(0.0, 100.0),
    "maintenance_hkd_per_km": ValueRange(0.0, 1e4),
    "lifetime_years": ValueRange(1.0, 40.0, whole=True),
    "range_km": ValueRange(0.0, 10_000.0),
    "summer_range_factor": _SHARE,
    "adoption_barrier_hkd": ValueRange(-1e8, 1e8),
    "adoption_spread_hkd": ValueRange(0.0, 1e8),
    "daily_km_spread": ValueRange(0.0, 1.0),
    "battery_end_of_life_capacity": ValueRange(0.0, 1.0, positive=True),
    "battery_replacement_hkd": ValueRange(0.0, 1e8),
    "opportunity_charging_km": ValueRange(0.0, 2000.0),
    "opportunity_charging_hkd_per_bus": ValueRange(0.0, 1e8),
    "hydrogen_station_margin_hkd_per_kg": ValueRange(0.0, 10_000.0),
    "depot_demand_charge_hkd_per_kva_month": ValueRange(0.0, 10_000.0),
    "diesel_price_hkd_per_l": ValueRange(0.0, 1000.0),
    "lpg_price_hkd_per_l": ValueRange(0.0, 1000.0),
    "electricity_price_hkd_per_kwh": ValueRange(0.0, 1000.0),
    "hydrogen_price_hkd_per_kg": ValueRange(0.0, 10_000.0),
    "diesel_kgco2_per_l": _KG_CO2,
    "lpg_kgco2_per_l": _KG_CO2,
    "fossil_wtt_uplift": ValueRange(0.0, 10.0),
    "grid_kgco2_per_kwh": _KG_CO2,
    "h2_kgco2_per_kg": ValueRange(-100.0, 100.0),
    "h2_supply_share": _SHARE,
    "depot_charger_kw": _POWER_KW,
    "depot_charger_capex_hkd": _HKD,
    "depot_buses_per_charger": ValueRange(0.0, 1000.0, positive=True),
    "depot_charging_window_h": ValueRange(0.0, 24.0, positive=True),
    "public_charger_kw": _POWER_KW,
    "public_charger_capex_hkd": _HKD,
    "public_charger_hours_per_day": ValueRange(0.0, 24.0, positive=True),
    "charger_lifetime_years": _YEARS,
    "charger_kva_per_kw": ValueRange(0.0, 10.0),
    "grid_upgrade_hkd_per_kva": ValueRange(0.0, 1e7),
    "grid_upgrade_lead_years": ValueRange(0.0, 30.0, whole=True),
    "h2_station_fixed_capex_hkd": _HKD,
    "h2_module_kg_day": ValueRange(0.0, 1e6, positive=True),
    "h2_module_capex_hkd": _HKD,
    "h2_station_max_modules": ValueRange(1.0, 1000.0, whole=True),
    "h2_station_opex_share": _SHARE,
    "h2_station_lifetime_years": _YEARS,
    "bus_h2_reach_km": ValueRange(0.0, 1000.0),
    "truck_h2_detour_km": ValueRange(0.0, 100.0),
    "taxi_charging_reach_km": ValueRange(0.0, 1000.0),
    # Below 0 the discount factor grows without bound (and -1 divides by zero).
    "discount_rate": ValueRange(0.0, 1.0),
    "operator_discount_rate": ValueRange(0.0, 1.0),
}

#: Parameters whose ``technology`` is an electricity utility, or a hydrogen pathway
#: (a name the dataset chooses); the others take a vehicle technology.
UTILITY_PARAMETERS = frozenset({"electricity_price_hkd_per_kwh", "grid_kgco2_per_kwh"})
PATHWAY_PARAMETERS = frozenset({"h2_kgco2_per_kg", "h2_supply_share"})


def parameter_label_problem(
    name: str,
    vehicle_type: str,
    technology: str,
    vehicle_types: tuple[str, ...] | None = None,
    *,
    utilities: tuple[str, ...] | None = None,
) -> tuple[str, str] | None:
    """(field, what is wrong) if a parameter row's name, vehicle type or technology is unknown.

    A misspelt label would otherwise be ignored silently: the model never looks it up
    and falls back on a '-' row. ``vehicle_types`` are the catalogue's (the vehicle
    type is not checked when they are not known yet); ``utilities`` the city's (a utility
    parameter's label is only checked for its form when they are not known yet).
    """
    if name not in PARAMETER_NAMES:
        close = difflib.get_close_matches(name, list(PARAMETER_NAMES), n=1, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else " (see data/README.md for the list)"
        return "parameter", f"unknown parameter '{name}'{hint}"
    if vehicle_types is not None and vehicle_type not in (*vehicle_types, "-"):
        return "vehicle_type", _unknown_label(vehicle_type, vehicle_types)
    if name in PATHWAY_PARAMETERS:
        return None
    if name in UTILITY_PARAMETERS and utilities is None:
        if technology == "-" or UTILITY_ID.fullmatch(technology):
            return None
        return (
            "technology",
            f"'{technology}' is not a utility id; expected lower-case letters, digits or _ (e.g. clp) or '-'",
        )
    allowed = utilities if name in UTILITY_PARAMETERS and utilities is not None else TECHNOLOGIES
    if technology not in (*allowed, "-"):
        return "technology", _unknown_label(technology, allowed)
    return None


def _unknown_label(value: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, list(allowed), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"'{value}' is not allowed{hint}; expected one of {', '.join(allowed)} or '-'"


def parameter_value_problem(name: str, value: float) -> str | None:
    """What is wrong with ``value`` for parameter ``name`` (with its unit), or None."""
    problem = PARAMETER_RANGES[name].problem(float(value))
    return f"{problem} [{PARAMETER_NAMES[name][0]}] for {name}" if problem else None


def _check_parameter_rows(
    frame: pd.DataFrame, file: str | Path, utilities: tuple[str, ...] = UTILITIES
) -> None:
    """Known parameter names, vehicle types and technologies (utilities: the city's), and values in range."""
    for pos, row in enumerate(frame.itertuples(index=False)):
        label = parameter_label_problem(
            row.parameter, row.vehicle_type, row.technology, utilities=utilities
        )
        if label is not None:
            raise InputError(label[1], file=file, row=_row_number(pos), field=label[0])
        problem = parameter_value_problem(row.parameter, row.value)
        if problem is not None:
            raise InputError(problem, file=file, row=_row_number(pos), field="value")


def _coerce(series: pd.Series, column: Column, file: str | Path) -> pd.Series:
    missing = series.isna() | (series.astype(str).str.strip() == "")
    if missing.any() and column.required and not column.nullable:
        pos = int(np.flatnonzero(missing.to_numpy())[0])
        raise InputError(
            f"empty value; expected {column.description}"
            + (f" [{column.unit}]" if column.unit else ""),
            file=file,
            row=_row_number(pos),
            field=column.name,
        )
    if column.kind == "str":
        out = series.astype("string").str.strip()
        out = out.astype(object).where(~missing, None)
        if column.choices is not None:
            bad = ~missing & ~out.isin(column.choices)
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(
                    f"'{out.iloc[pos]}' is not allowed; expected one of {', '.join(column.choices)}",
                    file=file,
                    row=_row_number(pos),
                    field=column.name,
                )
        return out
    if column.kind == "bool":
        text = series.astype(str).str.strip().str.lower()
        bad = ~missing & ~text.isin(_TRUE | _FALSE)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"'{series.iloc[pos]}' is not a yes/no value; expected true or false",
                file=file,
                row=_row_number(pos),
                field=column.name,
            )
        return text.isin(_TRUE)
    # Digits beyond int64 come back as Python ints in an object column; as floats they
    # compare with the bounds below instead of wrapping round when cast to int64.
    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = ~missing & numbers.isna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"'{series.iloc[pos]}' is not a number; expected {column.description}"
            + (f" [{column.unit}]" if column.unit else ""),
            file=file,
            row=_row_number(pos),
            field=column.name,
        )
    infinite = ~missing & ~np.isfinite(numbers.fillna(0.0))
    if infinite.any():
        pos = int(np.flatnonzero(infinite.to_numpy())[0])
        raise InputError("value is not finite", file=file, row=_row_number(pos), field=column.name)
    # Columns without their own ceiling still get one: every count and amount in a
    # dataset is far below these, and an absurd one would wreck the solver's numerics.
    ceiling = (
        column.max
        if column.max is not None
        else (MAX_COUNT if column.kind == "int" else MAX_MAGNITUDE)
    )
    floor = column.min if column.min is not None else -MAX_MAGNITUDE
    for bound, test, word in (
        (floor, lambda v, b: v < b, "at least"),
        (ceiling, lambda v, b: v > b, "at most"),
    ):
        if bound is None:
            continue
        out_of_range = ~missing & test(numbers, bound)
        if out_of_range.any():
            pos = int(np.flatnonzero(out_of_range.to_numpy())[0])
            raise InputError(
                f"{numbers.iloc[pos]:g} is out of range; expected {word} {bound:g}"
                + (f" {column.unit}" if column.unit else ""),
                file=file,
                row=_row_number(pos),
                field=column.name,
            )
    if column.kind == "int":
        fractional = ~missing & (numbers != np.round(numbers))
        if fractional.any():
            pos = int(np.flatnonzero(fractional.to_numpy())[0])
            raise InputError(
                f"{numbers.iloc[pos]:g} is not a whole number",
                file=file,
                row=_row_number(pos),
                field=column.name,
            )
        if missing.any():
            return numbers.astype("Int64")
        return numbers.astype("int64")
    return numbers.astype("float64")


#: Parameters the model reads from ``parameters.csv``: name -> (unit, meaning).
#: ``vehicle_type`` is a VEHICLE_TYPES value or '-' (applies to all); ``technology``
#: is a TECHNOLOGIES value, a utility (clp/hke), a hydrogen pathway or '-'.
#: Values between anchor years are interpolated linearly and held flat outside them.
PARAMETER_NAMES: dict[str, tuple[str, str]] = {
    # vehicles, per (vehicle_type, technology)
    "vehicle_price_hkd": ("HK$/vehicle", "purchase price"),
    "energy_per_km": (
        "L/km, kWh/km or kg/km",
        "diesel/LPG litres, kWh (bev) or kg H2 (fcev) per km",
    ),
    "maintenance_hkd_per_km": ("HK$/km", "maintenance cost"),
    "lifetime_years": ("years", "service life of a new vehicle"),
    "range_km": ("km", "design range on one charge or fill (bev, fcev)"),
    "summer_range_factor": (
        "-",
        "share of design range usable on a hot day with air-conditioning (bev)",
    ),
    # operator behaviour (optimiser/uptake.py): the distribution of operators' perceived cost of switching
    "adoption_barrier_hkd": (
        "HK$/vehicle",
        "mean non-financial cost operators add to switching to this technology (calibrated)",
    ),
    "adoption_spread_hkd": ("HK$/vehicle", "standard deviation of that cost across operators"),
    "daily_km_spread": (
        "-",
        "relative standard deviation of daily km among a segment's vehicles (taxis, trucks)",
    ),
    "battery_end_of_life_capacity": (
        "-",
        "battery capacity left at the end of a vehicle's life, as a share of new (bev)",
    ),
    "battery_replacement_hkd": ("HK$/vehicle", "battery replacement at mid-life (bev); 0 if none"),
    "opportunity_charging_km": (
        "km/day",
        "extra daily km a battery bus gains from terminus top-ups (when the scenario allows them)",
    ),
    "opportunity_charging_hkd_per_bus": (
        "HK$/bus",
        "terminus charger share and grid per bus that uses opportunity charging",
    ),
    # energy prices
    "diesel_price_hkd_per_l": ("HK$/L", "diesel price paid by the operator (vehicle_type or '-')"),
    "lpg_price_hkd_per_l": ("HK$/L", "auto-LPG price"),
    "electricity_price_hkd_per_kwh": ("HK$/kWh", "average net tariff, technology = utility"),
    "hydrogen_price_hkd_per_kg": ("HK$/kg", "delivered hydrogen at the pump"),
    "hydrogen_station_margin_hkd_per_kg": (
        "HK$/kg",
        "part of the pump price that recovers the station's capital and O&M (the system cost counts stations explicitly instead)",
    ),
    # emissions
    "diesel_kgco2_per_l": ("kg CO2/L", "tank-to-wheel diesel"),
    "lpg_kgco2_per_l": ("kg CO2/L", "tank-to-wheel LPG"),
    "fossil_wtt_uplift": ("-", "well-to-tank emissions as a share of tank-to-wheel for diesel/LPG"),
    "grid_kgco2_per_kwh": ("kg CO2/kWh", "grid carbon intensity, technology = utility"),
    "h2_kgco2_per_kg": ("kg CO2e/kg", "hydrogen carbon intensity, technology = pathway"),
    "h2_supply_share": ("-", "share of hydrogen supplied by a pathway (technology = pathway)"),
    # charging infrastructure
    "depot_charger_kw": ("kW", "power of one depot charger"),
    "depot_charger_capex_hkd": ("HK$/charger", "installed cost incl. civil and LV works"),
    "depot_buses_per_charger": ("buses/charger", "buses one depot charger serves overnight"),
    "depot_charging_window_h": ("h", "overnight hours a bus is parked to charge"),
    "depot_demand_charge_hkd_per_kva_month": (
        "HK$/kVA/month",
        "maximum-demand charge on a depot's charging load",
    ),
    "public_charger_kw": ("kW", "power of one public fast charger"),
    "public_charger_capex_hkd": ("HK$/charger", "installed cost of a public fast charger"),
    "public_charger_hours_per_day": ("h/day", "effective full-power hours per charger per day"),
    "charger_lifetime_years": ("years", "charger service life"),
    "charger_kva_per_kw": (
        "kVA/kW",
        "grid capacity per kW of chargers (power factor and diversity)",
    ),
    "grid_upgrade_hkd_per_kva": ("HK$/kVA", "cost of extra grid connection"),
    "grid_upgrade_lead_years": ("years", "years between ordering an upgrade and using it"),
    # hydrogen stations
    "h2_station_fixed_capex_hkd": ("HK$/station", "station fixed cost (land works, safety)"),
    "h2_module_kg_day": ("kg/day", "capacity of one dispensing/compression module"),
    "h2_module_capex_hkd": ("HK$/module", "cost of one module"),
    "h2_station_max_modules": ("modules", "largest station"),
    "h2_station_opex_share": ("1/year", "annual O&M as a share of capex"),
    "h2_station_lifetime_years": ("years", "station service life"),
    # reach over the road graph
    "bus_h2_reach_km": ("km", "largest road distance from a depot to its hydrogen station"),
    "truck_h2_detour_km": (
        "km",
        "largest road distance (one way) a truck leaves its route for a hydrogen station",
    ),
    "taxi_charging_reach_km": ("km", "largest road distance from a taxi zone to a fast charger"),
    # economics
    "discount_rate": ("1/year", "social discount rate for system cost"),
    "operator_discount_rate": (
        "1/year",
        "discount rate operators apply to total cost of ownership",
    ),
}
