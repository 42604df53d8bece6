"""Read a dataset folder into validated tables.

The Hong Kong default lives in ``data/hk``; a user's own dataset is a folder
with the same CSV files (see ``data/README.md``). Tables with coordinates come
back as GeoDataFrames in WGS84; the rest as DataFrames.

The folder's ``city.yaml`` (:mod:`fleetplan.network.city`) names its city: the
bounds every coordinate is checked against and the metric CRS distances are
measured in. A folder without one is Hong Kong, as every folder was before
manifests existed.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.catalogue import Catalogue, split_list
from fleetplan.network.city import HONG_KONG, City, load_city
from fleetplan.network.csv_text import (  # noqa: F401 - re-exported: readers import them from here
    MAX_PLAIN_NUMBER,
    check_row_widths,
    plain_number,
    read_csv_text,
)
from fleetplan.network.graph import build_graph
from fleetplan.network.schema import TABLES, WGS84, TableSpec, validate_table

#: The embedded Hong Kong default dataset.
DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "hk"

#: Refuse CSV files larger than this: a dataset table is kilobytes to a few MB.
MAX_TABLE_BYTES = 200 * 1024 * 1024

#: Tables a folder may lack (read as no rows): added after datasets existed.
OPTIONAL_TABLES = tuple(name for name, spec in TABLES.items() if spec.optional)


def empty_table(spec: TableSpec) -> pd.DataFrame:
    """``spec``'s table with its typed columns and no rows (an optional table a folder lacks)."""
    return validate_table(pd.DataFrame(columns=[c.name for c in spec.columns]), spec)


@dataclass(frozen=True)
class Dataset:
    """All validated tables of one dataset. Coordinates WGS84; lengths in metres."""

    path: Path
    nodes: gpd.GeoDataFrame
    edges: pd.DataFrame
    depots: gpd.GeoDataFrame
    bus_routes: pd.DataFrame
    bus_segments: pd.DataFrame
    bus_age_profile: pd.DataFrame
    taxi_classes: pd.DataFrame
    taxi_zones: gpd.GeoDataFrame
    truck_places: gpd.GeoDataFrame
    truck_flows: pd.DataFrame
    candidate_sites: gpd.GeoDataFrame
    parameters: pd.DataFrame
    programmes: pd.DataFrame
    targets: pd.DataFrame
    #: the city of ``city.yaml`` (Hong Kong if the folder has none): bounds and metric CRS
    city: City = HONG_KONG
    #: the vehicle-class catalogue (None: the Hong Kong default's, for datasets built in code)
    vehicle_classes: pd.DataFrame | None = None
    #: the road graph of ``nodes``/``edges`` (built once, while loading, where its file is known)
    road_graph: nx.Graph | None = field(default=None, compare=False, repr=False)
    #: operators' pledges and orders (``operator_commitments.csv``; None: none, for datasets built in code)
    operator_commitments: pd.DataFrame | None = None
    #: public fast chargers announced with a year (``committed_chargers.csv``; None: none)
    committed_chargers: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.vehicle_classes is None:
            object.__setattr__(self, "vehicle_classes", _default_vehicle_classes().copy())
        for name in OPTIONAL_TABLES:
            if getattr(self, name) is None:
                object.__setattr__(self, name, empty_table(TABLES[name]))
        object.__setattr__(
            self, "taxi_classes", fill_zone_fleet_classes(self.taxi_classes, self.catalogue)
        )

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @property
    def catalogue(self) -> Catalogue:
        """The vehicle classes this dataset plans for (``vehicle_classes.csv``)."""
        return Catalogue.from_table(self.vehicle_classes)

    @property
    def graph(self) -> nx.Graph:
        """The road graph; built here if the dataset was assembled without one."""
        if self.road_graph is None:
            object.__setattr__(
                self,
                "road_graph",
                build_graph(self.nodes, self.edges, metric_crs=self.city.metric_crs),
            )
        return self.road_graph


def read_csv_table(
    path: Path,
    spec: TableSpec,
    *,
    city: City = HONG_KONG,
    check_bounds: bool = True,
    hk_bounds: bool | None = None,
) -> pd.DataFrame:
    """Read one CSV file and validate it against ``spec``.

    Coordinates must lie inside ``city.bounds`` when ``check_bounds`` (``hk_bounds``
    is its old name and overrides it when given).

    Raises
    ------
    InputError
        If the file is missing, empty, too large, not UTF-8, not a CSV, or
        fails validation (the message names file, row and field).
    """
    path = Path(path)
    text = read_csv_text(
        path, expected=f"the '{spec.name}' table ({spec.description})", max_bytes=MAX_TABLE_BYTES
    )
    try:
        # index_col=False: never turn surplus cells into an index (that shifts every column).
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=True, comment=None, index_col=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"not a readable CSV table: {str(error).strip()}", file=path) from None
    frame = validate_table(
        frame, spec, file=path, city=city, check_bounds=check_bounds, hk_bounds=hk_bounds
    )
    if spec.has_lonlat:
        return gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84
        )
    return frame


def refuse_first(
    mask: pd.Series | np.ndarray,
    message: Callable[[int], str],
    *,
    file: str | Path,
    field: str,
) -> None:
    """Raise :class:`InputError` for the first row where ``mask`` holds, if any.

    ``message(pos)`` says what is wrong with the row at position ``pos`` (0-based) and
    what was expected; the error names ``file``, the 1-based data row and ``field``.
    """
    flags = np.asarray(mask, dtype=bool)
    if flags.any():
        pos = int(np.flatnonzero(flags)[0])
        raise InputError(message(pos), file=file, row=pos + 1, field=field)


def _check_references(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    for name, frame in tables.items():
        spec = TABLES[name]
        for column, (other, key) in spec.references.items():
            values = frame[column]

            def unknown(
                pos: int, values: pd.Series = values, other: str = other, key: str = key
            ) -> str:
                return (
                    f"unknown id '{values.iloc[pos]}'; expected a {key} from {TABLES[other].file}"
                )

            refuse_first(
                values.notna() & ~values.isin(set(tables[other][key])),
                unknown,
                file=folder / spec.file,
                field=column,
            )


#: Slack on sums that should not pass 1 (shares) or should match a total (age profiles).
_SHARE_SLACK = 1e-3  # shares are typed rounded, e.g. three zones of 0.334
_AGE_PROFILE_SLACK = 0.1
#: Relative difference above which the two directions of one undirected edge disagree.
_EDGE_LENGTH_RTOL = 1e-6


def _check_consistency(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Checks across rows and tables that single values cannot show.

    Each of these was accepted silently before and changed the plan without a word:
    shares that add up to more than the whole, more zero-emission vehicles than
    vehicles, an age profile of another fleet, a target without a bound, the two
    directions of one road with different lengths, rows of one programme that
    disagree, a truck flow that goes nowhere.
    """

    def file_of(name: str) -> Path:
        return folder / TABLES[name].file

    # Operators are the city's own (whatever depots.csv names), not a fixed list; a route
    # or segment must belong to the operator of its depot (a typing error otherwise).
    depot_operator = tables["depots"].set_index("depot_id")["operator"]
    for name in ("bus_routes", "bus_segments"):
        frame = tables[name]
        if "operator" not in frame.columns:
            continue
        expected = frame["depot_id"].map(depot_operator)

        def other_operator(
            pos: int, frame: pd.DataFrame = frame, expected: pd.Series = expected
        ) -> str:
            return (
                f"operator '{frame['operator'].iloc[pos]}' but its depot '{frame['depot_id'].iloc[pos]}' belongs to "
                f"'{expected.iloc[pos]}' in {TABLES['depots'].file}; expected the operator of the depot"
            )

        refuse_first(
            frame["operator"].notna() & expected.notna() & (frame["operator"] != expected),
            other_operator,
            file=file_of(name),
            field="operator",
        )

    for name, count in (("bus_segments", "buses"), ("taxi_classes", "taxis")):
        frame = tables[name]

        def too_many(pos: int, frame: pd.DataFrame = frame, count: str = count) -> str:
            return (
                f"{frame['zev_today'].iloc[pos]} zero-emission vehicles but only {frame[count].iloc[pos]} {count}; "
                f"expected zev_today <= {count}"
            )

        refuse_first(
            frame["zev_today"].fillna(0).astype(float) > frame[count].astype(float),
            too_many,
            file=file_of(name),
            field="zev_today",
        )

    segments = tables["bus_segments"]
    refuse_first(
        segments["fcev_today"].fillna(0).astype(float)
        > segments["zev_today"].fillna(0).astype(float),
        lambda pos: (
            f"{segments['fcev_today'].iloc[pos]} fuel-cell buses but only {segments['zev_today'].fillna(0).iloc[pos]} "
            "zero-emission buses; expected fcev_today <= zev_today (fuel-cell buses are counted in zev_today)"
        ),
        file=file_of("bus_segments"),
        field="fcev_today",
    )

    sites = tables["candidate_sites"]
    committed = sites["existing_h2_kg_day"].astype(float) + sites["planned_h2_kg_day"].astype(float)
    refuse_first(
        sites["max_h2_kg_day"].notna() & (committed > sites["max_h2_kg_day"].astype(float) + 1e-6),
        lambda pos: (
            f"existing + planned hydrogen capacity {committed.iloc[pos]:g} kg/day is more than the site's limit "
            f"max_h2_kg_day {sites['max_h2_kg_day'].iloc[pos]:g}; expected a station within its site's limit"
        ),
        file=file_of("candidate_sites"),
        field="max_h2_kg_day",
    )

    zones = tables["taxi_zones"]
    classes = set(tables["taxi_classes"]["taxi_class"])
    refuse_first(
        ~zones["taxi_class"].isin(classes),
        lambda pos: (
            f"taxi class '{zones['taxi_class'].iloc[pos]}' is not in {TABLES['taxi_classes'].file}; "
            "expected a class that has taxis (or remove the zone)"
        ),
        file=file_of("taxi_zones"),
        field="taxi_class",
    )
    shares = zones.groupby("taxi_class")["taxi_share"].transform("sum")
    refuse_first(
        shares > 1 + _SHARE_SLACK,
        lambda pos: (
            f"taxi_share of class '{zones['taxi_class'].iloc[pos]}' adds up to {shares.iloc[pos]:.3g} over its zones; "
            "expected at most 1 (shares of one class's taxis)"
        ),
        file=file_of("taxi_zones"),
        field="taxi_share",
    )

    ages = tables["bus_age_profile"]
    buses = tables["bus_segments"].set_index("segment_id")["buses"].astype(float)
    profiled = ages.groupby("segment_id")["buses"].transform("sum")
    fleet = ages["segment_id"].map(buses)
    refuse_first(
        (profiled - fleet).abs() > _AGE_PROFILE_SLACK * fleet.clip(lower=1.0),
        lambda pos: (
            f"the age profile of segment '{ages['segment_id'].iloc[pos]}' adds up to {profiled.iloc[pos]:g} buses but "
            f"the segment has {fleet.iloc[pos]:g}; expected the same buses (within {_AGE_PROFILE_SLACK:.0%})"
        ),
        file=file_of("bus_age_profile"),
        field="buses",
    )

    targets = tables["targets"]
    refuse_first(
        targets["min_zev"].isna() & targets["min_zev_share"].isna(),
        lambda pos: (
            f"target '{targets['target_id'].iloc[pos]}' has neither min_zev nor min_zev_share; expected one of them"
        ),
        file=file_of("targets"),
        field="min_zev",
    )

    programmes = tables["programmes"]
    refuse_first(
        programmes["first_year"] > programmes["last_year"],
        lambda pos: (
            f"first_year {programmes['first_year'].iloc[pos]} is after last_year {programmes['last_year'].iloc[pos]}"
        ),
        file=file_of("programmes"),
        field="last_year",
    )
    for column in ("programme_cap_hkd", "first_year", "last_year"):
        # The programme's cap and window are one each (a scenario changes them for the whole
        # programme); a row that differs from the programme's first would be read as it.
        first_value = programmes.groupby("programme_id")[column].transform("first")

        def differs(pos: int, column: str = column, first_value: pd.Series = first_value) -> str:
            return (
                f"{programmes[column].iloc[pos]:g} but an earlier row of programme '{programmes['programme_id'].iloc[pos]}' "
                f"has {first_value.iloc[pos]:g}; expected one {column} per programme"
            )

        refuse_first(
            programmes[column] != first_value,
            differs,
            file=file_of("programmes"),
            field=column,
        )

    flows = tables["truck_flows"]
    refuse_first(
        flows["origin"] == flows["destination"],
        lambda pos: (
            f"flow '{flows['flow_id'].iloc[pos]}' goes from '{flows['origin'].iloc[pos]}' to itself; expected two different places"
        ),
        file=file_of("truck_flows"),
        field="destination",
    )

    _check_reversed_edges(tables["edges"], file_of("edges"))
    _check_supply_shares(tables["parameters"], folder)
    _check_operator_commitments(tables, folder)
    _check_committed_chargers(tables, folder)


def _check_reversed_edges(edges: pd.DataFrame, file: Path) -> None:
    """Refuse the two directions of one road with different lengths (the graph is undirected: one would be dropped)."""
    if edges.empty:
        return
    forward = edges.reset_index(drop=True).reset_index()[
        ["index", "from_node", "to_node", "length_m"]
    ]
    backward = forward.rename(columns={"from_node": "to_node", "to_node": "from_node"})
    pairs = forward.merge(backward, on=["from_node", "to_node"], suffixes=("", "_other"))
    pairs = pairs[pairs["index"] > pairs["index_other"]]  # the later row of each pair
    length, other = pairs["length_m"].astype(float), pairs["length_m_other"].astype(float)
    differs = (length - other).abs() > _EDGE_LENGTH_RTOL * np.maximum(length.abs(), other.abs())
    if differs.any():
        pair = pairs[differs.to_numpy()].sort_values("index").iloc[0]
        raise InputError(
            f"edge {pair['from_node']} - {pair['to_node']} is {pair['length_m']:g} m but row {int(pair['index_other']) + 1} "
            f"has the reverse direction at {pair['length_m_other']:g} m; expected one length per road (edges are undirected)",
            file=file,
            row=int(pair["index"]) + 1,
            field="length_m",
        )


def _check_operator_commitments(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """A commitment names an operator of depots.csv; an order says what and how many; a pledge's mix sums to 1."""
    frame = tables["operator_commitments"]
    file = folder / TABLES["operator_commitments"].file
    operators = sorted(set(tables["depots"]["operator"]))
    for pos, row in enumerate(frame.itertuples(index=False)):

        def refuse(message: str, column: str, pos: int = pos) -> InputError:
            return InputError(message, file=file, row=pos + 1, field=column)

        if row.operator not in operators:
            raise refuse(
                f"unknown operator '{row.operator}'; expected one of {', '.join(operators)} (the operators of {TABLES['depots'].file})",
                "operator",
            )
        shares = {k: getattr(row, f"{k}_share") for k in ("bev", "fcev")}
        given = {k: float(v) for k, v in shares.items() if v is not None and not pd.isna(v)}
        if row.kind == "order":
            if row.technology is None:
                raise refuse("an order needs its technology; expected bev or fcev", "technology")
            if row.vehicles is None or pd.isna(row.vehicles) or float(row.vehicles) <= 0:
                raise refuse(
                    "an order needs the vehicles ordered; expected a number above 0", "vehicles"
                )
            if given:
                raise refuse(
                    "an order takes technology and vehicles, not a mix; leave bev_share and fcev_share blank",
                    f"{next(iter(given))}_share",
                )
            continue
        if row.technology is not None:
            raise refuse(
                "a pledge takes bev_share/fcev_share, not a technology; leave technology blank",
                "technology",
            )
        if row.vehicles is not None and not pd.isna(row.vehicles):
            raise refuse(
                "a pledge covers every purchase from its year; leave vehicles blank", "vehicles"
            )
        if given and abs(sum(given.values()) - 1.0) > _SHARE_SLACK:
            column = "fcev_share" if "fcev" in given else "bev_share"
            raise refuse(
                f"bev_share and fcev_share sum to {sum(given.values()):g}; expected 1 (blank ones count 0)",
                column,
            )


def _check_committed_chargers(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """A committed charger row placed at a site must name a site that may host public chargers."""
    frame = tables["committed_chargers"]
    sites = tables["candidate_sites"].set_index("site_id")
    public = set(sites.index[sites["can_public_charging"].astype(bool)])
    refuse_first(
        frame["site_id"].notna() & ~frame["site_id"].isin(public),
        lambda pos: (
            f"site '{frame['site_id'].iloc[pos]}' may not host public chargers (can_public_charging is false in "
            f"{TABLES['candidate_sites'].file}); expected a public charging site, or blank for city-wide"
        ),
        file=folder / TABLES["committed_chargers"].file,
        field="site_id",
    )


def _check_supply_shares(parameters: pd.DataFrame, folder: Path) -> None:
    """Hydrogen pathways' supply shares may not add up to more than all the hydrogen, in any year."""
    rows = parameters[parameters["parameter"] == "h2_supply_share"]
    if rows.empty:
        return
    years = sorted(set(rows["year"]))
    total = np.zeros(len(years))
    for _, path in rows.groupby("technology"):
        path = path.sort_values("year")
        # Linear between anchors and flat outside, as the model reads them.
        total += np.interp(years, path["year"].astype(float), path["value"].astype(float))
    if (total > 1 + _SHARE_SLACK).any():
        at = int(np.flatnonzero(total > 1 + _SHARE_SLACK)[0])
        in_year = rows["year"] == years[at]
        raise InputError(
            f"h2_supply_share of the pathways adds up to {total[at]:.3g} in {years[at]}; expected at most 1",
            file=folder / TABLES["parameters"].file,
            row=int(rows.index[in_year.to_numpy()][0]) + 1,
            field="value",
        )


def load_dataset(
    path: str | Path = DEFAULT_DATASET,
    *,
    graph: str = "coarse",
    check_bounds: bool = True,
    hk_bounds: bool | None = None,
) -> Dataset:
    """Load and validate every table of a dataset folder.

    Parameters
    ----------
    path:
        Folder holding the CSV tables (default: the embedded Hong Kong dataset).
    graph:
        ``"coarse"`` reads ``nodes.csv``/``edges.csv``; ``"fine"`` reads
        ``nodes_fine.csv``/``edges_fine.csv`` instead.
    check_bounds:
        Reject coordinates outside the city's bounds (``city.yaml``; Hong Kong's when the
        folder has none). Turn off only for synthetic test cities.
    hk_bounds:
        Old name of ``check_bounds``; overrides it when given.

    The city (``Dataset.city``) is read from ``city.yaml`` first, so a bad manifest is
    reported before any table.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError("dataset folder not found", file=folder)
    if graph not in ("coarse", "fine"):
        raise InputError(f"unknown graph variant '{graph}'; expected coarse or fine", field="graph")
    city = load_city(folder)
    if hk_bounds is not None:
        check_bounds = hk_bounds
    tables: dict[str, pd.DataFrame] = {}
    for name, spec in TABLES.items():
        file = spec.file
        if graph == "fine" and name in ("nodes", "edges"):
            file = file.replace(".csv", "_fine.csv")
        if name == "vehicle_classes" and not (folder / file).exists():
            # Folders made before the catalogue existed plan for the Hong Kong classes.
            tables[name] = read_csv_table(DEFAULT_DATASET / file, spec, hk_bounds=hk_bounds)
            continue
        if spec.optional and not (folder / file).exists():
            tables[name] = empty_table(spec)
            continue
        tables[name] = read_csv_table(folder / file, spec, city=city, check_bounds=check_bounds)
    # Graphs built later from this table without a metric_crs measure in the city's CRS.
    tables["nodes"].attrs["metric_crs"] = city.metric_crs
    _check_references(tables, folder)
    _check_consistency(tables, folder)
    check_catalogue(tables, folder)
    # Check the road graph here, where the file is known: self-loops, zero-length
    # edges and disconnected parts would otherwise surface later without a file name.
    edges_file = (
        TABLES["edges"].file
        if graph == "coarse"
        else TABLES["edges"].file.replace(".csv", "_fine.csv")
    )
    road_graph = build_graph(
        tables["nodes"], tables["edges"], file=str(folder / edges_file), metric_crs=city.metric_crs
    )
    names = {f.name for f in fields(Dataset)} - {"city", "path", "road_graph"}
    return Dataset(
        path=folder, city=city, road_graph=road_graph, **{name: tables[name] for name in names}
    )


@functools.cache
def _default_vehicle_classes() -> pd.DataFrame:
    """The Hong Kong catalogue, for datasets built in code (read once per process)."""
    spec = TABLES["vehicle_classes"]
    return read_csv_table(DEFAULT_DATASET / spec.file, spec)


def fill_zone_fleet_classes(fleets: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """``taxi_classes`` with blank ``vehicle_class`` read as taxi (folders made before minibuses
    were added) and blank ``vehicle_type`` as the class's first type."""
    fleets = fleets.copy()
    if "vehicle_class" not in fleets:
        fleets["vehicle_class"] = None
    if "vehicle_type" not in fleets:
        fleets["vehicle_type"] = None
    blank = fleets["vehicle_class"].isna() | (fleets["vehicle_class"].astype(str).str.strip() == "")
    fleets["vehicle_class"] = fleets["vehicle_class"].astype(object)
    fleets.loc[blank, "vehicle_class"] = "taxi"
    blank = fleets["vehicle_type"].isna() | (fleets["vehicle_type"].astype(str).str.strip() == "")
    fleets["vehicle_type"] = fleets["vehicle_type"].astype(object)
    fleets.loc[blank, "vehicle_type"] = [
        catalogue[c].vehicle_types[0] if c in catalogue else c
        for c in fleets.loc[blank, "vehicle_class"]
    ]
    return fleets


def check_catalogue(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Check every class and vehicle type the tables name against ``vehicle_classes.csv``."""
    classes = tables["vehicle_classes"]
    file_of = {name: folder / TABLES[name].file for name in TABLES}
    known_types: dict[str, str] = {}
    for pos, row in enumerate(classes.itertuples(index=False)):

        def bad_row(message: str, field: str, pos: int = pos) -> InputError:
            return InputError(message, file=file_of["vehicle_classes"], row=pos + 1, field=field)

        types = split_list(row.vehicle_types)
        if not types:
            raise bad_row(
                "no vehicle type; expected one or more, separated by ';'", "vehicle_types"
            )
        for vehicle_type in types:
            if vehicle_type in known_types:
                raise bad_row(
                    f"vehicle type '{vehicle_type}' is already in class '{known_types[vehicle_type]}'; expected each type in one class",
                    "vehicle_types",
                )
            known_types[vehicle_type] = row.vehicle_class
        technologies = split_list(row.technologies)
        bad = [k for k in technologies if k not in ("bev", "fcev")]
        if bad:
            raise bad_row(
                f"'{bad[0]}' is not allowed; expected bev and/or fcev separated by ';'",
                "technologies",
            )
        if row.refuelling == "corridor" and "bev" in technologies:
            # Charging on a corridor is not in the model: better refused than free.
            raise bad_row(
                "battery vehicles on corridors are not modelled (no corridor charging); expected fcev",
                "technologies",
            )
    catalogue = Catalogue.from_table(classes)

    def refuse(
        table: str, column: str, mask: pd.Series, expected: str, frame: pd.DataFrame | None = None
    ) -> None:
        values = (tables[table] if frame is None else frame)[column]
        refuse_first(
            mask,
            lambda pos: f"'{values.iloc[pos]}' is not allowed; expected {expected}",
            file=file_of[table],
            field=column,
        )

    def types_of(pattern: str) -> list[str]:
        return [t for c in catalogue.with_pattern(pattern) for t in c.vehicle_types]

    refuse(
        "bus_segments",
        "vehicle_type",
        ~tables["bus_segments"]["vehicle_type"].isin(types_of("depot")),
        f"a vehicle type of a depot-based class: {', '.join(types_of('depot')) or '(none in vehicle_classes.csv)'}",
    )
    refuse(
        "programmes",
        "vehicle_type",
        ~tables["programmes"]["vehicle_type"].isin(known_types),
        f"a vehicle type of vehicle_classes.csv: {', '.join(known_types)}",
    )
    refuse(
        "targets",
        "vehicle_class",
        ~tables["targets"]["vehicle_class"].isin(catalogue.names),
        f"a class of vehicle_classes.csv: {', '.join(catalogue.names)}",
    )
    parameters = tables["parameters"]
    refuse(
        "parameters",
        "vehicle_type",
        ~parameters["vehicle_type"].isin([*known_types, "-"]),
        f"a vehicle type of vehicle_classes.csv ({', '.join(known_types)}) or '-'",
    )

    # Blank classes read as taxis, as the Dataset will read them (it fills them in itself).
    fleets = fill_zone_fleet_classes(tables["taxi_classes"], catalogue)
    zone_classes = [c.name for c in catalogue.with_pattern("zone")]
    refuse(
        "taxi_classes",
        "vehicle_class",
        ~fleets["vehicle_class"].isin(zone_classes),
        f"a zone-charged class of vehicle_classes.csv: {', '.join(zone_classes) or '(none)'}",
        fleets,
    )
    own_type = [
        c in catalogue and t in catalogue[c].vehicle_types
        for c, t in zip(fleets["vehicle_class"], fleets["vehicle_type"], strict=True)
    ]
    refuse(
        "taxi_classes",
        "vehicle_type",
        ~pd.Series(own_type, index=fleets.index, dtype=bool),
        "a vehicle type of the row's vehicle_class",
        fleets,
    )
