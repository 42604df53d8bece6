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

import pytest

from fleetplan.errors import InputError
from fleetplan.network.geojson_table import read_geojson_points
from fleetplan.network.loaders import read_csv_table
from fleetplan.network.schema import TABLES
from tests.test_bad_inputs import write_dataset

CLI = [sys.executable, "-c", "from fleetplan.cli import main; main()"]
MB = 1024 * 1024

#: Text that stands for a server file nobody may read through an upload.
SECRET = "s3cret-row-that-must-never-come-back"


@pytest.fixture(scope="module")
def tiny_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("template") / "tiny")


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


def cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


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
    ("vrt-with-bom-and-blank-lines", lambda s: b"\xef\xbb\xbf\n\n  " + vrt(s), ("not GeoJSON", "XML")),
    ("vsi-path-as-text", lambda s: f"/vsicurl/http://169.254.169.254/latest/{s}".encode(), ("not GeoJSON", "FeatureCollection")),
    ("geopackage-bytes", lambda s: b"SQLite format 3\x00" + bytes(200), ("not GeoJSON",)),
    ("zipped-shapefile", lambda s: _zip_with_symlink(s), ("GeoJSON",)),
    ("json-array", lambda s: b"[1, 2]", ("starting with '['", "FeatureCollection")),
    ("a-single-feature", lambda s: json.dumps(feature({"a": 1}, POINT)).encode(), ("'Feature'", "FeatureCollection")),
    ("no-features-list", lambda s: b'{"type": "FeatureCollection", "features": {"a": 1}}', ("features",)),
    ("crs-hk1980", lambda s: collection(feature({}, POINT), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2326"}}), ("EPSG::2326", "WGS84", "crs")),
    ("crs-linked-to-a-file", lambda s: collection(feature({}, POINT), crs={"type": "link", "properties": {"href": str(s), "type": "proj4"}}), ("WGS84", "crs")),
    ("linestring-geometry", lambda s: collection(feature({}, {"type": "LineString", "coordinates": [[114, 22], [114.1, 22.1]]})), ("row 1", "geometry", "Point")),
    ("nan-coordinate", lambda s: b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [NaN, 22.3]}}]}', ("NaN", "not valid JSON")),
    ("bool-coordinate", lambda s: collection(feature({}, {"type": "Point", "coordinates": [True, 22.3]})), ("row 1", "geometry", "finite numbers")),
    ("one-coordinate", lambda s: collection(feature({}, POINT), feature({}, {"type": "Point", "coordinates": [114.1]})), ("row 2", "geometry")),
    ("nested-property", lambda s: collection(feature({"name": {"$ref": str(s)}}, POINT)), ("row 1", "name", "nested")),
    ("lon-disagrees-with-geometry", lambda s: collection(feature({"lon": 113.0}, POINT)), ("row 1", "lon", "differs")),
    ("duplicate-key", lambda s: b'{"type": "FeatureCollection", "features": [], "features": [1]}', ("'features' appears twice",)),
    ("deeply-nested", lambda s: b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", ("nested",)),
    ("latin-1", lambda s: b'{"type": "FeatureCollection", "name": "caf\xe9", "features": []}', ("not UTF-8",)),
]


def _zip_with_symlink(target: Path) -> bytes:
    """A zip whose member is a symbolic link to ``target`` (how a shapefile zip would smuggle a server file)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("sites.shp")
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, str(target))
    return buffer.getvalue()


@pytest.mark.parametrize(("case", "make", "words"), GEOJSON_UPLOADS, ids=[c[0] for c in GEOJSON_UPLOADS])
def test_geojson_upload_is_parsed_as_json_only(case: str, make: Callable[[Path], bytes], words: tuple[str, ...], secret_file: Path) -> None:
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
    refused(lambda: read_geojson_points(data, name="nodes.geojson", max_bytes=2 * MB), "MB", "limit")


def test_a_good_geojson_upload_becomes_the_csv_table(tmp_path: Path) -> None:
    """Odd but valid: properties in any order, WGS84 named the 2008 way, lon/lat from the geometry."""
    from fleetplan.views.data_uploads import _geojson_to_csv

    features = [
        feature({"status": "estimate", "node_id": "N1", "source": "survey 2024", "name": "Central"}, {"type": "Point", "coordinates": [114.158, 22.282]}),
        feature({"node_id": "N2", "name": None, "source": "survey 2024", "status": "estimate", "lat": 22.3}, {"type": "Point", "coordinates": [114.17, 22.3, 5.0]}),
    ]
    data = collection(*features, crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}})
    table = _geojson_to_csv(data, "nodes.geojson")
    path = tmp_path / "nodes.csv"
    table.to_csv(path, index=False)
    nodes = read_csv_table(path, TABLES["nodes"])
    assert list(nodes["node_id"]) == ["N1", "N2"]
    assert nodes["lon"].tolist() == [114.158, 114.17]
    assert nodes["lat"].tolist() == [22.282, 22.3]


def test_osm_upload_with_a_doctype_past_the_first_64_kb_is_refused(tmp_path: Path, secret_file: Path) -> None:
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
    refused(lambda: import_osm(path), "DOCTYPE", "upload.osm")


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


def test_city_build_base_tables_are_read_within_the_table_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_template: Path) -> None:
    import fleetplan.network.city_build as city_build

    monkeypatch.setattr(city_build, "MAX_TABLE_BYTES", 100)
    refused(lambda: city_build._base_table(tiny_template, "parameters"), "parameters.csv", "limit")
