"""Operators' view of each zero-emission option: lifetime cost gaps per duty bin.

An operator's lifetime cost (HK$, present value in the purchase year at the
operators' discount rate) of a zero-emission technology minus the incumbent's, at
each duty bin's km a year; with the adoption barrier and spread (HK$) this is the
:class:`~fleetplan.optimiser.uptake.TechnologyOffer` the uptake model responds to.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fleetplan.network.catalogue import Catalogue
from fleetplan.optimiser.inputs.coefficients import (
    battery_replacement_pv,
    depot_demand_charge_per_bus_year,
)
from fleetplan.optimiser.inputs.technologies import Technologies
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.uptake import DutyBins, TechnologyOffer

_FUEL_PRICE = {
    "diesel": "diesel_price_hkd_per_l",
    "lpg": "lpg_price_hkd_per_l",
    "bev": "electricity_price_hkd_per_kwh",
    "fcev": "hydrogen_price_hkd_per_kg",
}


def technology_offers(
    params: ParameterTable,
    segments: pd.DataFrame,
    technologies: Technologies,
    years: list[int],
    duty: dict[str, DutyBins],
    operator_rate: float,
    catalogue: Catalogue,
) -> tuple[dict[tuple[str, int], list[TechnologyOffer]], dict[tuple[str, str, int], float]]:
    """Each segment's zero-emission options per year as its operators see them, and the mean gap.

    An operator's lifetime cost (price + battery replacement + discounted energy and
    maintenance at its own km, at the operator's discount rate) of each zero-emission
    technology minus the incumbent's; a bus operator also pays its depot chargers, their
    grid connection and demand charges (and terminus chargers where it needs them).
    """
    techs, lifetime = technologies.techs, technologies.lifetime
    feasible_bins, opportunity_needed = technologies.feasible_bins, technologies.opportunity_needed
    offers: dict[tuple[str, int], list[TechnologyOffer]] = {}
    gap: dict[tuple[str, str, int], float] = {}
    cache: dict[tuple[str, str, str, int, int], float] = {}
    for segment_id, row in segments.iterrows():
        vtype, utility, pattern = row["vehicle_type"], row["utility"], row["refuelling"]
        inc = row["incumbent"]
        days = catalogue[row["vehicle_class"]].operating_days
        km_year = duty[segment_id].km_per_day * days
        mean_km_year = float(row["annual_km"])
        for t in years:
            options = []
            for k in techs[segment_id]:
                if k == inc:
                    continue
                extra = battery_replacement_pv(
                    params, vtype, k, t, lifetime[(vtype, k)], operator_rate
                )
                if pattern == "depot" and k == "bev":
                    extra += _depot_charging_per_bus_hkd(params, t)
                    extra += _pv(
                        depot_demand_charge_per_bus_year(params, t, pattern, k),
                        lifetime[(vtype, k)],
                        operator_rate,
                    )
                    if opportunity_needed.get(segment_id) and params.has(
                        "opportunity_charging_hkd_per_bus", vtype, k
                    ):
                        extra += params.at("opportunity_charging_hkd_per_bus", t, vtype, k)

                def tco(
                    tech: str, km: float, vtype: str = vtype, utility: str = utility, t: int = t
                ) -> float:
                    return _operator_tco(
                        params,
                        tech,
                        vtype,
                        utility,
                        km,
                        t,
                        lifetime[(vtype, tech)],
                        operator_rate,
                        cache,
                    )

                gap[(segment_id, k, t)] = tco(k, mean_km_year) + extra - tco(inc, mean_km_year)
                if (segment_id, k, t) not in feasible_bins:
                    continue
                gaps = np.array([tco(k, km) + extra - tco(inc, km) for km in km_year])
                barrier = (
                    params.at("adoption_barrier_hkd", t, vtype, k)
                    if params.has("adoption_barrier_hkd", vtype, k)
                    else 0.0
                )
                spread = (
                    params.at("adoption_spread_hkd", t, vtype, k)
                    if params.has("adoption_spread_hkd", vtype, k)
                    else 0.0
                )
                options.append(
                    TechnologyOffer(k, gaps, feasible_bins[(segment_id, k, t)], barrier, spread)
                )
            offers[(segment_id, t)] = options
    return offers, gap


def _pv(per_year: float, life: int, rate: float) -> float:
    """Present value of ``per_year`` paid at the end of each of ``life`` years."""
    if per_year == 0:
        return 0.0
    return float(sum(per_year / (1.0 + rate) ** (n + 1) for n in range(life)))


def _depot_charging_per_bus_hkd(params: ParameterTable, year: int) -> float:
    """One battery bus's share of a depot charger and of the grid connection it draws (HK$)."""
    per_charger = params.at("depot_buses_per_charger", year)
    kva = params.at("depot_charger_kw", year) * params.at("charger_kva_per_kw", year)
    return (
        params.at("depot_charger_capex_hkd", year)
        + kva * params.at("grid_upgrade_hkd_per_kva", year)
    ) / per_charger


def _running_cost_pv_per_km(
    params: ParameterTable, tech: str, vtype: str, utility: str, year: int, life: int, rate: float
) -> float:
    """Present value (HK$ in ``year``) of one km a year of energy and maintenance over a vehicle's life."""
    years = np.arange(year, year + life)
    per_km = params.values("energy_per_km", years, vtype, tech)
    fuel_technology = utility if tech == "bev" else "-"
    fuel = params.values(_FUEL_PRICE[tech], years, vtype, fuel_technology)
    maintenance = params.values("maintenance_hkd_per_km", years, vtype, tech)
    # Python's pow and an exactly rounded sum: numpy's array power and sum round by the CPU's
    # SIMD features (AVX-512 against AVX2 moved the default's uptake shares in their last bits)
    discount = np.array([(1.0 + rate) ** -(n + 1.0) for n in range(life)])
    return math.fsum(((per_km * fuel + maintenance) * discount).tolist())


def _operator_tco(
    params: ParameterTable,
    tech: str,
    vtype: str,
    utility: str,
    km_year: float,
    year: int,
    life: int,
    rate: float,
    cache: dict[tuple[str, str, str, int, int], float],
) -> float:
    """Operator's present cost of owning one vehicle bought in ``year`` (HK$): price + discounted running costs.

    The per-km part depends only on (technology, vehicle type, utility, year, life), so it is
    computed once per key and scaled by each segment's km a year.
    """
    key = (tech, vtype, utility, year, life)
    if key not in cache:
        cache[key] = _running_cost_pv_per_km(params, tech, vtype, utility, year, life, rate)
    return params.at("vehicle_price_hkd", year, vtype, tech) + km_year * cache[key]
