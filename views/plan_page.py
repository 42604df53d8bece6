"""The main page: solve the current scenario, see it on the map and in charts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.target_cost import target_cost
from fleetplan.views import state
from fleetplan.views.i18n import N_, t
from fleetplan.views.maps import render_map
from fleetplan.views.names import Names
from fleetplan.views.results import _md, render_results


def render() -> None:
    scenario = state.current_scenario()
    try:
        dataset = state.get_dataset(scenario.graph)
    except InputError as error:
        st.error(t("Input problem: {message}", message=str(error)))
        return
    left, right = st.columns([1, 3])
    with left:
        st.markdown(
            "**" + t("Scenario name") + f":** {scenario.name}  \n`{scenario.fingerprint()}`"
        )
        clicked = st.button(t("Solve scenario"), type="primary", key="solve")
    result = state.cached_result(scenario)
    if clicked:
        result = state.solve(scenario)
    elif result is None:
        result = state.latest_result()
        if result is None:
            st.info(t("No result yet: press “Solve scenario”."))
    if result is not None and state.cached_result(scenario) is not result:
        # The edited scenario has not been solved: never show its name over another plan's figures.
        st.warning(
            t(
                "The results below are for scenario “{shown}” (`{shown_fp}`), not for “{edited}” being edited: press “Solve scenario” to plan it.",
                shown=result.scenario_name,
                shown_fp=result.fingerprint,
                edited=scenario.name,
            )
        )
    shown = state.scenario_of(result) if result is not None else scenario
    st.subheader(t("Map"))
    render_map(dataset, result, shown.year_list, key="plan_map")
    if result is None:
        return
    with right:
        render_save(result)
    render_results(result, key="plan", names=Names.of(dataset, result))
    st.caption(
        t(
            "Budget against money spent, free riders, marginal values and a budget sweep: see the page “The official's view”."
        )
    )
    render_target_cost(scenario, dataset)


def render_save(result: PlanResult) -> None:
    """Save the result on screen for the compare page; an existing name is overwritten only when confirmed."""
    fingerprint = result.fingerprint
    if st.session_state.get("save_name_for") != fingerprint:
        # A new result on screen: the name field follows it (never an earlier result's name).
        state.forget("save_name")
        st.session_state["save_name_for"] = fingerprint
        st.session_state.pop("save_pending", None)
    st.caption(t("Result on screen: “{name}” (`{fp}`).", name=result.scenario_name, fp=fingerprint))
    c1, c2 = st.columns([3, 1])
    name = c1.text_input(
        t("Save result for comparison as"), key=state.keep("save_name", result.scenario_name)
    ).strip()
    c2.write("")  # aligns the button with the text field
    if c2.button(t("Save"), key="save_button") and name:
        earlier = state.saved().get(name)
        if earlier is not None and earlier.result.fingerprint != fingerprint:
            st.session_state["save_pending"] = name
        else:
            state.save(name, state.scenario_of(result), result)
            st.success(t("Saved “{name}”.", name=name))
    pending = st.session_state.get("save_pending")
    if pending and pending == name and pending in state.saved():
        st.warning(
            t(
                "A saved result is already called “{name}” (from scenario “{old}”). Overwrite it?",
                name=pending,
                old=state.saved()[pending].result.scenario_name,
            )
        )
        yes, no = st.columns(2)
        if yes.button(t("Overwrite"), key="save_overwrite"):
            state.save(pending, state.scenario_of(result), result)
            st.session_state.pop("save_pending", None)
            st.success(t("Saved “{name}”.", name=pending))
        if no.button(t("Keep the earlier one"), key="save_cancel"):
            st.session_state.pop("save_pending", None)
            st.rerun()


def render_target_cost(scenario: Scenario, dataset: Dataset) -> None:
    """Officials' question: what does each target cost? Each priced on its own against one plan with none."""
    names = Names.of(dataset)
    st.subheader(t("What do the targets cost?"))
    st.caption(
        t(
            "Prices each target on its own: the plan with that target hard (the others off) against one plan with no targets. A target the model cannot reach is named with what stops it."
        )
    )
    cache: dict[str, dict] = st.session_state.setdefault("target_costs", {})
    key = scenario.fingerprint()
    if st.button(t("Cost the targets"), key="target_cost_run") and key not in cache:
        with st.spinner(t("HiGHS is solving…")):
            try:
                cache[key] = target_cost(scenario, dataset)
            except (InputError, InfeasibleError) as error:
                st.error(t("Input problem: {message}", message=str(error)))
                return
    outcome = cache.get(key)
    if outcome is None:
        return
    _target_rows(outcome["by_target"], names)
    if not outcome["feasible"]:
        st.warning(
            t(
                "The targets cannot all be met in this scenario (e.g. allow early retirement, or raise the budget):"
            )
        )
        for line in outcome.get("diagnosis", []):
            st.markdown(f"- {_md(names.model_text(line))}")
        return
    if outcome.get("system_cost_hkd_delta") is None:
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(
        t("Extra system cost (discounted)"), f"HK${outcome['system_cost_hkd_delta'] / 1e6:,.1f}m"
    )
    c2.metric(t("Extra subsidy"), f"HK${outcome['subsidy_hkd_delta'] / 1e6:,.1f}m")
    c3.metric(t("Extra CO2 abated"), f"{outcome['co2_abated_t_delta'] / 1e3:,.1f} kt")


#: The target-cost verdicts in words.
VERDICTS = {
    "met": N_("met anyway"),
    "met_at_cost": N_("met at a cost"),
    "out_of_reach": N_("out of reach"),
}


def _target_rows(rows: list[dict], names: Names) -> None:
    """One row per target: its verdict, extra cost and subsidy, or what stops it."""

    def money(value: object) -> str:
        return "–" if value is None else f"HK${float(value) / 1e6:,.1f}m"  # type: ignore[arg-type]

    table = []
    for row in rows:
        limit = row.get("limit") or {}
        route = limit.get("early_retirement") or {}
        stops = " ".join(
            names.model_text(text)
            for text in (limit.get("text"), limit.get("binding_text"), route.get("text"))
            if text
        )
        verdict = str(row.get("verdict", ""))
        table.append({
            t("target"): names.target(row["target_id"]),
            t("required"): f"{row['required_zev']:,}",
            t("without targets"): f"{row['zev_without_targets']:,}",
            t("verdict"): t(VERDICTS[verdict]) if verdict in VERDICTS else verdict,
            t("extra system cost"): money(row.get("extra_cost_hkd")),
            t("extra subsidy"): money(row.get("extra_subsidy_hkd")),
            t("what stops it"): stops,
        })  # fmt: skip
    st.dataframe(pd.DataFrame(table), hide_index=True, key="target_cost_table")
