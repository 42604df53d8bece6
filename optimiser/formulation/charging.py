"""Depot charging (depot-based classes: buses), public fast charging in zones (taxis, minibuses), and grid connections."""

from __future__ import annotations

import itertools

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.variables import Expr, non_decreasing, row, slack
from fleetplan.optimiser.inputs import ModelInputs


def depot_bev_buses(model: pyo.ConcreteModel, inputs: ModelInputs, depot: str, year: int) -> Expr:
    """Battery-electric vehicles based at ``depot`` in service in ``year``."""
    ids = inputs.segments_at.get(("depot", depot), [])
    return sum(model.stock[s, "bev", year] for s in ids if "bev" in inputs.techs[s])


def installed_kw(
    model: pyo.ConcreteModel,
    inputs: ModelInputs,
    kind: str,
    chargers: pyo.Var,
    site: str,
    year: int,
) -> Expr:
    """kW of a site's new chargers in service in ``year``: each vintage keeps the power of its
    year, Σ_{τ ≤ t} (chargers[τ] − chargers[τ−1]) × kW(τ).

    Written as kW(t) × chargers[t] − Σ_{τ < t} (kW(τ+1) − kW(τ)) × chargers[τ] (the same
    sum, regrouped by variable), so only the years in which the power changes add a term:
    two-thirds of the charging rows' build time went on the telescoped form."""
    years = [tau for tau in model.T if tau <= year]
    total = inputs.charger_kw[(kind, year)] * chargers[site, year]
    for tau, following in itertools.pairwise(years):
        step = inputs.charger_kw[(kind, following)] - inputs.charger_kw[(kind, tau)]
        if step:
            total = total - step * chargers[site, tau]
    return total


def add_depot_charging(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Overnight depot charging.

    Energy: Σ_{s at d} stock[s,bev,t] × design kWh/day[s,t] ≤ installed kW[d,t] × window_h —
    the depot's battery buses recharge what they drove on a hot design day (energy
    divided by the summer range factor) within the overnight window.
    Sharing: chargers[d,t] × buses_per_charger ≥ battery buses at d (a charger
    serves a few buses a night in turn).
    Space: chargers[d,t] ≤ spaces for chargers at the depot site.
    Chargers are never removed: chargers[d,t] ≥ chargers[d,t−1].
    Today's battery buses came with their chargers (``existing_depot_chargers`` and their kW,
    on today's connection, not the headroom): they count in the energy and sharing rows
    beside the new ones and take their share of the space.
    """
    m = model
    infra = inputs.infrastructure
    window = infra["depot_charging_window_h"]
    per_charger = infra["depot_buses_per_charger"]
    at_depot = {
        d: [s for s in inputs.segments_at.get(("depot", d), []) if "bev" in inputs.techs[s]]
        for d in m.D
    }
    space = inputs.depot_sites["max_chargers"].astype(float).to_dict()
    chargers_today, kw_today = inputs.existing_depot_chargers, inputs.existing_depot_kw

    m.depot_energy = pyo.Constraint(
        m.D,
        m.T,
        rule=lambda m, d, t: row(
            sum(m.stock[s, "bev", t] * inputs.design_kwh_per_day[(s, t)] for s in at_depot[d])
            / 1000.0
            <= (installed_kw(m, inputs, "depot", m.depot_chargers, d, t) + kw_today.get(d, 0.0))
            * window
            / 1000.0
            + slack(m, "depot_charging_energy", (d, t), 1.0)
        ),
    )
    m.depot_sharing = pyo.Constraint(
        m.D,
        m.T,
        rule=lambda m, d, t: (
            (m.depot_chargers[d, t] + chargers_today.get(d, 0.0)) * per_charger
            + slack(m, "depot_charging_energy", (d, t, "sharing"), 1.0 / per_charger)
            >= sum(m.stock[s, "bev", t] for s in at_depot[d])
        ),
    )
    m.depot_space = pyo.Constraint(
        m.D,
        m.T,
        rule=lambda m, d, t: (
            m.depot_chargers[d, t]
            <= max(space[d] - chargers_today.get(d, 0.0), 0.0)
            + slack(m, "depot_space", (d, t), 1.0)
        ),
    )
    m.depot_chargers_kept = non_decreasing(m, m.depot_chargers, m.D)


def add_public_charging(
    model: pyo.ConcreteModel, inputs: ModelInputs, *, reduced: bool = True
) -> None:
    """Public fast charging for taxis, assigned over the road graph.

    Demand: Σ_{c within reach of z} energy[z,c,t] + unserved[z,t] = e-taxis of z's class[t] × share[z]
    × kWh/day per taxi[z] (each zone's shift-change charging is met at sites within reach
    over the road graph; a capacitated assignment, not a radius on the map). What no
    site within reach can serve is a penalised, reported shortfall: it never bans the
    class's e-taxis elsewhere.
    Capacity: Σ_z energy[z,c,t] ≤ (installed kW of new chargers[c,t] + taxi share × (existing[c] × kW
    of today's chargers + kW of committed chargers[c,t])) × hours/day; each vintage keeps its power.
    Committed chargers (programmes', counted from their year) are capacity, not decisions: they
    take none of the site's space, so the plan builds public chargers only beyond them.
    Space: existing + new chargers ≤ spaces at c. New chargers are never removed.
    A site no zone can reach (``inputs.idle_public_sites``) gets no new chargers: they are
    fixed at zero and its rows left out (``reduced=False`` keeps them as decisions).
    """
    m = model
    idle = set(inputs.idle_public_sites) if reduced else set()
    for c in idle:
        for t in m.T:
            m.public_chargers[c, t].fix(0)
    m.C_BUSY = pyo.Set(initialize=[c for c in m.C if c not in idle], ordered=True)
    infra = inputs.infrastructure
    hours = infra["public_charger_hours_per_day"]
    kw_today = inputs.charger_kw[("public", inputs.years[0])]
    existing_share = infra["existing_charger_taxi_share"]
    sites = inputs.sites
    zones = inputs.zones
    reach: dict[str, list[str]] = {}
    served_by: dict[str, list[str]] = {}
    for z, c in m.ZC:
        reach.setdefault(z, []).append(c)
        served_by.setdefault(c, []).append(z)

    def demand(m: pyo.ConcreteModel, z: str, t: int) -> Expr:
        segment = zones.at[z, "segment_id"]
        if segment not in inputs.techs or "bev" not in inputs.techs[segment]:
            return pyo.Constraint.Skip
        need = (
            m.stock[segment, "bev", t]
            * float(zones.at[z, "taxi_share"])
            * float(zones.at[z, "fast_charge_kwh_per_taxi_day"])
        )
        served = sum(m.taxi_energy[z, c, t] for c in reach.get(z, []))
        return row(
            served / 1000.0
            + m.taxi_unserved[z, t] / 1000.0
            + slack(m, "taxi_charging", (z, t), 1.0)
            == need / 1000.0
        )

    m.taxi_demand = pyo.Constraint(m.Z, m.T, rule=demand)

    def capacity(m: pyo.ConcreteModel, c: str, t: int) -> Expr:
        if c not in served_by:
            return pyo.Constraint.Skip
        existing = float(sites.at[c, "existing_fast_chargers"]) * existing_share
        committed_kw = inputs.committed_public_kw.get((c, t), 0.0) * existing_share
        power = (
            installed_kw(m, inputs, "public", m.public_chargers, c, t)
            + existing * kw_today
            + committed_kw
        )
        return sum(m.taxi_energy[z, c, t] for z in served_by[c]) / 1000.0 <= power * hours / 1000.0

    m.public_capacity = pyo.Constraint(m.C, m.T, rule=capacity)
    room = {
        c: max(
            float(sites.at[c, "max_chargers"]) - float(sites.at[c, "existing_fast_chargers"]), 0.0
        )
        for c in m.C
    }
    m.public_space = pyo.Constraint(
        m.C_BUSY,
        m.T,
        rule=lambda m, c, t: (
            m.public_chargers[c, t] <= room[c] + slack(m, "public_charger_space", (c, t), 1.0)
        ),
    )
    m.public_chargers_kept = non_decreasing(m, m.public_chargers, m.C_BUSY)


def site_charger_kva(model: pyo.ConcreteModel, inputs: ModelInputs, site: str, year: int) -> Expr:
    """kVA drawn by the new chargers at ``site`` in ``year`` (depot and public)."""
    infra = inputs.infrastructure
    factor = infra["charger_kva_per_kw"]
    total = 0
    depot = inputs.sites.at[site, "depot_id"]
    if depot is not None and depot in model.D and inputs.depot_sites.at[depot, "site_id"] == site:
        total = (
            total + installed_kw(model, inputs, "depot", model.depot_chargers, depot, year) * factor
        )
    if site in model.C:
        total = (
            total
            + installed_kw(model, inputs, "public", model.public_chargers, site, year) * factor
        )
    return total


def add_grid_connection(
    model: pyo.ConcreteModel, inputs: ModelInputs, *, reduced: bool = True
) -> None:
    """Grid connection with lead time.

    kVA of new chargers at i in t ≤ headroom[i] + Σ_{τ ≤ t − lead} ordered[i,τ]:
    chargers draw on today's spare connection plus upgrades ordered at least
    ``lead`` years earlier (so no upgrade is usable before first year + lead).
    An idle public site (no new chargers, no depot, headroom ≥ 0) orders nothing and has no row.
    """
    m = model
    lead = round(inputs.infrastructure["grid_upgrade_lead_years"])
    headroom = inputs.sites["grid_headroom_kva"].astype(float).to_dict()
    idle = set(inputs.idle_public_sites) if reduced else set()

    def rule(m: pyo.ConcreteModel, i: str, t: int) -> Expr:
        if i in idle:
            return pyo.Constraint.Skip
        arrived = sum(m.grid_order[i, tau] for tau in m.T if tau <= t - lead)
        return row(
            site_charger_kva(m, inputs, i, t) / 1000.0
            <= (headroom[i] + arrived) / 1000.0 + slack(m, "grid_connection", (i, t), 1.0)
        )

    m.grid_connection = pyo.Constraint(m.I, m.T, rule=rule)
    # Orders that could not arrive inside the horizon buy nothing.
    for i in m.I:
        for t in m.T:
            if t + lead > m.T.last() or i in idle:
                m.grid_order[i, t].fix(0.0)
