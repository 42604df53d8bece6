"""Charts of one plan (plotly), each with its table in an expander.

Every figure carries its own colours and template, so the HTML report draws it exactly as
the app does (the app shows figures with ``theme=None`` for the same reason).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fleetplan.optimiser.results import PlanResult
from fleetplan.views import names as nm
from fleetplan.views.i18n import N_, t, translated
from fleetplan.views.names import Names

#: One template for every chart of the app and the report.
TEMPLATE = "plotly_white"
TECH_COLOURS = {
    "diesel": "#7f7f7f",
    "lpg": "#bcbd22",
    "petrol": "#8c564b",
    "bev": "#2ca02c",
    "fcev": "#ff7f0e",
}
#: Colours of series without a colour of their own (programmes, cost components).
PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#d62728",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
]
COST_COLOUR = "#1f77b4"


def key_figures(result: PlanResult) -> dict[str, float]:
    """Headline numbers a planner or official reads first (plain floats)."""
    figures = result.figures
    zev = figures.zev_in_service
    years = sorted(int(y) for y in result.fleet["year"].unique()) if not result.fleet.empty else [0]
    check = 2027 if 2027 in years else years[-1]
    subsidy = float(figures.subsidy_hkd_total)
    abated = float(figures.co2_abated_t)
    return {
        "year": float(check),
        # one figure per vehicle class the dataset has (its catalogue: bus, taxi, minibus, truck, ...)
        **{f"zev_{vclass}": float(by_year.get(check, 0.0)) for vclass, by_year in zev.items()},
        "subsidy_hkd_m": subsidy / 1e6,
        "abated_kt": abated / 1e3,
        "system_cost_hkd_m": float(figures.system_cost_hkd) / 1e6,
        # the one tonnes-per-HK$ figure: abatement against no policy per HK$1m paid (nan: no counterfactual)
        "t_per_hkd_m": float(figures.co2_t_per_hkd_m_subsidy_vs_no_policy or math.nan),
    }


#: Labels of the money and carbon figures; the zero-emission figures follow the classes.
MONEY_FIGURE_LABELS: list[tuple[str, str]] = [
    ("subsidy_hkd_m", N_("Subsidy spent (HK$m)")),
    ("abated_kt", N_("CO2 abated (kt)")),
    ("system_cost_hkd_m", N_("System cost (HK$m, discounted)")),
    ("t_per_hkd_m", N_("t CO2 against no policy per HK$1m subsidy paid")),
]


def figure_labels(figures: dict[str, float]) -> list[tuple[str, str]]:
    """(figure, label) of every key figure: zero-emission vehicles per class, then money and carbon."""
    return [(name, name) for name in figures if name.startswith("zev_")] + MONEY_FIGURE_LABELS


def more_is_better(name: str) -> bool:
    """Figures where more is better (a rise is shown green); for the others a fall is."""
    return name.startswith("zev_") or name in ("abated_kt", "t_per_hkd_m")


def figure_label(label: str, figures: dict[str, float]) -> str:
    if label.startswith("zev_"):
        vclass = label.removeprefix("zev_")
        return t(
            "Zero-emission {cls} ({year})",
            cls=nm.vehicle_class(vclass, plural=True),
            year=int(figures["year"]),
        )
    return t(label)


def format_figure(name: str, value: float) -> str:
    """A key figure as people read it: whole vehicles, HK$m and t/HK$m without false precision."""
    if value != value:  # nan: not computed (no counterfactual)
        return "–"
    if name.startswith("zev_") or name.endswith("_hkd_m") or name == "t_per_hkd_m":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def render_key_figures(result: PlanResult) -> None:
    figures = key_figures(result)
    st.subheader(t("Key figures"))
    columns = st.columns(4)
    for i, (name, label) in enumerate(figure_labels(figures)):
        columns[i % 4].metric(figure_label(label, figures), format_figure(name, figures[name]))


def _md(text: str) -> str:
    """Plain text for st.markdown: a "$" would otherwise start LaTeX (HK$100m … HK$m)."""
    return text.replace("$", "\\$")


def _table(frame: pd.DataFrame, key: str, names: Names) -> None:
    with st.expander(t("Table")):
        st.dataframe(names.table(frame), key=key, hide_index=True)


def _layout(fig: go.Figure, height: int, **more: Any) -> go.Figure:
    fig.update_layout(
        **{"template": TEMPLATE, "height": height, "margin": {"t": 30, "b": 10}, **more}
    )
    return fig


def fleet_table(result: PlanResult) -> pd.DataFrame:
    """Vehicles in service by class, year and technology (whole vehicles)."""
    return result.fleet.groupby(["vehicle_class", "year", "technology"], as_index=False)[
        "vehicles"
    ].sum()


def fleet_figure(result: PlanResult) -> go.Figure:
    """Stacked areas of vehicles in service per technology, one panel per vehicle class."""
    from plotly.subplots import make_subplots

    data = fleet_table(result)
    classes = list(dict.fromkeys(data["vehicle_class"]))
    fig = make_subplots(rows=1, cols=max(len(classes), 1), subplot_titles=[nm.vehicle_class(c, plural=True) for c in classes],
                        horizontal_spacing=0.06)  # fmt: skip
    shown: set[str] = set()
    for col, vclass in enumerate(classes, start=1):
        part = data[data["vehicle_class"] == vclass]
        for tech, rows in part.groupby("technology", sort=False):
            tech = str(tech)
            fig.add_scatter(x=rows["year"], y=rows["vehicles"], name=nm.technology(tech), legendgroup=tech, showlegend=tech not in shown,
                            stackgroup=f"s{col}", mode="lines", line={"width": 0.5, "color": TECH_COLOURS.get(tech, "#7f7f7f")},
                            hovertemplate="%{x}: %{y:,.0f}", row=1, col=col)  # fmt: skip
            shown.add(tech)
    fig.update_yaxes(title_text=t("vehicles"), col=1)
    fig.update_xaxes(title_text=t("year"), tickformat="d")
    return _layout(fig, 360, legend_title_text=t("technology"), margin={"t": 40, "b": 10})


def programme_colour(programme_id: str, names: Names) -> str:
    """One colour per programme in every chart (by its place among the dataset's programmes)."""
    ids = sorted(set(names.programmes) | {str(programme_id)})
    return PALETTE[ids.index(str(programme_id)) % len(PALETTE)]


def subsidy_figure(result: PlanResult, names: Names | None = None) -> go.Figure | None:
    if result.subsidy.empty:
        return None
    names = names or Names()
    data = result.subsidy.groupby(["programme_id", "year"], as_index=False)["subsidy_hkd"].sum()
    fig = go.Figure()
    for programme, rows in data.groupby("programme_id", sort=True):
        fig.add_bar(
            x=rows["year"],
            y=rows["subsidy_hkd"] / 1e6,
            name=names.programme(programme),
            marker_color=programme_colour(str(programme), names),
        )
    return _layout(fig, 340, barmode="stack", xaxis={"title": t("year"), "tickformat": "d"}, yaxis_title=t("HK$m"),
                   legend_title_text=t("programme"))  # fmt: skip


def emissions_figure(result: PlanResult) -> go.Figure:
    basis = str(result.emissions["basis"].iloc[0]) if not result.emissions.empty else "wtw"
    data = result.emissions.groupby("year", as_index=False)[
        [f"{basis}_t", f"baseline_{basis}_t"]
    ].sum()
    basis_name = t("well-to-wheel") if basis == "wtw" else t("tank-to-wheel")
    fig = go.Figure()
    fig.add_scatter(
        x=data["year"],
        y=data[f"baseline_{basis}_t"],
        name=t("baseline"),
        line={"dash": "dash", "color": "#7f7f7f"},
    )
    fig.add_scatter(
        x=data["year"],
        y=data[f"{basis}_t"],
        name=t("plan"),
        fill="tonexty",
        line={"color": "#2ca02c"},
    )
    return _layout(
        fig,
        340,
        yaxis_title=t("t CO2") + f" ({basis_name})",
        xaxis={"title": t("year"), "tickformat": "d"},
    )


def cost_figure(result: PlanResult) -> go.Figure:
    data = result.costs
    fig = go.Figure(go.Bar(x=[nm.cost_component(c) for c in data["component"]], y=data["discounted_hkd"] / 1e6, marker_color=COST_COLOUR,
                           hovertemplate="%{x}: HK$%{y:,.1f}m<extra></extra>"))  # fmt: skip
    return _layout(fig, 320, yaxis_title=t("HK$m"))


def marginal_lines(result: PlanResult, names: Names | None = None) -> list[str]:
    """Marginal values as sentences (the model's own wording, ids named)."""
    table = result.marginal_values
    if table is None or table.empty:
        return []
    names = names or Names()
    return [names.model_text(m) for m in table["meaning"]]


def target_lines(result: PlanResult, names: Names | None = None) -> list[str]:
    """Each target in words with the plan's count against it: "700 zero-emission buses by 2027: 523 / 700 — short by 177"."""
    names = names or Names()
    lines = []
    for row in result.targets.itertuples(index=False):
        state = t("met") if row.met else t("short by {short}", short=f"{row.short:,.0f}")
        lines.append(t("{target}: {achieved} / {required} — {state}", target=names.target(row.target_id),
                       achieved=f"{row.achieved_zev:,.0f}", required=f"{row.min_zev:,.0f}", state=state))  # fmt: skip
    return lines


#: Chart titles by figure key (the report uses them too).
FIGURE_TITLES = {
    "fleet_mix": N_("Fleet mix by year"),
    "subsidy_phasing": N_("Subsidy by programme and year"),
    "emissions_path": N_("Emissions against the no-change baseline"),
    "cost_breakdown": N_("Cost breakdown (discounted)"),
}


def figures(result: PlanResult, names: Names | None = None) -> dict[str, Any]:
    """All charts of a result (also used by the HTML report)."""
    return {
        "fleet_mix": fleet_figure(result),
        "subsidy_phasing": subsidy_figure(result, names),
        "emissions_path": emissions_figure(result),
        "cost_breakdown": cost_figure(result),
    }


def chart(fig: go.Figure, key: str) -> None:
    """A figure as it is drawn (its own template and colours, not Streamlit's theme)."""
    st.plotly_chart(fig, key=key, theme=None)


def render_results(result: PlanResult, *, key: str = "res", names: Names | None = None) -> None:
    """Key figures, the four charts with tables, targets and marginal values."""
    names = names or Names.of(None, result)
    render_key_figures(result)
    charts = figures(result, names)

    st.subheader(t("Fleet mix by year"))
    chart(charts["fleet_mix"], f"{key}_fleet")
    _table(fleet_table(result), f"{key}_fleet_t", names)

    left, right = st.columns(2)
    with left:
        st.subheader(t("Subsidy by programme and year"))
        if charts["subsidy_phasing"] is None:
            st.info(t("No subsidy is paid in this plan."))
        else:
            chart(charts["subsidy_phasing"], f"{key}_subsidy")
        _table(result.subsidy, f"{key}_subsidy_t", names)
    with right:
        st.subheader(t("Emissions against the no-change baseline"))
        chart(charts["emissions_path"], f"{key}_emis")
        _table(result.emissions, f"{key}_emis_t", names)

    left, right = st.columns(2)
    with left:
        st.subheader(t("Cost breakdown (discounted)"))
        chart(charts["cost_breakdown"], f"{key}_cost")
        _table(result.costs, f"{key}_cost_t", names)
    with right:
        st.subheader(t("Targets"))
        for line in target_lines(result, names):
            st.markdown(f"- {_md(line)}")
        st.subheader(t("What one more unit is worth"))
        meanings = (
            []
            if result.marginal_values is None or result.marginal_values.empty
            else list(result.marginal_values["meaning"])
        )
        if any(not translated(m) for m in meanings):
            st.caption(t("In the model's own words (English)."))
        for line in marginal_lines(result, names):
            st.markdown(f"- {_md(line)}")
        _table(result.marginal_values, f"{key}_mv_t", names)
    if result.notes:
        with st.expander(t("Notes on this plan")):
            if any(not translated(note) for note in result.notes):
                st.caption(t("In the model's own words (English)."))
            for note in result.notes:
                st.markdown(f"- {_md(names.model_text(note))}")
