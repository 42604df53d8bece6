"""Two or more saved scenarios side by side: key figures with deltas and their maps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fleetplan.errors import InputError
from fleetplan.optimiser.certainty import difference_error_hkd, measurable, status_warning
from fleetplan.views import state
from fleetplan.views.i18n import t
from fleetplan.views.maps import build_overlay_deck, plan_years, render_map
from fleetplan.views.results import (
    figure_label,
    figure_labels,
    format_figure,
    key_figures,
    more_is_better,
)


def comparison_table(names: list[str]) -> pd.DataFrame:
    """One row per key figure, one column per scenario (plain numbers)."""
    saved = state.saved()
    columns = {name: key_figures(saved[name].result) for name in names}
    first = columns[names[0]]
    rows = [
        {"": figure_label(label, first), **{name: round(columns[name].get(field, 0.0), 2) for name in names}}
        for field, label in figure_labels(first)
    ]
    return pd.DataFrame(rows)


def render() -> None:
    st.caption(t("compare_intro"))
    saved = state.saved()
    if len(saved) < 2:
        st.info(t("compare_need_two"))
        return
    names = list(saved)
    picked = st.multiselect(t("compare_pick"), names, default=names[:2], key="compare_pick")
    if len(picked) < 2:
        st.info(t("compare_need_two"))
        return
    reference = picked[0]
    st.subheader(t("compare_table"))
    figures = {name: key_figures(saved[name].result) for name in picked}
    summaries = {name: saved[name].result.summary() for name in picked}
    # how sure: plans stopped before their gap, and cost differences inside both plans' error
    within: set[str] = set()
    for name in picked:
        warning = status_warning(summaries[name], name)
        if warning:
            st.warning(warning)
        if name == reference:
            continue
        error = difference_error_hkd(summaries[reference], summaries[name])
        difference = summaries[name]["system_cost_hkd"] - summaries[reference]["system_cost_hkd"]
        if measurable(difference, error) is False:
            within.add(name)
            st.info(t("compare_no_measurable", a=reference, b=name, error=f"{error / 1e6:,.1f}"))
    for field, label in figure_labels(figures[reference]):
        columns = st.columns(len(picked))
        for column, name in zip(columns, picked, strict=True):
            value = figures[name].get(field, 0.0)
            delta = None if name == reference else f"{value - figures[reference][field]:+,.1f}"
            if name in within and field == "system_cost_hkd_m":
                delta = t("compare_no_measurable_short")
            # Coloured by good or bad, not by sign: more subsidy or cost is shown red.
            colour = "normal" if more_is_better(field) else "inverse"
            column.metric(f"{name}: {figure_label(label, figures[name])}", format_figure(field, value), delta=delta,
                          delta_color=colour, help=t("compare_delta", name=reference))
    with st.expander(t("table")):
        st.dataframe(comparison_table(picked), hide_index=True, key="compare_table")
    try:
        dataset = state.get_dataset()
    except InputError as error:
        st.error(t("input_error", message=str(error)))
        return
    first, second = picked[0], picked[1]
    st.subheader(t("compare_overlay", a=first, b=second))
    years = plan_years(saved[first].result, saved[first].scenario.year_list)
    year = st.select_slider(t("map_year"), options=years, value=years[min(len(years) - 1, 5)], key="cmp_overlay_year")
    st.pydeck_chart(build_overlay_deck(dataset, saved[first].result, saved[second].result, int(year), (first, second)), key="cmp_overlay_deck", height=520)
    st.caption(t("compare_overlay_legend", a=first, b=second))
    columns = st.columns(min(len(picked), 3))
    for i, name in enumerate(picked):
        with columns[i % len(columns)]:
            st.markdown(f"**{name}**")
            render_map(dataset, saved[name].result, saved[name].scenario.year_list, key=f"cmp_{i}")
