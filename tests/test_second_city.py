"""A second city, end to end: a GTFS feed and an OpenStreetMap extract -> dataset -> plan.

The test writes a tiny public-format feed and a street grid for a fictional town in
central Portugal (outside Hong Kong, metric CRS EPSG:3763, PT-TM06/ETRS89), builds its
dataset with ``fleetplan city build`` and solves it with ``fleetplan solve``, both
through the command line, with HiGHS. Nothing is mocked.
"""

from __future__ import annotations

import json
import math
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyproj
import pytest
from pyproj import Transformer
from typer.testing import CliRunner

from fleetplan.cli import app
from fleetplan.errors import InputError
from fleetplan.network.city import HONG_KONG, load_city, read_city
from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
from fleetplan.optimiser.inputs.segments import depot_and_zone_segments
from fleetplan.optimiser.scenario import Scenario, catalogue_problems

CRS = "EPSG:3763"
#: Street grid: 4 x 3 junctions about 340 m (east-west) and 445 m (north-south) apart.
LONS = (-8.420, -8.416, -8.412, -8.408)
LATS = (39.600, 39.604, 39.608)
ROWS = "ABC"


def junction(row: int, col: int) -> tuple[float, float]:
    return LONS[col], LATS[row]


def stop_id(row: int, col: int) -> str:
    return f"{ROWS[row]}{col}"


def metres(a: tuple[float, float], b: tuple[float, float], crs: str = CRS) -> float:
    """Straight distance between two WGS84 points in ``crs`` metres, by pyproj directly."""
    to = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    (xa, ya), (xb, yb) = to.transform(*a), to.transform(*b)
    return math.hypot(xb - xa, yb - ya)


#: Every street runs on past the grid by this much (degrees), so every grid point is a junction.
STUB = 0.002


def write_osm(path: Path) -> Path:
    """Every row and column of the grid is a straight two-way street, plus a footway shortcut."""
    nodes, ways, ids = [], [], {}
    for r, lat in enumerate(LATS):
        for c, lon in enumerate(LONS):
            ids[r, c] = 1 + r * len(LONS) + c
            nodes.append(f'  <node id="{ids[r, c]}" lat="{lat:.6f}" lon="{lon:.6f}"/>')
    ends = {}
    for r, lat in enumerate(LATS):
        for side, lon in (("w", LONS[0] - STUB), ("e", LONS[-1] + STUB)):
            ends[side, r] = 100 + len(ends)
            nodes.append(f'  <node id="{ends[side, r]}" lat="{lat:.6f}" lon="{lon:.6f}"/>')
    for c, lon in enumerate(LONS):
        for side, lat in (("s", LATS[0] - STUB), ("n", LATS[-1] + STUB)):
            ends[side, c] = 100 + len(ends)
            nodes.append(f'  <node id="{ends[side, c]}" lat="{lat:.6f}" lon="{lon:.6f}"/>')
    way = 1000
    for r in range(len(LATS)):
        refs = "".join(
            f'<nd ref="{n}"/>'
            for n in (ends["w", r], *(ids[r, c] for c in range(len(LONS))), ends["e", r])
        )
        ways.append(
            f'  <way id="{way}">{refs}<tag k="highway" v="secondary"/><tag k="name" v="Rua {ROWS[r]}"/></way>'
        )
        way += 1
    for c in range(len(LONS)):
        refs = "".join(
            f'<nd ref="{n}"/>'
            for n in (ends["s", c], *(ids[r, c] for r in range(len(LATS))), ends["n", c])
        )
        ways.append(f'  <way id="{way}">{refs}<tag k="highway" v="residential"/></way>')
        way += 1
    # A diagonal footpath from A1 to C3: buses may not take it.
    ways.append(
        f'  <way id="{way}"><nd ref="{ids[0, 1]}"/><nd ref="{ids[2, 3]}"/><tag k="highway" v="footway"/></way>'
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="fleetplan-test">\n'
        + "\n".join(nodes + ways)
        + "\n</osm>\n",
        encoding="utf-8",
    )
    return path


#: route -> (agency, short name, stops (row, col) in order, buses (blocks))
ROUTES = {
    "R1": ("TT", "1", [(0, 0), (0, 1), (0, 2), (0, 3)], 2),
    "R2": ("TT", "2", [(0, 1), (1, 1), (2, 1)], 1),
    "R3": ("RV", "3", [(2, 1), (2, 2), (2, 3)], 1),
}
FLEET = sum(buses for *_, buses in ROUTES.values())


def write_feed(path: Path) -> Path:
    """Hourly trips 06:00-20:00 each way; each route's buses are its blocks, taking trips in turn."""
    used = sorted({s for _, _, stops, _ in ROUTES.values() for s in stops})
    trips, stop_times = (
        ["route_id,service_id,trip_id,direction_id,block_id"],
        ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    )
    for route, (_, _, stops, buses) in ROUTES.items():
        for n, hour in enumerate(range(6, 21)):
            for direction, sequence in enumerate((stops, stops[::-1])):
                trip = f"{route}-{hour:02d}-{direction}"
                trips.append(f"{route},WK,{trip},{direction},{route}-B{n % buses + 1}")
                for k, (r, c) in enumerate(sequence):
                    clock = f"{hour:02d}:{(30 * direction + 4 * k):02d}:00"
                    stop_times.append(f"{trip},{clock},{clock},{stop_id(r, c)},{k + 1}")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "TT,Transportes de Teste,https://example.org,Europe/Lisbon\n"
        "RV,Rodoviaria do Vale,https://example.org,Europe/Lisbon\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(
            f"{stop_id(r, c)},Paragem {stop_id(r, c)},{junction(r, c)[1]},{junction(r, c)[0]}\n"
            for r, c in used
        ),
        "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
        + "".join(
            f"{route},{agency},{short},3\n" for route, (agency, short, _, _) in ROUTES.items()
        ),
        "trips.txt": "\n".join(trips) + "\n",
        "stop_times.txt": "\n".join(stop_times) + "\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20250101,20251231\n",
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The town's dataset, built by the command line."""
    tmp = tmp_path_factory.mktemp("town")
    result = CliRunner().invoke(
        app,
        [
            "city",
            "build",
            "--gtfs",
            str(write_feed(tmp / "vila-teste-gtfs.zip")),
            "--osm",
            str(write_osm(tmp / "vila-teste.osm")),
            "--name",
            "Vila Nova de Teste",
            "--crs",
            CRS,
            "--out",
            str(tmp / "vila-teste"),
            "--feed-licence",
            "CC BY 4.0 (test data)",
        ],
    )
    assert result.exit_code == 0, result.output
    return tmp / "vila-teste"


def test_the_built_folder_is_a_dataset_of_its_own_city(town: Path) -> None:
    city = read_city(town / "city.yaml")
    assert city.name == "Vila Nova de Teste"
    assert city.metric_crs == CRS
    lon_min, lat_min, lon_max, lat_max = city.bounds
    # The stops' extent plus a margin, far from Hong Kong.
    assert (
        lon_min < min(LONS) and lon_max > max(LONS) and lat_min < min(LATS) and lat_max > max(LATS)
    )
    assert lon_max < HONG_KONG.bounds[0]
    assert any("OpenStreetMap" in s.name for s in city.sources)

    data = load_dataset(town)
    assert data.city == city
    assert sorted(data.depots["operator"]) == ["rodoviaria_do_vale", "transportes_de_teste"]
    assert len(data.bus_routes) == len(ROUTES)
    assert int(data.bus_segments["buses"].sum()) == FLEET  # one bus per vehicle block
    assert data.taxi_classes.empty and data.truck_flows.empty
    # Only share targets of buses carry over from Hong Kong (its counts are its own fleet's).
    assert set(data.targets["vehicle_class"]) == {"bus"} and data.targets["min_zev"].isna().all()
    assert data.parameters["source"].str.startswith("copied from the Hong Kong dataset").all()


def test_lengths_are_metres_in_the_city_crs(town: Path) -> None:
    data = load_dataset(town)
    edges = data.edges.set_index(["from_node", "to_node"])
    a, b = junction(0, 0), junction(0, 1)
    length = float(edges.loc[(stop_id(0, 0), stop_id(0, 1)), "length_m"])
    # The street is straight: its road length is the straight line in EPSG:3763 (rounded up to 0.1 m).
    assert length == pytest.approx(metres(a, b), abs=0.15)
    assert "shortest road path" in data.edges["source"].iloc[0]  # measured on the extract's streets
    # ... which the Hong Kong grid would get wrong by far more than that.
    assert abs(metres(a, b, "EPSG:2326") - length) > 10
    # Route 1 runs three blocks along Rua A.
    route = data.bus_routes.set_index("route")
    expected_km = sum(metres(junction(0, c), junction(0, c + 1)) for c in range(3)) / 1000
    assert float(route.loc["1", "length_km"]) == pytest.approx(expected_km, abs=0.01)
    graph = data.graph if hasattr(data, "graph") else None
    if graph is not None:
        assert graph.graph["crs"] == CRS


def test_the_town_solves_with_the_same_commands(town: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "town.yaml"
    scenario.write_text(
        f"name: vila-teste\ndataset: {town}\nyears: {{start: 2025, end: 2027}}\nsolver: {{time_limit_s: 120}}\n",
        encoding="utf-8",
    )
    results = tmp_path / "results"
    result = CliRunner().invoke(
        app, ["solve", str(scenario), "--json", "--no-marginals", "--out", str(results)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "optimal"
    assert summary["system_cost_hkd"] > 0
    # Every year the buses in service, of any technology, are the town's fleet.
    fleet = pd.read_csv(results / "fleet.csv")
    assert set(fleet["vehicle_class"]) == {"bus"}
    in_service = fleet.groupby("year")["vehicles"].sum()
    assert in_service.index.tolist() == [2025, 2026, 2027]
    assert in_service.to_numpy() == pytest.approx([FLEET] * 3, abs=1e-6)
    # The buses burn fuel: emissions are positive and at most the all-diesel baseline.
    emissions = pd.read_csv(results / "emissions.csv")
    assert (emissions["ttw_t"] > 0).all()
    assert (emissions["wtw_t"] <= emissions["baseline_wtw_t"] + 1e-6).all()


def test_the_town_builds_and_solves_without_hong_kongs_crs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generic code takes the CRS from the city (``--crs``, then city.yaml), never Hong Kong's:
    every projection made while building the town and solving it is recorded, and none is in
    (or to) the Hong Kong 1980 Grid; no file the build writes names it."""
    from fleetplan.network import city as city_module
    from fleetplan.network.city_build import build_city
    from fleetplan.optimiser.plan import plan

    used: set[int | None] = set()
    from_crs = pyproj.Transformer.from_crs

    def recording(
        source: object, target: object, *args: object, **kwargs: object
    ) -> pyproj.Transformer:
        used.update(pyproj.CRS.from_user_input(c).to_epsg() for c in (source, target))
        return from_crs(source, target, *args, **kwargs)

    monkeypatch.setattr(pyproj.Transformer, "from_crs", staticmethod(recording))
    city_module._transformer.cache_clear()  # projections made before this test are cached
    try:
        folder = tmp_path / "vila-teste"
        build_city(
            write_feed(tmp_path / "feed.zip"),
            write_osm(tmp_path / "town.osm"),
            name="Vila",
            crs=CRS,
            out=folder,
        )
        scenario = Scenario.model_validate(
            {"name": "vila", "dataset": str(folder), "years": {"start": 2025, "end": 2026}}
        )
        result = plan(scenario, marginals=False)
    finally:
        city_module._transformer.cache_clear()
    assert result.summary()["status"] == "optimal"
    assert int(result.fleet.groupby("year")["vehicles"].sum().round().iloc[0]) == FLEET
    assert used >= {3763, 4326} and 2326 not in used
    written = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}
    assert "city.yaml" in written and not [name for name, text in written.items() if "2326" in text]


def test_the_depots_utility_is_the_bases_unless_named(town: Path, tmp_path: Path) -> None:
    """Without --utility the depots take the base dataset's fleet_utility (its city.yaml), and the
    town lists the base's utilities (its tariffs are the base's rows); a utility the base does
    not have is refused, naming the flag."""
    data = load_dataset(town)
    assert set(data.depots["utility"]) == {HONG_KONG.fleet_utility}
    assert (
        data.city.utilities == HONG_KONG.utilities
        and data.city.fleet_utility == HONG_KONG.fleet_utility
    )
    result = CliRunner().invoke(
        app,
        [
            "city",
            "build",
            "--gtfs",
            str(tmp_path / "none.zip"),
            "--osm",
            str(tmp_path / "none.osm"),
            "--name",
            "X",
            "--crs",
            CRS,
            "--out",
            str(tmp_path / "x"),
            "--utility",
            "edp",
        ],
    )
    assert result.exit_code == 2
    assert (
        "field '--utility': 'edp' is not a utility of Hong Kong; expected one of clp, hke"
        in result.output
    )


def test_an_app_upload_keeps_the_towns_city(town: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app stages a copy of the dataset for each upload; the copy keeps city.yaml, so an
    OpenStreetMap upload is measured in the town's CRS and the copy still loads as the town."""
    import streamlit as st

    from fleetplan.views import state
    from fleetplan.views.data_uploads import _update_user_dataset

    monkeypatch.setenv(state.DATASET_ENV, str(town))
    st.session_state.clear()
    seen: list[str] = []
    try:
        _update_user_dataset(lambda folder: seen.append(load_city(folder).metric_crs))
        staged = Path(st.session_state["user_dataset"])
        assert seen == [CRS]
        assert load_dataset(staged).city == load_city(town)
    finally:
        folder = st.session_state.get("user_dataset_folder")
        if folder is not None:
            folder.remove()
        st.session_state.clear()


def test_a_bad_manifest_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    (folder / "city.yaml").write_text(
        "name: X\nmetric_crs: EPSG:4326\nbounds: {lon_min: 0, lat_min: 0, lon_max: 1, lat_max: 1}\n"
    )
    with pytest.raises(
        InputError, match=r"city.yaml, field 'metric_crs': 'EPSG:4326' .* not a projected CRS"
    ):
        load_city(folder)
    (folder / "city.yaml").write_text(
        "name: X\nmetric_crs: EPSG:2326\nbounds: {lon_min: -8.5, lat_min: 39.5, lon_max: -8.3, lat_max: 39.7}\n"
    )
    with pytest.raises(InputError, match=r"field 'metric_crs'.*meant for .*Hong Kong"):
        load_city(folder)
    (folder / "city.yaml").write_text(
        "name: X\nmetric_crs: EPSG:3763\nbounds: {lon_min: -8.3, lat_min: 39.5, lon_max: -8.5, lat_max: 39.7}\n"
    )
    with pytest.raises(
        InputError, match=r"field 'bounds.lon_max': lon_min -8.3 is not below lon_max -8.5"
    ):
        load_city(folder)
    (folder / "city.yaml").write_text("name: X\nmetric_crs: EPSG:99999\nbounds: [0, 0, 1, 1]\n")
    with pytest.raises(InputError, match=r"'EPSG:99999' is not a CRS pyproj knows"):
        load_city(folder)


def test_a_folder_without_manifest_is_hong_kong(tmp_path: Path) -> None:
    assert load_city(tmp_path) == HONG_KONG


def test_utilities_are_the_citys_own(tmp_path: Path) -> None:
    """A city lists its electricity utilities in city.yaml; a site, depot or parameter row naming
    another is refused with its file, row and field, and fleets charged away from a depot take
    the manifest's fleet_utility."""
    folder = tmp_path / "hk"
    shutil.copytree(DEFAULT_DATASET, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    manifest = (folder / "city.yaml").read_text(encoding="utf-8")
    (folder / "city.yaml").write_text(
        manifest.replace("utilities: [clp, hke]", "utilities: [clp]"), encoding="utf-8"
    )
    with pytest.raises(
        InputError,
        match=r"(depots|candidate_sites)\.csv, row \d+, field 'utility': 'hke' is not one of Hong Kong's utilities; expected one of clp",
    ):
        load_dataset(folder)

    (folder / "city.yaml").write_text(
        manifest.replace("fleet_utility: clp", "fleet_utility: edp"), encoding="utf-8"
    )
    with pytest.raises(
        InputError, match=r"field 'fleet_utility': 'edp' is not one of the utilities \(clp, hke\)"
    ):
        load_city(folder)
    (folder / "city.yaml").write_text(
        manifest.replace("utilities: [clp, hke]", "utilities: CLP"), encoding="utf-8"
    )
    with pytest.raises(
        InputError, match=r"field 'utilities': expected a list of electricity utility ids"
    ):
        load_city(folder)

    (folder / "city.yaml").write_text(
        manifest.replace("fleet_utility: clp", "fleet_utility: hke"), encoding="utf-8"
    )
    data = load_dataset(folder)
    segments = depot_and_zone_segments(data, data.catalogue)
    taxis = segments[segments["vehicle_class"] == "taxi"]
    assert len(taxis) and (taxis["utility"] == "hke").all()
    # depot segments keep their depot's utility
    depots = segments[segments["refuelling"] == "depot"]
    assert set(depots["utility"]) == {"clp", "hke"}


def test_a_scenario_parameter_names_a_utility_of_the_dataset() -> None:
    """Before the dataset is known only the form of a utility label is checked; against the
    dataset, a utility it does not have is refused."""
    row = {"parameter": "electricity_price_hkd_per_kwh", "technology": "edp", "value": 1.2}
    scenario = Scenario.model_validate({"parameters": [row]})
    problems = catalogue_problems(scenario, load_dataset(DEFAULT_DATASET).catalogue, ("clp", "hke"))
    assert problems == [
        (("parameters", 0, "technology"), "'edp' is not allowed; expected one of clp, hke or '-'")
    ]
    with pytest.raises(ValueError, match="is not a utility id"):
        Scenario.model_validate({"parameters": [{**row, "technology": "EDP Comercial"}]})


def test_the_towns_map_has_no_hong_kong_coastline_under_it(town: Path) -> None:
    """The bundled coastline is Hong Kong's: it is drawn under Hong Kong's map, not the town's."""
    from fleetplan.views.maps import build_deck

    def layer_ids(folder: Path) -> list[str]:
        return [layer.id for layer in build_deck(load_dataset(folder), None, 2025).layers]

    assert "basemap" in layer_ids(DEFAULT_DATASET)
    ids = layer_ids(town)
    assert "basemap" not in ids and "taxi-zones" in ids
