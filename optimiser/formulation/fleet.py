"""Fleet stock-flow and the vehicle requirement of each segment."""

from __future__ import annotations

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.variables import Expr, row
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

    def rule(m: pyo.ConcreteModel, s: str, k: str, t: int) -> Expr:
        life = inputs.lifetime[(vehicle_type[s], k)]
        vintages = [tau for tau in bought_in.get((s, k), []) if t - life < tau <= t]
        survivors = (
            m.remaining_initial[s, t] if k == incumbent[s] else inputs.initial_stock[(s, k, t)]
        )
        in_service = survivors + sum(m.buy[s, k, tau] for tau in vintages)
        if k == incumbent[s] and (s, t) in inputs.incumbent_cap:
            # under a fleet pledge incumbents may leave before their life ends (see add_fleet_pledges)
            return m.stock[s, k, t] <= in_service
        return m.stock[s, k, t] == in_service

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
            rule=lambda m, s, t: (
                pyo.Constraint.Skip
                if t == first
                else m.remaining_initial[s, t] <= m.remaining_initial[s, m.T.prev(t)]
            ),
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


def add_fleet_pledges(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Operators' fleet pledges (a zero-emission fleet by a year; behaviour, kept in the
    no-policy plan too).

    From the pledge's year: stock[s,incumbent,t] ≤ cap[s,t] + pledge_short[s,t], where cap is the
    segment's vehicles on duties no zero-emission technology can run; stock[s,k,t] ≤ room[s,k,t]
    (the vehicles on duties k can run) and Σ_zero-emission k stock[s,k,t] ≤ fleet[s] − cap[s,t]. The other incumbents
    leave early: their stock-flow row becomes stock ≤ survivors + vintages in service, and
    their purchase stays in the cost (capital already spent). pledge_short ≥ 0 is what the
    plan cannot serve (no charger space, grid or hydrogen within reach), reported. Only its part
    beyond what no plan can serve (unservable_pledge, found before the solve like unservable
    uptake) is penalised: pledge_short ≤ unservable_pledge + pledge_short_penalised, at the
    blocked-uptake penalty per vehicle-year spread over the incumbent's life.
    """
    m = model
    caps = inputs.incumbent_cap
    incumbent = inputs.segments["incumbent"].to_dict()
    m.FLEET_PLEDGE = pyo.Set(dimen=2, initialize=sorted(caps), ordered=True)
    m.pledge_short = pyo.Var(m.FLEET_PLEDGE, within=pyo.NonNegativeReals)
    m.pledge_short_penalised = pyo.Var(m.FLEET_PLEDGE, within=pyo.NonNegativeReals)
    #: vehicles of a fleet pledge no plan can serve, set by optimiser.servability before the solve
    m.unservable_pledge = pyo.Param(
        m.FLEET_PLEDGE, mutable=True, default=0.0, within=pyo.NonNegativeReals
    )
    m.fleet_pledge = pyo.Constraint(
        m.FLEET_PLEDGE,
        rule=lambda m, s, t: m.stock[s, incumbent[s], t] <= caps[(s, t)] + m.pledge_short[s, t],
    )
    # Zero-emission vehicles only on the duties they can run: with the pledge's purchase shares a
    # floor (subsidy.add_uptake), nothing else keeps a battery bus off a duty beyond its range.
    room = {key: value for key, value in inputs.zev_room.items() if key in m.SKT}
    m.zev_on_runnable_duties = pyo.Constraint(
        sorted(room), rule=lambda m, s, k, t: m.stock[s, k, t] <= room[(s, k, t)]
    )
    m.zev_fleet_on_runnable_duties = pyo.Constraint(
        m.FLEET_PLEDGE,
        rule=lambda m, s, t: row(
            sum(m.stock[s, k, t] for k in inputs.techs[s] if k != incumbent[s])
            <= float(inputs.segments.at[s, "fleet"]) - caps[(s, t)]
        ),
    )
    m.pledge_short_beyond_unservable = pyo.Constraint(
        m.FLEET_PLEDGE,
        rule=lambda m, s, t: (
            m.pledge_short[s, t] <= m.unservable_pledge[s, t] + m.pledge_short_penalised[s, t]
        ),
    )
