"""Objective: least discounted system cost, or most tonnes abated within the budget.

Money terms are in HK$ million (first-year money, social discount rate);
emissions in tonnes CO2. Vehicles and infrastructure are charged by annuity
for the years they serve inside the horizon, so a purchase late in the
horizon is not charged its whole price. Subsidies are transfers and are not a
system cost; they constrain uptake instead.
"""

from __future__ import annotations

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.expressions import (
    HKD_M,
    cost_components,
    emissions_t,
    spend_hkd_m,
)
from fleetplan.optimiser.formulation.targets import target_treatment
from fleetplan.optimiser.formulation.variables import Expr
from fleetplan.optimiser.inputs import ModelInputs

#: In the most-abatement objective with infrastructure counted in the budget, HK$1m of
#: other system cost weighs this many tonnes: a tie-break among equally abating plans.
COST_TIEBREAK_T_PER_HKD_M = 1e-4
#: Subsidy is a transfer, not a system cost, but paying more than needed is waste: each
#: HK$ of subsidy weighs this many HK$ of cost (a tie-break, too small to trade real cost).
SUBSIDY_TIEBREAK = 1e-3


def penalty_components(model: pyo.ConcreteModel, inputs: ModelInputs) -> dict[str, Expr]:
    """Penalties (HK$ million, discounted): not costs, the price the objective puts on
    falling short of a soft target, on uptake the plan cannot serve, on operators' fleet
    pledges it cannot serve and on taxi charging no site within reach can serve."""
    m = model
    scenario = inputs.scenario
    soft = [g for g in m.G if target_treatment(inputs, g) == "penalised"]
    return {
        "soft_targets": sum(
            scenario.target_penalty_hkd_per_vehicle
            * inputs.discount[int(inputs.targets.at[g, "year"])]
            / HKD_M
            * m.target_short[g]
            for g in soft
        ),
        "blocked_uptake": sum(
            scenario.blocked_uptake_penalty_hkd_per_vehicle
            * inputs.discount[t]
            / HKD_M
            * m.blocked_penalised[s, k, t]
            for (s, k, t) in m.BZ
        ),
        "fleet_pledges_short": sum(
            scenario.blocked_uptake_penalty_hkd_per_vehicle
            / inputs.lifetime[
                (inputs.segments.at[s, "vehicle_type"], inputs.segments.at[s, "incumbent"])
            ]
            * inputs.period_discount[t]
            / HKD_M
            * m.pledge_short_penalised[s, t]
            for (s, t) in m.FLEET_PLEDGE
        ),
        "unserved_taxi_charging": sum(
            scenario.unserved_charging_penalty_hkd_per_kwh
            * 365.0
            * inputs.period_discount[t]
            / HKD_M
            * m.taxi_unserved[z, t]
            for z in m.Z
            for t in m.T
        ),
    }


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
        m.objective = pyo.Objective(
            expr=sum(m.slacks[i] for i in m.slacks) + sum(m.target_short[g] for g in hard)
        )
        return
    if inputs.scenario.objective == "min_cost":
        m.objective = pyo.Objective(
            expr=m.cost_hkd_m + m.penalty_hkd_m + SUBSIDY_TIEBREAK * spend_hkd_m(m, inputs),
            sense=pyo.minimize,
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
