"""For officials: the policy figures of the plan on screen, and a small budget sweep of the scenario being edited."""

from __future__ import annotations

import streamlit as st

from fleetplan.errors import InputError
from fleetplan.views import state
from fleetplan.views.i18n import t
from fleetplan.views.official import render_official_view
from fleetplan.views.results import _md
from fleetplan.views.sweep_panel import render_budget_sweep


def render() -> None:
    scenario = state.current_scenario()
    try:
        dataset = state.get_dataset(scenario.graph)
    except InputError as error:
        st.error(t("input_error", message=str(error)))
        return
    st.caption(_md(t("official_intro")))
    st.subheader(t("official_view"))
    result = state.latest_result()
    if result is None:
        st.info(_md(t("official_no_result")))
    else:
        st.caption(_md(t("plan_from", name=result.scenario_name, fp=result.fingerprint)))
        if state.cached_result(scenario) is not result:
            st.warning(_md(t("result_other_scenario", shown=result.scenario_name, shown_fp=result.fingerprint, edited=scenario.name)))
        render_official_view(result, state.scenario_of(result), dataset)
    render_budget_sweep(scenario, dataset)
