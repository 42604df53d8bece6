"""Downloads: sites as GeoPackage/GeoJSON, tables as CSV (zip) and Excel, a one-page HTML report."""

from __future__ import annotations

import html
import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from fleetplan.optimiser.outputs import TABLE_NAMES
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.spreadsheet_cells import csv_text, text_not_formulas
from fleetplan.views import names as nm
from fleetplan.views import official, scenario_io, state, sweep_panel
from fleetplan.views.i18n import N_, t
from fleetplan.views.names import Names, grouped_limits
from fleetplan.views.official import certainty_line
from fleetplan.views.results import (
    FIGURE_TITLES,
    figure_label,
    figure_labels,
    figures,
    format_figure,
    key_figures,
    marginal_lines,
    target_lines,
)

#: Escape text for the report's HTML.
h = html.escape


#: id column -> the column of its name added beside it in the Excel and CSV exports.
NAMED_IDS = {"segment_id": "segment_name", "programme_id": "programme_name", "target_id": "target_name", "depot_id": "depot_name",
             "zone_id": "zone_name", "name": "limit_name"}  # fmt: skip


def tables(result: PlanResult, names: Names | None = None) -> dict[str, pd.DataFrame]:
    """The result's tidy tables by name (no geometry). With ``names``, each id column keeps its
    JSON name and gains its name in words beside it (``segment_id`` -> ``segment_name``)."""
    out = {name: getattr(result, name) for name in TABLE_NAMES}
    frames = {
        name: frame if isinstance(frame, pd.DataFrame) else pd.DataFrame()
        for name, frame in out.items()
    }
    if names is None:
        return frames
    namers: dict[str, Callable[[Any], str]] = {"segment_id": names.segment, "programme_id": names.programme, "target_id": names.target, "depot_id": names.depot,
              "zone_id": names.zone, "name": names.limit}  # fmt: skip
    for table, frame in frames.items():
        frame = frame.copy()
        for column, named in NAMED_IDS.items():
            if (
                column in frame.columns
                and named not in frame.columns
                and (column != "name" or table == "marginal_values")
            ):
                frame.insert(
                    frame.columns.get_loc(column) + 1,
                    named,
                    [namers[column](v) if pd.notna(v) else "" for v in frame[column]],
                )
        frames[table] = frame
    return frames


def site_layer(result: PlanResult) -> gpd.GeoDataFrame:
    """Candidate sites with what the plan builds there by the last year (kW, kg/day, kVA, first year)."""
    sites = result.sites.copy() if result.sites is not None else gpd.GeoDataFrame()
    if sites.empty:
        return sites
    last = int(result.fleet["year"].max())
    ch = result.chargers
    if not ch.empty:
        final = (
            ch[ch["year"] == last]
            .groupby("site_id")
            .agg(
                chargers=("new_chargers", "sum"),
                charger_kw=("new_kw", "sum"),
                kva_needed=("kva_needed", "max"),
                grid_upgrade_kva=("grid_upgrade_in_service_kva", "max"),
            )
        )
        first = ch[ch["new_chargers"] > 0].groupby("site_id")["year"].min().rename("chargers_from")
        sites = sites.merge(final, left_on="site_id", right_index=True, how="left").merge(
            first, left_on="site_id", right_index=True, how="left"
        )
    st_ = result.stations
    if not st_.empty:
        cap = st_.groupby("site_id")["capacity_kg_day"].max().rename("h2_kg_day")
        opened = st_[st_["opened"]].groupby("site_id")["year"].min().rename("h2_opened")
        sites = sites.merge(cap, left_on="site_id", right_index=True, how="left").merge(
            opened, left_on="site_id", right_index=True, how="left"
        )
    # GeoPackage/GeoJSON want plain column types: nullable pandas types become floats/strings.
    for column in sites.columns:
        if column != "geometry" and str(sites[column].dtype) in ("Int64", "boolean", "string"):
            sites[column] = sites[column].astype(object)
    return gpd.GeoDataFrame(sites, geometry="geometry", crs="EPSG:4326")


def geopackage_bytes(result: PlanResult) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sites.gpkg"
        site_layer(result).to_file(path, layer="sites", driver="GPKG")
        return path.read_bytes()


def geojson_text(result: PlanResult) -> str:
    return site_layer(result).to_json(na="null")


def excel_bytes(result: PlanResult, names: Names | None = None) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables(result, names).items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
        # A site named '=HYPERLINK(...)' must stay a name, not become a live formula.
        text_not_formulas(writer.book)
    return buffer.getvalue()


def csv_zip_bytes(result: PlanResult, names: Names | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables(result, names).items():
            archive.writestr(f"{name}.csv", csv_text(frame))
    return buffer.getvalue()


def _html_table(frame: pd.DataFrame) -> str:
    """A small table as escaped HTML (cell text is model or dataset text, never markup)."""
    if frame.empty:
        return ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def official_section(
    scenario: Scenario,
    result: PlanResult,
    caps: dict[str, float],
    sweep: pd.DataFrame | None,
    names: Names | None = None,
) -> tuple[str, list[Any]]:
    """The official's view for the report: HTML before the charts, and the charts (title key, figure)."""
    try:
        summary = result.summary()
    except Exception:
        return "", []
    figures_ = official.official_figures(summary)
    names = names or Names.of(None, result)

    def m(key: str) -> str:
        value = official._number(figures_.get(key))
        return "–" if value is None else f"{value / 1e6:,.0f}"

    def per_m(key: str) -> str:
        value = official._number(figures_.get(key))
        return "–" if value is None else f"{value:,.0f}"

    abated = official._number(figures_.get("co2_abated_vs_no_policy_t"))
    penalties = official.penalty_rows(summary)
    rows = [
        (t("Subsidy budget (HK$m)"), m("budget_hkd")),
        (t("Subsidy spent (HK$m)"), m("subsidy_hkd_total")),
        (t("CO2 abated against no policy (kt)"), "–" if abated is None else f"{abated / 1e3:,.1f}"),
        (
            t("Tonnes CO2 against no policy per HK$1m of subsidy paid"),
            per_m("co2_t_per_hkd_m_subsidy_vs_no_policy"),
        ),
        (t("How sure"), certainty_line(figures_)),
        (
            t("Penalties (HK$m, not a cost)"),
            f"{sum(v for _, v in penalties) / 1e6:,.1f}" if penalties else "–",
        ),
    ]
    limits = [str(x) for x in figures_.get("binding_limits", [])]
    parts = [
        "<h2>" + h(t("The official's view")) + "</h2><table>",
        "".join(
            f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
            for label, value in rows
        ),
        "</table><h3>" + h(t("Limits that bind")) + "</h3><ul>",
        "".join(
            f"<li><b>{h(g.heading)}</b> ({g.count}): "
            + "; ".join(h(text) for text, _, _ in g.items)
            + "</li>"
            for g in grouped_limits(limits, names, result)
        )
        or "<li>" + h(t("No limit binds.")) + "</li>",
        "</ul>",
        "<h3>"
        + h(t("Vehicles paid and free riders by programme"))
        + "</h3><p>"
        + h(
            t(
                "Programmes pay every eligible purchase; free riders are the share whose operators would have bought without the payment."
            )
        )
        + "</p>",
        _html_table(official.programme_table(result, names, summary)),
        "<h3>"
        + h(t("What one more HK$ of each limit is worth"))
        + "</h3><p>"
        + h(
            t(
                "Payment levels and sites held. Each value holds only within its range; beyond it, solve again (a sweep below) rather than multiply."
            )
        )
        + "</p>",
        _html_table(official.marginal_frame(official.marginal_rows(result, names))),
        "<h3>"
        + h(t("Penalties (shown apart: not costs)"))
        + "</h3><p>"
        + h(
            t(
                "Weighted in the objective to steer the plan; not money anyone pays and not part of the system cost."
            )
        )
        + "</p>",
        _html_table(
            pd.DataFrame(
                [{t("penalty"): n, t("HK$m (discounted)"): f"{v / 1e6:,.1f}"} for n, v in penalties]
            )
        ),
    ]
    charts = [
        (official.OFFICIAL_TITLES[k], fig)
        for k, fig in official.official_charts(result, scenario, caps, names, summary).items()
        if fig is not None
    ]
    if sweep is not None and not sweep.empty:
        charts.append(
            (N_("Budget sweep (subsidy spent against CO2 abated)"), sweep_panel.sweep_figure(sweep))
        )
    return "".join(parts), charts


def html_report(
    scenario: Scenario,
    result: PlanResult,
    *,
    caps: dict[str, float] | None = None,
    sweep: pd.DataFrame | None = None,
    names: Names | None = None,
) -> str:
    """A self-contained one-page report (plotly.js embedded once, so it opens offline): key figures,
    the planner's charts, targets, marginal values, the official's view (and the last budget sweep
    of this scenario, when one was run) and the scenario as YAML."""
    names = names or Names.of(None, result)
    values = key_figures(result)
    rows = "".join(
        f"<tr><th>{h(figure_label(label, values))}</th><td>{h(format_figure(field, values[field]))}</td></tr>"
        for field, label in figure_labels(values)
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>" + h(t("fleetplan report: {name}", name=scenario.name)) + "</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>",
        "<h1>" + h(t("fleetplan report: {name}", name=scenario.name)) + "</h1>",
        f"<p>{html.escape(scenario.description)}</p>" if scenario.description else "",
        "<p>"
        + html.escape(
            t(
                "Solver status {status}, gap {gap} (target {target}), scenario fingerprint {fp}",
                status=nm.status(result.report.status),
                fp=result.fingerprint,
                gap=f"{result.report.gap:.2%}" if result.report.gap is not None else "–",
                target=f"{scenario.solver.mip_rel_gap:.2%}",
            )
        )
        + "</p>",
        "<h2>" + h(t("Key figures")) + f"</h2><table>{rows}</table>",
    ]
    first = True
    for name, fig in figures(result, names).items():
        if fig is None:
            continue
        parts.append(f"<h2>{h(t(FIGURE_TITLES[name]))}</h2>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=bool(first)))
        first = False
    parts.append(
        "<h2>"
        + h(t("Targets"))
        + "</h2><ul>"
        + "".join(f"<li>{html.escape(x)}</li>" for x in target_lines(result, names))
        + "</ul>"
    )
    parts.append(
        "<h2>"
        + h(t("What one more unit is worth"))
        + "</h2><ul>"
        + "".join(f"<li>{html.escape(x)}</li>" for x in marginal_lines(result, names))
        + "</ul>"
    )
    section, charts = official_section(scenario, result, caps or {}, sweep, names)
    parts.append(section)
    for title, fig in charts:
        parts.append(f"<h3>{html.escape(t(title))}</h3>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=bool(first)))
        first = False
    parts.append(
        "<h2>"
        + h(t("Scenario (what it changes from the default, as YAML)"))
        + "</h2><pre>"
        + html.escape(scenario_io.overrides_yaml(scenario))
        + "</pre></body></html>"
    )
    return "".join(parts)


def built_exports(scenario: Scenario, result: PlanResult) -> dict[str, Any]:
    """The downloads of ``result``, built once per result, language and sweep (kept in the session)."""
    from fleetplan.views.i18n import lang

    sweep = sweep_panel.cached_sweep(scenario)
    key = (result.fingerprint, lang(), None if sweep is None else tuple(sweep["budget_hkd"]))
    cache = st.session_state.get("exports_built")
    if cache is not None and cache[0] == key:
        return cache[1]
    try:
        dataset = state.get_dataset(scenario.graph)
        caps = official.programme_caps(scenario, dataset)
    except Exception:
        dataset, caps = None, {}  # the report still shows spending by programme, without the caps
    named = Names.of(dataset, result)
    files = {
        "gpkg": geopackage_bytes(result),
        "geojson": geojson_text(result),
        "xlsx": excel_bytes(result, named),
        "csv": csv_zip_bytes(result, named),
        "html": html_report(scenario, result, caps=caps, sweep=sweep, names=named),
    }
    st.session_state["exports_built"] = (key, files)  # one result's files at a time: they are large
    return files


def render() -> None:
    st.caption(t("Download the current plan."))
    result = state.latest_result()
    if result is None:
        st.info(t("No result yet: press “Solve scenario”."))
        return
    scenario = state.scenario_of(result)
    name = result.scenario_name
    files = built_exports(scenario, result)
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        t("Sites as GeoPackage"),
        files["gpkg"],
        file_name=f"{name}-sites.gpkg",
        mime="application/geopackage+sqlite3",
        key="dl_gpkg",
    )
    c1.download_button(
        t("Sites as GeoJSON"),
        files["geojson"],
        file_name=f"{name}-sites.geojson",
        mime="application/geo+json",
        key="dl_geojson",
    )
    c2.download_button(
        t("All tables as Excel"),
        files["xlsx"],
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_xlsx",
    )
    c2.download_button(
        t("All tables as CSV (zip)"),
        files["csv"],
        file_name=f"{name}-csv.zip",
        mime="application/zip",
        key="dl_csv",
    )
    c3.download_button(
        t("One-page HTML report"),
        files["html"],
        file_name=f"{name}-report.html",
        mime="text/html",
        key="dl_html",
    )
