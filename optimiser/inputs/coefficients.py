"""Per-vehicle coefficients of the fleet model, as the system counts them.

Per (segment, technology, modelled year): discounted cost of buying one vehicle
(HK$, annuitised over the years it serves within the horizon), running cost (HK$ per
vehicle-year), tank-to-wheel and well-to-wheel emissions (t CO2 per vehicle-year),
energy per day (kWh, kg H2 or litres per vehicle), purchase price (HK$); per
(depot segment, year) the kWh a battery bus needs on a hot design day; the carbon
price per modelled year (HK$/t).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.optimiser.economics import annuity_due_factor
from fleetplan.optimiser.inputs.calendar import Calendar
from fleetplan.optimiser.inputs.technologies import Technologies
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario

Key = tuple[str, str, int]


@dataclass(frozen=True)
class Coefficients:
    """Per-vehicle costs, emissions and energy of every (segment, technology, year)."""

    buy_cost_hkd: dict[Key, float]
    running_cost_hkd: dict[Key, float]
    emissions_ttw_t: dict[Key, float]
    emissions_wtw_t: dict[Key, float]
    energy_per_day: dict[Key, float]
    #: purchase price of one vehicle (HK$, undiscounted)
    price_hkd: dict[Key, float]
    #: kWh a battery bus needs on a hot design day (energy / summer range factor)
    design_kwh_per_day: dict[tuple[str, int], float]

    def emissions_t(self, basis: str) -> dict[Key, float]:
        """The emissions the objective counts: well-to-wheel (``wtw``) or tank-to-wheel (``ttw``)."""
        return self.emissions_wtw_t if basis == "wtw" else self.emissions_ttw_t


def fuel(
    params: ParameterTable, tech: str, vtype: str, utility: str, i: int, h2_pathways: list[str]
) -> tuple[float, float, float]:
    """(price per unit of energy, kg CO2 per unit, well-to-tank uplift) in year index ``i``."""
    if tech == "diesel":
        return (
            params.series("diesel_price_hkd_per_l", vtype)[i],
            params.series("diesel_kgco2_per_l")[i],
            params.series("fossil_wtt_uplift")[i],
        )
    if tech == "lpg":
        return (
            params.series("lpg_price_hkd_per_l", vtype)[i],
            params.series("lpg_kgco2_per_l")[i],
            params.series("fossil_wtt_uplift")[i],
        )
    if tech == "bev":
        return (
            params.series("electricity_price_hkd_per_kwh", vtype, utility)[i],
            params.series("grid_kgco2_per_kwh", "-", utility)[i],
            0.0,
        )
    if tech == "fcev":
        intensity = 0.0
        shares = [params.series("h2_supply_share", "-", p)[i] for p in h2_pathways]
        total = sum(shares) or 1.0
        for pathway, share in zip(h2_pathways, shares, strict=True):
            intensity += share / total * params.series("h2_kgco2_per_kg", "-", pathway)[i]
        return params.series("hydrogen_price_hkd_per_kg", vtype)[i], intensity, 0.0
    raise ValueError(f"unknown technology {tech}")


def station_margin(params: ParameterTable, year: int) -> float:
    """HK$/kg of the pump price that recovers the station (0 where the dataset has no such row)."""
    return (
        params.at("hydrogen_station_margin_hkd_per_kg", year)
        if params.has("hydrogen_station_margin_hkd_per_kg")
        else 0.0
    )


def depot_demand_charge_per_bus_year(
    params: ParameterTable, year: int, refuelling: str, tech: str
) -> float:
    """Maximum-demand charge a depot-charged battery vehicle's share of its depot charger draws (HK$ a year)."""
    if (
        refuelling != "depot"
        or tech != "bev"
        or not params.has("depot_demand_charge_hkd_per_kva_month")
    ):
        return 0.0
    kva = (
        params.at("depot_charger_kw", year)
        * params.at("charger_kva_per_kw", year)
        / params.at("depot_buses_per_charger", year)
    )
    return kva * params.at("depot_demand_charge_hkd_per_kva_month", year) * 12.0


def battery_replacement_pv(
    params: ParameterTable, vtype: str, tech: str, year: int, life: int, rate: float
) -> float:
    """Present value, in the purchase year, of a battery replaced at mid-life (HK$)."""
    if tech != "bev" or not params.has("battery_replacement_hkd", vtype, tech):
        return 0.0
    half = life // 2
    return params.at("battery_replacement_hkd", year + half, vtype, tech) / (1.0 + rate) ** half


def vehicle_coefficients(
    params: ParameterTable, segments: pd.DataFrame, technologies: Technologies, calendar: Calendar
) -> Coefficients:
    """Costs, emissions and energy of one vehicle of every segment, technology and modelled year.

    The system counts hydrogen at the station gate (pump price less the station margin)
    because it counts the stations themselves; operators pay the pump price.
    """
    techs, lifetime, years, rate = (
        technologies.techs,
        technologies.lifetime,
        calendar.years,
        calendar.discount_rate,
    )
    h2_pathways = params.technologies_of("h2_supply_share")
    buy_cost: dict[Key, float] = {}
    running: dict[Key, float] = {}
    ttw: dict[Key, float] = {}
    wtw: dict[Key, float] = {}
    energy: dict[Key, float] = {}
    price_of: dict[Key, float] = {}
    for segment_id, row in segments.iterrows():
        vtype, utility, km_year = row["vehicle_type"], row["utility"], float(row["annual_km"])
        for k in techs[segment_id]:
            life = lifetime[(vtype, k)]
            for i, t in enumerate(years):
                per_km = params.series("energy_per_km", vtype, k)[i]
                fuel_price, kg_co2, wtt = fuel(params, k, vtype, utility, i, h2_pathways)
                if k == "fcev":
                    fuel_price = max(fuel_price - station_margin(params, t), 0.0)
                # plain floats: numpy scalars make every coefficient x variable product slow in Pyomo
                running[(segment_id, k, t)] = float(
                    km_year
                    * (per_km * fuel_price + params.series("maintenance_hkd_per_km", vtype, k)[i])
                    + depot_demand_charge_per_bus_year(params, t, row["refuelling"], k)
                )
                ttw[(segment_id, k, t)] = (
                    float(km_year * per_km * kg_co2 / 1000.0) if k in ("diesel", "lpg") else 0.0
                )
                wtw[(segment_id, k, t)] = float(km_year * per_km * (kg_co2 * (1.0 + wtt)) / 1000.0)
                energy[(segment_id, k, t)] = float(row["daily_km"] * per_km)
                price = float(params.series("vehicle_price_hkd", vtype, k)[i])
                price_of[(segment_id, k, t)] = price
                capital = price + battery_replacement_pv(params, vtype, k, t, life, rate)
                if technologies.opportunity_needed.get(segment_id) and k == "bev":
                    capital += (
                        params.at("opportunity_charging_hkd_per_bus", t, vtype, k)
                        if params.has("opportunity_charging_hkd_per_bus", vtype, k)
                        else 0.0
                    )
                buy_cost[(segment_id, k, t)] = float(
                    capital * annuity_due_factor(rate, life) * calendar.annuity_window(t, life)
                )
    return Coefficients(
        buy_cost_hkd=buy_cost,
        running_cost_hkd=running,
        emissions_ttw_t=ttw,
        emissions_wtw_t=wtw,
        energy_per_day=energy,
        price_hkd=price_of,
        design_kwh_per_day=_design_kwh_per_day(params, segments, techs, years, energy),
    )


def _design_kwh_per_day(
    params: ParameterTable,
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    years: list[int],
    energy: dict[Key, float],
) -> dict[tuple[str, int], float]:
    """kWh a depot-charged battery vehicle needs on a hot day: its average day / the summer range factor."""
    design_kwh: dict[tuple[str, int], float] = {}
    for segment_id, row in segments[segments["refuelling"] == "depot"].iterrows():
        if "bev" not in techs[segment_id]:
            continue
        vtype = row["vehicle_type"]
        for t in years:
            factor = (
                params.at("summer_range_factor", t, vtype, "bev")
                if params.has("summer_range_factor", vtype, "bev")
                else 1.0
            )
            design_kwh[(segment_id, t)] = energy[(segment_id, "bev", t)] / max(factor, 1e-6)
    return design_kwh


def carbon_prices(scenario: Scenario, years: list[int]) -> dict[int, float]:
    """Carbon price of each modelled year (HK$/t CO2), interpolated along the scenario's path."""
    path = scenario.carbon_price_hkd_per_t
    return dict(
        zip(years, np.interp(years, sorted(path), [path[y] for y in sorted(path)]), strict=True)
    )
