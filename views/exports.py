"""Downloads: sites as GeoPackage/GeoJSON, tables as CSV (zip) and Excel, a one-page HTML report."""

from __future__ import annotations

import html
import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from optimiser.results import PlanResult
from optimiser.scenario import Scenario
from optimiser.spreadsheet_cells import csv_text, text_not_formulas
from views import scenario_io, state
from views.i18n import t
from views.results import (
    FIGURE_LABELS,
    figure_label,
    figures,
    key_figures,
    marginal_lines,
    target_lines,
)

TABLE_NAMES = ("fleet", "purchases", "subsidy", "chargers", "stations", "emissions", "costs", "truck_coverage", "taxi_charging", "targets", "marginal_values")


def tables(result: PlanResult) -> dict[str, pd.DataFrame]:
    """The result's tidy tables by name (no geometry)."""
    out = {name: getattr(result, name) for name in TABLE_NAMES}
    return {name: frame if isinstance(frame, pd.DataFrame) else pd.DataFrame() for name, frame in out.items()}


def site_layer(result: PlanResult) -> gpd.GeoDataFrame:
    """Candidate sites with what the plan builds there by the last year (kW, kg/day, kVA, first year)."""
    sites = result.sites.copy() if result.sites is not None else gpd.GeoDataFrame()
    if sites.empty:
        return sites
    last = int(result.fleet["year"].max())
    ch = result.chargers
    if not ch.empty:
        final = ch[ch["year"] == last].groupby("site_id").agg(
            chargers=("new_chargers", "sum"), charger_kw=("new_kw", "sum"), kva_needed=("kva_needed", "max"),
            grid_upgrade_kva=("grid_upgrade_in_service_kva", "max"),
        )
        first = ch[ch["new_chargers"] > 0].groupby("site_id")["year"].min().rename("chargers_from")
        sites = sites.merge(final, left_on="site_id", right_index=True, how="left").merge(first, left_on="site_id", right_index=True, how="left")
    st_ = result.stations
    if not st_.empty:
        cap = st_.groupby("site_id")["capacity_kg_day"].max().rename("h2_kg_day")
        opened = st_[st_["opened"]].groupby("site_id")["year"].min().rename("h2_opened")
        sites = sites.merge(cap, left_on="site_id", right_index=True, how="left").merge(opened, left_on="site_id", right_index=True, how="left")
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


def excel_bytes(result: PlanResult) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables(result).items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
        # A site named '=HYPERLINK(...)' must stay a name, not become a live formula.
        text_not_formulas(writer.book)
    return buffer.getvalue()


def csv_zip_bytes(result: PlanResult) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables(result).items():
            archive.writestr(f"{name}.csv", csv_text(frame))
    return buffer.getvalue()


def html_report(scenario: Scenario, result: PlanResult) -> str:
    """A self-contained one-page report (plotly.js embedded once, so it opens offline)."""
    values = key_figures(result)
    rows = "".join(
        f"<tr><th>{html.escape(figure_label(label, values))}</th><td>{values[field]:,.1f}</td></tr>" for field, label in FIGURE_LABELS
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(t('report_title', name=scenario.name))}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>",
        f"<h1>{html.escape(t('report_title', name=scenario.name))}</h1>",
        f"<p>{html.escape(scenario.description)}</p>" if scenario.description else "",
        "<p>" + html.escape(t("report_status", status=str(result.report.status), fp=result.fingerprint,
                                   gap=f"{result.report.gap:.2%}" if result.report.gap is not None else "–",
                                   target=f"{scenario.solver.mip_rel_gap:.2%}")) + "</p>",
        f"<h2>{html.escape(t('key_figures'))}</h2><table>{rows}</table>",
    ]
    first = True
    for name, fig in figures(result).items():
        if fig is None:
            continue
        parts.append(f"<h2>{html.escape(t(name))}</h2>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=bool(first)))
        first = False
    parts.append(f"<h2>{html.escape(t('targets'))}</h2><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in target_lines(result)) + "</ul>")
    parts.append(f"<h2>{html.escape(t('marginal_values'))}</h2><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in marginal_lines(result)) + "</ul>")
    parts.append(f"<h2>{html.escape(t('report_scenario'))}</h2><pre>" + html.escape(scenario_io.overrides_yaml(scenario)) + "</pre></body></html>")
    return "".join(parts)


def render() -> None:
    st.caption(t("export_intro"))
    result = state.latest_result()
    if result is None:
        st.info(t("no_result"))
        return
    scenario = state.scenario_of(result)
    name = result.scenario_name
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("sites_gpkg"), geopackage_bytes(result), file_name=f"{name}-sites.gpkg", mime="application/geopackage+sqlite3", key="dl_gpkg")
    c1.download_button(t("sites_geojson"), geojson_text(result), file_name=f"{name}-sites.geojson", mime="application/geo+json", key="dl_geojson")
    c2.download_button(t("tables_excel"), excel_bytes(result), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx")
    c2.download_button(t("tables_csv"), csv_zip_bytes(result), file_name=f"{name}-csv.zip", mime="application/zip", key="dl_csv")
    c3.download_button(t("html_report"), html_report(scenario, result), file_name=f"{name}-report.html", mime="text/html", key="dl_html")
