"""Uptake no plan can serve, found before the solve.

Operators who would buy a zero-emission vehicle are a floor the plan must serve: chargers,
grid and hydrogen are built for them, and what the plan leaves unserved is penalised
(``blocked_uptake_penalty_hkd_per_vehicle``, a penalty, never a cost). Part of that uptake,
though, no plan can serve at all: every site within reach is at its size limit, a depot has
no room for more chargers. Pricing that part at HK$10m a vehicle would fill the objective
with penalties no decision changes and bury the money the gap is measured on.

So before the solve, the model's LP relaxation is solved for the least uptake left unserved
(integers relaxed, so every site may reach its limit; operators' response held at what they
do with no payment on offer, the no-policy behaviour, pledges included): that amount per
segment, technology and year is ``unservable``. The plan may leave it unserved free of any
penalty, and it is reported as uptake no site can serve; only blocking beyond it is penalised.
Uptake a payment would add on top is not in it: the planner who induces uptake it cannot
serve pays the penalty.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.subsidy import ANNOUNCED_PAYMENT_ROWS
from fleetplan.optimiser.inputs import ModelInputs
from fleetplan.optimiser.solver import SolverOptions, solve

#: Below this (vehicles) a value is solver noise, not unservable uptake.
_NOISE = 1e-6


def find_unservable(model: pyo.ConcreteModel, inputs: ModelInputs, options: SolverOptions) -> dict[tuple[str, str, int], float]:
    """Set ``model.unservable`` to the uptake no plan can serve and return it (vehicles, nonzero only);
    set ``model.unservable_pledge`` to the part of operators' fleet pledges no plan can serve.

    The model is restored as it was (integrality, fixed values, objective) before returning.
    """
    m = model
    if not len(m.BZ) or inputs.scenario.blocked_uptake_penalty_hkd_per_vehicle <= 0:
        return {}
    changed: list[tuple[Any, Any, bool, Any]] = []
    for var in m.component_data_objects(pyo.Var, descend_into=True):
        if var.is_binary() or var.is_integer():
            changed.append((var, var.domain, var.fixed, var.value))
            var.domain = pyo.UnitInterval if var.is_binary() else pyo.NonNegativeReals
    # operators' no-payment response: every programme-year at its lowest payment level (payment
    # levels are binaries, so the loop above already saved them for restoring)
    for p, t, level in m.PTL:
        m.payment_level[p, t, level].fix(1.0 if level == 0 else 0.0)
    # a scheme paid as announced would force its payment on: here nothing is paid
    announced_rows = [c for name in ANNOUNCED_PAYMENT_ROWS if (c := m.component(name)) is not None and c.active]
    for rows in announced_rows:
        rows.deactivate()
    active = list(m.component_objects(pyo.Objective, active=True))
    for objective in active:
        objective.deactivate()
    # an operator's fleet pledge short is weighted per vehicle-year as the penalty weighs it
    life = {s: inputs.lifetime[(inputs.segments.at[s, "vehicle_type"], inputs.segments.at[s, "incumbent"])] for s in m.S}
    m._servability = pyo.Objective(
        expr=sum(inputs.discount[t] * m.blocked[s, k, t] for (s, k, t) in m.BZ)
        + sum(inputs.period_discount[t] / life[s] * m.pledge_short[s, t] for (s, t) in m.FLEET_PLEDGE),
        sense=pyo.minimize,
    )
    found: dict[tuple[str, str, int], float] = {}
    short: dict[tuple[str, int], float] = {}
    try:
        lp = SolverOptions(
            time_limit_s=options.time_limit_s, mip_rel_gap=0.0, threads=options.threads, interface=options.interface, lp_guided_start=False
        )
        report = solve(m, lp)
        if report.has_solution:
            for key in m.BZ:
                value = pyo.value(m.blocked[key], exception=False) or 0.0
                if value > _NOISE:
                    found[key] = float(value)
            for key in m.FLEET_PLEDGE:
                value = pyo.value(m.pledge_short[key], exception=False) or 0.0
                if value > _NOISE:
                    short[key] = float(value)
    finally:
        m.del_component(m._servability)
        for objective in active:
            objective.activate()
        for rows in announced_rows:
            rows.activate()
        for var, domain, fixed, value in reversed(changed):
            var.domain = domain
            if fixed:
                var.fix(value)
            else:
                var.unfix()
                var.set_value(value, skip_validation=True)
    for key in m.BZ:
        m.unservable[key] = found.get(key, 0.0)
    for key in m.FLEET_PLEDGE:
        m.unservable_pledge[key] = short.get(key, 0.0)
    return found


def unservable_note(unservable: dict[tuple[str, str, int], float], inputs: ModelInputs) -> str:
    """One sentence: willing purchases no plan can serve, by class and technology (vehicles)."""
    from fleetplan.optimiser.messages import ModelText

    vehicle_class = inputs.segments["vehicle_class"].to_dict()
    totals: dict[str, float] = {}
    for (s, k, _t), value in unservable.items():
        label = f"{vehicle_class[s]} {k}"
        totals[label] = totals.get(label, 0.0) + value
    shown = ", ".join(f"{label} {value:,.0f}" for label, value in sorted(totals.items(), key=lambda item: -item[1]))
    return ModelText("unservable_uptake", total=f"{sum(totals.values()):,.0f}", by_class=shown)


def unservable_pledge_note(model: pyo.ConcreteModel, inputs: ModelInputs) -> str | None:
    """One sentence: the operators' fleet pledges no plan can serve, at their largest, by operator (vehicles)."""
    from fleetplan.optimiser.messages import ModelText

    m = model
    operator = inputs.segments["operator"].to_dict()
    by_year: dict[int, dict[str, float]] = {}
    for s, t in m.FLEET_PLEDGE:
        value = pyo.value(m.unservable_pledge[s, t])
        if value > _NOISE:
            by_year.setdefault(t, {})
            by_year[t][operator[s]] = by_year[t].get(operator[s], 0.0) + value
    if not by_year:
        return None
    year = max(by_year, key=lambda t: sum(by_year[t].values()))
    shown = "; ".join(f"{o} {v:,.0f}" for o, v in sorted(by_year[year].items(), key=lambda item: -item[1]))
    return ModelText("unservable_pledge", vehicles=f"{sum(by_year[year].values()):,.0f}", year=year, by_operator=shown)
