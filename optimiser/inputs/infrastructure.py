"""Charging, hydrogen and grid infrastructure: the parameters and cost coefficients of its decisions.

Costs are discounted HK$ per unit ordered in a modelled year: per charger (depot or
public), per hydrogen station and 1-module (kg/day) step, per kVA of grid upgrade;
charger power in kW by the year it is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fleetplan.optimiser.economics import annuity_due_factor
from fleetplan.optimiser.inputs.calendar import Calendar
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario

#: Years a grid connection upgrade lasts (cost annuitised over it).
GRID_ASSET_LIFE_YEARS = 40

#: Scalar parameters the infrastructure constraints read (``ModelInputs.infrastructure``).
_INFRASTRUCTURE_PARAMETERS = (
    "depot_charger_kw",
    "depot_charger_capex_hkd",
    "depot_buses_per_charger",
    "depot_charging_window_h",
    "public_charger_kw",
    "public_charger_capex_hkd",
    "public_charger_hours_per_day",
    "charger_lifetime_years",
    "charger_kva_per_kw",
    "grid_upgrade_hkd_per_kva",
    "grid_upgrade_lead_years",
    "h2_station_fixed_capex_hkd",
    "h2_module_kg_day",
    "h2_module_capex_hkd",
    "h2_station_max_modules",
    "h2_station_opex_share",
    "h2_station_lifetime_years",
)


@dataclass(frozen=True)
class Infrastructure:
    """Infrastructure parameters and the cost of each unit ordered in each modelled year."""

    #: parameter name -> scalar value (plus the scenario's ``existing_charger_taxi_share``)
    parameters: dict[str, float]
    #: ("depot" | "public", year) -> discounted HK$ of one charger installed that year
    charger_cost: dict[tuple[str, int], float]
    #: ("depot" | "public", year installed) -> kW of one charger of that vintage
    charger_kw: dict[tuple[str, int], float]
    #: ("station" | "module" | "station_opex" | "module_opex", year) -> discounted HK$
    h2_cost: dict[tuple[str, int], float]
    #: year -> discounted HK$ per kVA of grid upgrade ordered that year
    grid_cost: dict[int, float]


def infrastructure_costs(
    params: ParameterTable, scenario: Scenario, calendar: Calendar
) -> Infrastructure:
    """Infrastructure parameters and cost coefficients.

    Chargers and stations are never removed in the model, so they are charged their
    annuity for every year from installation to the end of the horizon (replacement at
    the end of their life included); capex follows its year path.
    """
    infrastructure = {name: params.scalar(name) for name in _INFRASTRUCTURE_PARAMETERS}
    infrastructure["existing_charger_taxi_share"] = scenario.existing_charger_taxi_share
    rate, calendar_years = calendar.discount_rate, calendar.calendar_years
    charger_life = round(infrastructure["charger_lifetime_years"])
    station_life = round(infrastructure["h2_station_lifetime_years"])
    charger_cost: dict[tuple[str, int], float] = {}
    h2_cost: dict[tuple[str, int], float] = {}
    grid_cost: dict[int, float] = {}
    charger_kw: dict[tuple[str, int], float] = {}
    for t in calendar.years:
        # Calendar years left to the end of the horizon (not modelled years: with
        # multi-year steps those would under-count the years an asset serves).
        window = calendar.annuity_window(t, calendar_years[-1] - t + 1)
        # Chargers keep the power of the year they were installed (their vintage).
        charger_kw[("depot", t)] = params.at("depot_charger_kw", t)
        charger_kw[("public", t)] = params.at("public_charger_kw", t)
        charger_cost[("depot", t)] = (
            params.at("depot_charger_capex_hkd", t)
            * annuity_due_factor(rate, charger_life)
            * window
        )
        charger_cost[("public", t)] = (
            params.at("public_charger_capex_hkd", t)
            * annuity_due_factor(rate, charger_life)
            * window
        )
        station_factor = annuity_due_factor(rate, station_life) * window
        h2_cost[("station", t)] = params.at("h2_station_fixed_capex_hkd", t) * station_factor
        h2_cost[("module", t)] = params.at("h2_module_capex_hkd", t) * station_factor
        h2_cost[("station_opex", t)] = (
            infrastructure["h2_station_opex_share"]
            * params.at("h2_station_fixed_capex_hkd", t)
            * calendar.period_discount[t]
        )
        h2_cost[("module_opex", t)] = (
            infrastructure["h2_station_opex_share"]
            * params.at("h2_module_capex_hkd", t)
            * calendar.period_discount[t]
        )
        grid_cost[t] = (
            params.at("grid_upgrade_hkd_per_kva", t)
            * annuity_due_factor(rate, GRID_ASSET_LIFE_YEARS)
            * calendar.annuity_window(t, GRID_ASSET_LIFE_YEARS)
        )
    return Infrastructure(
        parameters=infrastructure,
        charger_cost=charger_cost,
        charger_kw=charger_kw,
        h2_cost=h2_cost,
        grid_cost=grid_cost,
    )


def existing_depot_charging(
    depot_sites: pd.DataFrame,
    segments_at: dict[tuple[str, str], list[str]],
    initial_stock: dict[tuple[str, str, int], float],
    design_kwh_per_day: dict[tuple[str, int], float],
    parameters: dict[str, float],
    first_year: int,
) -> tuple[dict[str, float], dict[str, float]]:
    """Depot -> (chargers, kW) that today's battery buses already charge on.

    Today's e-buses (``zev_today``) run on chargers and a grid connection that exist: the
    site's ``grid_headroom_kva`` is what is spare beyond them. Without them, those buses
    would take new chargers and headroom the plan needs for the next ones. Sized as the
    plan sizes new ones (estimate: no depot charger counts were found): enough kW to
    recharge their design-day energy of the first year in the overnight window, and one
    charger per ``depot_buses_per_charger`` buses. They stay in service.
    """
    window = parameters["depot_charging_window_h"]
    per_charger = parameters["depot_buses_per_charger"]
    chargers: dict[str, float] = {}
    kw: dict[str, float] = {}
    for d in depot_sites.index:
        ids = segments_at.get(("depot", d), [])
        buses = sum(initial_stock.get((s, "bev", first_year), 0.0) for s in ids)
        energy = sum(
            initial_stock.get((s, "bev", first_year), 0.0)
            * design_kwh_per_day.get((s, first_year), 0.0)
            for s in ids
        )
        chargers[d] = buses / per_charger
        kw[d] = energy / window
    return chargers, kw
