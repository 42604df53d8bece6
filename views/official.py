"""The official's view (read-only): what the subsidy buys, which limits bind, against no policy.

Shows only the summary keys the model provides (each guarded: an older result
without them shows nothing), so it follows the optimiser's outputs as they grow.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from optimiser.results import PlanResult
from views.i18n import data_label, t


def _by_programme(values: dict[str, Any], value_label: str, fmt: str) -> pd.DataFrame:
    rows = [{t("programme"): data_label("programme_short", str(p), str(p)), value_label: format(float(v), fmt)}
            for p, v in values.items() if isinstance(v, int | float)]
    return pd.DataFrame(rows)


def official_figures(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary keys this panel shows, when present and of the expected shape."""
    wanted = {
        "subsidy_vehicles_by_programme": dict,
        "free_rider_share_by_programme": dict,
        "binding_limits": list,
        "co2_abated_vs_no_policy_t": int | float,
        "penalties_hkd": int | float | dict,
    }
    return {key: summary[key] for key, kind in wanted.items() if isinstance(summary.get(key), kind)}


def render_official_view(result: PlanResult) -> None:
    """A read-only panel of the policy figures in ``result.summary()``."""
    try:
        figures = official_figures(result.summary())
    except Exception:
        return  # a summary the model cannot build yet must not take the page down
    if not figures:
        return
    st.subheader(t("official_view"))
    left, right = st.columns(2)
    if "co2_abated_vs_no_policy_t" in figures:
        left.metric(t("official_abated_vs_no_policy"), f"{float(figures['co2_abated_vs_no_policy_t']) / 1e3:,.1f}")
    penalties = figures.get("penalties_hkd")
    if isinstance(penalties, int | float):
        right.metric(t("official_penalties"), f"{float(penalties) / 1e6:,.0f}")
    elif isinstance(penalties, dict):
        total = sum(float(v) for v in penalties.values() if isinstance(v, int | float))
        right.metric(t("official_penalties"), f"{total / 1e6:,.0f}")
    if "subsidy_vehicles_by_programme" in figures:
        st.markdown(f"**{t('official_vehicles_by_programme')}**")
        st.dataframe(_by_programme(figures["subsidy_vehicles_by_programme"], t("vehicles"), ",.0f"), hide_index=True, key="official_vehicles")
    if "free_rider_share_by_programme" in figures:
        st.markdown(f"**{t('official_free_riders')}**")
        st.caption(t("official_free_riders_intro"))
        st.dataframe(_by_programme(figures["free_rider_share_by_programme"], t("official_share"), ".0%"), hide_index=True, key="official_free_riders")
    if "binding_limits" in figures:
        st.markdown(f"**{t('official_binding')}**")
        limits = [str(x) for x in figures["binding_limits"]]
        st.markdown("\n".join(f"- `{x}`" for x in limits) if limits else t("official_none_binding"))
