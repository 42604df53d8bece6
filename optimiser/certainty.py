"""How sure a figure is: the certified error of a plan and of a difference between two plans.

A plan's system cost is certified to within its absolute gap (``gap_absolute``, in the
objective's unit): HiGHS proved that no plan is cheaper than the bound. A difference
between two plans (a scenario against its no-policy counterfactual, A against B, two
points of a budget sweep) is therefore known to within the sum of both gaps. A
difference inside that bound is "no measurable difference", never a number.

Only money in the objective is certified this way. Tonnes, vehicles and subsidy of a
plan are what the certified plan does; another plan within the same gap could do
otherwise, so their differences are quoted with the cost bound they rest on.

No Pyomo here: the CLI's ``compare`` and the app read summaries only.
"""

from __future__ import annotations

import math
from typing import Any

HKD_PER_HKD_M = 1e6

#: The one tonnes-per-HK$ figure, its key and its definition (every view uses these).
TONNES_PER_HKD_KEY = "co2_t_per_hkd_m_subsidy_vs_no_policy"
TONNES_PER_HKD_DEFINITION = (
    "t CO2 abated against the no-policy plan ({basis}, {start}-{end} total) per HK$1m of subsidy paid "
    "(nominal HK$, not discounted)"
)


def plan_error_hkd(summary: dict[str, Any]) -> float | None:
    """The certified error of a least-cost plan's system cost (HK$), or None when its objective
    is not money (most abatement) or no bound is known."""
    if not str(summary.get("objective_unit", "")).startswith("HK$"):
        return None
    gap = summary.get("gap_absolute")
    if not isinstance(gap, int | float) or isinstance(gap, bool) or not math.isfinite(gap):
        return None
    return float(gap) * HKD_PER_HKD_M


def difference_error_hkd(first: dict[str, Any], second: dict[str, Any]) -> float | None:
    """Error bound of a difference of two plans' system costs (HK$): the sum of both plans'
    certified errors; None when either is unknown."""
    a, b = plan_error_hkd(first), plan_error_hkd(second)
    if a is None or b is None:
        return None
    return a + b


def measurable(difference: float | None, error: float | None) -> bool | None:
    """Whether ``difference`` is larger than its error bound (None when either is unknown)."""
    if difference is None or error is None:
        return None
    return abs(difference) > error


def status_warning(summary: dict[str, Any], label: str) -> str | None:
    """A sentence when a plan was not solved to its gap (stopped on the clock or a node limit)."""
    status = summary.get("status")
    if status in (None, "optimal"):
        return None
    gap = summary.get("gap_absolute")
    shown = (
        f"HK${gap:,.1f}m"
        if isinstance(gap, int | float) and not isinstance(gap, bool)
        else "unknown"
    )
    return f"{label}: the solve stopped on '{status}' before its gap was met; its figures are certified only to {shown}"


def tonnes_per_hkd_label(summary: dict[str, Any]) -> str:
    """The label of the tonnes-per-HK$ figure with its basis and horizon."""
    years = [int(y) for by_year in (summary.get("zev_in_service") or {}).values() for y in by_year]
    return TONNES_PER_HKD_DEFINITION.format(
        basis=str(summary.get("co2_abated_basis") or "wtw").upper(),
        start=min(years) if years else "?",
        end=max(years) if years else "?",
    )
