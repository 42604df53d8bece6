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
        st.error(t("Input problem: {message}", message=str(error)))
        return
    st.caption(
        _md(
            t(
                "With this budget, what the subsidy buys: money spent against each limit, free riders, tonnes per HK$1m against both baselines, what one more HK$ is worth and up to where, penalties apart from costs; then a small budget sweep of the scenario being edited."
            )
        )
    )
    st.subheader(t("The official's view"))
    result = state.latest_result()
    if result is None:
        st.info(
            _md(
                t(
                    "No plan yet: solve one on the “Plan and map” page. The budget sweep below works without it."
                )
            )
        )
    else:
        st.caption(
            _md(
                t(
                    "Plan of scenario “{name}” (`{fp}`).",
                    name=result.scenario_name,
                    fp=result.fingerprint,
                )
            )
        )
        if state.cached_result(scenario) is not result:
            st.warning(
                _md(
                    t(
                        "The results below are for scenario “{shown}” (`{shown_fp}`), not for “{edited}” being edited: press “Solve scenario” to plan it.",
                        shown=result.scenario_name,
                        shown_fp=result.fingerprint,
                        edited=scenario.name,
                    )
                )
            )
        render_official_view(result, state.scenario_of(result), dataset)
    render_budget_sweep(scenario, dataset)
