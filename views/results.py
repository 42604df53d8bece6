"""Charts of one plan (plotly), each with its table in an expander."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from fleetplan.optimiser.results import PlanResult
from fleetplan.views.i18n import LABELS, data_label, localised_columns, model_text, t, translated


def key_figures(result: PlanResult) -> dict[str, float]:
    """Headline numbers a planner or official reads first (plain floats)."""
    summary = result.summary()
    zev = summary["zev_in_service"]
    years = sorted(int(y) for y in result.fleet["year"].unique()) if not result.fleet.empty else [0]
    check = 2027 if 2027 in years else years[-1]
    subsidy = float(summary["subsidy_hkd_total"])
    abated = float(summary["co2_abated_t"])
    return {
        "year": float(check),
        # one figure per vehicle class the dataset has (its catalogue: bus, taxi, minibus, truck, ...)
        **{f"zev_{vclass}": float(by_year.get(check, 0.0)) for vclass, by_year in zev.items()},
        "subsidy_hkd_m": subsidy / 1e6,
        "abated_kt": abated / 1e3,
        "system_cost_hkd_m": float(summary["system_cost_hkd"]) / 1e6,
        # the one tonnes-per-HK$ figure: abatement against no policy per HK$1m paid (nan: no counterfactual)
        "t_per_hkd_m": float(summary.get("co2_t_per_hkd_m_subsidy_vs_no_policy") or math.nan),
    }


#: Label keys of the money and carbon figures; the zero-emission figures follow the classes.
MONEY_FIGURE_LABELS: list[tuple[str, str]] = [
    ("subsidy_hkd_m", "subsidy_total"),
    ("abated_kt", "abated"),
    ("system_cost_hkd_m", "system_cost"),
    ("t_per_hkd_m", "t_per_hkdm"),
]


def figure_labels(figures: dict[str, float]) -> list[tuple[str, str]]:
    """(figure, label key) of every key figure: zero-emission vehicles per class, then money and carbon."""
    return [(name, name) for name in figures if name.startswith("zev_")] + MONEY_FIGURE_LABELS


def more_is_better(name: str) -> bool:
    """Figures where more is better (a rise is shown green); for the others a fall is."""
    return name.startswith("zev_") or name in ("abated_kt", "t_per_hkd_m")


def figure_label(label_key: str, figures: dict[str, float]) -> str:
    if label_key.startswith("zev_"):
        vclass = label_key.removeprefix("zev_")
        return t("zev_class", cls=t(f"classes.{vclass}") if f"classes.{vclass}" in LABELS else vclass, year=int(figures["year"]))
    return t(label_key, year=int(figures["year"]))


def format_figure(name: str, value: float) -> str:
    """A key figure as people read it: whole vehicles, HK$m and t/HK$m without false precision."""
    if value != value:  # nan: not computed (no counterfactual)
        return "–"
    if name.startswith("zev_") or name.endswith("_hkd_m") or name == "t_per_hkd_m":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def render_key_figures(result: PlanResult) -> None:
    figures = key_figures(result)
    st.subheader(t("key_figures"))
    columns = st.columns(4)
    for i, (name, label_key) in enumerate(figure_labels(figures)):
        columns[i % 4].metric(figure_label(label_key, figures), format_figure(name, figures[name]))


def _md(text: str) -> str:
    """Plain text for st.markdown: a "$" would otherwise start LaTeX (HK$100m … HK$m)."""
    return text.replace("$", "\\$")


def _table(frame: pd.DataFrame, key: str) -> None:
    with st.expander(t("table")):
        st.dataframe(localised_columns(frame), key=key, hide_index=True)


TECH_COLOURS = {"diesel": "#7f7f7f", "lpg": "#bcbd22", "bev": "#2ca02c", "fcev": "#ff7f0e"}


def fleet_figure(result: PlanResult) -> go.Figure:
    data = result.fleet.groupby(["vehicle_class", "year", "technology"], as_index=False)["vehicles"].sum()
    # Category values are data ids (bev, bus): plotted under their names in the session's language.
    data["technology"] = [data_label("tech", v, v) for v in data["technology"]]
    data["vehicle_class"] = [data_label("class", v, v) for v in data["vehicle_class"]]
    fig = px.area(data, x="year", y="vehicles", color="technology", facet_col="vehicle_class", facet_col_spacing=0.06,
                  labels={"vehicles": t("vehicles"), "year": t("year"), "technology": t("technology"), "vehicle_class": t("vehicle_class")},
                  color_discrete_map={data_label("tech", k, k): v for k, v in TECH_COLOURS.items()})
    # Facet titles read "bus", not "vehicle_class=bus".
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    fig.update_yaxes(matches=None, showticklabels=True)
    fig.update_layout(height=360, margin={"t": 40, "b": 10})
    return fig


def subsidy_figure(result: PlanResult) -> go.Figure | None:
    if result.subsidy.empty:
        return None
    data = result.subsidy.groupby(["programme_id", "year"], as_index=False)["subsidy_hkd"].sum()
    data["hkd_m"] = data["subsidy_hkd"] / 1e6
    data["programme"] = [data_label("programme_short", p, p) for p in data["programme_id"]]
    fig = px.bar(data, x="year", y="hkd_m", color="programme", labels={"hkd_m": t("hkd_m"), "year": t("year"), "programme": t("programme")})
    fig.update_layout(height=340, margin={"t": 30, "b": 10})
    return fig


def emissions_figure(result: PlanResult) -> go.Figure:
    basis = str(result.emissions["basis"].iloc[0]) if not result.emissions.empty else "wtw"
    data = result.emissions.groupby("year", as_index=False)[[f"{basis}_t", f"baseline_{basis}_t"]].sum()
    fig = go.Figure()
    fig.add_scatter(x=data["year"], y=data[f"baseline_{basis}_t"], name=t("baseline"), line={"dash": "dash", "color": "#7f7f7f"})
    fig.add_scatter(x=data["year"], y=data[f"{basis}_t"], name=t("plan_label"), fill="tonexty", line={"color": "#2ca02c"})
    fig.update_layout(height=340, margin={"t": 30, "b": 10}, yaxis_title=f"{t('tonnes')} ({t('basis_' + basis)})", xaxis_title=t("year"))
    return fig


def cost_figure(result: PlanResult) -> go.Figure:
    data = result.costs.copy()
    data["hkd_m"] = data["discounted_hkd"] / 1e6
    data["component"] = [data_label("cost", c, c) for c in data["component"]]
    fig = px.bar(data, x="component", y="hkd_m", labels={"hkd_m": t("hkd_m"), "component": ""})
    fig.update_layout(height=320, margin={"t": 30, "b": 10})
    return fig


def marginal_lines(result: PlanResult) -> list[str]:
    """Marginal values as sentences (the model's own wording)."""
    table = result.marginal_values
    if table is None or table.empty:
        return []
    return [model_text(m) for m in table["meaning"]]


def target_lines(result: PlanResult) -> list[str]:
    lines = []
    for row in result.targets.itertuples(index=False):
        state = t("target_met") if row.met else t("target_short", short=f"{row.short:,.0f}")
        vclass = data_label("class", str(row.vehicle_class), str(row.vehicle_class))
        lines.append(f"{row.target_id} ({vclass}, {row.year}): {row.achieved_zev:,.0f} / {row.min_zev:,.0f} — {state}")
    return lines


def figures(result: PlanResult) -> dict[str, Any]:
    """All charts of a result (also used by the HTML report)."""
    return {
        "fleet_mix": fleet_figure(result),
        "subsidy_phasing": subsidy_figure(result),
        "emissions_path": emissions_figure(result),
        "cost_breakdown": cost_figure(result),
    }


def render_results(result: PlanResult, *, key: str = "res") -> None:
    """Key figures, the four charts with tables, targets and marginal values."""
    render_key_figures(result)
    charts = figures(result)

    st.subheader(t("fleet_mix"))
    st.plotly_chart(charts["fleet_mix"], key=f"{key}_fleet")
    _table(result.fleet.groupby(["vehicle_class", "year", "technology"], as_index=False)["vehicles"].sum(), f"{key}_fleet_t")

    left, right = st.columns(2)
    with left:
        st.subheader(t("subsidy_phasing"))
        if charts["subsidy_phasing"] is None:
            st.info(t("no_subsidy"))
        else:
            st.plotly_chart(charts["subsidy_phasing"], key=f"{key}_subsidy")
        _table(result.subsidy, f"{key}_subsidy_t")
    with right:
        st.subheader(t("emissions_path"))
        st.plotly_chart(charts["emissions_path"], key=f"{key}_emis")
        _table(result.emissions, f"{key}_emis_t")

    left, right = st.columns(2)
    with left:
        st.subheader(t("cost_breakdown"))
        st.plotly_chart(charts["cost_breakdown"], key=f"{key}_cost")
        _table(result.costs, f"{key}_cost_t")
    with right:
        st.subheader(t("targets"))
        for line in target_lines(result):
            st.markdown(f"- {_md(line)}")
        st.subheader(t("marginal_values"))
        meanings = [] if result.marginal_values is None or result.marginal_values.empty else list(result.marginal_values["meaning"])
        if any(not translated(m) for m in meanings):
            st.caption(t("model_text"))
        for line in marginal_lines(result):
            st.markdown(f"- {_md(line)}")
        _table(result.marginal_values, f"{key}_mv_t")
    if result.notes:
        with st.expander(t("notes")):
            if any(not translated(note) for note in result.notes):
                st.caption(t("model_text"))
            for note in result.notes:
                st.markdown(f"- {_md(model_text(note))}")
