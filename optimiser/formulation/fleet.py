"""Fleet stock-flow and the vehicle requirement of each segment."""

from __future__ import annotations

import pyomo.environ as pyo

from fleetplan.optimiser.inputs import ModelInputs


def add_stock_flow(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Stock-flow by vintage.

    stock[s,k,t] = surviving initial vehicles[s,k,t] + Σ_{τ ≤ t, τ > t − life(k)} buy[s,k,τ]:
    vehicles in service are today's survivors (who retire by their age profile)
    plus every purchase not yet at the end of its service life. Tracking
    vintages this way makes retirement of new vehicles exact without extra
    variables.
    """
    m = model
    vehicle_type = inputs.segments["vehicle_type"].to_dict()
    bought_in: dict[tuple[str, str], list[int]] = {}
    for s, k, t in m.B:
        bought_in.setdefault((s, k), []).append(t)

    incumbent = inputs.segments["incumbent"].to_dict()

    def rule(m: pyo.ConcreteModel, s: str, k: str, t: int) -> object:
        life = inputs.lifetime[(vehicle_type[s], k)]
        vintages = [tau for tau in bought_in.get((s, k), []) if t - life < tau <= t]
        survivors = m.remaining_initial[s, t] if k == incumbent[s] else inputs.initial_stock[(s, k, t)]
        return m.stock[s, k, t] == survivors + sum(m.buy[s, k, tau] for tau in vintages)

    m.stock_flow = pyo.Constraint(m.SKT, rule=rule)
    add_early_retirement(m, inputs)


def add_early_retirement(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Today's incumbent vehicles in service.

    Without early retirement: remaining[s,t] = survivors[s,t] of the age profile.
    With it: remaining[s,t] ≤ survivors[s,t] and remaining[s,t] ≤ remaining[s,t−1]:
    vehicles may leave before their age says, never come back. Retiring the
    oldest first is always at least as good, so the cohort need not be tracked.
    The retired vehicles' capital is sunk; the cost of retiring early is
    buying their replacements sooner, which the objective already counts.
    """
    m = model
    incumbent = inputs.segments["incumbent"].to_dict()
    first = m.T.first()
    for s in m.S:
        for t in m.T:
            survivors = inputs.initial_stock[(s, incumbent[s], t)]
            if inputs.scenario.allow_early_retirement:
                m.remaining_initial[s, t].setub(survivors)
            else:
                m.remaining_initial[s, t].fix(survivors)
    if inputs.scenario.allow_early_retirement:
        m.early_retirement_only = pyo.Constraint(
            m.S,
            m.T,
            rule=lambda m, s, t: pyo.Constraint.Skip
            if t == first
            else m.remaining_initial[s, t] <= m.remaining_initial[s, m.T.prev(t)],
        )


def add_fleet_requirement(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Vehicle requirement: Σ_k stock[s,k,t] = fleet[s] for every segment and year.

    The service a segment provides (its vehicle count) is held at today's
    level; what changes is the technology mix, so retirements must be
    replaced by purchases of some technology the segment may run.
    """
    m = model
    fleet = inputs.segments["fleet"].to_dict()
    techs = inputs.techs
    m.fleet_requirement = pyo.Constraint(
        m.S, m.T, rule=lambda m, s, t: sum(m.stock[s, k, t] for k in techs[s]) == fleet[s]
    )
