"""The Streamlit app, driven headless by ``streamlit.testing.v1.AppTest``.

The app reads the dataset folder named by ``FLEETPLAN_APP_DATASET``; these tests
write ``tests/tiny.py``'s tables there (a richer variant: taxis, trucks, a
public charging site and a hydrogen site), so a default solve takes seconds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from fleetplan.network.schema import TABLES
from tests.tiny import site, tiny_dataset

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 180


def willing_buyers(vehicle_type: str = "-") -> dict[tuple[str, str, str], float]:
    """Parameters under which operators buy zero-emission vehicles wherever the cost gap closes.

    The operator-behaviour parameters are being reworked (a share, or a barrier distribution);
    the app tests need only "willing", so they use whichever this schema has.
    """
    from fleetplan.network.schema import PARAMETER_NAMES

    if "voluntary_zev_share" in PARAMETER_NAMES:
        return {("voluntary_zev_share", vehicle_type, "-"): 1.0}
    return {}


def app_dataset():
    """The tiny line city with something to build at every kind of site."""
    programme = {
        "price_share_cap": 0.5,
        "programme_cap_hkd": 50_000_000,
        "first_year": 2025,
        "last_year": 2035,
    }
    return tiny_dataset(
        buses=10,
        bus_ages={10: 5.0, 17: 5.0},
        taxis=100,
        trucks=10,
        # Fuel-cell trucks as cheap as diesel: operators convert where they can refuel,
        # so the plan opens a hydrogen station and refuels the corridor.
        parameters={
            **willing_buyers("truck"),
            ("vehicle_price_hkd", "truck", "fcev"): 1_500_000,
            ("hydrogen_price_hkd_per_kg", "-", "-"): 10.0,
        },
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=100,
                grid_headroom_kva=200,
            ),
            site(
                "S_B",
                1,
                "car_park",
                can_public_charging=True,
                max_chargers=20,
                grid_headroom_kva=500,
                existing_fast_chargers=1,
            ),
            site("S_C", 2, "petrol_station", can_hydrogen=True),
        ],
        programmes=[
            {
                "programme_id": "e_bus",
                "name": "e-bus",
                "vehicle_type": "bus_double",
                "technology": "bev",
                "per_vehicle_cap_hkd": 1_000_000,
                **programme,
            },
            {
                "programme_id": "e_taxi",
                "name": "e-taxi",
                "vehicle_type": "taxi",
                "technology": "bev",
                "per_vehicle_cap_hkd": 50_000,
                **programme,
            },
            {
                "programme_id": "h2_truck",
                "name": "H2 truck",
                "vehicle_type": "truck",
                "technology": "fcev",
                "per_vehicle_cap_hkd": 1_000_000,
                **programme,
            },
        ],
        targets=[
            {
                "target_id": "bus2030",
                "vehicle_class": "bus",
                "year": 2030,
                "min_zev": 5,
                "min_zev_share": None,
                "hard": False,
            },
            {
                "target_id": "taxi2030",
                "vehicle_class": "taxi",
                "year": 2030,
                "min_zev": None,
                "min_zev_share": 0.5,
                "hard": False,
            },
            {
                "target_id": "truck2035",
                "vehicle_class": "truck",
                "year": 2035,
                "min_zev": 5,
                "min_zev_share": None,
                "hard": False,
            },
        ],
    )


def write_app_dataset(folder: Path) -> Path:
    """Write the app's test dataset as CSV tables (``spec.file``; fine graph = coarse copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    dataset = app_dataset()
    for name, spec in TABLES.items():
        frame = pd.DataFrame(dataset.table(name)).drop(columns=["geometry"], errors="ignore")
        frame.to_csv(folder / spec.file, index=False)
    for name in ("nodes", "edges"):
        (folder / f"{name}_fine.csv").write_bytes((folder / f"{name}.csv").read_bytes())
    return folder


@pytest.fixture(scope="module")
def app_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> Path:
    folder = write_app_dataset(tmp_path_factory.mktemp("app-data"))
    monkeypatch_module.setenv("FLEETPLAN_APP_DATASET", str(folder))
    return folder


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def new_app():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    return app.run()


def _no_exception(app) -> None:
    assert not app.exception, [e.value for e in app.exception]


def _texts(app) -> str:
    parts = (
        [m.value for m in app.markdown]
        + [c.value for c in app.caption]
        + [t.value for t in app.title]
    )
    parts += (
        [e.value for e in app.error]
        + [i.value for i in app.info]
        + [s.value for s in app.subheader]
    )
    return "\n".join(str(p) for p in parts)


def _go(app, page: str):
    # Through session_state: AppTest re-applies the page radio's format_func outside the
    # session, where the language is the default, so set_value would mismatch in Chinese.
    app.session_state["page"] = page
    return app.run()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_page_renders_in_both_languages(app_env: Path, language: str) -> None:
    app = new_app()
    _no_exception(app)
    app.sidebar.radio(key="lang").set_value(language)
    app.run()
    _no_exception(app)
    title = app.title[0].value
    assert ("規劃" in title) if language == "zh" else ("planner" in title)
    for page in (
        "page_scenario",
        "page_official",
        "page_compare",
        "page_depot",
        "page_export",
        "page_calibration",
        "page_plan",
    ):
        _go(app, page)
        _no_exception(app)
        assert not app.error, [e.value for e in app.error]
    _go(app, "page_scenario")
    labels = [w.label for w in app.number_input]
    assert any(("預算" in label) if language == "zh" else ("budget" in label) for label in labels)


def test_default_solve_renders_map_and_results(app_env: Path) -> None:
    app = new_app()
    app.button(key="solve").click().run()
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    # fleet, emissions and costs; subsidy too unless the plan pays none (then it says so)
    assert len(app.get("plotly_chart")) >= 3
    assert len(app.get("plotly_chart")) >= 4 or any("No subsidy" in i.value for i in app.info)
    assert app.get("deck_gl_json_chart"), "the map did not render"
    assert len(app.metric) >= 7
    # Moving the year slider redraws the map from the cached result, without solving again.
    app.select_slider(key="plan_map_year").set_value(2035).run()
    _no_exception(app)
    # Revisit: pressing solve again answers from the session cache.
    app.button(key="solve").click().run()
    assert any("cache" in i.value for i in app.info)


def test_compare_two_saved_scenarios(app_env: Path) -> None:
    app = new_app()
    app.button(key="solve").click().run()
    app.text_input(key="save_name").set_value("base")
    app.button(key="save_button").click().run()
    _no_exception(app)
    _go(app, "page_scenario")
    app.number_input(key="ed.budget").set_value(0.0)
    app.text_input(key="ed.name").set_value("no-budget")
    app.run()
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    _go(app, "page_plan")
    app.button(key="solve").click().run()
    _no_exception(app)
    app.text_input(key="save_name").set_value("no-budget")
    app.button(key="save_button").click().run()
    _go(app, "page_compare")
    _no_exception(app)
    assert len(app.metric) >= 14
    assert [e for e in app.metric if e.delta]
    # one overlay map of both plans, then one map per plan
    assert len(app.get("deck_gl_json_chart")) == 3


def test_overlay_colours_sites_by_plan() -> None:
    """A plan that builds depot chargers against one that builds nothing: the depot site
    appears once, in the 'only A' colour, with both plans named in its tooltip."""
    from fleetplan.optimiser.plan import plan
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.views.maps import ONLY_A, overlay_frame
    from tests.tiny import tiny_dataset

    years = {"start": 2025, "end": 2026}
    techs = {"bus": ["bev"], "taxi": [], "truck": []}
    with_chargers = plan(
        Scenario(years=years, technologies=techs),
        tiny_dataset(parameters=willing_buyers()),
        marginals=False,
    )
    # Plan B is plan A with nothing built (independent of what the model's operators choose).
    without = dataclasses.replace(
        with_chargers,
        chargers=with_chargers.chargers.iloc[0:0],
        stations=with_chargers.stations.iloc[0:0],
    )
    frame = overlay_frame(with_chargers, without, 2026, ("A", "B"))
    assert list(frame["site_id"]) == ["S_D1"]
    assert frame["color"].iloc[0] == ONLY_A
    detail = frame["detail"].iloc[0]
    assert "A: " in detail and " chargers" in detail and "B: —" in detail


def test_bad_yaml_shows_a_message_not_a_traceback(app_env: Path) -> None:
    app = new_app()
    _go(app, "page_scenario")
    app.text_area(key="yaml_text").set_value("name: x\nbudget:\n  total_hkd: lots\n")
    app.button(key="yaml_apply").click().run()
    _no_exception(app)
    assert app.error and "total_hkd" in app.error[0].value
    app.text_area(key="yaml_text").set_value("name: [unclosed\n")
    app.button(key="yaml_apply").click().run()
    _no_exception(app)
    assert app.error and "YAML" in app.error[0].value


def test_good_yaml_replaces_the_editor_values(app_env: Path) -> None:
    app = new_app()
    _go(app, "page_scenario")
    app.text_area(key="yaml_text").set_value("name: doubled\nbudget:\n  total_hkd: 1.5e9\n")
    app.button(key="yaml_apply").click().run()
    _no_exception(app)
    assert app.number_input(key="ed.budget").value == pytest.approx(1500.0)
    assert app.text_input(key="ed.name").value == "doubled"


def test_depot_sizing_with_the_sample(app_env: Path) -> None:
    app = new_app()
    _go(app, "page_depot")
    app.button(key="ds_run").click().run()
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    successes = [s.value for s in app.success]
    assert any("chargers" in s for s in successes)
    # The headline says for how many of the depot's buses the sizing holds (split duties included).
    assert any(
        "of the depot's buses" in s and "20" in s
        for s in [*successes, *(i.value for i in app.info)]
    )


def test_exports_build_files(app_env: Path) -> None:
    from fleetplan.optimiser.plan import plan
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.views import exports

    result = plan(Scenario(), app_dataset(), marginals=False)
    assert exports.geopackage_bytes(result)[:15] == b"SQLite format 3"
    assert '"FeatureCollection"' in exports.geojson_text(result)
    assert exports.excel_bytes(result)[:2] == b"PK"
    assert exports.csv_zip_bytes(result)[:2] == b"PK"


def test_report_charts_carry_their_colours() -> None:
    """Issue 26: the HTML report's bars were black (drawn with whatever default template the
    process had). Every chart of the app and the report now names its template and every bar
    its colour, so the report looks as the app does, whatever plotly's default is."""
    import plotly.io as pio

    from fleetplan.optimiser.plan import plan
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.views import official
    from fleetplan.views.results import TEMPLATE, figures

    result = plan(Scenario(), app_dataset(), marginals=False)
    charts = [f for f in figures(result).values() if f is not None]
    charts += [
        f
        for f in official.official_charts(result, Scenario(), {"e_bus": 5e7}).values()
        if f is not None
    ]
    assert len(charts) >= 4
    before = pio.templates.default
    try:
        pio.templates.default = "none"  # a process whose default template has no colours
        for fig in charts:
            assert fig.layout.template == pio.templates[TEMPLATE], fig.layout.title
            for trace in fig.data:
                if trace.type == "bar":
                    assert trace.marker.color is not None, (fig.layout.title, trace.name)
    finally:
        pio.templates.default = before


def test_target_cost_button_answers_without_a_traceback(app_env: Path) -> None:
    """Officials' question on the plan page: solving with and without targets shows either
    the three differences or a readable 'cannot be met' diagnosis."""
    app = new_app()
    app.button(key="solve").click().run()
    app.button(key="target_cost_run").click().run()
    _no_exception(app)
    labels = {m.label for m in app.metric}
    assert {
        "Extra system cost (discounted)",
        "Extra subsidy",
        "Extra CO2 abated",
    } <= labels or app.warning


# --- The editor keeps what it loads (issue 14: "wrong without warning") ---------------------

#: A scenario no widget can show in full: multi-anchor paths, limits that differ by year,
#: fields without widgets, values near the widgets' bounds.
RICH_YAML = """\
name: rich
years: {start: 2025, end: 2030}
budget:
  total_hkd: 2.0e8
  yearly_limit_hkd: {2025: 1.0e7, 2026: 2.0e7, 2027: 3.0e7, 2028: 3.0e7, 2029: 3.0e7, 2030: 3.0e7}
carbon_price_hkd_per_t: {2025: 500, 2027: 800, 2030: 1000}
prices:
  hydrogen_hkd_per_kg: {2025: 108, 2027: 60, 2030: 40}
programmes:
  e_bus: {last_year: 2100, price_share_cap: 0.4}
  not_in_this_dataset: {enabled: false}
parameters:
  - {parameter: discount_rate, value: 0.6}
  - {parameter: vehicle_price_hkd, vehicle_type: bus_double, technology: fcev, path: {2025: 6.5e6, 2030: 4.0e6}}
solver: {mip_rel_gap: 0.02}
"""


def _apply_yaml(app, text: str):
    app.text_area(key="yaml_text").set_value(text)
    app.button(key="yaml_apply").click().run()
    _no_exception(app)
    return app


def _fingerprint(app) -> str:
    return app.session_state["scenario"].fingerprint()


def test_examples_load_with_the_cli_fingerprint(app_env: Path) -> None:
    """Every shipped example (most use `extends:`) loads as `fleetplan solve FILE` reads it,
    and drawing the editor and the plan page changes nothing."""
    from fleetplan.cli.common import load_scenario_arg
    from fleetplan.views.scenario_io import example_files

    app = new_app()
    _go(app, "page_scenario")
    names = app.selectbox(key="example_pick").options
    assert len(names) == len(example_files()) >= 8
    for name, path in example_files().items():
        expected = load_scenario_arg(path).fingerprint()
        app.selectbox(key="example_pick").set_value(name)
        app.button(key="example_load").click().run()
        _no_exception(app)
        assert _fingerprint(app) == expected, name
        _go(app, "page_plan")
        _go(app, "page_scenario")
        assert _fingerprint(app) == expected, f"{name} changed by drawing the pages"
        assert f"`{expected}`" in _texts(app) or expected in _texts(app)


def test_loaded_scenario_keeps_what_widgets_cannot_show(app_env: Path) -> None:
    from fleetplan.optimiser.scenario_files import scenario_from_yaml

    app = _apply_yaml(_go(new_app(), "page_scenario"), RICH_YAML)
    loaded = scenario_from_yaml(RICH_YAML)
    assert _fingerprint(app) == loaded.fingerprint()
    # What no widget shows is listed read-only, not lost.
    shown = "\n".join(c.value for c in app.code)
    for needle in ("price_share_cap", "not_in_this_dataset", "mip_rel_gap", "vehicle_price_hkd"):
        assert needle in shown, needle
    texts = _texts(app)
    assert "2025: 108, 2027: 60, 2030: 40" in texts and "2025: 500, 2027: 800, 2030: 1,000" in texts
    # One widget changed: that field only.
    app.number_input(key="ed.budget").set_value(300.0).run()
    _no_exception(app)
    changed = app.session_state["scenario"]
    assert changed.budget.total_hkd == pytest.approx(3e8)
    # An edited copy is renamed, so its plans are never labelled with the loaded scenario's name.
    assert changed.name == "rich-edited"
    assert (
        changed.model_copy(update={"budget": loaded.budget, "name": loaded.name}).fingerprint()
        == loaded.fingerprint()
    )
    assert app.number_input(key="ed.discount").value == pytest.approx(0.6)
    assert app.number_input(key="ed.prog.e_bus.last").value == 2100


def test_yaml_box_round_trips_and_resolves_extends(app_env: Path) -> None:
    from fleetplan.optimiser.scenario_files import load_scenario
    from fleetplan.views.scenario_io import EXAMPLES_DIR

    app = _go(new_app(), "page_scenario")
    text = (EXAMPLES_DIR / "high_carbon_price.yaml").read_text()
    _apply_yaml(app, text)
    expected = load_scenario(EXAMPLES_DIR / "high_carbon_price.yaml").fingerprint()
    assert _fingerprint(app) == expected
    # The box now holds the scenario's own overrides; applying them again changes nothing.
    _apply_yaml(app, app.text_area(key="yaml_text").value)
    assert _fingerprint(app) == expected
    _apply_yaml(app, "extends: /etc/passwd\n")
    assert app.error and "shipped examples" in app.error[0].value
    assert _fingerprint(app) == expected


def test_save_follows_the_result_and_asks_before_overwriting(app_env: Path) -> None:
    app = new_app()
    app.button(key="solve").click().run()
    assert app.text_input(key="save_name").value == "hong-kong-default"
    app.button(key="save_button").click().run()
    first = app.session_state["saved"]["hong-kong-default"].result.fingerprint
    _go(app, "page_scenario")
    app.number_input(key="ed.budget").set_value(0.0).run()
    app.text_input(key="ed.name").set_value("no-budget").run()
    _go(app, "page_plan")
    # Not solved yet: the page says the results on screen are another scenario's.
    assert any("hong-kong-default" in w.value and "no-budget" in w.value for w in app.warning)
    app.button(key="solve").click().run()
    assert not app.warning
    assert app.text_input(key="save_name").value == "no-budget"
    # Saving under the earlier name asks first and keeps the earlier result until confirmed.
    app.text_input(key="save_name").set_value("hong-kong-default").run()
    app.button(key="save_button").click().run()
    assert (
        app.warning and app.session_state["saved"]["hong-kong-default"].result.fingerprint == first
    )
    app.button(key="save_overwrite").click().run()
    assert app.session_state["saved"]["hong-kong-default"].result.fingerprint != first


# --- 繁體中文: every label through the catalogue ----------------------------------------------

#: Latin words allowed in Chinese mode: units, file formats, product and source names.
LATIN_ALLOWED = {
    "kw",
    "kva",
    "kwh",
    "hk",
    "co2",
    "yaml",
    "yml",
    "gtfs",
    "osm",
    "csv",
    "geojson",
    "geopackage",
    "excel",
    "html",
    "highs",
    "fleetplan",
    "openstreetmap",
    "blocks",
    "utf",
    "natural",
    "earth",
    "world",
    "atlas",
    "data",
    "scenarios",
    "zip",
    "mb",
    "extends",
    "world-atlas",
    "make",
    "calibrate",
    "observed",
    "lpg",
    "net",
}


def _untranslated(text: str, allowed: set[str]) -> list[str]:
    """Latin words of three letters or more that are neither allowed nor data (ids, names)."""
    import re

    text = re.sub(r"`[^`]*`", " ", text)  # code: fingerprints, file names, YAML
    words = re.findall(r"[A-Za-z][A-Za-z0-9_\-]{2,}", text)
    return [w for w in words if w.lower() not in LATIN_ALLOWED and w not in allowed]


def _figure_texts(app) -> list[str]:
    """Titles, legend entries, facet labels and category ticks of every plotly chart."""
    import json

    texts: list[str] = []
    for chart in app.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        layout = figure.get("layout", {})
        for name, axis in layout.items():
            if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
                texts.append(str((axis.get("title") or {}).get("text") or ""))
        texts.append(str(((layout.get("legend") or {}).get("title") or {}).get("text") or ""))
        texts += [str(a.get("text", "")) for a in layout.get("annotations", [])]
        for trace in figure.get("data", []):
            texts.append(str(trace.get("name") or ""))
            ticks = trace.get("x")
            if (
                trace.get("type") == "bar"
                and isinstance(ticks, list)
                and ticks
                and isinstance(ticks[0], str)
            ):
                texts += trace["x"]
    return texts


def _labels(app) -> list[str]:
    """Every label a user reads, except free text the model or the dataset writes."""
    parts = [
        e.value
        for kind in ("title", "subheader", "caption", "info", "warning", "success", "error")
        for e in getattr(app, kind)
    ]
    for kind in (
        "button",
        "checkbox",
        "number_input",
        "text_input",
        "text_area",
        "selectbox",
        "select_slider",
        "multiselect",
        "radio",
    ):
        parts += [w.label for w in app.get(kind)]
    parts += [m.label for m in app.metric] + [e.label for e in app.expander]
    parts += [m.value for m in app.markdown if m.value.startswith("**")]  # section headings
    parts += _figure_texts(app)
    return [str(p) for p in parts if p]


def test_chinese_mode_has_no_untranslated_label(app_env: Path) -> None:
    data = app_dataset()
    allowed = {"hong-kong-default", "base", "other"}
    for table in (
        "programmes",
        "targets",
        "depots",
        "candidate_sites",
        "taxi_zones",
        "truck_places",
    ):
        frame = data.table(table)
        for column in (
            "programme_id",
            "target_id",
            "name",
            "depot_id",
            "site_id",
            "operator",
            "zone_id",
            "place_id",
        ):
            if column in frame.columns:
                allowed |= {
                    w for v in frame[column].dropna() for w in str(v).replace("-", " ").split()
                }
    app = new_app()
    app.button(key="solve").click().run()
    app.button(key="save_button").click().run()
    app.text_input(key="save_name").set_value("other").run()
    app.button(key="save_button").click().run()
    app.sidebar.radio(key="lang").set_value("zh").run()
    found: dict[str, list[str]] = {}
    for page in (
        "page_plan",
        "page_official",
        "page_scenario",
        "page_compare",
        "page_depot",
        "page_export",
        "page_calibration",
    ):
        _go(app, page)
        _no_exception(app)
        if page == "page_depot":
            app.button(key="ds_run").click().run()
        if page == "page_official":
            app.text_input(key="sweep_budgets").set_value("0, 750").run()
            app.button(key="sweep_run").click().run()
            _no_exception(app)
            assert app.session_state["sweeps"], "the sweep did not run"
        for label in _labels(app):
            words = _untranslated(label, allowed)
            if words:
                found.setdefault(page, []).append(f"{label!r}: {words}")
    assert not found, "\n".join(
        f"{page}: {line}" for page, lines in found.items() for line in lines
    )


def test_catalogue_is_complete_and_views_use_it() -> None:
    """The gettext catalogue: every message the code says (extracted by Babel) has a 繁體中文
    translation with the same placeholders, and nothing else is in it; every t() takes a
    literal message or one marked with N_(); no st.* call takes a literal label."""
    import ast

    from fleetplan.views.i18n_catalog import problems

    assert problems("zh_Hant") == []
    calls = {
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "write",
        "info",
        "warning",
        "error",
        "success",
        "metric",
        "button",
        "download_button",
        "checkbox",
        "radio",
        "selectbox",
        "multiselect",
        "slider",
        "select_slider",
        "number_input",
        "text_input",
        "text_area",
        "file_uploader",
        "expander",
        "spinner",
        "status",
        "tabs",
        "toast",
    }
    problems_found = []
    for path in sorted((ROOT / "views").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Babel (on Python 3.11) cannot see a call inside an f-string: a literal message there is never extracted.
        for fstring in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)):
            problems_found += [
                f"{path.name}:{c.lineno}: t() of a literal inside an f-string: the extractor cannot see it"
                for c in ast.walk(fstring)
                if isinstance(c, ast.Call)
                and isinstance(c.func, ast.Name)
                and c.func.id in ("t", "N_")
                and c.args
                and isinstance(c.args[0], ast.Constant)
            ]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if (
                isinstance(node.func, ast.Name)
                and node.func.id in ("t", "N_")
                and node.args
                and isinstance(node.args[0], ast.JoinedStr | ast.BinOp)
            ):
                problems_found.append(
                    f"{path.name}:{node.lineno}: {node.func.id}() of a built string: the extractor cannot see it"
                )
            if isinstance(node.func, ast.Attribute) and node.func.attr in calls and node.args:
                first = node.args[0]
                literal = (
                    first.value
                    if isinstance(first, ast.Constant) and isinstance(first.value, str)
                    else (
                        "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                        if isinstance(first, ast.JoinedStr)
                        else ""
                    )
                )
                if any(c.isalpha() for c in literal):
                    problems_found.append(
                        f"{path.name}:{node.lineno}: st.{node.func.attr}({literal!r}) bypasses the catalogue"
                    )
    assert not problems_found, "\n".join(problems_found)


def test_the_catalogue_check_finds_what_is_wrong() -> None:
    """The check fails on a catalogue with a message left untranslated, one whose placeholders
    differ, and one the code no longer says."""
    from fleetplan.views.i18n_catalog import problems, read

    catalogue = read("zh_Hant")
    catalogue["Solve scenario"].string = ""
    catalogue["Saved “{name}”."].string = "已儲存「{nom}」。"
    catalogue.add("a message no code says", "沒有程式說的訊息")
    found = problems("zh_Hant", catalogue)
    assert any("no translation: 'Solve scenario'" in line for line in found)
    assert any("placeholders differ: 'Saved “{name}”.'" in line for line in found)
    assert any("not in the code any more: 'a message no code says'" in line for line in found)


def test_language_switch_keeps_selections(app_env: Path) -> None:
    app = _go(new_app(), "page_scenario")
    app.radio(key="ed.objective").set_value("max_abatement").run()
    app.selectbox(key="example_pick").set_value("half_budget.yaml").run()
    app.sidebar.radio(key="lang").set_value("zh").run()
    _no_exception(app)
    assert app.session_state["page"] == "page_scenario"
    assert app.radio(key="ed.objective").value == "max_abatement"
    assert app.session_state["scenario"].objective == "max_abatement"
    assert app.selectbox(key="example_pick").value == "half_budget.yaml"
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.radio(key="ed.objective").value == "max_abatement"


def test_official_view_shows_the_keys_present() -> None:
    from fleetplan.views.official import limit_label, official_figures

    summary = {
        "binding_limits": ["budget"],
        "free_rider_share_by_programme": {"e_bus": 0.2},
        "co2_abated_vs_no_policy_t": "n/a",
    }
    assert official_figures(summary) == {
        "binding_limits": ["budget"],
        "free_rider_share_by_programme": {"e_bus": 0.2},
    }
    assert official_figures({}) == {}
    assert limit_label("programme_cap:e_bus") == "programme cap of e-bus subsidy"
    assert limit_label("yearly_limit:2027") == "yearly limit 2027"
    assert (
        limit_label("something_new:x") == "something_new:x"
    )  # a kind the catalogue does not know stays as the model wrote it


# --- The official's view and the budget sweep (issue 14, last section) ----------------------

#: Most abatement on the tiny city where each HK$5m of subsidy buys one battery bus that no
#: operator would buy unpaid (tests/test_formulation.py works the optimum out by hand).
OFFICIAL_YAML = """\
name: official
years: {start: 2025, end: 2027}
technologies: {bus: [bev], taxi: [bev], truck: [fcev]}
objective: max_abatement
max_abatement: {infrastructure: budget}
budget: {total_hkd: 2.0e7}
solver: {time_limit_s: 60, mip_rel_gap: 1.0e-9}
"""


@pytest.fixture(scope="module")
def subsidy_folder(tiny_folder: Path) -> Path:
    """The tiny city where each HK$5m of subsidy buys one battery bus (tests/conftest.py)."""
    return tiny_folder


def test_official_view_reads_budget_binding_free_riders_and_ranges(subsidy_folder: Path) -> None:
    """HK$20m buys 4 battery buses at HK$5m (a quota of 4 of 2026's 10 purchases), 584 t, none
    of them free riders; the budget binds, the programme cap does not. One more HK$1m abates
    29.2 t and holds for HK$30m more (until all 10 purchases are paid); the view says exactly
    that, never a value beyond its range."""
    from fleetplan.network.loaders import load_dataset
    from fleetplan.optimiser.plan import plan
    from fleetplan.optimiser.scenario_files import scenario_from_yaml
    from fleetplan.views import exports, official, sweep_panel

    scenario = scenario_from_yaml(OFFICIAL_YAML)
    dataset = load_dataset(subsidy_folder)
    result = plan(scenario, dataset)
    caps = official.programme_caps(scenario, dataset)
    rows = {r["limit"]: r for r in official.budget_rows(result, scenario, caps)}
    assert rows["budget"]["available_hkd"] == pytest.approx(20e6) and rows["budget"][
        "spent_hkd"
    ] == pytest.approx(20e6)
    assert rows["budget"]["binds"] and not rows["programme_cap:e_bus"]["binds"]
    assert official.payment_rows(result) == [
        {
            "programme_id": "e_bus",
            "year": 2026,
            "payment_hkd": pytest.approx(5e6),
            "quota_share": pytest.approx(0.4),
        }
    ]
    table = official.programme_table(result)
    assert table.iloc[0].tolist() == ["e-bus subsidy", "4", "0%", "20.0"]
    marginals = {r["limit"]: r for r in official.marginal_rows(result)}
    assert marginals["total subsidy budget"]["value"] == "29.2 t CO2 per extra HK$1m"
    assert marginals["total subsidy budget"]["holds"] == "holds for up to HK$30.0m more"
    assert (
        marginals["programme cap of e-bus subsidy"]["holds"] == "does not bind"
        and marginals["programme cap of e-bus subsidy"]["value"] == "–"
    )
    # A flagged value (final gap above 1 %) says so beside it.
    flagged = dataclasses.replace(
        result,
        marginal_values=result.marginal_values.assign(flag="final gap 3.0% > 1 %: not reliable"),
    )
    assert {r["flag"] for r in official.marginal_rows(flagged)} == {
        "not reliable: final gap above 1 %"
    }
    # Penalties are named as penalties, apart from the system cost.
    assert [name for name, _ in official.penalty_rows(result.summary())] == [
        "soft targets missed",
        "uptake blocked (no charging, grid or hydrogen)",
        "operators' fleet pledges not served",
        "taxi charging not served",
    ]
    summary = result.summary()
    charts = official.official_charts(result, scenario, caps)
    tonnes = charts["official_t_per_hkdm"].data[0]
    # one tonnes-per-HK$ figure, against no policy; the all-incumbent ratio is gone
    assert "co2_t_per_hkd_m_subsidy_vs_baseline" not in summary
    assert list(tonnes.y) == pytest.approx([summary["co2_t_per_hkd_m_subsidy_vs_no_policy"]])
    assert list(tonnes.y) == pytest.approx(
        [29.2]
    )  # 584 t / HK$20m; the no-policy plan abates nothing
    # The one-page report carries the official's view and the sweep.
    sweep = sweep_panel.run_budget_sweep(scenario, dataset, [0.0, 10e6, 20e6])
    report = exports.html_report(scenario, result, caps=caps, sweep=sweep)
    for needle in (
        "The official&#x27;s view",
        "holds for up to HK$30.0m more",
        "<b>Money</b> (1): total subsidy budget",
        "Budget sweep (subsidy spent against CO2 abated)",
        "Penalties (shown apart: not costs)",
    ):
        assert needle in report, needle
    assert report.count('class="plotly-graph-div"') == len(exports.figures(result)) + 3 + 1
    assert report.count('<script type="text/javascript">/**\n* plotly.js') <= 1


def test_budget_sweep_runs_in_the_app_with_progress_and_cache(
    subsidy_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The official's page on the tiny subsidy city: solve, read the view, then sweep the
    default three budgets (0, half, all of HK$20m): 0, 292 and 584 t abated, every HK$ spent,
    each point reported as it finishes; a second click answers from the session's cache."""
    monkeypatch.setenv("FLEETPLAN_APP_DATASET", str(subsidy_folder))
    app = _apply_yaml(_go(new_app(), "page_scenario"), OFFICIAL_YAML)
    _go(app, "page_plan")
    app.button(key="solve").click().run()
    _no_exception(app)
    _go(app, "page_official")
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Subsidy budget (HK$m)"] == "20" and metrics["Subsidy spent (HK$m)"] == "20"
    assert any("**Money** (1): total subsidy budget" in m.value for m in app.markdown)
    assert app.text_input(key="sweep_budgets").value == "0, 10, 20"
    assert any("3 solves" in w.value for w in app.warning)
    app.button(key="sweep_run").click().run()
    _no_exception(app)
    frame = next(iter(app.session_state["sweeps"].values()))
    assert frame["co2_abated_t"].tolist() == pytest.approx([0.0, 292.0, 584.0])
    assert frame["subsidy_hkd_total"].tolist() == pytest.approx([0.0, 10e6, 20e6])
    assert frame["pareto_efficient"].all()
    progress = [m.value.replace("\\$", "$") for m in app.markdown if m.value.startswith("Point ")]
    assert len(progress) == 3 and progress[2].startswith(
        "Point 3 (budget HK$20m): optimal, spent HK$20m"
    )
    assert app.get("plotly_chart")[-1].proto is not None
    # Same scenario and budgets: the cached sweep, no new solve.
    app.button(key="sweep_run").click().run()
    assert len(app.session_state["sweeps"]) == 1
    assert not [m for m in app.markdown if m.value.startswith("Point ")]
    # The export page builds the report once per result (and sweep), with the sweep in it.
    _go(app, "page_export")
    _no_exception(app)
    built = app.session_state["exports_built"][1]
    assert (
        "Budget sweep (subsidy spent against CO2 abated)" in built["html"]
        and "holds for up to HK$30.0m more" in built["html"]
    )
    _go(app, "page_plan")
    _go(app, "page_export")
    assert app.session_state["exports_built"][1] is built
    _go(app, "page_official")
    # Too many points is refused with a message, not a traceback.
    app.text_input(key="sweep_budgets").set_value("0,1,2,3,4,5,6").run()
    _no_exception(app)
    assert app.error and "at most 6" in app.error[0].value


# --- Issue 26: names, not codes; state that stays -------------------------------------------

#: A code a page must not show: a snake_case identifier or a ``kind:code`` pair.
CODE = r"(?<![\w.\-/])(?:[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+|[a-z_]+:[A-Za-z0-9_\-]+)(?![\w\-]|\.(?:csv|yaml|yml|json|zip|osm|gpkg))"


def _codes_in(text: str) -> list[str]:
    import re

    text = re.sub(r"`[^`]*`", " ", str(text))  # code on purpose: fingerprints, file names, commands
    text = re.sub(r"<[^>]+>", " ", text)  # markup of the legend
    return re.findall(CODE, text)


def _visible(app) -> list[str]:
    """What a reader sees on the page: texts, labels, metric values, table headers and cells, chart texts."""
    parts = _labels(app) + [m.value for m in app.markdown] + [str(m.value) for m in app.metric]
    for frame in app.dataframe:
        # The model's codes stay, on purpose, in the one column that cross-references the CLI's JSON.
        value = frame.value.drop(columns=[c for c in frame.value.columns if "JSON" in str(c)])
        parts += [str(c) for c in value.columns] + [
            str(v) for v in value.astype(str).to_numpy().ravel()
        ]
    return parts


@pytest.mark.parametrize("language", ["en", "zh"])
def test_pages_after_a_solve_show_names_not_codes(app_env: Path, language: str) -> None:
    """Issue 26's check, headless: after a solve, the plan page, the official's view, Compare and
    Calibration show no snake_case identifier and no ``kind:code`` pair, in either language
    (the dataset's programmes are ``e_bus``, ``e_taxi``, ``h2_truck``; segments ``D1_dd``)."""
    app = new_app()
    app.button(key="solve").click().run()
    app.text_input(key="save_name").set_value("base")
    app.button(key="save_button").click().run()
    _go(app, "page_scenario")
    app.number_input(key="ed.budget").set_value(0.0).run()
    _go(app, "page_plan")
    app.button(key="solve").click().run()
    app.button(key="save_button").click().run()
    assert set(app.session_state["saved"]) == {"base", "hong-kong-default-edited"}
    app.sidebar.radio(key="lang").set_value(language).run()
    found: dict[str, list[str]] = {}
    for page in ("page_plan", "page_official", "page_compare", "page_calibration"):
        _go(app, page)
        _no_exception(app)
        for text in _visible(app):
            codes = _codes_in(text)
            if codes:
                found.setdefault(page, []).append(f"{codes} in {text[:160]!r}")
    assert not found, "\n".join(
        f"{page}: {line}" for page, lines in found.items() for line in lines
    )


def test_typed_text_stays_across_pages_and_a_language_switch(app_env: Path) -> None:
    """Issue 26: the scenario editor's YAML box, the sweep's budgets, the depot inputs and the
    save-as name keep what the user typed after a visit to another page and a language switch."""
    app = new_app()
    app.button(key="solve").click().run()
    app.text_input(key="save_name").set_value("my name for it").run()
    _go(app, "page_scenario")
    typed = "name: typed-here\nbudget: {total_hkd: 1.0e8}\n"
    app.text_area(key="yaml_text").set_value(typed).run()
    _go(app, "page_official")
    app.text_input(key="sweep_budgets").set_value("0, 25").run()
    _go(app, "page_depot")
    app.number_input(key="ds_usable").set_value(350.0).run()
    app.text_input(key="ds_kw").set_value("150, 300").run()
    _go(app, "page_plan")
    app.sidebar.radio(key="lang").set_value("zh").run()
    _go(app, "page_scenario")
    _no_exception(app)
    assert app.text_area(key="yaml_text").value == typed
    _go(app, "page_official")
    assert app.text_input(key="sweep_budgets").value == "0, 25"
    _go(app, "page_depot")
    assert app.number_input(key="ds_usable").value == pytest.approx(350.0)
    assert app.text_input(key="ds_kw").value == "150, 300"
    _go(app, "page_plan")
    assert app.text_input(key="save_name").value == "my name for it"
    # Nothing was applied behind the user's back: the scenario is still the default.
    assert app.session_state["scenario"].name == "hong-kong-default"


def test_depot_headline_says_for_how_many_buses_the_sizing_holds() -> None:
    """Issue 26: a depot of three buses, one of them driving 600 km on a 400 kWh battery: the
    headline says the sizing holds for 2 of the 3 buses and why the third is left out; an
    uploaded file's error names the file, never the temporary copy it was read from."""
    from fleetplan.errors import InputError
    from fleetplan.optimiser.depot_sizing import DepotSizingInputs, blocks_frame, size_depot
    from fleetplan.optimiser.solver import SolverOptions
    from fleetplan.views import depot

    blocks = blocks_frame(
        [
            ("A", "06:00", "22:00", 150.0),
            ("B", "06:30", "22:30", 160.0),
            ("C", "05:00", "23:00", 600.0),
        ]
    )
    result = size_depot(DepotSizingInputs(blocks=blocks), SolverOptions(time_limit_s=60))
    line = depot.headline(3, result.infeasible_buses)
    assert (
        "2 of the depot's 3 buses" in line
        and "1 because its duty needs more than the battery holds" in line
    )

    class Upload:
        name = "my-depot.csv"

        def getvalue(self) -> bytes:
            return b"bus,pull_out,pull_in,km\nA,06:00,22:00,lots\n"

    with pytest.raises(InputError) as caught:
        depot._read_blocks(Upload())
    assert (
        "my-depot.csv" in str(caught.value)
        and "/tmp" not in str(caught.value)
        and "BLOCKS.csv" not in str(caught.value)
    )
