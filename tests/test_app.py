"""The Streamlit app, driven headless by ``streamlit.testing.v1.AppTest``.

The app reads the dataset folder named by ``FLEETPLAN_APP_DATASET``; these tests
write ``tests/tiny.py``'s tables there (a richer variant: taxis, trucks, a
public charging site and a hydrogen site), so a default solve takes seconds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from network.schema import TABLES
from tests.tiny import site, tiny_dataset

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 180


def app_dataset():
    """The tiny line city with something to build at every kind of site."""
    programme = {"price_share_cap": 0.5, "programme_cap_hkd": 50_000_000, "first_year": 2025, "last_year": 2035}
    return tiny_dataset(
        buses=10,
        bus_ages={10: 5.0, 17: 5.0},
        taxis=100,
        trucks=10,
        # Fuel-cell trucks as cheap as diesel: operators convert where they can refuel,
        # so the plan opens a hydrogen station and refuels the corridor.
        parameters={
            ("voluntary_zev_share", "truck", "-"): 1.0,
            ("vehicle_price_hkd", "truck", "fcev"): 1_500_000,
            ("hydrogen_price_hkd_per_kg", "-", "-"): 10.0,
        },
        sites=[
            site("S_D1", 0, "bus_depot", depot_id="D1", can_depot_charging=True, max_chargers=100, grid_headroom_kva=200),
            site("S_B", 1, "car_park", can_public_charging=True, max_chargers=20, grid_headroom_kva=500, existing_fast_chargers=1),
            site("S_C", 2, "petrol_station", can_hydrogen=True),
        ],
        programmes=[
            {"programme_id": "e_bus", "name": "e-bus", "vehicle_type": "bus_double", "technology": "bev", "per_vehicle_cap_hkd": 1_000_000, **programme},
            {"programme_id": "e_taxi", "name": "e-taxi", "vehicle_type": "taxi", "technology": "bev", "per_vehicle_cap_hkd": 50_000, **programme},
            {"programme_id": "h2_truck", "name": "H2 truck", "vehicle_type": "truck", "technology": "fcev", "per_vehicle_cap_hkd": 1_000_000, **programme},
        ],
        targets=[
            {"target_id": "bus2030", "vehicle_class": "bus", "year": 2030, "min_zev": 5, "min_zev_share": None, "hard": False},
            {"target_id": "taxi2030", "vehicle_class": "taxi", "year": 2030, "min_zev": None, "min_zev_share": 0.5, "hard": False},
            {"target_id": "truck2035", "vehicle_class": "truck", "year": 2035, "min_zev": 5, "min_zev_share": None, "hard": False},
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
def app_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> Path:
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
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [t.value for t in app.title]
    parts += [e.value for e in app.error] + [i.value for i in app.info] + [s.value for s in app.subheader]
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
    for page in ("page_scenario", "page_compare", "page_depot", "page_export", "page_calibration", "page_plan"):
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
    assert len(app.get("plotly_chart")) >= 4
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
    from optimiser.plan import plan
    from optimiser.scenario import Scenario
    from tests.tiny import tiny_dataset
    from views.maps import ONLY_A, overlay_frame

    years = {"start": 2025, "end": 2026}
    techs = {"bus": ["bev"], "taxi": [], "truck": []}
    with_chargers = plan(Scenario(years=years, technologies=techs), tiny_dataset(parameters={("voluntary_zev_share", "-", "-"): 1.0}), marginals=False)
    without = plan(Scenario(years=years, technologies=techs), tiny_dataset(), marginals=False)
    frame = overlay_frame(with_chargers, without, 2026, ("A", "B"))
    assert list(frame["site_id"]) == ["S_D1"]
    assert frame["color"].iloc[0] == ONLY_A
    assert "A: 6 chargers" in frame["tip"].iloc[0] and "B: —" in frame["tip"].iloc[0]


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
    assert app.success and "chargers" in app.success[0].value


def test_exports_build_files(app_env: Path) -> None:
    from optimiser.plan import plan
    from optimiser.scenario import Scenario
    from views import exports

    result = plan(Scenario(), app_dataset(), marginals=False)
    assert exports.geopackage_bytes(result)[:15] == b"SQLite format 3"
    assert '"FeatureCollection"' in exports.geojson_text(result)
    assert exports.excel_bytes(result)[:2] == b"PK"
    assert exports.csv_zip_bytes(result)[:2] == b"PK"


def test_target_cost_button_answers_without_a_traceback(app_env: Path) -> None:
    """Officials' question on the plan page: solving with and without targets shows either
    the three differences or a readable 'cannot be met' diagnosis."""
    app = new_app()
    app.button(key="solve").click().run()
    app.button(key="target_cost_run").click().run()
    _no_exception(app)
    labels = {m.label for m in app.metric}
    assert {"Extra system cost (discounted)", "Extra subsidy", "Extra CO2 abated"} <= labels or app.warning
