"""Bad inputs, second round (issue 15): the classes that still got through, one table per class.

Each in-process case corrupts a copy of a real input and asserts that it is refused
with :class:`~fleetplan.errors.InputError` on one line naming the file, row and field
where they are known. CLI cases run ``fleetplan`` and assert exit 2 with one line.
The remaining tests check outcomes that are not a refusal: exports that keep a
formula as text, uploads read once and cleaned up, a failed write leaving nothing.

Counts (``test_case_counts`` keeps them in step): 13 integer and magnitude, 9 year,
12 parameter override, 9 non-finite and divisor, 13 consistency, 11 GTFS, 4 OSM,
5 plain-number cases in process; 8 CLI cases; 84 refusals in all, plus 9 outcome tests.
"""

from __future__ import annotations

import bz2
import gc
import io
import os
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

import fleetplan.network.importers.csv_network as csv_network
from fleetplan.errors import InputError
from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset, read_csv_table
from fleetplan.network.schema import TABLES
from fleetplan.optimiser import outputs
from fleetplan.optimiser.scenario_files import load_scenario
from fleetplan.optimiser.spreadsheet_cells import csv_text, write_csv
from tests.test_bad_inputs import CLI, GTFS, Ctx, append_row, hk, setcell, tiny_edit

# --------------------------------------------------------------------------- helpers


def scenario(text: str) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        path = ctx.tmp / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        load_scenario(path)

    return action


def parameter_row(
    parameter: str, value: str, vehicle_type: str = "-", technology: str = "-"
) -> Callable[[Ctx], None]:
    """data/hk parameters.csv with its first row replaced (a year no other row has)."""

    def edit(frame: pd.DataFrame) -> None:
        frame.loc[0, ["parameter", "vehicle_type", "technology", "year", "value"]] = [
            parameter,
            vehicle_type,
            technology,
            "2099",
            value,
        ]

    return hk("parameters", edit)


def override(
    parameter: str, value: str, vehicle_type: str = "-", technology: str = "-"
) -> Callable[[Ctx], None]:
    return scenario(
        f"parameters:\n  - {{parameter: {parameter}, vehicle_type: {vehicle_type}, technology: {technology}, value: {value}}}\n"
    )


def gtfs_feed(
    members: dict[str, str | bytes],
    *,
    limits: tuple[int, int, int] | None = None,
    call: str = "route_summary",
) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        import fleetplan.network.importers.gtfs as gtfs

        path = ctx.tmp / "feed.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in {**GTFS, **members}.items():
                archive.writestr(name, text)
        bounds = gtfs.FeedLimits(*limits) if limits else gtfs.DEFAULT_LIMITS
        getattr(gtfs, call)(path, limits=bounds, metric_crs="EPSG:2326")

    return action


def osm_file(
    data: bytes, name: str = "extract.osm", max_bytes: int | None = None
) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        from fleetplan.network.importers.osm import import_osm

        path = ctx.tmp / name
        path.write_bytes(data)
        import_osm(path, **({"max_bytes": max_bytes} if max_bytes else {}), metric_crs="EPSG:2326")

    return action


def frlm_edges(edges: str) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        (ctx.tmp / "NODES.csv").write_text("node\nA\nB\nC\n", encoding="utf-8")
        (ctx.tmp / "EDGES.csv").write_text(edges, encoding="utf-8")
        (ctx.tmp / "FLOWS.csv").write_text("origin,destination,flow\nA,C,5\n", encoding="utf-8")
        csv_network.read_frlm_csv(
            ctx.tmp / "NODES.csv", ctx.tmp / "EDGES.csv", ctx.tmp / "FLOWS.csv"
        )

    return action


def depot_km(km: str) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        from fleetplan.optimiser.depot_sizing import read_blocks_csv

        path = ctx.tmp / "BLOCKS.csv"
        path.write_text(f"bus,pull_out,pull_in,km\nB1,06:00,23:00,{km}\n", encoding="utf-8")
        read_blocks_csv(path)

    return action


def summary_json(text: str) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        (ctx.tmp / "summary.json").write_text(text, encoding="utf-8")
        outputs.read_summary(ctx.tmp)

    return action


def raw_table(table: str, data: bytes) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        path = ctx.tmp / TABLES[table].file
        path.write_bytes(data)
        read_csv_table(path, TABLES[table])

    return action


# --------------------------------------------------------------------------- High: integers and magnitudes

INTEGER_CASES = [
    pytest.param(
        hk("taxi_classes", setcell(1, "taxis", "1e19")),
        ["taxi_classes.csv", "row 1", "field 'taxis'", "at most"],
        id="int-taxis-1e19-no-wrap",
    ),
    pytest.param(
        hk("taxi_classes", setcell(1, "taxis", "99999999999999999999")),
        ["taxi_classes.csv", "row 1", "field 'taxis'", "at most"],
        id="int-taxis-20-digits",
    ),
    pytest.param(
        hk("taxi_classes", setcell(2, "zev_today", "-1e19")),
        ["taxi_classes.csv", "row 2", "field 'zev_today'", "at least"],
        id="int-zev-today-minus-1e19",
    ),
    pytest.param(
        hk("bus_segments", setcell(1, "buses", "9.3e18")),
        ["bus_segments.csv", "row 1", "field 'buses'", "at most"],
        id="int-buses-above-int64",
    ),
    pytest.param(
        hk("depots", setcell(1, "parking_spaces", "20000000")),
        ["depots.csv", "row 1", "field 'parking_spaces'", "at most"],
        id="int-parking-spaces-absurd",
    ),
    pytest.param(
        hk("depots", setcell(1, "buses_allocated", "1e300")),
        ["depots.csv", "row 1", "field 'buses_allocated'"],
        id="int-buses-allocated-1e300",
    ),
    pytest.param(
        hk("candidate_sites", setcell(1, "max_chargers", "1e19")),
        ["candidate_sites.csv", "row 1", "field 'max_chargers'"],
        id="int-max-chargers-1e19",
    ),
    pytest.param(
        hk("bus_age_profile", setcell(1, "age_years", "1e19")),
        ["bus_age_profile.csv", "row 1", "field 'age_years'", "at most 17"],
        id="int-age-1e19",
    ),
    pytest.param(
        hk("bus_segments", setcell(1, "daily_km", "1e308")),
        ["bus_segments.csv", "row 1", "field 'daily_km'", "at most 2400"],
        id="float-daily-km-1e308",
    ),
    pytest.param(
        hk("taxi_classes", setcell(1, "daily_km", "5000")),
        ["taxi_classes.csv", "row 1", "field 'daily_km'", "at most 2400"],
        id="float-taxi-daily-km-5000",
    ),
    pytest.param(
        hk("depots", setcell(1, "grid_headroom_kva", "1e13")),
        ["depots.csv", "row 1", "field 'grid_headroom_kva'", "at most"],
        id="float-headroom-1e13",
    ),
    pytest.param(
        hk("programmes", setcell(1, "programme_cap_hkd", "inf")),
        ["programmes.csv", "row 1", "field 'programme_cap_hkd'", "not finite"],
        id="float-programme-cap-inf",
    ),
    pytest.param(
        hk("edges", setcell(1, "length_m", "-1e300")),
        ["edges.csv", "row 1", "field 'length_m'"],
        id="float-edge-length-minus-1e300",
    ),
]

# --------------------------------------------------------------------------- High: years

YEAR_CASES = [
    pytest.param(
        scenario("programmes:\n  e_bus: {first_year: -5, last_year: 99999999}\n"),
        ["scenario.yaml", "line 2", "programmes.e_bus.first_year", "2000"],
        id="year-programme-first-minus-5",
    ),
    pytest.param(
        scenario("programmes:\n  e_bus: {last_year: 99999999}\n"),
        ["scenario.yaml", "programmes.e_bus.last_year", "2100"],
        id="year-programme-last-99999999",
    ),
    pytest.param(
        scenario("programmes:\n  e_bus: {first_year: 2030, last_year: 2026}\n"),
        ["scenario.yaml", "programmes.e_bus", "after last_year"],
        id="year-programme-backwards",
    ),
    pytest.param(
        scenario("targets:\n  ebus_2027: {year: 2200}\n"),
        ["scenario.yaml", "targets.ebus_2027.year", "2100"],
        id="year-target-2200",
    ),
    pytest.param(
        scenario("extra_targets:\n  t: {vehicle_class: bus, year: 1990, min_zev: 5}\n"),
        ["scenario.yaml", "extra_targets.t.year", "2000"],
        id="year-new-target-1990",
    ),
    pytest.param(
        scenario("budget:\n  yearly_limit_hkd: {1990: 5.0e6}\n"),
        ["scenario.yaml", "budget.yearly_limit_hkd", "2000"],
        id="year-yearly-limit-1990",
    ),
    pytest.param(
        scenario("budget:\n  yearly_limit_hkd: {2026: 5.0e6}\nyears: {step: 5}\n"),
        ["scenario.yaml", "2026", "not a modelled year", "2030"],
        id="year-yearly-limit-not-modelled",
    ),
    pytest.param(
        scenario("carbon_price_hkd_per_t: {99999999: 100}\n"),
        ["scenario.yaml", "carbon_price_hkd_per_t", "2100"],
        id="year-carbon-price-99999999",
    ),
    pytest.param(
        scenario("parameters:\n  - {parameter: discount_rate, path: {2025: 0.04, 3000: 0.05}}\n"),
        ["scenario.yaml", "parameters.0.path", "2100"],
        id="year-parameter-path-3000",
    ),
]

# --------------------------------------------------------------------------- Medium: parameter overrides

OVERRIDE_CASES = [
    pytest.param(
        override("vehicle_price_hkd", "-5", "taxi", "bev"),
        ["scenario.yaml", "parameters.0", "negative", "vehicle_price_hkd"],
        id="override-negative-price",
    ),
    pytest.param(
        override("summer_range_factor", "5", "taxi", "bev"),
        ["scenario.yaml", "parameters.0", "0 to 1"],
        id="override-share-of-5",
    ),
    pytest.param(
        override("discount_rate", "-0.5"),
        ["scenario.yaml", "parameters.0", "discount_rate", "negative"],
        id="override-discount-minus-half",
    ),
    pytest.param(
        override("vehicle_price_hkd", "5", "bus_dubble", "bev"),
        ["scenario.yaml", "parameters.0", "bus_dubble", "bus_double"],
        id="override-vehicle-type-typo",
    ),
    pytest.param(
        override("vehicle_price_hkd", "5", "taxi", "bevv"),
        ["scenario.yaml", "parameters.0", "bevv", "'bev'"],
        id="override-technology-typo",
    ),
    pytest.param(
        override("electricity_price_hkd_per_kwh", "1.5", "-", "clpp"),
        ["scenario.yaml", "parameters.0", "clpp", "clp"],
        id="override-utility-typo",
    ),
    pytest.param(
        override("lifetime_years", "0", "taxi", "bev"),
        ["scenario.yaml", "parameters.0", "lifetime_years", "1 to 40"],
        id="override-lifetime-0",
    ),
    pytest.param(
        override("lifetime_years", "12.5", "taxi", "bev"),
        ["scenario.yaml", "parameters.0", "whole number"],
        id="override-lifetime-fraction",
    ),
    pytest.param(
        override("depot_buses_per_charger", "0"),
        ["scenario.yaml", "parameters.0", "more than 0"],
        id="override-buses-per-charger-0",
    ),
    pytest.param(
        scenario(
            "parameters:\n  - {parameter: lifetime_years, vehicle_type: taxi, technology: bev, path: {}}\n"
        ),
        ["scenario.yaml", "parameters.0.path", "at least 1"],
        id="override-empty-path",
    ),
    pytest.param(
        parameter_row("discount_rate", "-1"),
        ["parameters.csv", "row 1", "field 'value'", "discount_rate"],
        id="dataset-discount-minus-1",
    ),
    pytest.param(
        parameter_row("vehicle_price_hkd", "5", "taxi", "bevv"),
        ["parameters.csv", "row 1", "field 'technology'", "bevv"],
        id="dataset-technology-typo",
    ),
]

# --------------------------------------------------------------------------- Medium: non-finite, absurd and divisor values

NON_FINITE_CASES = [
    pytest.param(
        scenario("carbon_price_hkd_per_t: {2025: .inf}\n"),
        ["scenario.yaml", "carbon_price_hkd_per_t.2025", "finite"],
        id="nonfinite-carbon-inf",
    ),
    pytest.param(
        scenario("target_penalty_hkd_per_vehicle: .nan\n"),
        ["scenario.yaml", "target_penalty_hkd_per_vehicle", "finite"],
        id="nonfinite-penalty-nan",
    ),
    pytest.param(
        scenario("prices:\n  hydrogen_hkd_per_kg: {2025: 1.0e308}\n"),
        ["scenario.yaml", "prices.hydrogen_hkd_per_kg.2025", "less than"],
        id="absurd-hydrogen-price-1e308",
    ),
    pytest.param(
        scenario("budget: {total_hkd: .inf}\n"),
        ["scenario.yaml", "budget.total_hkd", "finite"],
        id="nonfinite-budget-inf",
    ),
    pytest.param(
        override("depot_charger_kw", ".inf"),
        ["scenario.yaml", "parameters.0", "not a finite number"],
        id="nonfinite-charger-kw-inf",
    ),
    pytest.param(
        parameter_row("depot_charger_kw", "1e308"),
        ["parameters.csv", "row 1", "field 'value'", "at most"],
        id="absurd-dataset-charger-kw",
    ),
    pytest.param(
        parameter_row("depot_buses_per_charger", "0"),
        ["parameters.csv", "row 1", "field 'value'", "more than 0"],
        id="divisor-dataset-buses-per-charger-0",
    ),
    pytest.param(
        hk("taxi_classes", setcell(1, "lifetime_years", "0")),
        ["taxi_classes.csv", "row 1", "field 'lifetime_years'", "at least 1"],
        id="divisor-taxi-lifetime-0",
    ),
    pytest.param(
        hk("taxi_classes", setcell(1, "lifetime_years", "0.4")),
        ["taxi_classes.csv", "row 1", "field 'lifetime_years'"],
        id="divisor-taxi-lifetime-0.4",
    ),
]

# --------------------------------------------------------------------------- Medium/Low: consistency across rows and tables


def _h2_over_one(frame: pd.DataFrame) -> pd.DataFrame:
    row = {c: frame[c].iloc[-1] for c in frame.columns} | {
        "parameter": "h2_supply_share",
        "vehicle_type": "-",
        "technology": "grey",
        "year": "2025",
        "value": "0.5",
    }
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def _station_above_site_limit(frame: pd.DataFrame) -> None:
    frame.loc[0, "existing_h2_kg_day"] = "600"
    frame.loc[0, "max_h2_kg_day"] = "500"


CONSISTENCY_CASES = [
    pytest.param(
        tiny_edit("bus_segments.csv", setcell(1, "zev_today", "11")),
        ["bus_segments.csv", "row 1", "field 'zev_today'", "only 10 buses"],
        id="zev-today-above-buses",
    ),
    pytest.param(
        tiny_edit("bus_segments.csv", setcell(1, "fcev_today", "1")),
        ["bus_segments.csv", "row 1", "field 'fcev_today'", "fcev_today <= zev_today"],
        id="fcev-today-above-zev-today",
    ),
    pytest.param(
        tiny_edit("candidate_sites.csv", _station_above_site_limit),
        ["candidate_sites.csv", "row 1", "field 'max_h2_kg_day'", "600"],
        id="station-above-site-limit",
    ),
    pytest.param(
        tiny_edit("taxi_classes.csv", setcell(1, "zev_today", "5")),
        ["taxi_classes.csv", "row 1", "field 'zev_today'", "zev_today <= taxis"],
        id="zev-today-above-taxis",
    ),
    pytest.param(
        tiny_edit(
            "taxi_zones.csv", append_row({"zone_id": "Z2", "taxi_class": "nt", "taxi_share": "0.5"})
        ),
        ["taxi_zones.csv", "row 2", "field 'taxi_class'", "'nt'"],
        id="zone-of-absent-taxi-class",
    ),
    pytest.param(
        tiny_edit("taxi_zones.csv", append_row({"zone_id": "Z2", "taxi_share": "0.9"})),
        ["taxi_zones.csv", "field 'taxi_share'", "1.9"],
        id="taxi-share-sums-above-1",
    ),
    pytest.param(
        tiny_edit("parameters.csv", _h2_over_one),
        ["parameters.csv", "field 'value'", "h2_supply_share", "1.5"],
        id="h2-supply-share-sums-above-1",
    ),
    pytest.param(
        tiny_edit("bus_age_profile.csv", setcell(1, "buses", "100")),
        ["bus_age_profile.csv", "row 1", "field 'buses'", "adds up to 100"],
        id="age-profile-ten-times-fleet",
    ),
    pytest.param(
        tiny_edit("targets.csv", setcell(1, "min_zev", "")),
        ["targets.csv", "row 1", "neither min_zev nor min_zev_share"],
        id="target-without-bound",
    ),
    pytest.param(
        tiny_edit("programmes.csv", setcell(1, "first_year", "2030")),
        ["programmes.csv", "row 1", "field 'last_year'", "after"],
        id="programme-first-after-last",
    ),
    pytest.param(
        raw_table("depots", b"depot_id,operator\nD1\x00,kmb\n"),
        ["depots.csv", "row 1", "NUL byte"],
        id="nul-byte-in-table",
    ),
    pytest.param(
        scenario("dataset: ''\n"),
        ["scenario.yaml", "field 'dataset'", "empty"],
        id="empty-dataset-name",
    ),
    pytest.param(
        scenario("extra_targets:\n  t: {vehicle_class: bus, year: 2030}\n"),
        ["scenario.yaml", "min_zev"],
        id="new-target-without-bound",
    ),
]

# --------------------------------------------------------------------------- High/Low: GTFS

_SMALL = (150_000, 200_000, 10_000)
_ZEROS = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n" + "0" * 300_000


def _gtfs_folder_over_limit(ctx: Ctx) -> None:
    import fleetplan.network.importers.gtfs as gtfs

    folder = ctx.tmp / "gtfs"
    folder.mkdir()
    for name, text in {**GTFS, "shapes.txt": _ZEROS}.items():
        (folder / name).write_text(text, encoding="utf-8")
    gtfs.load_feed(folder, limits=gtfs.FeedLimits(*_SMALL))


GTFS_CASES = [
    pytest.param(
        gtfs_feed({"shapes.txt": _ZEROS}, limits=_SMALL),
        ["feed.zip", "'shapes.txt'", "limit"],
        id="gtfs-bomb-member-over-limit",
    ),
    pytest.param(
        gtfs_feed(
            {
                "shapes.txt": _ZEROS[:140_000],
                "frequencies.txt": "trip_id,start_time,end_time,headway_secs\n"
                + "T1,06:00:00,07:00:00,600\n" * 3000,
            },
            limits=_SMALL,
        ),
        ["feed.zip", "unpack to more than", "zip bomb"],
        id="gtfs-bomb-total-over-limit",
    ),
    pytest.param(
        gtfs_feed(
            {"stop_times.txt": GTFS["stop_times.txt"] + "T1,06:20:00,06:20:00,S1,3\n" * 20_000},
            limits=(10**7, 10**7, 10_000),
        ),
        ["feed.zip", "rows", "'stop_times.txt'"],
        id="gtfs-bomb-too-many-rows",
    ),
    pytest.param(
        gtfs_feed({"./stops.txt": GTFS["stops.txt"]}),
        ["feed.zip", "'stops.txt' appears twice", "./stops.txt"],
        id="gtfs-dot-slash-duplicate",
    ),
    pytest.param(
        gtfs_feed(
            {
                "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,One,114.17,22.30\nS2,Two,114.18,22.31\n"
            },
            call="graph_tables_from_gtfs",
        ),
        ["stops.txt", "row 1", "field 'stop_lat'", "swapped"],
        id="gtfs-swapped-lat-lon",
    ),
    pytest.param(
        gtfs_feed(
            {
                "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,06:10:00,06:10:00,S1,1\nT1,06:00:00,06:00:00,S2,2\n",
                "trips.txt": "route_id,service_id,trip_id,block_id\nR1,WD,T1,B1\n",
            },
            call="blocks_from_gtfs",
        ),
        ["stop_times.txt", "row 2", "field 'arrival_time'", "back in time"],
        id="gtfs-times-backwards",
    ),
    pytest.param(
        gtfs_feed(
            {
                "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nT1,06:00:00,999:00:00,1\n"
            }
        ),
        ["frequencies.txt", "row 1", "field 'headway_secs'", "at least 60"],
        id="gtfs-headway-1s-to-999h",
    ),
    pytest.param(
        gtfs_feed(
            {
                "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nT1,06:00:00,90:00:00,600\n"
            }
        ),
        ["frequencies.txt", "row 1", "48:00:00"],
        id="gtfs-window-past-two-days",
    ),
    pytest.param(
        gtfs_feed(
            {
                "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,06:00:00,06:00:00,S1,1\nT1,06:10:00,06:10:00,S2,1\n"
            },
            call="graph_tables_from_gtfs",
        ),
        ["stop_times.txt", "row 2", "field 'stop_sequence'", "twice"],
        id="gtfs-duplicate-stop-sequence",
    ),
    pytest.param(
        gtfs_feed(
            {
                "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,One,22.30,514.17\nS2,Two,22.31,114.18\n"
            }
        ),
        ["stops.txt", "row 1", "field 'stop_lon'"],
        id="gtfs-lon-off-globe",
    ),
    pytest.param(
        _gtfs_folder_over_limit, ["gtfs", "shapes.txt", "limit"], id="gtfs-folder-over-limit"
    ),
]


# --------------------------------------------------------------------------- Medium/Low: OSM

_WAY = "<way id='10'><nd ref='1'/><nd ref='2'/><tag k='highway' v='primary'/></way>"
OSM_CASES = [
    pytest.param(
        osm_file(
            f"<osm version='0.6'><node id='1' lat='999' lon='114.1'/><node id='2' lat='22.3' lon='114.2'/>{_WAY}</osm>".encode()
        ),
        ["extract.osm", "node 1", "field 'lat'", "999"],
        id="osm-lat-999",
    ),
    pytest.param(
        osm_file(
            f"<osm version='0.6'><node id='1' lat='22.3' lon='-500'/><node id='2' lat='22.3' lon='114.2'/>{_WAY}</osm>".encode()
        ),
        ["extract.osm", "field 'lon'"],
        id="osm-lon-minus-500",
    ),
    pytest.param(
        osm_file(
            bz2.compress(b"<osm version='0.6'>" + b" " * 3_000_000 + b"</osm>"),
            "extract.osm.bz2",
            max_bytes=1_000_000,
        ),
        ["extract.osm.bz2", "decompresses to more than"],
        id="osm-bz2-bomb",
    ),
    pytest.param(
        osm_file(
            b"<osm version='0.6'><node id='1' lat='22.3' lon='114.1'/><way id='10'><nd ref='1'/><nd ref='1'/><tag k='highway' v='primary'/></way></osm>"
        ),
        ["extract.osm"],
        id="osm-only-a-loop",
    ),
]

# --------------------------------------------------------------------------- Low: plain numbers and foreign files

PLAIN_NUMBER_CASES = [
    pytest.param(
        frlm_edges("from,to,length\nA,B,1_000\nB,C,10\n"),
        ["EDGES.csv", "row 1", "field 'length'", "1_000"],
        id="frlm-underscore-digits",
    ),
    pytest.param(
        frlm_edges("from,to,length\nA,B,١٢\nB,C,10\n"),
        ["EDGES.csv", "row 1", "field 'length'", "0-9"],
        id="frlm-arabic-indic-digits",
    ),
    pytest.param(
        depot_km("1_000"), ["BLOCKS.csv", "row 1", "field 'km'"], id="depot-km-underscore"
    ),
    pytest.param(
        summary_json('{"subsidy_hkd_by_programme": [1, 2]}'),
        ["summary.json", "subsidy_hkd_by_programme"],
        id="compare-summary-wrong-shape",
    ),
    pytest.param(
        summary_json('{"co2_abated_t": "lots"}'),
        ["summary.json", "co2_abated_t", "not a number"],
        id="compare-summary-text-figure",
    ),
]

IN_PROCESS_CASES = (
    INTEGER_CASES
    + YEAR_CASES
    + OVERRIDE_CASES
    + NON_FINITE_CASES
    + CONSISTENCY_CASES
    + GTFS_CASES
    + OSM_CASES
    + PLAIN_NUMBER_CASES
)


@pytest.mark.parametrize(("action", "expected"), IN_PROCESS_CASES)
def test_bad_input_is_refused_with_a_named_message(
    action: Callable[[Ctx], None], expected: list[str], ctx: Ctx
) -> None:
    with pytest.raises(InputError) as info:
        action(ctx)
    message = str(info.value)
    assert "\n" not in message, message
    for fragment in expected:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in {message!r}"


# --------------------------------------------------------------------------- CLI


def cli_yaml(text: str, command: str = "validate", *flags: str) -> Callable[[Path], list[str]]:
    def args(tmp: Path) -> list[str]:
        (tmp / "s.yaml").write_text(text, encoding="utf-8")
        return [command, str(tmp / "s.yaml"), *flags]

    return args


def cli_out_under_a_file(tmp: Path) -> list[str]:
    (tmp / "a-file").write_text("not a folder", encoding="utf-8")
    return ["solve", "--out", str(tmp / "a-file" / "results")]


def cli_out_read_only(tmp: Path) -> list[str]:
    if os.geteuid() == 0:
        pytest.skip("root may write into a read-only folder")
    locked = tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    return ["solve", "--out", str(locked / "results")]


CLI_CASES = [
    pytest.param(
        cli_yaml("programmes:\n  e_bus: {first_year: -5, last_year: 99999999}\n"),
        ["s.yaml", "first_year"],
        id="cli-validate-unbounded-programme-years",
    ),
    pytest.param(
        cli_yaml("programmes:\n  e_bus: {first_year: -5, last_year: 99999999}\n", "solve"),
        ["s.yaml", "first_year"],
        id="cli-solve-unbounded-programme-years",
    ),
    pytest.param(
        cli_yaml("parameters:\n  - {parameter: discount_rate, value: -1}\n"),
        ["s.yaml", "discount_rate"],
        id="cli-validate-discount-minus-1",
    ),
    pytest.param(
        cli_yaml(
            "parameters:\n  - {parameter: vehicle_price_hkd, vehicle_type: bus_dubble, technology: bev, value: 5}\n"
        ),
        ["s.yaml", "bus_dubble"],
        id="cli-validate-vehicle-type-typo",
    ),
    pytest.param(
        cli_yaml("carbon_price_hkd_per_t: {2025: .inf}\n", "solve"),
        ["s.yaml", "carbon_price_hkd_per_t"],
        id="cli-solve-infinite-carbon-price",
    ),
    pytest.param(cli_out_under_a_file, ["a-file", "not a folder"], id="cli-solve-out-under-a-file"),
    pytest.param(cli_out_read_only, ["locked", "no permission"], id="cli-solve-out-read-only"),
    pytest.param(
        lambda tmp: ["depot", "--blocks", str(_blocks(tmp, "١٢"))],
        ["BLOCKS.csv", "row 1", "km"],
        id="cli-depot-arabic-indic-km",
    ),
]


def _blocks(tmp: Path, km: str) -> Path:
    path = tmp / "BLOCKS.csv"
    path.write_text(f"bus,pull_out,pull_in,km\nB1,06:00,23:00,{km}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("make_args", "expected"), CLI_CASES)
def test_cli_bad_input_exits_2_with_one_line(
    make_args: Callable[[Path], list[str]], expected: list[str], tmp_path: Path
) -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [*CLI, *make_args(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    stderr = result.stderr.strip()
    assert result.returncode == 2, (result.returncode, stderr, result.stdout[-500:])
    assert "Traceback" not in result.stderr and "W1001" not in result.stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("error: ")
    for fragment in expected:
        assert fragment.lower() in stderr.lower(), f"{fragment!r} not in {stderr!r}"
    # Refused up front, not after a solve (the default scenario takes longer than this to solve).
    assert time.perf_counter() - started < 60


# --------------------------------------------------------------------------- outcomes that are not refusals

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "@SUM(A1)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\tTAB",
    "-",
    "-5",
    "Kowloon Bay",
]


def test_csv_exports_escape_formula_leading_cells(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": HOSTILE, "kw": range(len(HOSTILE))})
    path = tmp_path / "sites.csv"
    write_csv(frame, path)
    for text in (path.read_text(encoding="utf-8"), csv_text(frame)):
        cells = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)["name"].tolist()
        assert [
            c.startswith(("=", "@", "+", "\t")) or (c.startswith("-") and c not in ("-", "-5"))
            for c in cells
        ] == [False] * len(cells), cells
        assert cells[-1] == "Kowloon Bay" and cells[-2] == "-5" and cells[-3] == "-"
        assert cells[0] == "'" + HOSTILE[0]


def test_app_excel_and_csv_downloads_hold_no_live_formula() -> None:
    from fleetplan.views import exports

    names = exports.TABLE_NAMES
    result = SimpleNamespace(
        **(
            dict.fromkeys(names)
            | {"chargers": pd.DataFrame({"site_id": ["S1"] * len(HOSTILE), "name": HOSTILE})}
        )
    )
    book = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(result)))  # type: ignore[arg-type]
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # The text is kept exactly as the planner typed it.
    assert HOSTILE[0] in [c.value for c in book["chargers"]["B"]]
    with zipfile.ZipFile(io.BytesIO(exports.csv_zip_bytes(result))) as archive:  # type: ignore[arg-type]
        text = archive.read("chargers.csv").decode()
    assert "\n=" not in text and ",=" not in text and ",@" not in text and "'@SUM" in text


def test_failed_write_leaves_no_temporaries_and_stale_ones_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "out"
    dead = tmp_path / ".out.999999999.abcd1234.tmp"  # above pid_max: its writer is gone
    dead.mkdir()
    (dead / "fleet.csv").write_text("half", encoding="utf-8")
    old = tmp_path / ".out.q7x_zzkw.tmp"  # older naming, no process id
    old.mkdir()
    long_ago = time.time() - 2 * outputs.STALE_TEMPORARY_S
    os.utime(old, (long_ago, long_ago))
    mine = tmp_path / f".out.{os.getpid()}.live.tmp"  # a writer that is still running
    mine.mkdir()
    outputs.write_directory_atomic(
        target, lambda folder: (folder / "a.csv").write_text("x", encoding="utf-8")
    )
    assert (target / "a.csv").read_text(encoding="utf-8") == "x"
    assert not dead.exists() and not old.exists() and mine.exists()

    def fail(folder: Path) -> None:
        (folder / "a.csv").write_text("half-written", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        outputs.write_directory_atomic(target, fail)
    assert (target / "a.csv").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", mine.name])


def test_upload_is_read_once_per_content() -> None:
    from fleetplan.views.uploads import once_per_content

    state: dict[str, object] = {}
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        if len(calls) == 3:
            raise InputError("bad feed", file="feed.zip")
        return len(calls)

    assert [once_per_content(state, "slot", b"same", work) for _ in range(5)] == [1] * 5
    assert once_per_content(state, "slot", b"other", work) == 2
    for _ in range(2):  # a bad upload is not re-read on every rerun either
        with pytest.raises(InputError, match="bad feed"):
            once_per_content(state, "slot", b"bad", work)
    assert len(calls) == 3


def test_session_folders_go_with_their_session(tmp_path: Path) -> None:
    from fleetplan.views.uploads import SessionFolder, remove_stale_folders

    state = {"folder": SessionFolder()}
    path = state["folder"].path  # type: ignore[attr-defined]
    (path / "feed.zip").write_bytes(b"x" * 1000)
    state.clear()  # the session's state dropped (tab closed)
    gc.collect()
    assert not path.exists()
    stale = tmp_path / "fleetplan-upload-killed"
    stale.mkdir()
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    fresh = tmp_path / "fleetplan-data-live"
    fresh.mkdir()
    assert remove_stale_folders(tmp_path) == [stale]
    assert fresh.exists()


def _zip_bytes(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_gtfs_upload_read_in_a_child_within_upload_bounds() -> None:
    from fleetplan.network.importers.gtfs import UPLOAD_LIMITS
    from fleetplan.views.uploads import gtfs_route_summary

    routes = gtfs_route_summary(
        _zip_bytes({**GTFS, "junk.txt": "0" * 50_000_000}), "my feed.zip", "EPSG:2326"
    )
    assert routes["route_id"].tolist() == ["R1"]  # the unknown member is not unpacked
    bomb = _zip_bytes(
        {
            **GTFS,
            "stop_times.txt": GTFS["stop_times.txt"]
            + "T1,06:20:00,06:20:00,S1,3\n" * (UPLOAD_LIMITS.total_rows + 10),
        }
    )
    assert len(bomb) < 2_000_000
    with pytest.raises(InputError) as info:
        gtfs_route_summary(bomb, "bomb.zip", "EPSG:2326")
    message = str(info.value)
    assert (
        message.startswith("bomb.zip") and "rows" in message and "fleetplan-upload" not in message
    )


def test_failed_osm_import_returns_nothing_half_made(tmp_path: Path) -> None:
    from fleetplan.network.importers.osm import import_osm

    path = tmp_path / "bad.osm"
    path.write_text(
        f"<osm version='0.6'><node id='1' lat='999' lon='114.1'/><node id='2' lat='22.3' lon='114.2'/>{_WAY}</osm>",
        encoding="utf-8",
    )
    with pytest.raises(InputError):
        import_osm(path, metric_crs="EPSG:2326")
    # Beside it, a good extract still imports (the check is not a blanket refusal).
    path.write_text(
        f"<osm version='0.6'><node id='1' lat='22.30' lon='114.1'/><node id='2' lat='22.31' lon='114.2'/>{_WAY}</osm>",
        encoding="utf-8",
    )
    nodes, edges = import_osm(path, metric_crs="EPSG:2326")
    assert len(nodes) == 2 and len(edges) == 1


def test_hk_default_still_loads() -> None:
    """Every new check passes on the embedded dataset (no false alarm on real data)."""
    data = load_dataset(DEFAULT_DATASET)
    assert len(data.bus_segments) > 0


def test_case_counts() -> None:
    counts = tuple(
        len(c)
        for c in (
            INTEGER_CASES,
            YEAR_CASES,
            OVERRIDE_CASES,
            NON_FINITE_CASES,
            CONSISTENCY_CASES,
            GTFS_CASES,
            OSM_CASES,
            PLAIN_NUMBER_CASES,
            CLI_CASES,
        )
    )
    assert counts == (13, 9, 12, 9, 13, 11, 4, 5, 8), counts
    ids = [case.id for case in IN_PROCESS_CASES + CLI_CASES]
    assert len(ids) == len(set(ids))
