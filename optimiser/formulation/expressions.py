"""Expressions the families and the objective share: money (HK$ million) and emissions.

Subsidy paid, the discounted system cost by component, the public infrastructure a government
would pay for and the fleets' emissions are read by more than one family (the budget counts
public infrastructure; the objective puts a tie-break on subsidy paid), so they live here,
below every family, and no family imports another for them.
"""

from __future__ import annotations

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.hydrogen import existing_h2_kg_day
from fleetplan.optimiser.formulation.variables import Expr
from fleetplan.optimiser.inputs import ModelInputs

#: Money rows and expressions are written in HK$ million to keep coefficients near 1.
HKD_M = 1e6


def total_purchases(model: pyo.ConcreteModel, inputs: ModelInputs, segment: str, year: int) -> Expr:
    """Σ_k buy[s,k,t]: every vehicle segment s buys in year t (replacements of retirements)."""
    return sum(
        model.buy[segment, k, year] for k in inputs.techs[segment] if (segment, k, year) in model.B
    )


def paid_regimes(inputs: ModelInputs) -> list[tuple[tuple[str, int, int], str, int, float, float]]:
    """(regime key, programme, year, HK$ per vehicle, share of purchases paid) of every paid regime."""
    out = []
    for (s, t), regimes in inputs.regimes.items():
        for r in regimes:
            for p, (tech, hkd) in r.payment_hkd.items():
                share = r.share.get(tech, 0.0)
                if hkd > 0 and share > 0:
                    out.append(((s, t, r.regime_id), p, t, hkd, share))
    return out


def purchases_under(
    model: pyo.ConcreteModel, inputs: ModelInputs, key: tuple[str, int, int]
) -> Expr:
    """Purchases made under regime ``key`` = (s, t, r): its variable, or all purchases where s has one regime."""
    s, t, _ = key
    if len(inputs.regimes[(s, t)]) > 1:
        return model.regime_purchases[key]
    return total_purchases(model, inputs, s, t)


def spend_hkd_m(
    model: pyo.ConcreteModel,
    inputs: ModelInputs,
    programme: str | None = None,
    year: int | None = None,
) -> Expr:
    """Subsidy paid (HK$ million), optionally for one programme and/or year.

    spend[p,t] = Σ_{s,r} payment[p,r] × share[k_p,r] × purchases[s,t,r]: every eligible
    purchase is paid, including those its operator would have made anyway.
    """
    return sum(
        hkd / HKD_M * share * purchases_under(model, inputs, key)
        for key, p, t, hkd, share in paid_regimes(inputs)
        if (programme is None or p == programme) and (year is None or t == year)
    )


def _increase(var: pyo.Var, index: tuple, t: int, first: int, prev: int | None) -> Expr:
    return var[(*index, t)] if t == first else var[(*index, t)] - var[(*index, prev)]


def cost_components(model: pyo.ConcreteModel, inputs: ModelInputs) -> dict[str, Expr]:
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
            cc[("depot", t)] / HKD_M * _increase(m.depot_chargers, (d,), t, first, prev[t])
            for d in m.D
            for t in m.T
        ),
        "public_chargers": sum(
            cc[("public", t)] / HKD_M * _increase(m.public_chargers, (c,), t, first, prev[t])
            for c in m.C
            for t in m.T
        ),
        "grid_upgrades": sum(
            inputs.grid_cost_coef[t] / HKD_M * m.grid_order[i, t] for i in m.I for t in m.T
        ),
        "hydrogen_stations": sum(
            hc[("station", t)] / HKD_M * _increase(m.h2_built, (h,), t, first, prev[t])
            for h in m.H
            for t in m.T
            if existing_h2_kg_day(inputs, h, t) == 0
        )
        + sum(
            hc[("module", t)] / HKD_M * _increase(m.h2_modules, (h,), t, first, prev[t])
            for h in m.H
            for t in m.T
        )
        + sum(
            hc[("station_opex", t)] / HKD_M * m.h2_open[h, t]
            + hc[("module_opex", t)] / HKD_M * m.h2_modules_operating[h, t]
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


def public_infrastructure_hkd_m(model: pyo.ConcreteModel, inputs: ModelInputs) -> Expr:
    """Discounted cost of the infrastructure a government would pay for (HK$ million):
    public fast chargers, hydrogen stations and the grid upgrades at public sites."""
    m = model
    components = cost_components(m, inputs)
    public = set(inputs.public_sites)
    grid_public = sum(
        inputs.grid_cost_coef[t] / HKD_M * m.grid_order[i, t]
        for i in m.I
        if i in public
        for t in m.T
    )
    return components["public_chargers"] + components["hydrogen_stations"] + grid_public


def emissions_t(model: pyo.ConcreteModel, inputs: ModelInputs, year: int | None = None) -> Expr:
    """Emissions (t CO2 on the scenario's basis) of all fleets: a year's rate, or the horizon's
    total (each modelled year times the calendar years it stands for)."""
    if year is not None:
        return sum(
            inputs.emissions_t[key] * model.stock[key] for key in model.SKT if key[2] == year
        )
    weight = inputs.period_weight
    return sum(weight[key[2]] * inputs.emissions_t[key] * model.stock[key] for key in model.SKT)
