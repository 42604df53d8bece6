"""What the fleet would be without the plan: the abatement baseline and the objective's constant.

The baseline keeps today's zero-emission vehicles until they retire and runs the
incumbent for the rest (emissions t CO2 per modelled year, running cost HK$
discounted); the reference fleet replaces retirements by the operators' no-payment
shares (vehicle, energy and carbon cost, HK$ discounted).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fleetplan.optimiser.inputs.calendar import Calendar
from fleetplan.optimiser.inputs.coefficients import Coefficients

Key = tuple[str, str, int]


@dataclass(frozen=True)
class Baseline:
    """Emissions and running cost of the fleet with nothing but today's zero-emission vehicles."""

    #: one row per segment and modelled year: ``ttw_t``, ``wtw_t`` (t CO2 a year), ``years_represented``
    emissions: pd.DataFrame
    #: discounted running cost over the horizon (HK$)
    cost_hkd: float


def no_plan_baseline(
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    initial: dict[Key, float],
    coefficients: Coefficients,
    calendar: Calendar,
) -> Baseline:
    """Today's zero-emission vehicles until they retire, the incumbent for everything else.

    Abatement counts only what the plan adds to this.
    """
    ttw, wtw, running = (
        coefficients.emissions_ttw_t,
        coefficients.emissions_wtw_t,
        coefficients.running_cost_hkd,
    )
    period_weight, period_discount = calendar.period_weight, calendar.period_discount
    baseline_rows = []
    baseline_cost = 0.0
    for segment_id, row in segments.iterrows():
        inc = row["incumbent"]
        for t in calendar.years:
            existing = {k: initial[(segment_id, k, t)] for k in techs[segment_id] if k != inc}
            rest = row["fleet"] - sum(existing.values())
            baseline_rows.append(
                {
                    "segment_id": segment_id,
                    "vehicle_class": row["vehicle_class"],
                    "year": t,
                    "years_represented": period_weight[t],
                    "ttw_t": rest * ttw[(segment_id, inc, t)]
                    + sum(n * ttw[(segment_id, k, t)] for k, n in existing.items()),
                    "wtw_t": rest * wtw[(segment_id, inc, t)]
                    + sum(n * wtw[(segment_id, k, t)] for k, n in existing.items()),
                }
            )
            baseline_cost += rest * running[(segment_id, inc, t)] * period_discount[t] + sum(
                n * running[(segment_id, k, t)] * period_discount[t] for k, n in existing.items()
            )
    return Baseline(emissions=pd.DataFrame(baseline_rows), cost_hkd=baseline_cost)


def reference_fleet_cost(
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    years: list[int],
    initial: dict[Key, float],
    lifetime: dict[tuple[str, str], int],
    share: dict[Key, float],
    buy_cost: dict[Key, float],
    running: dict[Key, float],
    emissions: dict[Key, float],
    carbon: dict[int, float],
    period_discount: dict[int, float],
) -> float:
    """Vehicle, energy and carbon cost (HK$, discounted) of the no-payment fleet.

    Each year every segment replaces what retires (today's vehicles by their ages,
    purchases at the end of their lives) and splits its purchases by the operators'
    no-payment shares. A plan differs from this only through decisions (payments,
    blocked uptake, early retirement), so it is the constant of the objective.
    """
    total = 0.0
    for segment_id, row in segments.iterrows():
        vtype, inc, fleet = row["vehicle_type"], row["incumbent"], float(row["fleet"])
        bought: dict[tuple[str, int], float] = {}
        for t in years:
            alive = {
                k: initial[(segment_id, k, t)]
                + sum(
                    n
                    for (kk, tau), n in bought.items()
                    if kk == k and t - lifetime[(vtype, k)] < tau < t
                )
                for k in techs[segment_id]
            }
            purchases = max(fleet - sum(alive.values()), 0.0)
            zev = {
                k: share.get((segment_id, k, t), 0.0) * purchases
                for k in techs[segment_id]
                if k != inc
            }
            split = {inc: purchases - sum(zev.values()), **zev}
            for k, n in split.items():
                if n <= 0:
                    continue
                bought[(k, t)] = n
                total += n * buy_cost.get((segment_id, k, t), 0.0)
                alive[k] += n
            for k, n in alive.items():
                total += (
                    n
                    * (running[(segment_id, k, t)] + carbon[t] * emissions[(segment_id, k, t)])
                    * period_discount[t]
                )
    return total
