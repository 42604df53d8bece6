"""The official's view: what the subsidy buys, which limits bind, against both baselines.

Reads only what the model reports (``PlanResult.summary()``, read once per render, ``payment_levels``,
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
from fleetplan.views import names as nm
from fleetplan.views.i18n import N_, t
from fleetplan.views.names import Names, grouped_limits
from fleetplan.views.results import TEMPLATE, _md, chart, programme_colour

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


def limit_label(name: str, names: Names | None = None) -> str:
    """``programme_cap:e_bus`` -> "programme cap of e-bus subsidy" (the id stays when the kind is unknown)."""
    return (names or Names()).limit(name)


def programme_caps(scenario: Scenario, dataset: Dataset | None) -> dict[str, float]:
    """Each enabled programme's cap (HK$): the scenario's override, else the dataset's."""
    if dataset is None or dataset.programmes is None or dataset.programmes.empty:
        return {}
    caps = {}
    for programme_id, rows in dataset.programmes.groupby("programme_id", sort=True):
        override = scenario.programmes.get(str(programme_id))
        if override is not None and not override.enabled:
            continue
        cap = (
            override.programme_cap_hkd
            if override is not None and override.programme_cap_hkd is not None
            else rows["programme_cap_hkd"].iloc[0]
        )
        caps[str(programme_id)] = float(cap)
    return caps


def budget_rows(
    result: PlanResult,
    scenario: Scenario,
    caps: dict[str, float],
    summary: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Each money limit against what the plan spends under it (HK$), and whether it binds.

    The total budget, each programme's cap and each yearly limit; ``binds`` is the
    model's own verdict (``binding_limits``), not a comparison made here. ``summary``: the
    result's, when the caller has read it already.
    """
    summary = official_figures(result.summary() if summary is None else summary)
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
    spent_by_year = (
        result.subsidy.groupby("year")["subsidy_hkd"].sum()
        if not result.subsidy.empty
        else pd.Series(dtype=float)
    )
    for year, limit in sorted(yearly.items()):
        rows.append({"limit": f"yearly_limit:{year}", "available_hkd": float(limit),
                     "spent_hkd": float(spent_by_year.get(year, 0.0)), "binds": f"yearly_limit:{year}" in binding})  # fmt: skip
    return rows


def budget_figure(rows: list[dict[str, Any]], names: Names | None = None) -> go.Figure | None:
    """Available against spent per money limit (HK$m); a binding limit's bar is red."""
    if not rows:
        return None
    labels = [limit_label(r["limit"], names) for r in rows]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=[r["available_hkd"] / 1e6 for r in rows],
        orientation="h",
        name=t("allowed"),
        marker_color="#c7d3e3",
    )
    fig.add_bar(y=labels, x=[r["spent_hkd"] / 1e6 for r in rows], orientation="h", name=t("spent"),
                marker_color=["#d62728" if r["binds"] else "#1f77b4" for r in rows])  # fmt: skip
    fig.update_layout(template=TEMPLATE, barmode="overlay", height=120 + 40 * len(rows), margin={"t": 30, "b": 10}, xaxis_title=t("HK$m"),
                      yaxis={"autorange": "reversed"}, legend_title_text="")  # fmt: skip
    return fig


# --------------------------------------------------------------------------- programmes


def programme_table(
    result: PlanResult, names: Names | None = None, summary: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Per programme: vehicles paid (all of them, free riders included), free-rider share, HK$ spent."""
    summary = official_figures(result.summary() if summary is None else summary)
    names = names or Names()
    vehicles = summary.get("subsidy_vehicles_by_programme", {})
    free = summary.get("free_rider_share_by_programme", {})
    spent = summary.get("subsidy_hkd_by_programme", {})
    rows = []
    for programme_id in sorted(set(vehicles) | set(spent)):
        share = _number(free.get(programme_id))
        rows.append({
            t("programme"): names.programme(programme_id),
            t("vehicles paid (free riders included)"): f"{(_number(vehicles.get(programme_id)) or 0.0):,.0f}",
            t("free riders"): f"{share:.0%}" if share is not None else "–",
            t("spent (HK$m)"): f"{(_number(spent.get(programme_id)) or 0.0) / 1e6:,.1f}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def payment_rows(result: PlanResult, summary: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Programme x year where a payment is offered: HK$ per vehicle and the quota (share of
    that year's eligible purchases it is offered to; None when the result has no quota)."""
    levels = result.payment_levels
    rows = []
    if (
        isinstance(levels, pd.DataFrame)
        and not levels.empty
        and {"payment_level", "per_vehicle_cap_hkd"} <= set(levels.columns)
    ):
        for row in levels.itertuples(index=False):
            payment = float(row.payment_level) * float(row.per_vehicle_cap_hkd)
            if payment > 0:
                quota = _number(getattr(row, "quota_share", None))
                rows.append(
                    {
                        "programme_id": str(row.programme_id),
                        "year": int(row.year),
                        "payment_hkd": payment,
                        "quota_share": quota,
                    }
                )
        return rows
    by_year = official_figures(result.summary() if summary is None else summary).get(
        "subsidy_payment_hkd_by_programme_year", {}
    )
    for programme_id, years in by_year.items():
        for year, payment in (years or {}).items():
            if (_number(payment) or 0.0) > 0:
                rows.append(
                    {
                        "programme_id": str(programme_id),
                        "year": int(year),
                        "payment_hkd": float(payment),
                        "quota_share": None,
                    }
                )
    return rows


def payments_figure(rows: list[dict[str, Any]], names: Names | None = None) -> go.Figure | None:
    """Payment per vehicle by programme and year (HK$ thousand), each bar labelled with its quota."""
    if not rows:
        return None
    names = names or Names()
    fig = go.Figure()
    for programme_id in sorted({r["programme_id"] for r in rows}):
        part = [r for r in rows if r["programme_id"] == programme_id]
        fig.add_bar(
            x=[r["year"] for r in part],
            y=[r["payment_hkd"] / 1e3 for r in part],
            name=names.programme(programme_id),
            marker_color=programme_colour(programme_id, names),
            text=[f"{r['quota_share']:.0%}" if r["quota_share"] is not None else "" for r in part],
            textposition="outside",
        )
    fig.update_layout(template=TEMPLATE, barmode="group", height=340, margin={"t": 30, "b": 10}, xaxis={"title": t("year"), "tickformat": "d", "dtick": 1},
                      yaxis_title=t("HK$ thousand per vehicle"),
                      legend_title_text=t("programme"))  # fmt: skip
    return fig


# --------------------------------------------------------------------------- tonnes per HK$


def tonnes_figure(summary: dict[str, Any]) -> go.Figure | None:
    """The one tonnes-per-HK$ figure: t CO2 abated against no policy per HK$1m of subsidy paid."""
    figures = official_figures(summary)
    value = _number(figures.get("co2_t_per_hkd_m_subsidy_vs_no_policy"))
    if value is None:
        return None
    fig = go.Figure(go.Bar(x=[t("against no policy")], y=[value], text=[f"{value:,.0f}"], textposition="outside",
                           marker_color=["#2ca02c"]))  # fmt: skip
    fig.update_layout(template=TEMPLATE, height=300, margin={"t": 30, "b": 10}, yaxis_title=t("t CO2 per HK$1m"),
                      title=t("t CO2 abated against no policy per HK$1m of subsidy paid"))  # fmt: skip
    return fig


# --------------------------------------------------------------------------- marginal values


def _target_short(result: PlanResult, target_id: str) -> float:
    targets = result.targets
    if (
        not isinstance(targets, pd.DataFrame)
        or targets.empty
        or "target_id" not in targets.columns
        or "short" not in targets.columns
    ):
        return 0.0
    found = targets[targets["target_id"] == target_id]
    return float(found["short"].max()) if not found.empty else 0.0


def marginal_rows(result: PlanResult, names: Names | None = None) -> list[dict[str, str]]:
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
                shown, holds = (
                    t("out of reach ({short} vehicles short)", short=f"{short:,.0f}"),
                    t("each vehicle short pays the soft-target penalty (a penalty, not a cost)"),
                )
            elif value <= ZERO:
                shown, holds = "–", t("does not bind")
            else:
                per_vehicle = (
                    t("{value} t CO2 per extra vehicle", value=f"{value:,.1f}")
                    if unit.startswith("t CO2")
                    else t("HK${value}m per extra vehicle", value=f"{value:,.3f}")
                )
                shown, holds = per_vehicle, t("at the margin only (no range reported)")
        elif value <= ZERO:
            shown, holds = "–", t("does not bind")
        else:
            shown = (
                t("{value} t CO2 per extra HK$1m", value=f"{value:,.1f}")
                if unit.startswith("t CO2")
                else t("HK${value} per extra HK$1", value=f"{value:,.2f}")
            )
            cost, penalty = (
                _number(row.get("system_cost_hkd_per_hkd")),
                _number(row.get("penalty_hkd_per_hkd")),
            )
            if cost is not None and penalty is not None and not unit.startswith("t CO2"):
                # real money apart from penalties: a penalty is never called a cost
                shown += " " + t(
                    "(system cost HK${cost}, penalty HK${penalty})",
                    cost=f"{cost:,.2f}",
                    penalty=f"{penalty:,.2f}",
                )
            holds = (
                t("holds for up to HK${more}m more", more=f"{valid / 1e6:,.1f}")
                if valid is not None
                else t("at the margin only (no range reported)")
            )
            step_cost, step_penalty = (
                _number(row.get("step_system_cost_hkd_per_hkd")),
                _number(row.get("step_penalty_hkd_per_hkd")),
            )
            if step_cost is not None and step_penalty is not None:
                key = "mv_step_agrees_short" if row.get("step_agrees") else "mv_step_differs_short"
                holds += "; " + t(key, step=f"{(_number(row.get('step_hkd')) or 0) / 1e6:,.0f}", value=f"{step_cost + step_penalty:,.2f}",
                                  cost=f"{step_cost:,.2f}", penalty=f"{step_penalty:,.2f}")  # fmt: skip
        rows.append(
            {
                "limit": limit_label(name, names),
                "value": shown,
                "holds": holds,
                "flag": t("not reliable: final gap above 1 %") if flagged else "",
            }
        )
    return rows


def marginal_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("limit"): r["limit"],
                t("worth"): r["value"],
                t("holds"): r["holds"],
                t("flag"): r["flag"],
            }
            for r in rows
        ]
    )


# --------------------------------------------------------------------------- penalties


def penalty_rows(summary: dict[str, Any]) -> list[tuple[str, float]]:
    """(penalty in words, HK$) pairs; a single number from an older result becomes one row."""
    penalties = official_figures(summary).get("penalties_hkd")
    if isinstance(penalties, int | float):
        return [(t("all penalties"), float(penalties))]
    if isinstance(penalties, dict):
        return [(nm.penalty(k), float(v)) for k, v in penalties.items() if _number(v) is not None]
    return []


# --------------------------------------------------------------------------- charts for the page and the report


def official_charts(
    result: PlanResult,
    scenario: Scenario,
    caps: dict[str, float],
    names: Names | None = None,
    summary: dict[str, Any] | None = None,
) -> dict[str, go.Figure | None]:
    """The official's figures by catalogue key (the HTML report uses them too)."""
    if summary is None:
        try:
            summary = result.summary()
        except Exception:
            return {}
    return {
        "official_budget_spent": budget_figure(budget_rows(result, scenario, caps, summary), names),
        "official_payments": payments_figure(payment_rows(result, summary), names),
        "official_t_per_hkdm": tonnes_figure(summary),
    }


#: Titles of the official's charts by key (the report uses them too).
OFFICIAL_TITLES = {
    "official_budget_spent": N_("Budget and caps against money spent"),
    "official_payments": N_("Payment per vehicle by programme and year"),
    "official_t_per_hkdm": N_("Tonnes CO2 against no policy per HK$1m of subsidy paid"),
}

#: Limits listed one by one in a group before the rest go into an expander.
LIMITS_SHOWN = 5


def render_binding_limits(codes: list[str], names: Names, result: PlanResult) -> None:
    """The limits that bind, grouped by kind with counts, the ones that hold back most first;
    the model's codes in an expander for cross-reference with the command line's JSON."""
    st.markdown(_md("**" + t("Limits that bind") + "**"))
    if not codes:
        st.markdown(_md(t("No limit binds.")))
        return
    lines = []
    rest: list[str] = []
    for group in grouped_limits(codes, names, result):
        shown = group.items[:LIMITS_SHOWN]
        words = "; ".join(_limit_words(text, weight, group) for text, _, weight in shown)
        more = group.count - len(shown)
        lines.append(
            f"- **{group.heading}** ({group.count}): {words}"
            + (" " + t("and {n} more", n=more) if more else "")
        )
        rest += [
            _limit_words(text, weight, group) for text, _, weight in group.items[LIMITS_SHOWN:]
        ]
    st.markdown(_md("\n".join(lines)))
    with st.expander(t("Every limit that binds, with the model's codes ({n})", n=len(codes))):
        table = pd.DataFrame(
            [{t("kind"): g.heading, t("limit"): text, t("code (command line JSON)"): code} for g in grouped_limits(codes, names, result)
             for text, code, _ in g.items]
        )  # fmt: skip
        st.dataframe(table, hide_index=True, key="official_limits_table")


def _limit_words(text: str, weight: float, group: Any) -> str:
    """A limit with what it holds back, when the model reports it (vehicles blocked)."""
    return (
        t("{limit} ({n} purchases blocked)", limit=text, n=f"{weight:,.0f}")
        if weight >= 0.5
        else text
    )


def _fmt_m(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value / 1e6:,.{digits}f}"


def render_official_view(result: PlanResult, scenario: Scenario, dataset: Dataset | None) -> None:
    """The policy figures of ``result``: budget against spent, free riders, tonnes per HK$1m,
    marginal values with their ranges, penalties apart from cost. The summary is read once
    and handed to every part of the page."""
    try:
        summary = result.summary()
    except Exception:
        return  # a summary the model cannot build must not take the page down
    figures = official_figures(summary)
    if not figures:
        return
    caps = programme_caps(scenario, dataset)
    names = Names.of(dataset, result)
    budget = _number(figures.get("budget_hkd"))
    spent = _number(figures.get("subsidy_hkd_total"))
    # how sure: a plan stopped on the clock or a node limit is said loudly, a certified one plainly
    (st.info if figures.get("status") == "optimal" else st.warning)(
        _md("**" + t("How sure") + f":** {certainty_line(summary)}")
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("Subsidy budget (HK$m)"), _fmt_m(budget))
    c2.metric(
        t("Subsidy spent (HK$m)"),
        _fmt_m(spent),
        help=t("Paid to every eligible purchase, free riders included."),
    )
    abated = _number(figures.get("co2_abated_vs_no_policy_t"))
    c3.metric(
        t("CO2 abated against no policy (kt)"), "–" if abated is None else f"{abated / 1e3:,.1f}"
    )
    penalties = penalty_rows(summary)
    c4.metric(
        t("Penalties (HK$m, not a cost)"),
        _fmt_m(sum(v for _, v in penalties)) if penalties else "–",
        help=t(
            "Soft-target shortfalls, blocked uptake and unserved charging, weighted in the objective to steer the plan; nobody pays them and they are not in the system cost."
        ),
    )
    if budget and spent is not None:
        st.caption(_md(t("The plan spends {share} of the budget.", share=f"{spent / budget:.0%}")))

    charts = official_charts(result, scenario, caps, names, summary)
    render_binding_limits([str(x) for x in figures.get("binding_limits", [])], names, result)
    if charts.get("official_budget_spent") is not None:
        st.markdown(_md("**" + t("Budget and caps against money spent") + "**"))
        st.caption(
            _md(
                t(
                    "Light bar: what each limit allows; dark bar: what the plan spends under it (red where the model reports the limit binds)."
                )
            )
        )
        chart(charts["official_budget_spent"], "official_budget_chart")

    left, right = st.columns(2)
    with left:
        st.markdown(_md("**" + t("Tonnes CO2 against no policy per HK$1m of subsidy paid") + "**"))
        st.caption(
            _md(
                t(
                    "Against the all-incumbent baseline (every tonne the fleet avoids) and against no policy (only what the programmes add: what the budget buys)."
                )
            )
        )
        if charts.get("official_t_per_hkdm") is not None:
            chart(charts["official_t_per_hkdm"], "official_tonnes_chart")
        else:
            st.info(
                _md(
                    t(
                        "No subsidy is spent, or the no-policy plan was not solved: nothing to divide."
                    )
                )
            )
    with right:
        st.markdown(_md("**" + t("Vehicles paid and free riders by programme") + "**"))
        st.caption(
            _md(
                t(
                    "Programmes pay every eligible purchase; free riders are the share whose operators would have bought without the payment."
                )
            )
        )
        programmes = programme_table(result, names, summary)
        if programmes.empty:
            st.info(_md(t("No subsidy is paid in this plan.")))
        else:
            st.dataframe(programmes, hide_index=True, key="official_programmes")

    st.markdown(_md("**" + t("Payment per vehicle by programme and year") + "**"))
    st.caption(
        _md(
            t(
                "HK$ thousand per vehicle offered; the label on each bar is the quota: the share of that year's eligible purchases the payment is offered to."
            )
        )
    )
    if charts.get("official_payments") is not None:
        chart(charts["official_payments"], "official_payments_chart")
    else:
        st.info(_md(t("No subsidy is paid in this plan.")))

    st.markdown(_md("**" + t("What one more HK$ of each limit is worth") + "**"))
    st.caption(
        _md(
            t(
                "Payment levels and sites held. Each value holds only within its range; beyond it, solve again (a sweep below) rather than multiply."
            )
        )
    )
    rows = marginal_rows(result, names)
    if rows:
        if any(r["flag"] for r in rows):
            st.warning(_md(t("The final gap is above 1 %: these values are not reliable.")))
        st.dataframe(marginal_frame(rows), hide_index=True, key="official_marginals")
    else:
        st.info(_md(t("This plan has no marginal values.")))

    st.markdown(_md("**" + t("Penalties (shown apart: not costs)") + "**"))
    st.caption(
        _md(
            t(
                "Weighted in the objective to steer the plan; not money anyone pays and not part of the system cost."
            )
        )
    )
    if penalties:
        st.dataframe(pd.DataFrame([{t('penalty'): name, t('HK$m (discounted)'): f"{value / 1e6:,.1f}"} for name, value in penalties]),
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
        return t(
            "the solve stopped on '{status}' before its gap was met: figures certified only within HK${plan}m",
            status=nm.status(status),
            plan=plan_m,
        )
    no_policy = figures.get("no_policy") or {}
    other = _number(no_policy.get("gap_absolute")) if isinstance(no_policy, dict) else None
    both = None if gap is None or other is None else gap + other
    return t("solved to its gap: system cost certified within HK${plan}m; no-policy plan within HK${no_policy}m; a difference of the two within HK${both}m is no measurable difference", plan=plan_m, no_policy="–" if other is None else f"{other:,.1f}",
             both="–" if both is None else f"{both:,.1f}")  # fmt: skip
