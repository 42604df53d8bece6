"""Table-driven suite of bad inputs: every one must be refused with a message naming the problem.

Each case corrupts a copy of a real input (``data/hk`` tables, the tiny dataset of
``tests/tiny.py`` written as CSV files, a FRLM network, a scenario YAML, a GTFS
zip, an OSM extract) and asserts that the loader raises
:class:`~fleetplan.errors.InputError` whose message names the file, the row and the
field where they are known, and says what is wrong. The CLI cases run
``fleetplan`` in a subprocess and assert exit code 2, a single line on stderr
naming the problem, and no traceback.

Counts (keep in step with the lists below; ``test_case_counts`` checks them):
111 in-process cases (52 dataset tables and folders, 14 FRLM CSV network,
25 scenario YAML, 12 GTFS, 8 OSM) and 16 CLI cases: 127 bad inputs in all.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import fleetplan.network.importers.csv_network as csv_network
import fleetplan.network.loaders as loaders
import fleetplan.optimiser.scenario_files as scenario_module
from fleetplan.errors import InputError
from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset, read_csv_table
from fleetplan.network.schema import TABLES
from tests.tiny import tiny_dataset
from tests.tiny import write_tiny_dataset as write_dataset  # the name the other modules import

CLI = [sys.executable, "-c", "from fleetplan.cli import main; main()"]


@dataclass
class Ctx:
    """What a case may use: a private folder, monkeypatch, and a template tiny dataset folder."""

    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    tiny_template: Path

    def tiny(self) -> Path:
        """A private copy of the tiny dataset folder (CSV files) to corrupt."""
        folder = self.tmp / "tiny"
        shutil.copytree(self.tiny_template, folder)
        return folder


# --------------------------------------------------------------------------- dataset tables


def hk_table(ctx: Ctx, table: str, edit: Callable[[pd.DataFrame], pd.DataFrame | None]) -> None:
    """Copy one ``data/hk`` table, apply ``edit`` to it (text cells), and read it back."""
    spec = TABLES[table]
    frame = pd.read_csv(DEFAULT_DATASET / spec.file, dtype=str, keep_default_na=False)
    edited = edit(frame)
    frame = frame if edited is None else edited
    path = ctx.tmp / spec.file
    frame.to_csv(path, index=False)
    read_csv_table(path, spec)


def setcell(row: int, column: str, value: str) -> Callable[[pd.DataFrame], None]:
    """Edit: put ``value`` into data row ``row`` (1-based, as messages count) of ``column``."""

    def edit(frame: pd.DataFrame) -> None:
        frame.loc[row - 1, column] = value

    return edit


def rename(old: str, new: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda frame: frame.rename(columns={old: new})


def drop(column: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda frame: frame.drop(columns=[column])


def duplicate_row(row: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Edit: repeat data row ``row`` right after the first data rows (the copy is row 4)."""
    return lambda frame: pd.concat(
        [frame.iloc[:3], frame.iloc[[row - 1]], frame.iloc[3:]], ignore_index=True
    )


def raw_file(table: str, data: bytes) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        path = ctx.tmp / TABLES[table].file
        path.write_bytes(data)
        read_csv_table(path, TABLES[table])

    return action


def oversize_table(ctx: Ctx) -> None:
    # The limit is 200 MB; lower it rather than write such a file.
    ctx.monkeypatch.setattr(loaders, "MAX_TABLE_BYTES", 1000)
    path = ctx.tmp / "nodes.csv"
    shutil.copy(DEFAULT_DATASET / "nodes.csv", path)
    read_csv_table(path, TABLES["nodes"])


def tiny_edit(
    file: str, edit: Callable[[pd.DataFrame], pd.DataFrame | None], **load: str
) -> Callable[[Ctx], None]:
    """Corrupt one file of a tiny dataset folder and load the whole folder (cross-table checks)."""

    def action(ctx: Ctx) -> None:
        folder = ctx.tiny()
        frame = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
        edited = edit(frame)
        (frame if edited is None else edited).to_csv(folder / file, index=False)
        load_dataset(folder, **load)  # type: ignore[arg-type]

    return action


def append_row(values: dict[str, str]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        row = {c: frame[c].iloc[-1] for c in frame.columns} | values
        return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)

    return edit


def commitment(**values: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Edit: append a row to operator_commitments.csv (a valid kmb pledge from 2030 unless changed)."""
    row = {"commitment_id": "c1", "operator": "kmb", "kind": "pledge", "year": "2030", "technology": "", "vehicles": "",
           "bev_share": "", "fcev_share": "", "source": "test", "status": "estimate"} | values  # fmt: skip
    return lambda frame: pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def committed_charger(**values: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Edit: append a row to committed_chargers.csv (500 city-wide chargers from 2027 unless changed)."""
    row = {"commitment_id": "k1", "kind": "programme", "year": "2027", "fast_chargers": "500", "site_id": "",
           "source": "test", "status": "estimate"} | values  # fmt: skip
    return lambda frame: pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def missing_table(ctx: Ctx) -> None:
    folder = ctx.tiny()
    (folder / "targets.csv").unlink()
    load_dataset(folder)


def hk(table: str, edit: Callable[[pd.DataFrame], pd.DataFrame | None]) -> Callable[[Ctx], None]:
    return lambda ctx: hk_table(ctx, table, edit)


BIG5 = "node_id,lon,lat,name,n_stops,source,status\nN1,114.1,22.3,旺角,1,測試,estimate\n".encode(
    "big5"
)
UTF16 = (
    "node_id,lon,lat,name,n_stops,source,status\nN1,114.1,22.3,Mong Kok,1,test,estimate\n".encode(
        "utf-16"
    )
)

DATASET_CASES = [
    pytest.param(
        hk("nodes", drop("lat")),
        ["nodes.csv", "field 'lat'", "missing column"],
        id="nodes-missing-lat-column",
    ),
    pytest.param(
        hk("depots", rename("grid_headroom_kva", "grid_headroom_kav")),
        ["depots.csv", "field 'grid_headroom_kva'", "missing column", "grid_headroom_kav"],
        id="depots-misspelt-column",
    ),
    pytest.param(
        hk("depots", rename("depot_id", "Depot ID")),
        ["depots.csv", "field 'depot_id'", "Depot ID"],
        id="depots-column-with-space-and-capitals",
    ),
    pytest.param(
        hk("edges", setcell(3, "length_m", "ten")),
        ["edges.csv", "row 3", "field 'length_m'", "'ten' is not a number"],
        id="edges-text-in-length",
    ),
    pytest.param(
        hk("nodes", setcell(3, "lon", "nan")),
        ["nodes.csv", "row 3", "field 'lon'", "empty value"],
        id="nodes-nan-longitude",
    ),
    pytest.param(
        hk("nodes", setcell(5, "lat", "")),
        ["nodes.csv", "row 5", "field 'lat'", "empty value"],
        id="nodes-empty-latitude",
    ),
    pytest.param(
        hk("depots", setcell(2, "lon", "120.5")),
        ["depots.csv", "row 2", "field 'lon'", "outside Hong Kong"],
        id="depots-longitude-outside-hk",
    ),
    pytest.param(
        hk("nodes", setcell(4, "lat", "23.5")),
        ["nodes.csv", "row 4", "field 'lat'", "outside Hong Kong"],
        id="nodes-latitude-outside-hk",
    ),
    pytest.param(
        hk("taxi_zones", lambda f: f.assign(lon=f["lat"], lat=f["lon"])),
        ["taxi_zones.csv", "row 1", "field 'lat'", "at most 90"],
        id="taxi-zones-lon-lat-swapped",
    ),
    pytest.param(
        hk("truck_places", setcell(1, "lat", "95")),
        ["truck_places.csv", "row 1", "field 'lat'", "at most 90"],
        id="truck-places-latitude-over-90",
    ),
    pytest.param(
        hk("candidate_sites", setcell(2, "grid_headroom_kva", "-500")),
        ["candidate_sites.csv", "row 2", "field 'grid_headroom_kva'", "at least 0"],
        id="sites-negative-grid-headroom",
    ),
    pytest.param(
        hk("programmes", setcell(1, "per_vehicle_cap_hkd", "-800000")),
        ["programmes.csv", "row 1", "field 'per_vehicle_cap_hkd'", "at least 0"],
        id="programmes-negative-per-vehicle-cap",
    ),
    pytest.param(
        hk("programmes", setcell(2, "programme_cap_hkd", "-4.7e8")),
        ["programmes.csv", "row 2", "field 'programme_cap_hkd'", "at least 0"],
        id="programmes-negative-programme-budget",
    ),
    pytest.param(
        hk("programmes", setcell(1, "price_share_cap", "1.5")),
        ["programmes.csv", "row 1", "field 'price_share_cap'", "at most 1"],
        id="programmes-share-above-one",
    ),
    pytest.param(
        hk("parameters", setcell(2, "value", "-4300000")),
        ["parameters.csv", "row 2", "field 'value'", "negative"],
        id="parameters-negative-price",
    ),
    pytest.param(
        hk("parameters", setcell(3, "parameter", "vehicle_prize_hkd")),
        ["parameters.csv", "row 3", "field 'parameter'", "vehicle_prize_hkd", "vehicle_price_hkd"],
        id="parameters-misspelt-name",
    ),
    pytest.param(
        tiny_edit("parameters.csv", setcell(1, "vehicle_type", "bus_triple")),
        ["parameters.csv", "row 1", "field 'vehicle_type'", "bus_triple"],
        id="parameters-unknown-vehicle-type",
    ),
    pytest.param(
        hk("parameters", duplicate_row(1)),
        ["parameters.csv", "row 4", "duplicate id"],
        id="parameters-duplicate-key",
    ),
    pytest.param(
        hk("bus_segments", setcell(2, "buses", "-3")),
        ["bus_segments.csv", "row 2", "field 'buses'", "at least 0"],
        id="segments-negative-buses",
    ),
    pytest.param(
        hk("bus_age_profile", setcell(1, "age_years", "25")),
        ["bus_age_profile.csv", "row 1", "field 'age_years'", "at most 17"],
        id="age-profile-age-above-17",
    ),
    pytest.param(
        hk("bus_age_profile", setcell(1, "age_years", "2.5")),
        ["bus_age_profile.csv", "row 1", "field 'age_years'", "whole number"],
        id="age-profile-fractional-age",
    ),
    pytest.param(
        hk("candidate_sites", setcell(3, "can_hydrogen", "maybe")),
        ["candidate_sites.csv", "row 3", "field 'can_hydrogen'", "'maybe'"],
        id="sites-bool-maybe",
    ),
    # Operators are the city's own: a depot may name any, but its routes must then be that operator's.
    pytest.param(
        tiny_edit("depots.csv", setcell(1, "operator", "mtr")),
        ["bus_routes.csv", "field 'operator'", "'mtr'", "expected the operator of the depot"],
        id="depots-operator-not-its-routes",
    ),
    pytest.param(
        tiny_edit("targets.csv", setcell(1, "vehicle_class", "ferry")),
        ["targets.csv", "row 1", "field 'vehicle_class'", "ferry"],
        id="targets-unknown-class",
    ),
    pytest.param(
        hk("depots", duplicate_row(2)),
        ["depots.csv", "row 4", "field 'depot_id'", "duplicate id"],
        id="depots-duplicate-id",
    ),
    pytest.param(
        hk("truck_flows", setcell(2, "daily_round_trips", "inf")),
        ["truck_flows.csv", "row 2", "field 'daily_round_trips'", "not finite"],
        id="flows-infinite-trips",
    ),
    pytest.param(raw_file("nodes", b""), ["nodes.csv", "empty"], id="table-empty-file"),
    pytest.param(
        raw_file("nodes", b"node_id,lon,lat,name,n_stops,source,status\n"),
        ["nodes.csv", "no rows"],
        id="table-header-only",
    ),
    pytest.param(
        raw_file("nodes", b"   \n\n  \n"),
        ["nodes.csv", "not a readable CSV"],
        id="table-whitespace-only",
    ),
    pytest.param(raw_file("nodes", BIG5), ["nodes.csv", "not UTF-8"], id="table-big5-encoded"),
    pytest.param(raw_file("nodes", UTF16), ["nodes.csv", "not UTF-8"], id="table-utf16-encoded"),
    pytest.param(
        raw_file(
            "nodes",
            b"node_id,lon,lat,name,n_stops,source,status\nN1,114.1,22.3,a,1,s,estimate\nN2,114.1,22.3,Mong, Kok,1,s,estimate\n",
        ),
        ["nodes.csv", "row 2", "8 cells", "7 columns"],
        id="table-stray-comma-shifts-row",
    ),
    pytest.param(oversize_table, ["nodes.csv", "limit"], id="table-over-size-limit"),
    pytest.param(
        tiny_edit("bus_routes.csv", setcell(1, "depot_id", "NOPE")),
        ["bus_routes.csv", "row 1", "field 'depot_id'", "unknown id 'NOPE'"],
        id="routes-unknown-depot",
    ),
    pytest.param(
        tiny_edit("truck_flows.csv", setcell(1, "destination", "PX")),
        ["truck_flows.csv", "row 1", "field 'destination'", "unknown id 'PX'"],
        id="flows-unknown-place",
    ),
    pytest.param(
        tiny_edit("edges.csv", setcell(2, "to_node", "Q")),
        ["edges.csv", "row 2", "field 'to_node'", "unknown id 'Q'"],
        id="edges-unknown-node",
    ),
    pytest.param(
        tiny_edit("bus_age_profile.csv", setcell(1, "segment_id", "D9_dd")),
        ["bus_age_profile.csv", "row 1", "field 'segment_id'", "D9_dd"],
        id="age-profile-unknown-segment",
    ),
    pytest.param(
        tiny_edit("nodes.csv", append_row({"node_id": "ISLAND", "lon": "114.0", "lat": "22.25"})),
        ["edges.csv", "disconnected", "ISLAND"],
        id="graph-disconnected-node",
    ),
    pytest.param(
        tiny_edit("edges.csv", setcell(2, "to_node", "B")),
        ["edges.csv", "row 2", "field 'to_node'", "self-loop"],
        id="graph-self-loop",
    ),
    pytest.param(
        tiny_edit("edges.csv", setcell(1, "length_m", "0")),
        ["edges.csv", "row 1", "field 'length_m'", "positive"],
        id="graph-zero-length-edge",
    ),
    pytest.param(
        tiny_edit("edges_fine.csv", setcell(1, "length_m", "0"), graph="fine"),
        ["edges_fine.csv", "row 1", "field 'length_m'"],
        id="graph-fine-zero-length-edge",
    ),
    pytest.param(missing_table, ["targets.csv", "file not found"], id="dataset-missing-table"),
    pytest.param(
        tiny_edit("operator_commitments.csv", commitment(operator="mtr")),
        ["operator_commitments.csv", "row 1", "field 'operator'", "unknown operator 'mtr'", "kmb"],
        id="commitments-unknown-operator",
    ),
    pytest.param(
        tiny_edit("operator_commitments.csv", commitment(bev_share="0.5", fcev_share="0.6")),
        ["operator_commitments.csv", "row 1", "field 'fcev_share'", "sum to 1.1", "expected 1"],
        id="commitments-mix-not-one",
    ),
    pytest.param(
        tiny_edit("operator_commitments.csv", commitment(year="20x0")),
        ["operator_commitments.csv", "row 1", "field 'year'", "'20x0' is not a number"],
        id="commitments-year-not-a-number",
    ),
    pytest.param(
        tiny_edit("operator_commitments.csv", commitment(year="2300")),
        ["operator_commitments.csv", "row 1", "field 'year'", "at most 2100"],
        id="commitments-year-out-of-range",
    ),
    pytest.param(
        tiny_edit("operator_commitments.csv", commitment(kind="order", vehicles="200")),
        [
            "operator_commitments.csv",
            "row 1",
            "field 'technology'",
            "an order needs its technology",
        ],
        id="commitments-order-without-technology",
    ),
    pytest.param(
        tiny_edit("operator_commitments.csv", commitment(kind="promise")),
        ["operator_commitments.csv", "row 1", "field 'kind'", "'promise'", "pledge, order"],
        id="commitments-unknown-kind",
    ),
    pytest.param(
        tiny_edit("committed_chargers.csv", committed_charger(site_id="S_D1")),
        ["committed_chargers.csv", "row 1", "field 'site_id'", "may not host public chargers"],
        id="committed-chargers-not-a-public-site",
    ),
    pytest.param(
        tiny_edit("committed_chargers.csv", committed_charger(fast_chargers="-5")),
        ["committed_chargers.csv", "row 1", "field 'fast_chargers'", "at least 0"],
        id="committed-chargers-negative",
    ),
    pytest.param(
        lambda ctx: load_dataset(ctx.tmp / "nowhere"),
        ["nowhere", "not found"],
        id="dataset-folder-missing",
    ),
    pytest.param(
        lambda ctx: load_dataset(ctx.tiny(), graph="medium"),
        ["field 'graph'", "medium"],
        id="dataset-unknown-graph-variant",
    ),
]


# --------------------------------------------------------------------------- FRLM CSV network


def frlm(
    ctx: Ctx,
    nodes: str = "node\nA\nB\nC\n",
    edges: str = "from,to,length\nA,B,10\nB,C,10\n",
    flows: str = "origin,destination,flow\nA,C,5\n",
    raw_nodes: bytes | None = None,
) -> None:
    paths = {name: ctx.tmp / f"{name.upper()}.csv" for name in ("nodes", "edges", "flows")}
    paths["nodes"].write_bytes(raw_nodes if raw_nodes is not None else nodes.encode())
    paths["edges"].write_text(edges, encoding="utf-8")
    paths["flows"].write_text(flows, encoding="utf-8")
    csv_network.read_frlm_csv(paths["nodes"], paths["edges"], paths["flows"])


def frlm_case(**files: str | bytes) -> Callable[[Ctx], None]:
    return lambda ctx: frlm(ctx, **files)  # type: ignore[arg-type]


def frlm_oversize(ctx: Ctx) -> None:
    ctx.monkeypatch.setattr(csv_network, "MAX_CSV_BYTES", 4)
    frlm(ctx)


FRLM_CASES = [
    pytest.param(
        frlm_case(
            nodes="node\nA\nB\nC\nD\n",
            edges="from,to,length\nA,B,10\nC,D,10\n",
            flows="origin,destination,flow\nA,B,1\nA,D,5\n",
        ),
        ["FLOWS.csv", "row 2", "field 'destination'", "no path from 'A' to 'D'"],
        id="frlm-unreachable-flow",
    ),
    pytest.param(
        frlm_case(edges="from,to,length\nA,B,10\nB,B,3\n"),
        ["EDGES.csv", "row 2", "itself"],
        id="frlm-self-loop",
    ),
    pytest.param(
        frlm_case(edges="from,to,length\nA,B,10\nB,A,12\n"),
        ["EDGES.csv", "row 2", "duplicate edge"],
        id="frlm-duplicate-reversed-edge",
    ),
    pytest.param(
        frlm_case(edges="from,to,length\nA,B,-10\nB,C,10\n"),
        ["EDGES.csv", "row 1", "field 'length'", "> 0"],
        id="frlm-negative-length",
    ),
    pytest.param(
        frlm_case(edges="from,to,length\nA,B,0\nB,C,10\n"),
        ["EDGES.csv", "row 1", "field 'length'", "> 0"],
        id="frlm-zero-length",
    ),
    pytest.param(
        frlm_case(edges="from,to,length\nA,B,ten\nB,C,10\n"),
        ["EDGES.csv", "row 1", "field 'length'", "'ten' is not a number"],
        id="frlm-text-length",
    ),
    pytest.param(
        frlm_case(flows="origin,destination,flow\nA,Z,5\n"),
        ["FLOWS.csv", "row 1", "field 'destination'", "unknown node 'Z'"],
        id="frlm-unknown-flow-node",
    ),
    pytest.param(
        frlm_case(flows="origin,destination,flow\nA,C,5\nB,B,1\n"),
        ["FLOWS.csv", "row 2", "both 'B'"],
        id="frlm-origin-equals-destination",
    ),
    pytest.param(
        frlm_case(flows="origin,destination,flow\nA,C,-5\n"),
        ["FLOWS.csv", "row 1", "field 'flow'", "≥ 0"],
        id="frlm-negative-flow",
    ),
    pytest.param(
        frlm_case(edges="from,to,len\nA,B,10\n"),
        ["EDGES.csv", "field 'length'", "missing column"],
        id="frlm-missing-length-column",
    ),
    pytest.param(
        frlm_case(edges="from,to,length\nA,B,10\nB,C,1,0\n"),
        ["EDGES.csv", "row 2", "4 cells"],
        id="frlm-stray-comma-in-length",
    ),
    pytest.param(
        frlm_case(nodes="node\nA\nB\nA\nC\n"),
        ["NODES.csv", "row 3", "field 'node'", "duplicate node 'A'"],
        id="frlm-duplicate-node",
    ),
    pytest.param(
        frlm_case(raw_nodes="node\nA\nB\n旺角\n".encode("big5")),
        ["NODES.csv", "not UTF-8"],
        id="frlm-big5-nodes",
    ),
    pytest.param(frlm_oversize, ["NODES.csv", "limit"], id="frlm-over-size-limit"),
]


# --------------------------------------------------------------------------- scenario YAML

ALIAS_BOMB = "lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)


def scenario_text(text: str | bytes) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        path = ctx.tmp / "scenario.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        scenario_module.load_scenario(path)

    return action


def python_tag_not_run(ctx: Ctx) -> None:
    marker = ctx.tmp / "executed"
    path = ctx.tmp / "scenario.yaml"
    path.write_text(
        f"name: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n",
        encoding="utf-8",
    )
    try:
        scenario_module.load_scenario(path)
    finally:
        assert not marker.exists(), "a YAML python tag was executed"


def alias_bomb_bounded(ctx: Ctx) -> None:
    started = time.perf_counter()
    try:
        scenario_text(ALIAS_BOMB)(ctx)
    finally:
        # 9**9 references: a walk over the expansion would take hours; bounded means fast.
        assert time.perf_counter() - started < 10


def scenario_oversize(ctx: Ctx) -> None:
    ctx.monkeypatch.setattr(scenario_module, "MAX_SCENARIO_BYTES", 20)
    scenario_text("name: a-perfectly-fine-but-long-name\n")(ctx)


def unknown_override(kind: str) -> Callable[[Ctx], None]:
    """An override of a programme/target id the dataset lacks: found when the inputs are prepared."""

    def action(ctx: Ctx) -> None:
        from fleetplan.optimiser.inputs import prepare_inputs

        scenario = scenario_module.scenario_from_yaml(
            f"{kind}:\n  nope: {{enabled: false}}\n", file="s.yaml"
        )
        prepare_inputs(scenario, tiny_dataset())

    return action


SCENARIO_CASES = [
    pytest.param(
        scenario_text("- name: a\n- name: b\n"),
        ["scenario.yaml", "mapping", "got a list"],
        id="yaml-list",
    ),
    pytest.param(
        scenario_text("just a sentence\n"),
        ["scenario.yaml", "mapping", "single value"],
        id="yaml-scalar",
    ),
    pytest.param(
        scenario_text("budget: " + "{a: " * 20 + "1" + "}" * 20 + "\n"),
        ["scenario.yaml", "nested deeper"],
        id="yaml-nested-20-levels",
    ),
    pytest.param(
        scenario_text("budget: " + "[" * 5000 + "]" * 5000 + "\n"),
        ["scenario.yaml", "nested"],
        id="yaml-nested-5000-levels",
    ),
    pytest.param(
        scenario_text("name: x\nbudgett: {total_hkd: 1}\n"),
        ["scenario.yaml", "line 2", "field 'budgett'", "unknown key"],
        id="yaml-unknown-top-key",
    ),
    pytest.param(
        scenario_text("budget:\n  total_hdk: 1.0e9\n"),
        ["scenario.yaml", "line 2", "field 'budget.total_hdk'", "unknown key"],
        id="yaml-misspelt-nested-key",
    ),
    pytest.param(
        scenario_text("years: {start: soon, end: 2030}\n"),
        ["scenario.yaml", "field 'years.start'", "soon"],
        id="yaml-wrong-type",
    ),
    pytest.param(
        scenario_text("budget:\n  total_hkd: -5.0e8\n"),
        ["scenario.yaml", "line 2", "field 'budget.total_hkd'", "greater than or equal to 0"],
        id="yaml-negative-budget",
    ),
    pytest.param(
        scenario_text("budget:\n  yearly_limit_hkd: {2026: -1}\n"),
        ["scenario.yaml", "field 'budget.yearly_limit_hkd.2026'"],
        id="yaml-negative-yearly-limit",
    ),
    pytest.param(
        scenario_text("years:\n  start: 2040\n  end: 2030\n"),
        ["scenario.yaml", "field 'years'", "before start"],
        id="yaml-years-reversed",
    ),
    pytest.param(
        unknown_override("programmes"),
        ["field 'programmes.nope'", "unknown programme 'nope'"],
        id="yaml-unknown-programme-id",
    ),
    pytest.param(
        unknown_override("targets"),
        ["field 'targets.nope'", "unknown target 'nope'"],
        id="yaml-unknown-target-id",
    ),
    pytest.param(
        scenario_text("technologies: {ferry: [bev]}\n"),
        ["scenario.yaml", "field 'technologies.ferry'", "unknown vehicle class"],
        id="yaml-unknown-vehicle-class",
    ),
    pytest.param(
        scenario_text("parameters:\n  - {parameter: vehicle_prize_hkd, value: 1}\n"),
        ["scenario.yaml", "field 'parameters.0.parameter'", "vehicle_prize_hkd"],
        id="yaml-unknown-parameter-override",
    ),
    pytest.param(
        python_tag_not_run,
        ["scenario.yaml", "field 'name'", "python/object/apply", "not allowed"],
        id="yaml-python-object-tag-not-executed",
    ),
    pytest.param(
        scenario_text("description: !!python/name:os.system\n"),
        ["scenario.yaml", "field 'description'", "not allowed"],
        id="yaml-python-name-tag",
    ),
    pytest.param(
        scenario_text("technologies: {bus: !!python/tuple [bev]}\n"),
        ["scenario.yaml", "field 'technologies.bus'", "python/tuple"],
        id="yaml-python-tuple-tag-on-valid-value",
    ),
    pytest.param(alias_bomb_bounded, ["scenario.yaml", "aliases"], id="yaml-billion-laughs"),
    pytest.param(scenario_text(""), ["scenario.yaml", "empty"], id="yaml-empty-file"),
    pytest.param(
        scenario_text(bytes(range(256)) * 4), ["scenario.yaml", "not UTF-8"], id="yaml-binary-file"
    ),
    pytest.param(
        scenario_text("name: a\nname: b\n"),
        ["scenario.yaml", "line 2", "duplicate key"],
        id="yaml-duplicate-key",
    ),
    pytest.param(
        scenario_text("name: x\nbudget: {total_hkd: 1\n"),
        ["scenario.yaml", "not valid YAML"],
        id="yaml-syntax-error",
    ),
    pytest.param(scenario_oversize, ["scenario.yaml", "limit"], id="yaml-over-size-limit"),
    pytest.param(
        scenario_text(
            "operator_commitments:\n  kmb: {operator: kmb, zero_emission_purchases_from: 2030, vehicles: 5}\n"
        ),
        ["scenario.yaml", "field 'operator_commitments.kmb'", "one kind"],
        id="yaml-commitment-pledge-and-order",
    ),
    pytest.param(
        scenario_text(
            "operator_commitments:\n  ctb: {operator: ctb, zero_emission_purchases_from: 2029, technology_mix: {fcev: 0.7, bev: 0.4}}\n"
        ),
        ["scenario.yaml", "field 'operator_commitments.ctb'", "sum to 1.1"],
        id="yaml-commitment-mix-not-one",
    ),
]


# --------------------------------------------------------------------------- GTFS

GTFS = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nKMB,KMB,https://kmb.hk,Asia/Hong_Kong\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,One,22.30,114.17\nS2,Two,22.31,114.18\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,KMB,1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,06:00:00,06:00:00,S1,1\nT1,06:10:00,06:10:00,S2,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWD,1,1,1,1,1,0,0,20250101,20251231\n",
}


def gtfs_zip(ctx: Ctx, members: dict[str, str], *, symlink: str | None = None) -> Path:
    path = ctx.tmp / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return path


def gtfs(
    members: dict[str, str] | None = None, *, drop: str | None = None, symlink: str | None = None
) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        from fleetplan.network.importers.gtfs import load_feed

        content = {k: v for k, v in {**GTFS, **(members or {})}.items() if k != drop}
        load_feed(gtfs_zip(ctx, content, symlink=symlink))

    return action


def gtfs_raw(data: bytes) -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        from fleetplan.network.importers.gtfs import load_feed

        path = ctx.tmp / "feed.zip"
        path.write_bytes(data)
        load_feed(path)

    return action


def gtfs_oversize(ctx: Ctx) -> None:
    import fleetplan.network.importers.gtfs.reader as gtfs_reader

    ctx.monkeypatch.setattr(gtfs_reader, "MAX_ZIP_BYTES", 100)
    gtfs()(ctx)


def gtfs_slip_not_written(ctx: Ctx) -> None:
    victim = ctx.tmp.parent / "evil.txt"
    victim.unlink(missing_ok=True)
    try:
        gtfs({"../evil.txt": "pwned"})(ctx)
    finally:
        assert not victim.exists(), "a zip-slip member was extracted"


def gtfs_folder_without_stop_times(ctx: Ctx) -> None:
    from fleetplan.network.importers.gtfs import load_feed

    folder = ctx.tmp / "feed"
    folder.mkdir()
    for name, text in GTFS.items():
        if name != "stop_times.txt":
            (folder / name).write_text(text, encoding="utf-8")
    load_feed(folder)


GTFS_CASES = [
    pytest.param(
        gtfs_slip_not_written, ["feed.zip", "../evil.txt", "zip-slip"], id="gtfs-zip-slip-member"
    ),
    pytest.param(
        gtfs({"/etc/evil.txt": "x"}),
        ["feed.zip", "/etc/evil.txt", "absolute path"],
        id="gtfs-absolute-member",
    ),
    pytest.param(
        gtfs({"C:/evil.txt": "x"}), ["feed.zip", "absolute path"], id="gtfs-windows-drive-member"
    ),
    pytest.param(
        gtfs(symlink="stops2.txt"), ["feed.zip", "symbolic link"], id="gtfs-symlink-member"
    ),
    pytest.param(
        gtfs(drop="stop_times.txt"),
        ["feed.zip", "stop_times.txt", "missing"],
        id="gtfs-missing-stop-times",
    ),
    pytest.param(
        gtfs_folder_without_stop_times,
        ["feed", "stop_times.txt", "missing"],
        id="gtfs-folder-missing-stop-times",
    ),
    pytest.param(gtfs(drop="calendar.txt"), ["feed.zip", "calendar"], id="gtfs-missing-calendar"),
    pytest.param(
        gtfs({"stops.txt": "stop_id,stop_name\nS1,One\n"}),
        ["feed.zip", "stops.txt", "stop_lat"],
        id="gtfs-stops-missing-coordinates",
    ),
    pytest.param(
        gtfs_raw(b"route_id,service_id\nR1,WD\n"), ["feed.zip", "not a zip"], id="gtfs-not-a-zip"
    ),
    pytest.param(gtfs_raw(b""), ["feed.zip", "empty"], id="gtfs-empty-file"),
    pytest.param(gtfs_oversize, ["feed.zip", "limit"], id="gtfs-over-size-limit"),
    pytest.param(
        lambda ctx: __import__(
            "fleetplan.network.importers.gtfs", fromlist=["load_feed"]
        ).load_feed(ctx.tmp / "none.zip"),
        ["none.zip", "not found"],
        id="gtfs-missing-file",
    ),
]


# --------------------------------------------------------------------------- OSM


def osm(data: bytes, name: str = "extract.osm") -> Callable[[Ctx], None]:
    def action(ctx: Ctx) -> None:
        from fleetplan.network.importers.osm import import_osm

        path = ctx.tmp / name
        path.write_bytes(data)
        import_osm(path, metric_crs="EPSG:2326")

    return action


ENTITY_XML = b"""<?xml version="1.0"?>
<!DOCTYPE osm [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<osm version="0.6"><node id="1" lat="22.3" lon="114.1"><tag k="name" v="&b;"/></node></osm>
"""

OSM_CASES = [
    pytest.param(
        osm(b'{"version": 0.6, "elements": []}'), ["extract.osm", "not XML"], id="osm-json-not-xml"
    ),
    pytest.param(
        osm(b"\x1f\x8b\x08\x00binary"), ["extract.osm", "not XML"], id="osm-binary-not-xml"
    ),
    pytest.param(osm(ENTITY_XML), ["extract.osm", "DOCTYPE"], id="osm-doctype-entity"),
    pytest.param(
        osm(b"<html><body>not osm</body></html>"),
        ["extract.osm", "<html>", "<osm>"],
        id="osm-wrong-root",
    ),
    pytest.param(osm(b""), ["extract.osm", "empty"], id="osm-empty-file"),
    pytest.param(
        osm(b"not bzip2 at all", name="extract.osm.bz2"),
        ["extract.osm.bz2", "bzip2"],
        id="osm-bad-bz2",
    ),
    pytest.param(
        osm(b'<?xml version="1.0"?><osm version="0.6"><node id="1" lat="22.3"'),
        ["extract.osm"],
        id="osm-truncated-xml",
    ),
    pytest.param(
        lambda ctx: __import__(
            "fleetplan.network.importers.osm", fromlist=["import_osm"]
        ).import_osm(ctx.tmp / "none.osm", metric_crs="EPSG:2326"),
        ["none.osm", "not found"],
        id="osm-missing-file",
    ),
]


IN_PROCESS_CASES = DATASET_CASES + FRLM_CASES + SCENARIO_CASES + GTFS_CASES + OSM_CASES


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


def cli_frlm(
    *flags: str,
    edges: str = "from,to,length\nA,B,10\nB,C,10\n",
    flows: str = "origin,destination,flow\nA,C,5\n",
) -> Callable[[Path], list[str]]:
    def args(tmp: Path) -> list[str]:
        (tmp / "NODES.csv").write_text("node\nA\nB\nC\nD\n", encoding="utf-8")
        (tmp / "EDGES.csv").write_text(edges, encoding="utf-8")
        (tmp / "FLOWS.csv").write_text(flows, encoding="utf-8")
        return [
            "frlm",
            "--nodes",
            str(tmp / "NODES.csv"),
            "--edges",
            str(tmp / "EDGES.csv"),
            "--flows",
            str(tmp / "FLOWS.csv"),
            *flags,
        ]

    return args


def cli_depot(rows: str, *flags: str) -> Callable[[Path], list[str]]:
    def args(tmp: Path) -> list[str]:
        (tmp / "BLOCKS.csv").write_text("bus,pull_out,pull_in,km\n" + rows, encoding="utf-8")
        return ["depot", "--blocks", str(tmp / "BLOCKS.csv"), *flags]

    return args


def cli_scenario(
    text: str | bytes, command: str = "solve", *flags: str
) -> Callable[[Path], list[str]]:
    def args(tmp: Path) -> list[str]:
        path = tmp / "bad.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return [command, str(path), *flags]

    return args


def cli_validate_dataset(tmp: Path) -> list[str]:
    folder = write_dataset(tmp / "data")
    frame = pd.read_csv(folder / "depots.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "lat"] = "32.3"  # a typo that puts the depot in Hubei
    frame.to_csv(folder / "depots.csv", index=False)
    (tmp / "s.yaml").write_text(f"name: s\ndataset: {folder}\n", encoding="utf-8")
    return ["validate", str(tmp / "s.yaml")]


CLI_CASES = [
    pytest.param(
        cli_frlm("--range", "-100", "--stations", "1"),
        ["--range", "-100"],
        id="cli-frlm-negative-range",
    ),
    pytest.param(
        cli_frlm("--range", "100", "--stations", "-1"),
        ["--stations", "-1"],
        id="cli-frlm-negative-stations",
    ),
    pytest.param(
        cli_frlm("--range", "100", "--stations", "9"),
        ["--stations", "only 4 nodes"],
        id="cli-frlm-more-stations-than-nodes",
    ),
    pytest.param(
        lambda tmp: [
            "frlm",
            "--nodes",
            str(tmp / "NO.csv"),
            "--edges",
            str(tmp / "NO.csv"),
            "--flows",
            str(tmp / "NO.csv"),
            "--range",
            "100",
            "--stations",
            "1",
        ],
        ["NO.csv", "not found"],
        id="cli-frlm-missing-file",
    ),
    pytest.param(
        cli_frlm(
            "--range",
            "100",
            "--stations",
            "1",
            edges="from,to,length\nA,B,10\nC,D,10\n",
            flows="origin,destination,flow\nA,D,5\n",
        ),
        ["FLOWS.csv", "row 1", "no path"],
        id="cli-frlm-unreachable-flow",
    ),
    pytest.param(
        cli_depot("B1,25:99,23:00,200\n"),
        ["BLOCKS.csv", "row 1", "pull_out", "25:99"],
        id="cli-depot-bad-time",
    ),
    pytest.param(
        cli_depot("B1,06:00,23:00,-50\n"), ["BLOCKS.csv", "row 1", "km"], id="cli-depot-negative-km"
    ),
    pytest.param(
        cli_depot("B1,06:00,23:00,200\n", "--usable-kwh", "-1"),
        ["--usable-kwh"],
        id="cli-depot-negative-battery",
    ),
    pytest.param(cli_scenario("- name: a\n"), ["bad.yaml", "mapping"], id="cli-solve-yaml-list"),
    pytest.param(
        cli_scenario("name: !!python/object/apply:os.system ['echo pwned']\n"),
        ["bad.yaml", "name"],
        id="cli-solve-python-tag",
    ),
    pytest.param(cli_scenario(ALIAS_BOMB), ["bad.yaml"], id="cli-solve-billion-laughs"),
    pytest.param(
        cli_scenario("name: x\nbudgett: {total_hkd: 1}\n"),
        ["bad.yaml", "line 2", "budgett", "unknown key"],
        id="cli-solve-unknown-key",
    ),
    pytest.param(
        cli_scenario("budget: {total_hkd: -1}\n", "validate"),
        ["bad.yaml", "budget.total_hkd"],
        id="cli-validate-negative-budget",
    ),
    pytest.param(
        cli_scenario("name: \xe9t\xe9\n".encode("latin-1"), "validate"),
        ["bad.yaml", "UTF-8"],
        id="cli-validate-latin1-scenario",
    ),
    pytest.param(
        lambda tmp: ["solve", str(tmp / "missing.yaml")],
        ["missing.yaml", "not found"],
        id="cli-solve-missing-scenario",
    ),
    pytest.param(
        cli_validate_dataset,
        ["depots.csv", "row 1", "field 'lat'", "outside Hong Kong"],
        id="cli-validate-depot-outside-hk",
    ),
]


@pytest.mark.parametrize(("make_args", "expected"), CLI_CASES)
def test_cli_bad_input_exits_2_with_one_line(
    make_args: Callable[[Path], list[str]], expected: list[str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [*CLI, *make_args(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    stderr = result.stderr.strip()
    assert result.returncode == 2, (result.returncode, stderr, result.stdout[-500:])
    assert "Traceback" not in result.stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("error: ")
    for fragment in expected:
        assert fragment.lower() in stderr.lower(), f"{fragment!r} not in {stderr!r}"


def test_case_counts() -> None:
    """The docstring's counts match the tables (the issue asks for at least 60 bad inputs)."""
    counts = (
        len(DATASET_CASES),
        len(FRLM_CASES),
        len(SCENARIO_CASES),
        len(GTFS_CASES),
        len(OSM_CASES),
        len(CLI_CASES),
    )
    assert counts == (52, 14, 25, 12, 8, 16), counts
    assert len(IN_PROCESS_CASES) + len(CLI_CASES) >= 60
    ids = [case.id for case in IN_PROCESS_CASES + CLI_CASES]
    assert len(ids) == len(set(ids))
