"""Sets and decision variables of the fleet model.

Sets (all sparse, built in :mod:`fleetplan.optimiser.inputs`):

- T years; S fleet segments; K(s) technologies segment s may run;
- B ⊆ S×K×T purchases allowed (range and corridor coverage decide which);
- P programmes; PT ⊆ P×T programme-years with a payment to choose; PTL their payment levels;
- R ⊆ S×T×regimes: purchase regimes (one per combination of the open programmes' levels);
- D depot sites; C public charging sites; Z taxi zones; ZC ⊆ Z×C zone-site pairs within reach;
- H hydrogen sites; U hydrogen consumers (depots, truck flows; those that may buy at the same
  stations form one supply group in the reduced model); UH ⊆ U×H supply pairs;
- Q truck flows that can be covered; G targets.

Variables (vehicles and chargers are continuous: fleets and charger counts are
large and read as rounded numbers; payment levels, modules and stations are integer):

- buy[s,k,t] ≥ 0 vehicles bought; stock[s,k,t] ≥ 0 vehicles in service;
- remaining_initial[s,t] ≥ 0 of today's incumbent vehicles still in service;
- payment_level[p,t,l] ∈ {0,1}: programme p pays level l per vehicle in year t;
- regime_purchases[s,t,r] ≥ 0 purchases of segment s in year t made under regime r;
- blocked[s,k,t] ≥ 0 zero-emission purchases operators would make that the plan cannot serve;
  blocked_penalised[s,k,t] ≥ 0 the part of it beyond what no plan can serve (found before the solve);
- depot_chargers[d,t] ≥ 0 (continuous, rounded up in results), public_chargers[c,t] ∈ ℤ≥0: new chargers in service (cumulative);
- grid_order[i,t] ≥ 0 kVA of connection ordered;
- taxi_energy[z,c,t] ≥ 0 kWh/day of zone z charged at site c; taxi_unserved[z,t] ≥ 0 kWh/day no site can serve;
- h2_built[h,t], h2_open[h,t] ∈ {0,1}; h2_modules[h,t] ≥ 0 (continuous, in module steps of kg/day; rounded
  up in results); h2_supply[u,h,t] ≥ 0 kg/day;
- (refuelled[q,t] ∈ [0,1], truck flow covered, is projected out: see hydrogen.add_flow_refuelling);
- target_short[g] ≥ 0 vehicles short of a soft target.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import pyomo.environ as pyo

from fleetplan.optimiser.inputs import ModelInputs

#: A Pyomo expression or relation. Pyomo ships no type stubs, so to the type checker it is Any
#: (written ``object`` it refused every sum and product of one).
Expr: TypeAlias = Any

#: Constraint families that get slacks in an elastic (diagnosis) model.
ELASTIC_FAMILIES = (
    "targets",
    "budget",
    "programme_caps",
    "yearly_limits",
    "depot_charging_energy",
    "depot_space",
    "grid_connection",
    "taxi_charging",
    "public_charger_space",
    "hydrogen_capacity",
)


def declare(
    model: pyo.ConcreteModel, inputs: ModelInputs, *, elastic: bool, grouped_supply: bool = True
) -> None:
    """Declare sets and variables on ``model`` (hydrogen consumers in their supply groups
    where ``grouped_supply``, see :func:`fleetplan.optimiser.inputs.reductions.hydrogen_supply_groups`)."""
    m = model
    m.elastic = elastic
    m.T = pyo.Set(initialize=inputs.years, ordered=True)
    m.S = pyo.Set(initialize=list(inputs.segments.index), ordered=True)
    m.SK = pyo.Set(
        dimen=2,
        initialize=[(s, k) for s in inputs.segments.index for k in inputs.techs[s]],
        ordered=True,
    )
    m.SKT = pyo.Set(
        dimen=3, initialize=[(s, k, t) for (s, k) in m.SK for t in inputs.years], ordered=True
    )
    m.B = pyo.Set(dimen=3, initialize=inputs.buy_allowed, ordered=True)
    zev_keys = [(s, k, t) for (s, k, t) in inputs.buy_allowed if k in ("bev", "fcev")]
    m.BZ = pyo.Set(dimen=3, initialize=zev_keys, ordered=True)
    m.P = pyo.Set(initialize=sorted(inputs.programme_caps_hkd), ordered=True)
    # Programme-years with a payment to choose, and the levels on offer.
    open_years: dict[str, set[int]] = {}
    levels_of: dict[str, int] = {}
    multi: list[tuple[str, int, int]] = []
    for (s, t), regimes in inputs.regimes.items():
        for p, level in regimes[-1].levels.items():
            open_years.setdefault(p, set()).add(t)
            levels_of[p] = max(levels_of.get(p, 0), level + 1)
        if len(regimes) > 1:
            multi.extend((s, t, r.regime_id) for r in regimes)
    m.PT = pyo.Set(
        dimen=2, initialize=sorted((p, t) for p, ys in open_years.items() for t in ys), ordered=True
    )
    m.PTL = pyo.Set(
        dimen=3,
        initialize=[(p, t, level) for p, t in m.PT for level in range(levels_of[p])],
        ordered=True,
    )
    # Purchase regimes of segment-years where some payment is chosen.
    m.R = pyo.Set(dimen=3, initialize=multi, ordered=True)
    m.D = pyo.Set(initialize=list(inputs.depot_sites.index), ordered=True)
    m.C = pyo.Set(initialize=inputs.public_sites, ordered=True)
    m.Z = pyo.Set(initialize=list(inputs.zones.index), ordered=True)
    m.ZC = pyo.Set(dimen=2, initialize=inputs.zone_site_pairs, ordered=True)
    m.H = pyo.Set(initialize=inputs.h2_sites, ordered=True)
    #: model consumer -> the consumers it stands for (itself, or its supply group's members)
    m.supply_members = inputs.supply_consumers(grouped=grouped_supply)
    m.U = pyo.Set(initialize=list(m.supply_members), ordered=True)
    m.UH = pyo.Set(dimen=2, initialize=inputs.supply_pairs(grouped=grouped_supply), ordered=True)
    m.Q = pyo.Set(initialize=sorted(inputs.cover_rows), ordered=True)
    m.G = pyo.Set(initialize=list(inputs.targets.index), ordered=True)
    # sites that may need grid capacity for chargers
    grid_sites = sorted(set(inputs.depot_sites["site_id"]) | set(inputs.public_sites))
    m.I = pyo.Set(initialize=grid_sites, ordered=True)

    m.buy = pyo.Var(m.B, within=pyo.NonNegativeReals)
    # Today's incumbent vehicles still in service; a variable only when early retirement is allowed.
    m.remaining_initial = pyo.Var(m.S, m.T, within=pyo.NonNegativeReals)
    m.stock = pyo.Var(m.SKT, within=pyo.NonNegativeReals)
    m.payment_level = pyo.Var(m.PTL, within=pyo.Binary)
    m.regime_purchases = pyo.Var(m.R, within=pyo.NonNegativeReals)
    m.blocked = pyo.Var(m.BZ, within=pyo.NonNegativeReals)
    m.blocked_penalised = pyo.Var(m.BZ, within=pyo.NonNegativeReals)
    #: willing purchases no plan can serve (vehicles), set by optimiser.servability before the solve
    m.unservable = pyo.Param(m.BZ, mutable=True, default=0.0, within=pyo.NonNegativeReals)
    # Depot chargers are counted in tens to hundreds per depot: continuous counts (rounded up
    # in the results) cost at most one charger per depot and year, and leave HiGHS's branching
    # to stations, public sites and payment levels, where integrality matters. Public sites
    # hold a few chargers each, so they stay whole.
    m.depot_chargers = pyo.Var(m.D, m.T, within=pyo.NonNegativeReals)
    m.public_chargers = pyo.Var(m.C, m.T, within=pyo.NonNegativeIntegers)
    m.grid_order = pyo.Var(m.I, m.T, within=pyo.NonNegativeReals)
    m.taxi_energy = pyo.Var(m.ZC, m.T, within=pyo.NonNegativeReals)
    m.taxi_unserved = pyo.Var(m.Z, m.T, within=pyo.NonNegativeReals)
    m.h2_built = pyo.Var(m.H, m.T, within=pyo.Binary)
    m.h2_open = pyo.Var(m.H, m.T, within=pyo.Binary)
    # A station's size is continuous (its fixed cost is the binary build decision): whole modules
    # added nothing a planner reads at this resolution, yet made the default 3x slower to certify
    # within HK$30m (measured: optimal in 115 s against stopped at a HK$31m gap after 250 s).
    # Results give whole modules, rounded up, beside the model's size.
    m.h2_modules = pyo.Var(m.H, m.T, within=pyo.NonNegativeReals)
    m.h2_supply = pyo.Var(m.UH, m.T, within=pyo.NonNegativeReals)
    m.target_short = pyo.Var(m.G, within=pyo.NonNegativeReals)

    m.slacks = pyo.VarList(within=pyo.NonNegativeReals)
    m.slack_index = {}


def slack(model: pyo.ConcreteModel, family: str, key: object, scale: float = 1.0) -> Expr:
    """A fresh non-negative slack for one row of ``family`` in an elastic model, else 0.

    ``scale`` converts the row's units to a common measure so slacks of
    different families can be summed in the diagnosis objective.
    """
    if not model.elastic:
        return 0
    var = model.slacks.add()
    model.slack_index[var.index()] = (family, key, scale)
    return var


def row(relation: Expr) -> Expr:
    """A constraint rule's result, with relations that Python already decided handled.

    Empty sums make some rows plain booleans: a true one is skipped; a false
    one is an error in the data preparation, never silently dropped.
    """
    if relation is True:
        return pyo.Constraint.Skip
    if relation is False:
        return pyo.Constraint.Infeasible
    return relation


def non_decreasing(model: pyo.ConcreteModel, var: pyo.Var, index_set: pyo.Set) -> pyo.Constraint:
    """var[i,t] ≥ var[i,t−1] for every i and year after the first: assets are kept once built."""
    first = model.T.first()
    return pyo.Constraint(
        index_set,
        model.T,
        rule=lambda m, i, t: (
            pyo.Constraint.Skip if t == first else var[i, t] >= var[i, m.T.prev(t)]
        ),
    )
