"""Scenario editor: budget, programmes, targets, prices, carbon price, discount rate, solver.

Widget values live under ``ed.*`` keys, initialised from the current scenario
the first time they are drawn; each run rebuilds the scenario from them and
validates it through :class:`~optimiser.scenario.Scenario`, so the editor can
never produce a scenario the optimiser would reject.

Uploads (scenario YAML, dataset tables, GTFS, OSM) are size- and type-checked
here and parsed only by the project's safe loaders (no pickle, no eval).
"""

from __future__ import annotations

import io
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from network.errors import InputError
from network.loaders import Dataset, load_dataset
from network.schema import TABLES
from optimiser.scenario import (
    MAX_SCENARIO_BYTES,
    Scenario,
    scenario_from_mapping,
    scenario_from_yaml,
)
from views import state, uploads
from views.i18n import t

PREFIX = "ed."
MB = 1024 * 1024
#: Per-file limits (the server-wide cap is in .streamlit/config.toml).
MAX_TABLE_UPLOAD = 20 * MB
MAX_GTFS_UPLOAD = 50 * MB
MAX_OSM_UPLOAD = 50 * MB

PRICE_FIELDS: dict[str, tuple[str, str]] = {
    # scenario price field -> (parameters.csv name, label key)
    "electricity_hkd_per_kwh": ("electricity_price_hkd_per_kwh", "price_electricity"),
    "hydrogen_hkd_per_kg": ("hydrogen_price_hkd_per_kg", "price_hydrogen"),
    "diesel_hkd_per_l": ("diesel_price_hkd_per_l", "price_diesel"),
    "lpg_hkd_per_l": ("lpg_price_hkd_per_l", "price_lpg"),
}


def _init(key: str, value: Any) -> str:
    """Seed a widget key once (Streamlit drops keys of widgets not drawn; re-seed then)."""
    full = PREFIX + key
    if full not in st.session_state:
        st.session_state[full] = value
    return full


def reset_widgets() -> None:
    """Forget editor widget values so they are re-seeded from a newly loaded scenario."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(PREFIX)]:
        del st.session_state[key]


def _path_value(path: dict[int, float] | None, year: int, fallback: float) -> float:
    """Value of a {year: value} path at ``year`` (linear between anchors, flat outside)."""
    if not path:
        return fallback
    years = sorted(path)
    if year <= years[0]:
        return float(path[years[0]])
    if year >= years[-1]:
        return float(path[years[-1]])
    for a, b in itertools.pairwise(years):
        if a <= year <= b:
            return float(path[a] + (path[b] - path[a]) * (year - a) / (b - a))
    return fallback


def _parameter_value(dataset: Dataset, name: str, year: int) -> float:
    """Mean over utilities/types of a parameter at ``year`` (editor default only)."""
    rows = dataset.parameters[dataset.parameters["parameter"] == name]
    if rows.empty:
        return 0.0
    values = []
    for _, group in rows.groupby(["vehicle_type", "technology"]):
        path = dict(zip(group["year"].astype(int), group["value"].astype(float), strict=True))
        values.append(_path_value(path, year, 0.0))
    return float(sum(values) / len(values))


def _programme_editor(dataset: Dataset, scenario: Scenario) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pid, rows in dataset.programmes.groupby("programme_id", sort=False):
        current = scenario.programmes.get(str(pid))
        name = str(rows["name"].iloc[0])
        with st.expander(f"{pid} — {name}"):
            enabled = st.checkbox(t("enabled"), key=_init(f"prog.{pid}.enabled", current.enabled if current else True))
            cap_default = current.programme_cap_hkd if current and current.programme_cap_hkd is not None else float(rows["programme_cap_hkd"].max())
            cap = st.number_input(t("programme_cap"), min_value=0.0, step=10.0, key=_init(f"prog.{pid}.cap", cap_default / 1e6))
            caps: dict[str, float] = {}
            for vtype, vrows in rows.groupby("vehicle_type", sort=False):
                default = float(vrows["per_vehicle_cap_hkd"].max())
                if current and current.per_vehicle_cap_hkd and vtype in current.per_vehicle_cap_hkd:
                    default = current.per_vehicle_cap_hkd[str(vtype)]
                caps[str(vtype)] = st.number_input(
                    t("per_vehicle_cap", vtype=vtype), min_value=0.0, step=10_000.0, key=_init(f"prog.{pid}.pv.{vtype}", float(default))
                )
            left, right = st.columns(2)
            first = left.number_input(t("first_year"), min_value=2000, max_value=2100, step=1, key=_init(f"prog.{pid}.first", int(current.first_year if current and current.first_year else rows["first_year"].min())))
            last = right.number_input(t("last_year"), min_value=2000, max_value=2100, step=1, key=_init(f"prog.{pid}.last", int(current.last_year if current and current.last_year else rows["last_year"].max())))
        out[str(pid)] = {
            "enabled": bool(enabled),
            "programme_cap_hkd": float(cap) * 1e6,
            "per_vehicle_cap_hkd": caps,
            "first_year": int(first),
            "last_year": int(last),
        }
    return out


def _target_editor(dataset: Dataset, scenario: Scenario) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in dataset.targets.itertuples(index=False):
        tid = str(row.target_id)
        current = scenario.targets.get(tid)
        by_share = pd.isna(row.min_zev) and not pd.isna(row.min_zev_share)
        with st.expander(f"{tid} ({row.vehicle_class})"):
            cols = st.columns(3)
            enabled = cols[0].checkbox(t("enabled"), key=_init(f"tgt.{tid}.enabled", current.enabled if current else True))
            hard = cols[1].checkbox(t("target_hard"), key=_init(f"tgt.{tid}.hard", bool(current.hard) if current and current.hard is not None else bool(row.hard)))
            year = cols[2].number_input(t("target_year"), min_value=2000, max_value=2100, step=1, key=_init(f"tgt.{tid}.year", int(current.year if current and current.year else row.year)))
            entry: dict[str, Any] = {"enabled": bool(enabled), "hard": bool(hard), "year": int(year)}
            if by_share:
                default = current.min_zev_share if current and current.min_zev_share is not None else float(row.min_zev_share)
                entry["min_zev_share"] = st.slider(t("target_share"), 0.0, 1.0, step=0.05, key=_init(f"tgt.{tid}.share", float(default)))
            else:
                default = current.min_zev if current and current.min_zev is not None else float(row.min_zev)
                entry["min_zev"] = st.number_input(t("target_min_zev"), min_value=0.0, step=50.0, key=_init(f"tgt.{tid}.min", float(default)))
        out[tid] = entry
    return out


def _price_editor(dataset: Dataset, scenario: Scenario) -> dict[str, Any]:
    start, end = scenario.years.start, scenario.years.end
    out: dict[str, Any] = {}
    for field, (parameter, label) in PRICE_FIELDS.items():
        current = getattr(scenario.prices, field)
        on = st.checkbox(t("override", what=t(label)), key=_init(f"price.{field}.on", current is not None))
        if not on:
            continue
        left, right = st.columns(2)
        a = left.number_input(t("value_in", what=t(label), year=start), min_value=0.0, key=_init(f"price.{field}.a", _path_value(current, start, _parameter_value(dataset, parameter, start))))
        b = right.number_input(t("value_in", what=t(label), year=end), min_value=0.0, key=_init(f"price.{field}.b", _path_value(current, end, _parameter_value(dataset, parameter, end))))
        out[field] = {start: float(a), end: float(b)}
    return out


def _discount_default(dataset: Dataset, scenario: Scenario) -> float:
    for override in scenario.parameters:
        if override.parameter == "discount_rate" and override.value is not None:
            return float(override.value)
    return _parameter_value(dataset, "discount_rate", scenario.years.start)


def build_from_widgets(dataset: Dataset, base: Scenario) -> tuple[Scenario | None, str | None]:
    """Draw the editor and return (scenario, None) or (None, readable error)."""
    data = base.model_dump(mode="python")
    c1, c2 = st.columns(2)
    data["name"] = c1.text_input(t("scenario_name"), key=_init("name", base.name)).strip() or base.name
    objectives = ["min_cost", "max_abatement"]
    labels = {o: t(f"obj_{o}") for o in objectives}
    data["objective"] = c2.radio(
        t("objective"), objectives, format_func=labels.__getitem__, horizontal=True, key=_init("objective", base.objective)
    )
    c1, c2, c3 = st.columns(3)
    data["budget"] = {
        "total_hkd": c1.number_input(t("budget_total"), min_value=0.0, step=50.0, key=_init("budget", base.budget.total_hkd / 1e6)) * 1e6,
        "yearly_limit_hkd": None,
    }
    limits = base.budget.yearly_limit_hkd or {}
    yearly = c2.number_input(t("yearly_limit"), min_value=0.0, step=10.0, key=_init("yearly", (max(limits.values()) if limits else 0.0) / 1e6))
    if yearly > 0:
        data["budget"]["yearly_limit_hkd"] = {y: float(yearly) * 1e6 for y in base.year_list}
    data["solver"] = {**data["solver"], "time_limit_s": c3.number_input(t("time_limit"), min_value=1.0, max_value=86_400.0, step=10.0, key=_init("time_limit", float(base.solver.time_limit_s)))}

    st.markdown(f"**{t('programmes')}**")
    data["programmes"] = _programme_editor(dataset, base)
    st.markdown(f"**{t('targets')}**")
    data["targets"] = _target_editor(dataset, base)
    st.markdown(f"**{t('prices')}**")
    data["prices"] = _price_editor(dataset, base)

    c1, c2, c3 = st.columns(3)
    start, end = base.years.start, base.years.end
    carbon = base.carbon_price_hkd_per_t
    ca = c1.number_input(t("value_in", what=t("carbon_price"), year=start), min_value=0.0, step=50.0, key=_init("carbon.a", _path_value(carbon, start, 0.0)))
    cb = c2.number_input(t("value_in", what=t("carbon_price"), year=end), min_value=0.0, step=50.0, key=_init("carbon.b", _path_value(carbon, end, 0.0)))
    data["carbon_price_hkd_per_t"] = {start: float(ca), end: float(cb)} if (ca or cb) else {start: 0.0}
    rate = c3.number_input(t("discount_rate"), min_value=0.0, max_value=0.5, step=0.005, format="%.3f", key=_init("discount", _discount_default(dataset, base)))
    others = [p for p in data["parameters"] if p["parameter"] != "discount_rate"]
    data["parameters"] = [*others, {"parameter": "discount_rate", "value": float(rate)}]
    try:
        return scenario_from_mapping(data, file="editor"), None
    except InputError as error:
        return None, str(error)


def load_yaml_text(text: str, file: str) -> Scenario | None:
    """Parse a scenario; on error show the readable message and return None."""
    if len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
        st.error(t("too_large", file=file, size=len(text.encode()) / MB, limit=MAX_SCENARIO_BYTES / MB))
        return None
    try:
        return scenario_from_yaml(text, file=file)
    except InputError as error:
        st.error(t("input_error", message=str(error)))
    except Exception as error:
        st.error(t("unexpected_error", kind=type(error).__name__, message=str(error)[:300]))
    return None


def _adopt(scenario: Scenario) -> None:
    state.set_scenario(scenario)
    reset_widgets()
    st.session_state["yaml_notice"] = t("loaded_yaml", name=scenario.name)
    st.rerun()


def _yaml_io(scenario: Scenario) -> None:
    upload = st.file_uploader(t("upload_yaml"), type=["yaml", "yml"], key="upload_yaml")
    if upload is not None and st.session_state.get("upload_yaml_seen") != upload.file_id:
        st.session_state["upload_yaml_seen"] = upload.file_id
        if not upload.name.lower().endswith((".yaml", ".yml")):
            st.error(t("bad_type", file=upload.name, types=".yaml, .yml"))
        elif upload.size > MAX_SCENARIO_BYTES:
            st.error(t("too_large", file=upload.name, size=upload.size / MB, limit=MAX_SCENARIO_BYTES / MB))
        else:
            try:
                text = upload.getvalue().decode("utf-8")
            except UnicodeDecodeError:
                st.error(t("input_error", message=f"{upload.name}: not UTF-8 text"))
            else:
                loaded = load_yaml_text(text, upload.name)
                if loaded is not None:
                    _adopt(loaded)
    with st.expander(t("paste_yaml")):
        pasted = st.text_area(t("paste_yaml"), key="yaml_text", height=160, label_visibility="collapsed")
        if st.button(t("load_yaml"), key="yaml_apply") and pasted.strip():
            loaded = load_yaml_text(pasted, "pasted scenario")
            if loaded is not None:
                _adopt(loaded)
    st.download_button(t("download_yaml"), scenario.to_yaml(), file_name=f"{scenario.name}.yaml", mime="application/x-yaml", key="download_yaml")


def _update_user_dataset(write: Any) -> None:
    """Apply ``write(folder)`` to a copy of this session's dataset and adopt the copy if it validates.

    The copy is checked as a whole (references between tables too) before it
    replaces the session's dataset, so a failed upload changes nothing the
    planner had. The folder belongs to the session (removed when it ends).

    Raises
    ------
    InputError
        From ``write`` or the validation; the session's dataset is untouched.
    """
    current = st.session_state.get("user_dataset")
    source = Path(current) if current and Path(current).is_dir() else state.default_dataset_path()
    staging = uploads.SessionFolder("fleetplan-data-")
    try:
        for file in source.glob("*.csv"):
            shutil.copy(file, staging.path / file.name)
        write(staging.path)
        load_dataset(staging.path)
    except BaseException:
        staging.remove()
        raise
    previous = st.session_state.get("user_dataset_folder")
    st.session_state["user_dataset_folder"] = staging
    st.session_state["user_dataset"] = str(staging.path)
    if previous is not None:
        previous.remove()


def _drop_user_dataset() -> None:
    """Back to the default dataset; this session's folder is removed."""
    folder = st.session_state.pop("user_dataset_folder", None)
    if folder is not None:
        folder.remove()
    current = st.session_state.pop("user_dataset", None)
    if current:
        shutil.rmtree(current, ignore_errors=True)


def _geojson_to_csv(data: bytes, name: str) -> pd.DataFrame:
    """A GeoJSON table as the CSV columns (lon/lat from point geometry)."""
    import geopandas as gpd

    try:
        frame = gpd.read_file(io.BytesIO(data))
    except Exception as error:
        raise InputError(f"not readable as GeoJSON ({type(error).__name__})", file=name) from None
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    if "lon" not in frame.columns and not frame.geometry.isna().all():
        if not (frame.geom_type == "Point").all():
            raise InputError("expected Point geometries", file=name, field="geometry")
        frame["lon"] = frame.geometry.x
        frame["lat"] = frame.geometry.y
    return pd.DataFrame(frame.drop(columns="geometry"))


def _dataset_uploads() -> None:
    names = {spec.file: spec for spec in TABLES.values()} | {
        spec.file.replace(".csv", ".geojson"): spec for spec in TABLES.values()
    } | {"nodes_fine.csv": TABLES["nodes"], "edges_fine.csv": TABLES["edges"]}
    files = st.file_uploader(t("upload_data"), type=["csv", "geojson"], accept_multiple_files=True, key="upload_tables")
    if files:
        signature = tuple(f.file_id for f in files)
        if st.session_state.get("upload_tables_seen") != signature:
            st.session_state["upload_tables_seen"] = signature

            def write_tables(folder: Path) -> None:
                for upload in files:
                    if upload.name not in names:
                        raise InputError(t("unknown_table", file=upload.name, names=", ".join(sorted(s.file for s in TABLES.values()))))
                    if upload.size > MAX_TABLE_UPLOAD:
                        raise InputError(t("too_large", file=upload.name, size=upload.size / MB, limit=MAX_TABLE_UPLOAD / MB))
                    target = folder / (upload.name if upload.name.endswith(".csv") else upload.name.replace(".geojson", ".csv"))
                    if upload.name.endswith(".geojson"):
                        _geojson_to_csv(upload.getvalue(), upload.name).to_csv(target, index=False)
                    else:
                        target.write_bytes(upload.getvalue())

            try:
                _update_user_dataset(write_tables)
            except InputError as error:
                st.error(t("input_error", message=str(error)))
            else:
                st.success(t("data_loaded", tables=", ".join(f.name for f in files)))

    gtfs = st.file_uploader(t("upload_gtfs"), type=["zip"], key="upload_gtfs")
    if gtfs is not None:
        if gtfs.size > MAX_GTFS_UPLOAD:
            st.error(t("too_large", file=gtfs.name, size=gtfs.size / MB, limit=MAX_GTFS_UPLOAD / MB))
        else:
            try:
                # Read once per session: the widget keeps the upload across every rerun.
                routes = uploads.once_per_content(st.session_state, "upload_gtfs_read", gtfs.getvalue(), lambda: uploads.gtfs_route_summary(gtfs.getvalue(), gtfs.name))
            except InputError as error:
                st.error(t("input_error", message=str(error)))
            except Exception as error:
                st.error(t("unexpected_error", kind=type(error).__name__, message=str(error)[:300]))
            else:
                st.markdown(f"**{t('gtfs_routes')}**")
                st.dataframe(routes, hide_index=True)

    osm = st.file_uploader(t("upload_osm"), type=["osm"], key="upload_osm")
    if osm is not None and st.session_state.get("upload_osm_seen") != osm.file_id:
        st.session_state["upload_osm_seen"] = osm.file_id
        if osm.size > MAX_OSM_UPLOAD:
            st.error(t("too_large", file=osm.name, size=osm.size / MB, limit=MAX_OSM_UPLOAD / MB))
        else:
            counts: dict[str, int] = {}

            def write_graph(folder: Path) -> None:
                from network.importers.osm import import_osm

                # Imported beside the dataset copy, never into it: a failed import leaves it as it was.
                with tempfile.TemporaryDirectory(prefix="fleetplan-upload-") as tmp:
                    path = Path(tmp) / "upload.osm"
                    path.write_bytes(osm.getvalue())
                    nodes, edges = import_osm(path, max_bytes=MAX_OSM_UPLOAD)
                nodes.to_csv(folder / "nodes.csv", index=False)
                edges.to_csv(folder / "edges.csv", index=False)
                counts.update(nodes=len(nodes), edges=len(edges))

            try:
                _update_user_dataset(write_graph)
            except InputError as error:
                st.error(t("input_error", message=str(error)))
            except Exception as error:
                st.error(t("unexpected_error", kind=type(error).__name__, message=str(error)[:300]))
            else:
                st.success(t("osm_graph", **counts))

    if st.session_state.get("user_dataset") and st.button(t("reset_data"), key="reset_data"):
        _drop_user_dataset()
        st.rerun()



def render() -> None:
    """The editor page."""
    st.caption(t("editor_intro"))
    notice = st.session_state.pop("yaml_notice", None)
    if notice:
        st.success(notice)
    try:
        dataset = state.get_dataset()
    except InputError as error:
        st.error(t("input_error", message=str(error)))
        _dataset_uploads()
        return
    base = state.current_scenario()
    scenario, problem = build_from_widgets(dataset, base)
    if problem:
        st.error(t("scenario_invalid", message=problem))
    elif scenario is not None:
        state.set_scenario(scenario)
    st.divider()
    _yaml_io(state.current_scenario())
    st.divider()
    _dataset_uploads()
