"""Subsidy programmes and the purchase regimes they open to each segment and year.

Programme rows carry caps (HK$ per programme, HK$ per vehicle, share of the price),
first and last years and payment levels (shares of the per-vehicle cap). A regime is
one combination of the open programmes' payment levels, with the operators' response
to it (share of purchases per zero-emission technology).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.inputs.commitments import Commitment, active_pledge
from fleetplan.optimiser.scenario import ProgrammeOverride, Scenario
from fleetplan.optimiser.uptake import (
    DutyBins,
    TechnologyOffer,
    adoption_shares,
    committed_response,
)


@dataclass(frozen=True)
class Regime:
    """One way a segment's purchases in a year can be made: a payment level per open programme.

    levels: programme -> index into that programme's payment levels;
    payment_hkd: programme -> (technology it pays for, HK$ per vehicle at that level);
    share: zero-emission technology -> share of purchases (operators' response);
    no_policy_share: the same with no payment on offer (who would buy anyway).
    """

    regime_id: int
    levels: dict[str, int]
    payment_hkd: dict[str, tuple[str, float]]
    share: dict[str, float]
    no_policy_share: dict[str, float]


def programmes(data: Dataset, scenario: Scenario) -> tuple[pd.DataFrame, dict[str, float]]:
    """Programme rows with the scenario's overrides applied, and each enabled programme's cap (HK$)."""
    programmes = data.programmes.copy()
    unknown = sorted(set(scenario.programmes) - set(programmes["programme_id"]))
    if unknown:
        raise InputError(
            f"unknown programme '{unknown[0]}'; expected one of {', '.join(sorted(set(programmes['programme_id'])))}",
            field=f"programmes.{unknown[0]}",
        )
    caps: dict[str, float] = {}
    rows = []
    for programme_id, group in programmes.groupby("programme_id", sort=True):
        override = scenario.programmes.get(programme_id)
        if override is not None and not override.enabled:
            continue
        caps[programme_id] = float(
            override.programme_cap_hkd
            if override is not None and override.programme_cap_hkd is not None
            else group["programme_cap_hkd"].iloc[0]
        )
        rule = payment_rule(programme_id, group, override)
        levels = list(scenario.payment_levels)
        if override is not None and override.payment_levels is not None:
            levels = list(override.payment_levels)
        if rule == "announced":
            levels = _announced_levels(programme_id, override)
        levels = sorted(set(levels))
        for item in group.itertuples(index=False):
            per_vehicle = float(item.per_vehicle_cap_hkd)
            share = float(item.price_share_cap)
            first, last = int(item.first_year), int(item.last_year)
            if override is not None:
                per_vehicle = (override.per_vehicle_cap_hkd or {}).get(
                    item.vehicle_type, per_vehicle
                )
                share = override.price_share_cap if override.price_share_cap is not None else share
                first = override.first_year if override.first_year is not None else first
                last = override.last_year if override.last_year is not None else last
            rows.append(
                {
                    "programme_id": programme_id,
                    "vehicle_type": item.vehicle_type,
                    "technology": item.technology,
                    "per_vehicle_cap_hkd": per_vehicle,
                    "price_share_cap": share,
                    "first_year": first,
                    "last_year": last,
                    "levels": tuple(levels),
                    "payment_rule": rule,
                }
            )
    columns = [
        "programme_id", "vehicle_type", "technology", "per_vehicle_cap_hkd", "price_share_cap", "first_year", "last_year", "levels",
        "payment_rule",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns), caps


def payment_rule(programme_id: str, group: pd.DataFrame, override: ProgrammeOverride | None) -> str:
    """'announced' or 'chosen': the scenario's ``payment_rule``; else 'chosen' where the scenario gives
    ``payment_levels`` (a payment to choose); else the dataset's column (empty: 'chosen')."""
    if override is not None and override.payment_rule is not None:
        return override.payment_rule
    if override is not None and override.payment_levels is not None:
        return "chosen"
    if "payment_rule" not in group.columns:
        return "chosen"
    rules = {
        str(r) if isinstance(r, str) and r.strip() else "chosen" for r in group["payment_rule"]
    }
    if len(rules) > 1:
        # One scheme is run one way: rows that disagree are a typing error, not a mix.
        raise InputError(
            f"the rows of programme '{programme_id}' disagree on payment_rule ({', '.join(sorted(rules))}); expected one rule per programme",
            file="programmes.csv",
            field="payment_rule",
        )
    return rules.pop()


def _announced_levels(programme_id: str, override: ProgrammeOverride | None) -> list[float]:
    """[0, a]: a scheme paid as announced pays a (a share of its cap, 1.0 unless the scenario
    names one) to each purchase the money reaches, and nothing (level 0) to those after it runs out."""
    given = (
        []
        if override is None or override.payment_levels is None
        else sorted({x for x in override.payment_levels if x > 0})
    )
    if len(given) > 1:
        raise InputError(
            f"programme '{programme_id}' is paid as announced (one amount to every eligible purchase) but payment_levels "
            f"offers {len(given)} amounts; expected one level above 0, or payment_rule: chosen",
            field=f"programmes.{programme_id}.payment_levels",
        )
    return [0.0, given[0] if given else 1.0]


def purchase_regimes(
    scenario: Scenario,
    segments: pd.DataFrame,
    years: list[int],
    offers: dict[tuple[str, int], list[TechnologyOffer]],
    duty: dict[str, DutyBins],
    programme_rows: pd.DataFrame,
    price_of: dict[tuple[str, str, int], float],
    pledges: list[Commitment] | None = None,
    floors: dict[tuple[str, int], dict[str, np.ndarray]] | None = None,
    runs_fcev: set[str] | None = None,
) -> dict[tuple[str, int], list[Regime]]:
    """The purchase regimes of every segment and year.

    A programme is open to a segment in a year when it has a row for the segment's
    vehicle type and a technology the segment may buy that year, and the year is in
    its window. Each combination of the open programmes' payment levels is a regime;
    its payment per vehicle is level x min(per-vehicle cap, share cap x price). An
    operator's pledge replaces the response (no incumbent purchases from its year, on
    the technologies its depot can be supplied with: fuel-cell buses only where
    ``runs_fcev``, None: everywhere); its orders put ``floors`` under it (see
    :mod:`fleetplan.optimiser.inputs.commitments`). Both are behaviour: they hold in
    the no-payment response too.
    """
    pledges = pledges or []
    floors = floors or {}
    by_type: dict[str, list[dict]] = {}
    for item in programme_rows.to_dict(orient="records"):
        by_type.setdefault(item["vehicle_type"], []).append(item)
    regimes: dict[tuple[str, int], list[Regime]] = {}
    for segment_id, row in segments.iterrows():
        weights = duty[segment_id].weight
        operator = row.get("operator", "")
        for t in years:
            options = offers.get((segment_id, t), [])
            offered = {o.technology for o in options}
            committed = active_pledge(pledges, operator, t) if operator else None
            floor = floors.get((segment_id, t))
            if committed is not None and runs_fcev is not None and segment_id not in runs_fcev:
                # a pledge buys what the depot can refuel: no hydrogen site within reach, no fuel-cell bus
                pledged_options = [o for o in options if o.technology != "fcev"]
            else:
                pledged_options = options
            open_rows = [
                item for item in by_type.get(row["vehicle_type"], [])
                if item["technology"] in offered and item["first_year"] <= t <= item["last_year"]
            ]  # fmt: skip
            programme_ids = sorted({item["programme_id"] for item in open_rows})
            caps = {
                item["programme_id"]: (
                    item["technology"],
                    min(
                        item["per_vehicle_cap_hkd"],
                        item["price_share_cap"] * price_of[(segment_id, item["technology"], t)],
                    ),
                )
                for item in open_rows
            }
            levels_of = {item["programme_id"]: item["levels"] for item in open_rows}

            def respond(
                payments: dict[str, float],
                options: list[TechnologyOffer] = options,
                pledged_options: list[TechnologyOffer] = pledged_options,
                committed: Commitment | None = committed,
                floor: dict[str, np.ndarray] | None = floor,
                weights: np.ndarray = weights,
            ) -> dict[str, float]:
                if committed is None and floor is None:
                    return adoption_shares(options, weights, payments)
                chosen = pledged_options if committed is not None else options
                shares = committed_response(
                    chosen,
                    weights,
                    payments,
                    pledged=committed is not None,
                    mix=committed.mix if committed else None,
                    floors=floor,
                )
                return {o.technology: shares.get(o.technology, 0.0) for o in options}

            no_policy = respond({})
            combos = (
                itertools.product(*(range(len(levels_of[p])) for p in programme_ids))
                if programme_ids
                else [()]
            )
            out = []
            for regime_id, combo in enumerate(combos):
                chosen = dict(zip(programme_ids, combo, strict=True))
                payment = {
                    p: (caps[p][0], levels_of[p][chosen[p]] * caps[p][1]) for p in programme_ids
                }
                per_tech: dict[str, float] = {}
                for tech, hkd in payment.values():
                    per_tech[tech] = per_tech.get(tech, 0.0) + hkd
                out.append(Regime(regime_id, chosen, payment, respond(per_tech), no_policy))
            regimes[(segment_id, t)] = out
    return regimes


def no_policy_shares(
    regimes: dict[tuple[str, int], list[Regime]],
) -> dict[tuple[str, str, int], float]:
    """(segment, zero-emission technology, year) -> share of purchases with no payment on offer."""
    return {
        (s, k, t): share
        for (s, t), options in regimes.items()
        for k, share in options[0].no_policy_share.items()
    }


def yearly_limits(scenario: Scenario) -> dict[int, float]:
    """Modelled year -> the scenario's limit on payments made that year (HK$)."""
    return {t: float(v) for t, v in (scenario.budget.yearly_limit_hkd or {}).items()}
