"""The main page: solve the current scenario, see it on the map and in charts."""

from __future__ import annotations

import streamlit as st

from network.errors import InputError
from views import state
from views.i18n import t
from views.maps import render_map
from views.results import render_results


def render() -> None:
    scenario = state.current_scenario()
    try:
        dataset = state.get_dataset(scenario.graph)
    except InputError as error:
        st.error(t("input_error", message=str(error)))
        return
    left, right = st.columns([1, 3])
    with left:
        st.markdown(f"**{t('scenario_name')}:** {scenario.name}  \n`{scenario.fingerprint()}`")
        clicked = st.button(t("solve"), type="primary", key="solve")
    result = state.cached_result(scenario)
    if clicked:
        result = state.solve(scenario)
    elif result is None:
        result = state.latest_result()
        if result is None:
            st.info(t("no_result"))
    st.subheader(t("map"))
    render_map(dataset, result, scenario.year_list, key="plan_map")
    if result is None:
        return
    with right:
        c1, c2 = st.columns([3, 1])
        name = c1.text_input(t("save_as"), value=result.scenario_name, key="save_name")
        if c2.button(t("save"), key="save_button") and name.strip():
            state.save(name.strip(), state.scenario_of(result), result)
            st.success(t("saved", name=name.strip()))
    render_results(result, key="plan")
