"""Two or more saved scenarios side by side: key figures with deltas and their maps."""

from __future__ import annotations

from typing import Literal

import pandas as pd
import streamlit as st

from fleetplan.errors import InputError
from fleetplan.optimiser.certainty import difference_error_hkd, measurable, status_warning
from fleetplan.views import names as nm
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
        {
            "": figure_label(label, first),
            **{name: round(columns[name].get(field, 0.0), 2) for name in names},
        }
        for field, label in figure_labels(first)
    ]
    return pd.DataFrame(rows)


def render() -> None:
    st.caption(t("Solve scenarios on the plan page and save them; then pick two or more here."))
    saved = state.saved()
    if len(saved) < 2:
        st.info(t("Save at least two scenarios to compare them."))
        return
    names = list(saved)
    picked = st.multiselect(
        t("Saved scenarios to compare"),
        names,
        key=state.keep_choice("compare_pick", names[:2], names, many=True),
    )
    if len(picked) < 2:
        st.info(t("Save at least two scenarios to compare them."))
        return
    reference = picked[0]
    st.subheader(t("Key figures side by side"))
    figures = {name: key_figures(saved[name].result) for name in picked}
    summaries = {name: saved[name].result.summary() for name in picked}
    # how sure: plans stopped before their gap, and cost differences inside both plans' error
    within: set[str] = set()
    for name in picked:
        if status_warning(summaries[name], name):
            gap = summaries[name].get("gap_absolute")
            st.warning(t("{label}: the solve stopped on '{status}' before its gap was met; its figures are certified only to {shown}",
                         label=name, status=nm.status(summaries[name].get("status")),
                         shown=f"HK${gap:,.1f}m" if isinstance(gap, int | float) and not isinstance(gap, bool) else "–"))  # fmt: skip
        if name == reference:
            continue
        error = difference_error_hkd(summaries[reference], summaries[name])
        difference = summaries[name]["system_cost_hkd"] - summaries[reference]["system_cost_hkd"]
        if measurable(difference, error) is False:
            within.add(name)
            st.info(
                t(
                    "{b} against {a}: no measurable difference in system cost (within ±HK${error}m, the sum of both plans' certified errors)",
                    a=reference,
                    b=name,
                    error=f"{(error or 0.0) / 1e6:,.1f}",
                )
            )
    for field, label in figure_labels(figures[reference]):
        columns = st.columns(len(picked))
        for column, name in zip(columns, picked, strict=True):
            value = figures[name].get(field, 0.0)
            delta = None if name == reference else f"{value - figures[reference][field]:+,.1f}"
            if name in within and field == "system_cost_hkd_m":
                delta = t("no measurable difference")
            # Coloured by good or bad, not by sign: more subsidy or cost is shown red.
            colour: Literal["normal", "inverse"] = "normal" if more_is_better(field) else "inverse"
            column.metric(
                f"{name}: {figure_label(label, figures[name])}",
                format_figure(field, value),
                delta=delta,
                delta_color=colour,
                help=t("Δ against {name}", name=reference),
            )
    with st.expander(t("Table")):
        st.dataframe(comparison_table(picked), hide_index=True, key="compare_table")
    try:
        dataset = state.get_dataset()
    except InputError as error:
        st.error(t("Input problem: {message}", message=str(error)))
        return
    first, second = picked[0], picked[1]
    st.subheader(t("{a} against {b} on one map", a=first, b=second))
    years = plan_years(saved[first].result, saved[first].scenario.year_list)
    year = st.select_slider(
        t("Year on the map"),
        options=years,
        key=state.keep_choice("cmp_overlay_year", years[min(len(years) - 1, 5)], years),
    )
    st.pydeck_chart(
        build_overlay_deck(
            dataset, saved[first].result, saved[second].result, int(year), (first, second)
        ),
        key="cmp_overlay_deck",
        height=520,
    )
    st.caption(
        t(
            "green: sites both plans build · blue: only {a} · magenta: only {b} (size = kW or kg/day)",
            a=first,
            b=second,
        )
    )
    columns = st.columns(min(len(picked), 3))
    for i, name in enumerate(picked):
        with columns[i % len(columns)]:
            st.markdown(f"**{name}**")
            render_map(dataset, saved[name].result, saved[name].scenario.year_list, key=f"cmp_{i}")
