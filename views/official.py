"""The official's view: what the subsidy buys, which limits bind, against both baselines.

Reads only what the model reports (``PlanResult.summary()``, ``payment_levels``,
``marginal_values``, ``targets``); every key is guarded, so an older result
without one shows less, never a wrong figure. Marginal values are shown with the
range in which they hold and never extrapolated past it; penalties are shown apart
from the system cost and never called costs.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.views.i18n import LABELS, data_label, t
from fleetplan.views.results import _md

#: A value (HK$ per HK$, t per HK$1m, per vehicle) at or below this does not bind.
ZERO = 1e-9


def _number(value: Any) -> float | None:
    """A finite float, else None (the model writes None or NaN for "not applicable")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def official_figures(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary keys this view reads, when present and of the expected shape."""
    wanted = {
        "budget_hkd": int | float,
        "subsidy_hkd_total": int | float,
        "subsidy_hkd_by_programme": dict,
        "subsidy_vehicles_by_programme": dict,
        "subsidy_payment_hkd_by_programme_year": dict,
        "free_rider_share_by_programme": dict,
        "binding_limits": list,
        "co2_abated_vs_no_policy_t": int | float,
        "co2_t_per_hkd_m_subsidy_vs_no_policy": int | float,
        "penalties_hkd": int | float | dict,
        "marginal_values": list,
        "co2_t_per_hkd_m_definition": str,
        "status": str,
        "gap_absolute": int | float,
        "no_policy": dict,
    }
    return {key: summary[key] for key, kind in wanted.items() if isinstance(summary.get(key), kind)}


# --------------------------------------------------------------------------- limits in words


def limit_label(name: str) -> str:
    """``programme_cap:e_bus`` -> "programme cap of e-bus" (the id stays when the kind is unknown)."""
    kind, _, what = str(name).partition(":")
    key = f"limit.{kind}"
    if key not in LABELS:
        return str(name)
    if kind in ("programme_cap", "per_vehicle_cap", "eligibility_window"):
        what = data_label("programme_short", what, what)
    return t(key, what=what)


def programme_caps(scenario: Scenario, dataset: Dataset | None) -> dict[str, float]:
    """Each enabled programme's cap (HK$): the scenario's override, else the dataset's."""
    if dataset is None or dataset.programmes is None or dataset.programmes.empty:
        return {}
    caps = {}
    for programme_id, rows in dataset.programmes.groupby("programme_id", sort=True):
        override = scenario.programmes.get(str(programme_id))
        if override is not None and not override.enabled:
            continue
        cap = override.programme_cap_hkd if override is not None and override.programme_cap_hkd is not None else rows["programme_cap_hkd"].iloc[0]
        caps[str(programme_id)] = float(cap)
    return caps


def budget_rows(result: PlanResult, scenario: Scenario, caps: dict[str, float]) -> list[dict[str, Any]]:
    """Each money limit against what the plan spends under it (HK$), and whether it binds.

    The total budget, each programme's cap and each yearly limit; ``binds`` is the
    model's own verdict (``binding_limits``), not a comparison made here.
    """
    summary = official_figures(result.summary())
    binding = {str(x) for x in summary.get("binding_limits", [])}
    spent_by_programme = summary.get("subsidy_hkd_by_programme", {})
    rows = []
    budget = _number(summary.get("budget_hkd"))
    if budget is not None:
        rows.append({"limit": "budget", "available_hkd": budget, "spent_hkd": _number(summary.get("subsidy_hkd_total")) or 0.0,
                     "binds": "budget" in binding})  # fmt: skip
    for programme_id, cap in caps.items():
        rows.append({"limit": f"programme_cap:{programme_id}", "available_hkd": cap,
                     "spent_hkd": _number(spent_by_programme.get(programme_id)) or 0.0, "binds": f"programme_cap:{programme_id}" in binding})  # fmt: skip
    yearly = scenario.budget.yearly_limit_hkd or {}
    spent_by_year = result.subsidy.groupby("year")["subsidy_hkd"].sum() if not result.subsidy.empty else pd.Series(dtype=float)
    for year, limit in sorted(yearly.items()):
        rows.append({"limit": f"yearly_limit:{year}", "available_hkd": float(limit),
                     "spent_hkd": float(spent_by_year.get(year, 0.0)), "binds": f"yearly_limit:{year}" in binding})  # fmt: skip
    return rows


def budget_figure(rows: list[dict[str, Any]]) -> go.Figure | None:
    """Available against spent per money limit (HK$m); a binding limit's bar is red."""
    if not rows:
        return None
    labels = [limit_label(r["limit"]) for r in rows]
    fig = go.Figure()
    fig.add_bar(y=labels, x=[r["available_hkd"] / 1e6 for r in rows], orientation="h", name=t("of_available"), marker_color="#c7d3e3")
    fig.add_bar(y=labels, x=[r["spent_hkd"] / 1e6 for r in rows], orientation="h", name=t("of_spent"),
                marker_color=["#d62728" if r["binds"] else "#1f77b4" for r in rows])  # fmt: skip
    fig.update_layout(barmode="overlay", height=120 + 40 * len(rows), margin={"t": 30, "b": 10}, xaxis_title=t("hkd_m"),
                      yaxis={"autorange": "reversed"}, legend_title_text="")  # fmt: skip
    return fig


# --------------------------------------------------------------------------- programmes


def programme_table(result: PlanResult) -> pd.DataFrame:
    """Per programme: vehicles paid (all of them, free riders included), free-rider share, HK$ spent."""
    summary = official_figures(result.summary())
    vehicles = summary.get("subsidy_vehicles_by_programme", {})
    free = summary.get("free_rider_share_by_programme", {})
    spent = summary.get("subsidy_hkd_by_programme", {})
    rows = []
    for programme_id in sorted(set(vehicles) | set(spent)):
        share = _number(free.get(programme_id))
        rows.append({
            t("programme"): data_label("programme_short", str(programme_id), str(programme_id)),
            t("of_vehicles_paid"): f"{(_number(vehicles.get(programme_id)) or 0.0):,.0f}",
            t("of_free_rider_share"): f"{share:.0%}" if share is not None else "–",
            t("of_spent_hkd_m"): f"{(_number(spent.get(programme_id)) or 0.0) / 1e6:,.1f}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def payment_rows(result: PlanResult) -> list[dict[str, Any]]:
    """Programme x year where a payment is offered: HK$ per vehicle and the quota (share of
    that year's eligible purchases it is offered to; None when the result has no quota)."""
    levels = result.payment_levels
    rows = []
    if isinstance(levels, pd.DataFrame) and not levels.empty and {"payment_level", "per_vehicle_cap_hkd"} <= set(levels.columns):
        for row in levels.itertuples(index=False):
            payment = float(row.payment_level) * float(row.per_vehicle_cap_hkd)
            if payment > 0:
                quota = _number(getattr(row, "quota_share", None))
                rows.append({"programme_id": str(row.programme_id), "year": int(row.year), "payment_hkd": payment, "quota_share": quota})
        return rows
    by_year = official_figures(result.summary()).get("subsidy_payment_hkd_by_programme_year", {})
    for programme_id, years in by_year.items():
        for year, payment in (years or {}).items():
            if (_number(payment) or 0.0) > 0:
                rows.append({"programme_id": str(programme_id), "year": int(year), "payment_hkd": float(payment), "quota_share": None})
    return rows


def payments_figure(rows: list[dict[str, Any]]) -> go.Figure | None:
    """Payment per vehicle by programme and year (HK$ thousand), each bar labelled with its quota."""
    if not rows:
        return None
    fig = go.Figure()
    for programme_id in sorted({r["programme_id"] for r in rows}):
        part = [r for r in rows if r["programme_id"] == programme_id]
        fig.add_bar(
            x=[r["year"] for r in part],
            y=[r["payment_hkd"] / 1e3 for r in part],
            name=data_label("programme_short", programme_id, programme_id),
            text=[f"{r['quota_share']:.0%}" if r["quota_share"] is not None else "" for r in part],
            textposition="outside",
        )
    fig.update_layout(barmode="group", height=340, margin={"t": 30, "b": 10}, xaxis={"title": t("year"), "tickformat": "d", "dtick": 1},
                      yaxis_title=t("of_payment_hkd_k"),
                      legend_title_text=t("programme"))  # fmt: skip
    return fig


# --------------------------------------------------------------------------- tonnes per HK$


def tonnes_figure(summary: dict[str, Any]) -> go.Figure | None:
    """The one tonnes-per-HK$ figure: t CO2 abated against no policy per HK$1m of subsidy paid."""
    figures = official_figures(summary)
    value = _number(figures.get("co2_t_per_hkd_m_subsidy_vs_no_policy"))
    if value is None:
        return None
    fig = go.Figure(go.Bar(x=[t("of_vs_no_policy")], y=[value], text=[f"{value:,.0f}"], textposition="outside",
                           marker_color=["#2ca02c"]))  # fmt: skip
    fig.update_layout(height=300, margin={"t": 30, "b": 10}, yaxis_title=t("of_t_per_hkd_m"),
                      title=str(figures.get("co2_t_per_hkd_m_definition") or ""))  # fmt: skip
    return fig


# --------------------------------------------------------------------------- marginal values


def _target_short(result: PlanResult, target_id: str) -> float:
    targets = result.targets
    if not isinstance(targets, pd.DataFrame) or targets.empty or "target_id" not in targets.columns or "short" not in targets.columns:
        return 0.0
    found = targets[targets["target_id"] == target_id]
    return float(found["short"].max()) if not found.empty else 0.0


def marginal_rows(result: PlanResult) -> list[dict[str, str]]:
    """Each marginal value as the official reads it: the limit, its value per unit, the range
    in which it holds ("holds for up to HK$Xm more") or "does not bind", and its flag.

    Never extrapolated: a value is stated per HK$ (or per vehicle) with its range; a value
    without a reported range holds at the margin only, and says so.
    """
    table = result.marginal_values
    if not isinstance(table, pd.DataFrame) or table.empty or "name" not in table.columns:
        return []
    rows = []
    for row in table.to_dict(orient="records"):
        name = str(row.get("name", ""))
        value = _number(row.get("value")) or 0.0
        valid = _number(row.get("valid_up_to"))
        unit = str(row.get("unit") or "")
        flagged = bool(str(row.get("flag") or "").strip())
        if name.startswith("target:"):
            short = _target_short(result, name.split(":", 1)[1])
            if short > 0.5:
                shown, holds = t("mv_out_of_reach", short=f"{short:,.0f}"), t("mv_penalty_not_cost")
            elif value <= ZERO:
                shown, holds = "–", t("mv_does_not_bind")
            else:
                per_vehicle = t("mv_t_per_vehicle", value=f"{value:,.1f}") if unit.startswith("t CO2") else t("mv_hkd_m_per_vehicle", value=f"{value:,.3f}")
                shown, holds = per_vehicle, t("mv_no_range")
        elif value <= ZERO:
            shown, holds = "–", t("mv_does_not_bind")
        else:
            shown = t("mv_t_per_hkd_m", value=f"{value:,.1f}") if unit.startswith("t CO2") else t("mv_hkd_per_hkd", value=f"{value:,.2f}")
            cost, penalty = _number(row.get("system_cost_hkd_per_hkd")), _number(row.get("penalty_hkd_per_hkd"))
            if cost is not None and penalty is not None and not unit.startswith("t CO2"):
                # real money apart from penalties: a penalty is never called a cost
                shown += " " + t("mv_split", cost=f"{cost:,.2f}", penalty=f"{penalty:,.2f}")
            holds = t("mv_holds_for", more=f"{valid / 1e6:,.1f}") if valid is not None else t("mv_no_range")
            step_cost, step_penalty = _number(row.get("step_system_cost_hkd_per_hkd")), _number(row.get("step_penalty_hkd_per_hkd"))
            if step_cost is not None and step_penalty is not None:
                key = "mv_step_agrees_short" if row.get("step_agrees") else "mv_step_differs_short"
                holds += "; " + t(key, step=f"{(_number(row.get('step_hkd')) or 0) / 1e6:,.0f}", value=f"{step_cost + step_penalty:,.2f}",
                                  cost=f"{step_cost:,.2f}", penalty=f"{step_penalty:,.2f}")  # fmt: skip
        rows.append({"limit": limit_label(name), "value": shown, "holds": holds, "flag": t("mv_flag") if flagged else ""})
    return rows


def marginal_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{t("of_limit"): r["limit"], t("of_value"): r["value"], t("of_holds"): r["holds"], t("of_flag"): r["flag"]} for r in rows]
    )


# --------------------------------------------------------------------------- penalties


def penalty_rows(summary: dict[str, Any]) -> list[tuple[str, float]]:
    """(penalty in words, HK$) pairs; a single number from an older result becomes one row."""
    penalties = official_figures(summary).get("penalties_hkd")
    if isinstance(penalties, int | float):
        return [(t("official_penalties_total"), float(penalties))]
    if isinstance(penalties, dict):
        return [(data_label("penalty", str(k), str(k)), float(v)) for k, v in penalties.items() if _number(v) is not None]
    return []


# --------------------------------------------------------------------------- charts for the page and the report


def official_charts(result: PlanResult, scenario: Scenario, caps: dict[str, float]) -> dict[str, go.Figure | None]:
    """The official's figures by catalogue key (the HTML report uses them too)."""
    try:
        summary = result.summary()
    except Exception:
        return {}
    return {
        "official_budget_spent": budget_figure(budget_rows(result, scenario, caps)),
        "official_payments": payments_figure(payment_rows(result)),
        "official_t_per_hkdm": tonnes_figure(summary),
    }


def _fmt_m(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value / 1e6:,.{digits}f}"


def render_official_view(result: PlanResult, scenario: Scenario, dataset: Dataset | None) -> None:
    """The policy figures of ``result``: budget against spent, free riders, tonnes per HK$1m,
    marginal values with their ranges, penalties apart from cost."""
    try:
        summary = result.summary()
    except Exception:
        return  # a summary the model cannot build must not take the page down
    figures = official_figures(summary)
    if not figures:
        return
    caps = programme_caps(scenario, dataset)
    budget = _number(figures.get("budget_hkd"))
    spent = _number(figures.get("subsidy_hkd_total"))
    # how sure: a plan stopped on the clock or a node limit is said loudly, a certified one plainly
    (st.info if figures.get("status") == "optimal" else st.warning)(_md(f"**{t('official_status')}:** {certainty_line(summary)}"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("official_budget"), _fmt_m(budget))
    c2.metric(t("official_spent"), _fmt_m(spent), help=t("official_spent_help"))
    abated = _number(figures.get("co2_abated_vs_no_policy_t"))
    c3.metric(t("official_abated_vs_no_policy"), "–" if abated is None else f"{abated / 1e3:,.1f}")
    penalties = penalty_rows(summary)
    c4.metric(t("official_penalties"), _fmt_m(sum(v for _, v in penalties)) if penalties else "–", help=t("official_penalties_help"))
    if budget and spent is not None:
        st.caption(_md(t("official_spent_share", share=f"{spent / budget:.0%}")))

    charts = official_charts(result, scenario, caps)
    st.markdown(_md(f"**{t('official_binding')}**"))
    limits = [str(x) for x in figures.get("binding_limits", [])]
    st.markdown(_md("\n".join(f"- {limit_label(x)} (`{x}`)" for x in limits) if limits else t("official_none_binding")))
    if charts.get("official_budget_spent") is not None:
        st.markdown(_md(f"**{t('official_budget_spent')}**"))
        st.caption(_md(t("official_budget_spent_intro")))
        st.plotly_chart(charts["official_budget_spent"], key="official_budget_chart")

    left, right = st.columns(2)
    with left:
        st.markdown(_md(f"**{t('official_t_per_hkdm')}**"))
        st.caption(_md(t("official_t_per_hkdm_intro")))
        if charts.get("official_t_per_hkdm") is not None:
            st.plotly_chart(charts["official_t_per_hkdm"], key="official_tonnes_chart")
        else:
            st.info(_md(t("official_no_spend")))
    with right:
        st.markdown(_md(f"**{t('official_free_riders')}**"))
        st.caption(_md(t("official_free_riders_intro")))
        programmes = programme_table(result)
        if programmes.empty:
            st.info(_md(t("no_subsidy")))
        else:
            st.dataframe(programmes, hide_index=True, key="official_programmes")

    st.markdown(_md(f"**{t('official_payments')}**"))
    st.caption(_md(t("official_payments_intro")))
    if charts.get("official_payments") is not None:
        st.plotly_chart(charts["official_payments"], key="official_payments_chart")
    else:
        st.info(_md(t("no_subsidy")))

    st.markdown(_md(f"**{t('official_marginal')}**"))
    st.caption(_md(t("official_marginal_intro")))
    rows = marginal_rows(result)
    if rows:
        if any(r["flag"] for r in rows):
            st.warning(_md(t("mv_flag_warning")))
        st.dataframe(marginal_frame(rows), hide_index=True, key="official_marginals")
    else:
        st.info(_md(t("official_no_marginals")))

    st.markdown(_md(f"**{t('official_penalties_heading')}**"))
    st.caption(_md(t("official_penalties_intro")))
    if penalties:
        st.dataframe(pd.DataFrame([{t("of_penalty"): name, t("of_penalty_hkd_m"): f"{value / 1e6:,.1f}"} for name, value in penalties]),
                     hide_index=True, key="official_penalties_table")  # fmt: skip


# --------------------------------------------------------------------------- how sure


def certainty_line(summary: dict[str, Any]) -> str:
    """The solver status and the certified error of the plan, of the no-policy plan and of
    their difference, in words (a stop on the clock or a node limit says so)."""
    figures = official_figures(summary)
    gap = _number(figures.get("gap_absolute"))
    status = str(figures.get("status") or "")
    plan_m = "–" if gap is None else f"{gap:,.1f}"
    if status != "optimal":
        return t("certainty_stopped", status=status, plan=plan_m)
    no_policy = figures.get("no_policy") or {}
    other = _number(no_policy.get("gap_absolute")) if isinstance(no_policy, dict) else None
    both = None if gap is None or other is None else gap + other
    return t("certainty_optimal", plan=plan_m, no_policy="–" if other is None else f"{other:,.1f}",
             both="–" if both is None else f"{both:,.1f}")  # fmt: skip
