"""The main page: solve the current scenario, see it on the map and in charts."""

from __future__ import annotations

import streamlit as st

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.target_cost import target_cost
from fleetplan.views import state
from fleetplan.views.i18n import t
from fleetplan.views.maps import render_map
from fleetplan.views.results import render_results


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
    if result is not None and state.cached_result(scenario) is not result:
        # The edited scenario has not been solved: never show its name over another plan's figures.
        st.warning(t("result_other_scenario", shown=result.scenario_name, shown_fp=result.fingerprint, edited=scenario.name))
    shown = state.scenario_of(result) if result is not None else scenario
    st.subheader(t("map"))
    render_map(dataset, result, shown.year_list, key="plan_map")
    if result is None:
        return
    with right:
        render_save(result)
    render_results(result, key="plan")
    st.caption(t("official_see_page"))
    render_target_cost(scenario, dataset)


def render_save(result: PlanResult) -> None:
    """Save the result on screen for the compare page; an existing name is overwritten only when confirmed."""
    fingerprint = result.fingerprint
    if st.session_state.get("save_name_for") != fingerprint:
        # A new result on screen: the name field follows it (never an earlier result's name).
        st.session_state["save_name"] = result.scenario_name
        st.session_state["save_name_for"] = fingerprint
        st.session_state.pop("save_pending", None)
    st.caption(t("save_what", name=result.scenario_name, fp=fingerprint))
    c1, c2 = st.columns([3, 1])
    name = c1.text_input(t("save_as"), key="save_name").strip()
    c2.write("")  # aligns the button with the text field
    if c2.button(t("save"), key="save_button") and name:
        earlier = state.saved().get(name)
        if earlier is not None and earlier.result.fingerprint != fingerprint:
            st.session_state["save_pending"] = name
        else:
            state.save(name, state.scenario_of(result), result)
            st.success(t("saved", name=name))
    pending = st.session_state.get("save_pending")
    if pending and pending == name and pending in state.saved():
        st.warning(t("save_overwrite_q", name=pending, old=state.saved()[pending].result.scenario_name))
        yes, no = st.columns(2)
        if yes.button(t("save_overwrite"), key="save_overwrite"):
            state.save(pending, state.scenario_of(result), result)
            st.session_state.pop("save_pending", None)
            st.success(t("saved", name=pending))
        if no.button(t("save_cancel"), key="save_cancel"):
            st.session_state.pop("save_pending", None)
            st.rerun()


def render_target_cost(scenario: Scenario, dataset: Dataset) -> None:
    """Officials' question: what does each target cost? Each priced on its own against one plan with none."""
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
    _target_rows(outcome["by_target"])
    if not outcome["feasible"]:
        st.warning(t("target_cost_infeasible"))
        for line in outcome.get("diagnosis", []):
            st.markdown(f"- {line}")
        return
    if outcome.get("system_cost_hkd_delta") is None:
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("target_cost_system"), f"HK${outcome['system_cost_hkd_delta'] / 1e6:,.1f}m")
    c2.metric(t("target_cost_subsidy"), f"HK${outcome['subsidy_hkd_delta'] / 1e6:,.1f}m")
    c3.metric(t("target_cost_abated"), f"{outcome['co2_abated_t_delta'] / 1e3:,.1f} kt")


def _target_rows(rows: list[dict]) -> None:
    """One line per target: its verdict, extra cost and subsidy, or what stops it."""
    from fleetplan.views.i18n import model_text

    st.caption(t("target_cost_table"))

    def money(value: object) -> str:
        return "-" if value is None else f"HK${float(value) / 1e6:,.1f}m"  # type: ignore[arg-type]

    for row in rows:
        limit = row.get("limit") or {}
        route = limit.get("early_retirement") or {}
        stops = " ".join(model_text(text) for text in (limit.get("text"), route.get("text")) if text)
        st.markdown(
            f"- **{row['target_id']}** · {row['vehicle_class']} · {row['year']} · {row['required_zev']:,} · "
            f"{row['zev_without_targets']:,} · {t('target_verdict_' + row['verdict'])} · "
            f"{money(row.get('extra_cost_hkd'))} · {money(row.get('extra_subsidy_hkd'))}" + (f" · {stops}" if stops else "")
        )
