"""The main page: solve the current scenario, see it on the map and in charts."""

from __future__ import annotations

import streamlit as st

from network.errors import InfeasibleError, InputError
from network.loaders import Dataset
from optimiser.plan import target_cost
from optimiser.scenario import Scenario
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
    render_target_cost(scenario, dataset)


def render_target_cost(scenario: Scenario, dataset: Dataset) -> None:
    """Officials' question: what do the targets cost? Two solves: with the targets hard, without them."""
    st.subheader(t("target_cost"))
    st.caption(t("target_cost_intro"))
    cache: dict[str, dict] = st.session_state.setdefault("target_costs", {})
    key = scenario.fingerprint()
    if st.button(t("target_cost_run"), key="target_cost_run") and key not in cache:
        with st.spinner(t("solving")):
            try:
                cache[key] = target_cost(scenario, dataset)
            except (InputError, InfeasibleError) as error:
                st.error(t("input_error", message=str(error)))
                return
    outcome = cache.get(key)
    if outcome is None:
        return
    if not outcome["feasible"]:
        st.warning(t("target_cost_infeasible"))
        for line in outcome["diagnosis"]:
            st.markdown(f"- {line}")
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("target_cost_system"), f"HK${outcome['system_cost_hkd_delta'] / 1e6:,.1f}m")
    c2.metric(t("target_cost_subsidy"), f"HK${outcome['subsidy_hkd_delta'] / 1e6:,.1f}m")
    c3.metric(t("target_cost_abated"), f"{outcome['co2_abated_t_delta'] / 1e3:,.1f} kt")
