"""Objective: least discounted system cost, or most tonnes abated within the budget.

Money terms are in HK$ million (first-year money, social discount rate);
emissions in tonnes CO2. Vehicles and infrastructure are charged by annuity
for the years they serve inside the horizon, so a purchase late in the
horizon is not charged its whole price. Subsidies are transfers and are not a
system cost; they constrain uptake instead.
"""

from __future__ import annotations

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.hydrogen import existing_h2_kg_day
from fleetplan.optimiser.formulation.subsidy import spend_hkd_m
from fleetplan.optimiser.formulation.targets import target_treatment
from fleetplan.optimiser.inputs import ModelInputs

HKD_M = 1e6
#: In the most-abatement objective with infrastructure counted in the budget, HK$1m of
#: other system cost weighs this many tonnes: a tie-break among equally abating plans.
COST_TIEBREAK_T_PER_HKD_M = 1e-4
#: Subsidy is a transfer, not a system cost, but paying more than needed is waste: each
#: HK$ of subsidy weighs this many HK$ of cost (a tie-break, too small to trade real cost).
SUBSIDY_TIEBREAK = 1e-3


def _increase(var: pyo.Var, index: tuple, t: int, first: int, prev: int | None) -> object:
    return var[(*index, t)] if t == first else var[(*index, t)] - var[(*index, prev)]


def cost_components(model: pyo.ConcreteModel, inputs: ModelInputs) -> dict[str, object]:
    """Discounted system cost by component (HK$ million expressions)."""
    m = model
    first = m.T.first()
    prev = {t: (None if t == first else m.T.prev(t)) for t in m.T}
    cc = inputs.charger_cost_coef
    hc = inputs.h2_cost_coef
    # per-year costs count once for every calendar year a modelled year stands for
    df = inputs.period_discount
    carbon = inputs.carbon_price_hkd_per_t
    components = {
        "vehicles": sum(inputs.buy_cost_hkd[key] / HKD_M * m.buy[key] for key in m.B),
        "energy_and_maintenance": sum(
            inputs.running_cost_hkd[key] * df[key[2]] / HKD_M * m.stock[key] for key in m.SKT
        ),
        "depot_chargers": sum(
            cc[("depot", t)] / HKD_M * _increase(m.depot_chargers, (d,), t, first, prev[t]) for d in m.D for t in m.T
        ),
        "public_chargers": sum(
            cc[("public", t)] / HKD_M * _increase(m.public_chargers, (c,), t, first, prev[t]) for c in m.C for t in m.T
        ),
        "grid_upgrades": sum(inputs.grid_cost_coef[t] / HKD_M * m.grid_order[i, t] for i in m.I for t in m.T),
        "hydrogen_stations": sum(
            hc[("station", t)] / HKD_M * _increase(m.h2_built, (h,), t, first, prev[t])
            for h in m.H
            for t in m.T
            if existing_h2_kg_day(inputs, h, t) == 0
        )
        + sum(hc[("module", t)] / HKD_M * _increase(m.h2_modules, (h,), t, first, prev[t]) for h in m.H for t in m.T)
        + sum(
            hc[("station_opex", t)] / HKD_M * m.h2_open[h, t] + hc[("module_opex", t)] / HKD_M * m.h2_modules_operating[h, t]
            for h in m.H
            for t in m.T
        ),
        "carbon": sum(
            carbon[key[2]] * df[key[2]] * inputs.emissions_t[key] / HKD_M * m.stock[key]
            for key in m.SKT
            if carbon[key[2]] > 0
        ),
    }
    return components


def public_infrastructure_hkd_m(model: pyo.ConcreteModel, inputs: ModelInputs) -> object:
    """Discounted cost of the infrastructure a government would pay for (HK$ million):
    public fast chargers, hydrogen stations and the grid upgrades at public sites."""
    m = model
    components = cost_components(m, inputs)
    public = set(inputs.public_sites)
    grid_public = sum(inputs.grid_cost_coef[t] / HKD_M * m.grid_order[i, t] for i in m.I if i in public for t in m.T)
    return components["public_chargers"] + components["hydrogen_stations"] + grid_public


def penalty_components(model: pyo.ConcreteModel, inputs: ModelInputs) -> dict[str, object]:
    """Penalties (HK$ million, discounted): not costs, the price the objective puts on
    falling short of a soft target, on uptake the plan cannot serve, on operators' fleet
    pledges it cannot serve and on taxi charging no site within reach can serve."""
    m = model
    scenario = inputs.scenario
    soft = [g for g in m.G if target_treatment(inputs, g) == "penalised"]
    return {
        "soft_targets": sum(
            scenario.target_penalty_hkd_per_vehicle * inputs.discount[int(inputs.targets.at[g, "year"])] / HKD_M * m.target_short[g]
            for g in soft
        ),
        "blocked_uptake": sum(
            scenario.blocked_uptake_penalty_hkd_per_vehicle * inputs.discount[t] / HKD_M * m.blocked_penalised[s, k, t]
            for (s, k, t) in m.BZ
        ),
        "fleet_pledges_short": sum(
            scenario.blocked_uptake_penalty_hkd_per_vehicle
            / inputs.lifetime[(inputs.segments.at[s, "vehicle_type"], inputs.segments.at[s, "incumbent"])]
            * inputs.period_discount[t]
            / HKD_M
            * m.pledge_short_penalised[s, t]
            for (s, t) in m.FLEET_PLEDGE
        ),
        "unserved_taxi_charging": sum(
            scenario.unserved_charging_penalty_hkd_per_kwh * 365.0 * inputs.period_discount[t] / HKD_M * m.taxi_unserved[z, t]
            for z in m.Z
            for t in m.T
        ),
    }


def emissions_t(model: pyo.ConcreteModel, inputs: ModelInputs, year: int | None = None) -> object:
    """Emissions (t CO2 on the scenario's basis) of all fleets: a year's rate, or the horizon's
    total (each modelled year times the calendar years it stands for)."""
    if year is not None:
        return sum(inputs.emissions_t[key] * model.stock[key] for key in model.SKT if key[2] == year)
    weight = inputs.period_weight
    return sum(weight[key[2]] * inputs.emissions_t[key] * model.stock[key] for key in model.SKT)


def add_objective(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Least cost: min Σ discounted system cost + carbon price × emissions + penalties
    (+ a tie-break on subsidy paid).

    Most abatement: max (baseline − plan) emissions − system cost / cut-off − penalties in
    tonnes, where the cut-off (HK$ per tonne) says what a tonne is worth; or, when public
    infrastructure counts against the budget, with system cost only as a tie-break.

    An elastic (diagnosis) model instead minimises the sum of its slacks.
    """
    m = model
    components = cost_components(m, inputs)
    penalties = penalty_components(m, inputs)
    m.cost_hkd_m = pyo.Expression(expr=sum(components.values()))
    m.cost_component = pyo.Expression(list(components), rule=lambda m, name: components[name])
    m.penalty_hkd_m = pyo.Expression(expr=sum(penalties.values()))
    m.penalty_component = pyo.Expression(list(penalties), rule=lambda m, name: penalties[name])
    base = inputs.baseline_emissions
    baseline_t = float((base[f"{inputs.abatement_basis}_t"] * base["years_represented"]).sum())
    m.abated_t = pyo.Expression(expr=baseline_t - emissions_t(m, inputs))

    if m.elastic:
        hard = [g for g in m.G if bool(inputs.targets.at[g, "hard"])]
        m.objective = pyo.Objective(expr=sum(m.slacks[i] for i in m.slacks) + sum(m.target_short[g] for g in hard))
        return
    if inputs.scenario.objective == "min_cost":
        m.objective = pyo.Objective(
            expr=m.cost_hkd_m + m.penalty_hkd_m + SUBSIDY_TIEBREAK * spend_hkd_m(m, inputs), sense=pyo.minimize
        )
        return
    settings = inputs.scenario.max_abatement
    t_per_hkd_m = HKD_M / settings.cutoff_hkd_per_t
    cost_weight = COST_TIEBREAK_T_PER_HKD_M if settings.infrastructure == "budget" else t_per_hkd_m
    m.objective = pyo.Objective(
        expr=m.abated_t
        - t_per_hkd_m * m.penalty_hkd_m
        - cost_weight * m.cost_hkd_m
        - COST_TIEBREAK_T_PER_HKD_M * SUBSIDY_TIEBREAK * spend_hkd_m(m, inputs),
        sense=pyo.maximize,
    )
