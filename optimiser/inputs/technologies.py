"""What each segment may buy: its operators' duties, the technologies allowed, when they can run the duty.

Duties are daily km bins (km per vehicle per day, with weights summing to 1); a
zero-emission technology is feasible for a bin when the range it keeps all its life
(km per day) covers the bin's km. Lifetimes are in years, stock in vehicles. Also
today's fleet as it survives year by year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.network.catalogue import Catalogue
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.uptake import DutyBins, bus_duty_bins, spread_duty_bins

ZEV = ("bev", "fcev")

_DUTY_BAND_KM = {"le200": (0.0, 200.0), "200-300": (200.0, 300.0), "gt300": (300.0, math.inf)}


@dataclass(frozen=True)
class Technologies:
    """The technologies of every segment and the purchases the model may make."""

    #: segment -> technologies it may hold (incumbent first)
    techs: dict[str, list[str]]
    #: (segment, technology, year) a purchase may be made in
    buy_allowed: list[tuple[str, str, int]]
    #: (vehicle type, technology) -> years a vehicle serves
    lifetime: dict[tuple[str, str], int]
    #: (segment, zero-emission technology, year) -> which duty bins it can run
    feasible_bins: dict[tuple[str, str, int], np.ndarray]
    #: segment -> True where battery buses need terminus (opportunity) charging for some duties
    opportunity_needed: dict[str, bool]


def fleet_lifetimes(data: Dataset) -> dict[str, int]:
    """Zone fleet -> years its incumbent vehicles serve (``taxi_classes.csv``)."""
    return dict(
        zip(
            data.taxi_classes["taxi_class"],
            data.taxi_classes["lifetime_years"].astype(int),
            strict=True,
        )
    )


def duty_bins(data: Dataset, segments: pd.DataFrame, params: ParameterTable) -> dict[str, DutyBins]:
    """Daily km bins of every segment's operators (see :mod:`fleetplan.optimiser.uptake`).

    Bus routes give depot segments theirs; taxis and trucks get a relative spread around their mean.
    """
    bands = data.bus_segments.set_index("segment_id")["duty_band"].to_dict()
    bins: dict[str, DutyBins] = {}
    for segment_id, row in segments.iterrows():
        mean_km = float(row["daily_km"])
        if row["refuelling"] == "depot" and bands.get(segment_id) in _DUTY_BAND_KM:
            low, high = _DUTY_BAND_KM[bands[segment_id]]
            bins[segment_id] = bus_duty_bins(data.bus_routes, row["location"], low, high, mean_km)
        else:
            vtype = row["vehicle_type"]
            spread = (
                params.scalar("daily_km_spread", vtype)
                if params.has("daily_km_spread", vtype)
                else 0.0
            )
            bins[segment_id] = spread_duty_bins(mean_km, spread)
    return bins


def _technologies(scenario: Scenario, catalogue: Catalogue, vehicle_class: str) -> list[str]:
    """Zero-emission technologies a class may adopt: the scenario's choice, else the catalogue's."""
    if vehicle_class in scenario.technologies:
        return list(scenario.technologies[vehicle_class])
    return list(catalogue[vehicle_class].technologies)


def _usable_km_per_day(
    params: ParameterTable, charges_per_day: float, vtype: str, tech: str, year: int
) -> float:
    """Daily km a vehicle bought in ``year`` can run on its own charges or fills, all its life.

    Battery vehicles: design range x summer factor (air-conditioning on a hot day) x the
    battery capacity left at the end of its life, times the full charges it gets a day.
    """
    usable = params.at("range_km", year, vtype, tech)
    if tech == "bev":
        if params.has("summer_range_factor", vtype, tech):
            usable *= params.at("summer_range_factor", year, vtype, tech)
        if params.has("battery_end_of_life_capacity", vtype, tech):
            usable *= params.at("battery_end_of_life_capacity", year, vtype, tech)
    return usable * charges_per_day


def allowed_technologies(
    scenario: Scenario,
    catalogue: Catalogue,
    params: ParameterTable,
    segments: pd.DataFrame,
    corridors: pd.DataFrame,
    years: list[int],
    duty: dict[str, DutyBins],
    fleet_life: dict[str, int],
) -> Technologies:
    """Technologies each segment may adopt, and in which years (range limits battery duties).

    A fuel-cell truck is allowed on a corridor some station set can cover; another
    zero-emission technology in a year where it can run at least one duty bin (a
    battery bus's terminus charging adding its km where the scenario allows it).
    """
    techs: dict[str, list[str]] = {}
    buy_allowed: list[tuple[str, str, int]] = []
    lifetime: dict[tuple[str, str], int] = {}
    feasible_bins: dict[tuple[str, str, int], np.ndarray] = {}
    opportunity_needed: dict[str, bool] = {}
    for segment_id, row in segments.iterrows():
        vclass, vtype, pattern = row["vehicle_class"], row["vehicle_type"], row["refuelling"]
        allowed = _technologies(scenario, catalogue, vclass)
        options = [row["incumbent"], *allowed]
        # Today's zero-emission vehicles are held even where the scenario buys none of their kind.
        for k, held in zip(ZEV, _zev_today_by_technology(row), strict=True):
            if held > 0 and k not in options:
                options.append(k)
        techs[segment_id] = options
        km_bins = duty[segment_id].km_per_day
        for k in options:
            life = round(params.scalar("lifetime_years", vtype, k))
            if pattern == "zone" and k == row["incumbent"]:
                life = fleet_life.get(row["location"], life)
            lifetime[(vtype, k)] = life
            for t in years:
                if k in ZEV and k not in allowed:
                    continue
                if k in ZEV:
                    if pattern == "corridor" and k == "fcev":
                        if not corridors.at[row["location"], "coverable"]:
                            continue
                        feasible = np.ones(len(km_bins), dtype=bool)
                    else:
                        usable = _usable_km_per_day(
                            params, catalogue[vclass].charges_per_day, vtype, k, t
                        )
                        feasible = km_bins <= usable + 1e-9
                        if (
                            pattern == "depot"
                            and k == "bev"
                            and scenario.bus_opportunity_charging
                            and not feasible.all()
                        ):
                            extra = (
                                params.at("opportunity_charging_km", t, vtype, k)
                                if params.has("opportunity_charging_km", vtype, k)
                                else 0.0
                            )
                            feasible = km_bins <= usable + extra + 1e-9
                            opportunity_needed[segment_id] = True
                        if not feasible.any():
                            continue
                    feasible_bins[(segment_id, k, t)] = feasible
                buy_allowed.append((segment_id, k, t))
    return Technologies(
        techs=techs,
        buy_allowed=buy_allowed,
        lifetime=lifetime,
        feasible_bins=feasible_bins,
        opportunity_needed=opportunity_needed,
    )


def _zev_today_by_technology(row: pd.Series) -> tuple[float, float]:
    """(battery, fuel-cell) vehicles of a segment's ``zev_today``: ``fcev_today`` of them run on hydrogen."""
    zev = float(row["zev_today"])
    value = row.get("fcev_today", 0.0)
    fcev = 0.0 if pd.isna(value) else min(float(value), zev)
    return zev - fcev, fcev


def initial_stock(
    data: Dataset,
    segments: pd.DataFrame,
    years: list[int],
    params: ParameterTable,
    fleet_life: dict[str, int],
    catalogue: Catalogue,
    techs: dict[str, list[str]],
) -> dict[tuple[str, str, int], float]:
    """Surviving vehicles of today's fleet in each year (0 for every other technology a segment may hold).

    Segments with an age profile (buses) follow it and leave in the year they reach
    their class's retirement age (18 for franchised buses); the others, without an
    age table, are spread evenly over ages 0 … life − 1, so a 1/life share is
    replaced every year from the base year on. Today's zero-emission vehicles are
    taken as new (age 0): ``fcev_today`` of them fuel-cell, the rest battery.
    """
    base = years[0]
    stock: dict[tuple[str, str, int], float] = {}
    profile = data.bus_age_profile.groupby("segment_id")
    for segment_id, row in segments.iterrows():
        incumbent = row["incumbent"]
        vtype = row["vehicle_type"]
        life_inc = round(params.scalar("lifetime_years", vtype, incumbent))
        zev = float(row["zev_today"])
        if row["refuelling"] == "depot" and segment_id in profile.groups:
            ages = profile.get_group(segment_id)
            total = float(ages["buses"].sum())
            scale = (row["fleet"] - zev) / total if total > 0 else 0.0
            age_counts = {
                int(a): float(b) * scale
                for a, b in zip(ages["age_years"], ages["buses"], strict=True)
            }
            life_inc = catalogue[row["vehicle_class"]].retirement_age_years or life_inc
        else:
            if row["refuelling"] == "zone":
                life_inc = fleet_life.get(row["location"], life_inc)
            per_age = (row["fleet"] - zev) / life_inc
            age_counts = dict.fromkeys(range(life_inc), per_age)
        held = {k: n for k, n in zip(ZEV, _zev_today_by_technology(row), strict=True) if n > 0}
        life_zev = {k: round(params.scalar("lifetime_years", vtype, k)) for k in held}
        for t in years:
            elapsed = t - base
            # Ages are completed years at the start of the base year: a vehicle whose age
            # reaches the retirement age during year t is replaced in t.
            stock[(segment_id, incumbent, t)] = sum(
                n for age, n in age_counts.items() if age + elapsed + 1 < life_inc
            )
            for k, n in held.items():
                stock[(segment_id, k, t)] = n if elapsed < life_zev[k] else 0.0
    for segment_id in segments.index:
        for k in techs[segment_id]:
            for t in years:
                stock.setdefault((segment_id, k, t), 0.0)
    return stock


def most_purchases(
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    lifetime: dict[tuple[str, str], int],
    years: list[int],
    initial: dict[tuple[str, str, int], float],
    incumbent_cap: dict[tuple[str, int], float],
    allow_early_retirement: bool,
) -> dict[tuple[str, int], float]:
    """(segment, year) -> the most vehicles the segment can buy that year in any plan.

    The fleet is held at its size (Σ_k stock = fleet) and every vehicle bought stays until its
    life ends, so a year's purchases are the fleet less what is still in service: today's
    survivors and earlier purchases. Over the modelled years in order, with U and L the most
    and the fewest purchases of a year:
        U[t] = fleet − survivors that cannot leave[t] − Σ_{τ<t surely in service at t} L[τ],
        L[t] = fleet − survivors[t] − Σ_{τ<t possibly in service at t} U[τ]   (at least 0),
    a vintage τ being surely in service while t − τ is below every life the segment's
    technologies have, possibly while it is below the longest. Today's incumbents cannot leave
    early unless the scenario allows it; under an operator's fleet pledge they (and the pledge's
    purchases) can, and the bound is the fleet: more would be incumbents bought and retired at
    once, which only costs, so there the bound holds for every least-cost plan (not every plan).
    These bound the payment rows' big-M (:func:`fleetplan.optimiser.formulation.subsidy.add_uptake`):
    with the fleet there, the LP relaxation paid a payment level's cost with a fraction of it
    switched on.
    """
    out: dict[tuple[str, int], float] = {}
    for s in segments.index:
        fleet = float(segments.at[s, "fleet"])
        incumbent = segments.at[s, "incumbent"]
        vehicle_type = segments.at[s, "vehicle_type"]
        lives = [lifetime[(vehicle_type, k)] for k in techs[s] if (vehicle_type, k) in lifetime]
        shortest, longest = (min(lives), max(lives)) if lives else (1, 1)
        most: dict[int, float] = {}
        fewest: dict[int, float] = {}
        pledged = False
        for t in years:
            survivors = sum(initial.get((s, k, t), 0.0) for k in techs[s])
            staying = survivors - (
                initial.get((s, incumbent, t), 0.0) if allow_early_retirement else 0.0
            )
            surely = sum(fewest[tau] for tau in fewest if t - tau < shortest)
            possibly = sum(most[tau] for tau in most if t - tau < longest)
            # a pledge holds from its year on: from then incumbents (and vintages) may leave early
            pledged = pledged or (s, t) in incumbent_cap
            most[t] = fleet if pledged else min(fleet, max(fleet - staying - surely, 0.0))
            fewest[t] = min(max(fleet - survivors - possibly, 0.0), most[t])
            out[(s, t)] = most[t]
    return out
