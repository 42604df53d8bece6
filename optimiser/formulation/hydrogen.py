"""Hydrogen stations, hydrogen supply to buses and trucks, and flow refuelling of truck corridors."""

from __future__ import annotations

import math

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.variables import Expr, non_decreasing, row, slack
from fleetplan.optimiser.inputs import ModelInputs


def existing_h2_kg_day(inputs: ModelInputs, site: str, year: int) -> float:
    """Hydrogen capacity in service or committed at ``site`` in ``year`` (kg/day)."""
    return inputs.h2_existing_kg_day.get((site, year), 0.0)


def max_modules(inputs: ModelInputs, site: str) -> float:
    """Modules ``site`` may add: its own limit where the dataset gives one, else the global ceiling."""
    return float(inputs.h2_max_modules.get(site, inputs.infrastructure["h2_station_max_modules"]))


def largest_kg_day(inputs: ModelInputs, site: str, year: int) -> float:
    """The most hydrogen ``site`` can sell in ``year`` (kg/day): what is there plus every module it may add."""
    return existing_h2_kg_day(inputs, site, year) + inputs.infrastructure[
        "h2_module_kg_day"
    ] * max_modules(inputs, site)


def add_station_logic(
    model: pyo.ConcreteModel, inputs: ModelInputs, *, reduced: bool = True
) -> None:
    """Station build, open/close and modules.

    built[h,t] ≥ built[h,t−1] (a station, once built, stays built);
    open[h,t] ≤ built[h,t] (a built station may be mothballed to save O&M, or
    open = built when the scenario forbids closure);
    modules[h,t] ≥ modules[h,t−1] and modules[h,t] ≤ max modules[h] × built[h,t] (the
    site's own limit where known, else the global ceiling);
    operating modules[h,t] ≥ modules[h,t] − max modules[h] × (1 − open[h,t]) (they pay O&M).
    Stations in service or committed today are built (at no cost) from their year.
    A site no consumer can reach and with nothing in service (``inputs.idle_h2_sites``) is
    never built: its decisions are fixed at zero and its rows left out (``reduced=False``
    keeps them as decisions).
    """
    m = model
    idle = set(inputs.idle_h2_sites) if reduced else set()
    for h in idle:
        for t in m.T:
            for var in (m.h2_built, m.h2_open, m.h2_modules):
                var[h, t].fix(0)
    m.H_BUSY = pyo.Set(initialize=[h for h in m.H if h not in idle], ordered=True)
    busy = m.H_BUSY

    m.h2_built_kept = non_decreasing(m, m.h2_built, busy)
    if inputs.scenario.allow_station_closure:
        m.h2_open_if_built = pyo.Constraint(
            busy, m.T, rule=lambda m, h, t: m.h2_open[h, t] <= m.h2_built[h, t]
        )
    else:
        m.h2_open_if_built = pyo.Constraint(
            busy, m.T, rule=lambda m, h, t: m.h2_open[h, t] == m.h2_built[h, t]
        )

    m.h2_modules_kept = non_decreasing(m, m.h2_modules, busy)
    m.h2_modules_if_built = pyo.Constraint(
        busy,
        m.T,
        rule=lambda m, h, t: m.h2_modules[h, t] <= max_modules(inputs, h) * m.h2_built[h, t],
    )
    # Modules in operation pay O&M: all of them while the station is open, none while
    # it is mothballed (≥ is enough: the objective keeps it as small as allowed).
    m.h2_modules_operating = pyo.Var(m.H, m.T, within=pyo.NonNegativeReals)
    for h in idle:
        for t in m.T:
            m.h2_modules_operating[h, t].fix(0)
    m.h2_modules_operating_if_open = pyo.Constraint(
        busy,
        m.T,
        rule=lambda m, h, t: (
            m.h2_modules_operating[h, t]
            >= m.h2_modules[h, t] - max_modules(inputs, h) * (1 - m.h2_open[h, t])
        ),
    )
    for h in m.H:
        for t in m.T:
            if existing_h2_kg_day(inputs, h, t) > 0:
                m.h2_built[h, t].fix(1)


def consumer_demand(
    model: pyo.ConcreteModel, inputs: ModelInputs, consumer: str, year: int
) -> Expr:
    """kg H2/day the fuel-cell vehicles of a consumer (a depot, or a corridor) need."""
    kind, ref = consumer.split(":", 1)
    pattern = "depot" if kind == "depot" else "corridor"
    ids = [s for s in inputs.segments_at.get((pattern, ref), []) if "fcev" in inputs.techs[s]]
    return sum(model.stock[s, "fcev", year] * inputs.energy_per_day[(s, "fcev", year)] for s in ids)


def add_hydrogen_supply(
    model: pyo.ConcreteModel, inputs: ModelInputs, *, reduced: bool = True, compact: bool = False
) -> None:
    """Hydrogen demand and station capacity.

    Demand: Σ_{h reachable by u} supply[u,h,t] = fuel-cell vehicles of u × kg/day
    (a depot's buses fill at stations within deadhead reach over the road graph;
    a truck flow fills at stations on its round-trip path).
    Capacity: Σ_u supply[u,h,t] ≤ existing kg/day[h,t] + module kg/day × modules[h,t],
    and Σ_u supply[u,h,t] ≤ (largest capacity) × open[h,t]: only open stations sell.
    Per consumer: supply[u,h,t] ≤ min(most u could need, largest capacity of h) × open[h,t];
    a supply group (consumers that may buy at the same stations) is one consumer u here, its
    demand and "most it could need" the sums of its members';
    where the station's largest capacity is the smaller, the row repeats the one before for a
    single consumer and is left out (``reduced=False`` keeps it). The compact form (``compact``,
    for big models: :func:`fleetplan.optimiser.inputs.reductions.use_compact_hydrogen`) buys
    per supply group and has no per-consumer rows: "only open stations sell" already says
    them for whole stations.
    """
    m = model
    infra = inputs.infrastructure
    module_kg = infra["h2_module_kg_day"]
    stations_of: dict[str, list[str]] = {}
    consumers_of: dict[str, list[str]] = {}
    for u, h in m.UH:
        stations_of.setdefault(u, []).append(h)
        consumers_of.setdefault(h, []).append(u)

    depot_users = {
        f"depot:{location}"
        for (pattern, location), ids in inputs.segments_at.items()
        if pattern == "depot" and any("fcev" in inputs.techs[s] for s in ids)
    }
    members = m.supply_members
    # a model consumer (a consumer, or a supply group) whose members run fuel-cell vehicles
    fcev_users = [
        u for u in m.U if any(v.startswith("flow:") or v in depot_users for v in members[u])
    ]

    def demand(m: pyo.ConcreteModel, u: str, t: int) -> Expr:
        need = sum(consumer_demand(m, inputs, v, t) for v in members[u])
        supplied = sum(m.h2_supply[u, h, t] for h in stations_of.get(u, []))
        return row(supplied / 1000.0 == need / 1000.0)

    m.h2_demand = pyo.Constraint(fcev_users, m.T, rule=demand)
    fcev_user_set = set(fcev_users)

    def capacity(m: pyo.ConcreteModel, h: str, t: int) -> Expr:
        if h not in consumers_of:
            return pyo.Constraint.Skip
        sold = sum(m.h2_supply[u, h, t] for u in consumers_of[h])
        return sold / 1000.0 <= (
            existing_h2_kg_day(inputs, h, t) + module_kg * m.h2_modules[h, t]
        ) / 1000.0 + slack(m, "hydrogen_capacity", (h, t), 1.0)

    m.h2_capacity = pyo.Constraint(m.H, m.T, rule=capacity)

    def only_open(m: pyo.ConcreteModel, h: str, t: int) -> Expr:
        if h not in consumers_of:
            return pyo.Constraint.Skip
        largest = largest_kg_day(inputs, h, t)
        return (
            sum(m.h2_supply[u, h, t] for u in consumers_of[h]) / 1000.0
            <= largest / 1000.0 * m.h2_open[h, t]
        )

    m.h2_only_open = pyo.Constraint(m.H, m.T, rule=only_open)

    if compact:
        m.h2_supply_if_open = pyo.ConstraintList()
        return
    # Strong form of "only open stations sell" (as in capacitated facility location): one
    # consumer buys from station h no more than it could ever need, times open[h,t]. Valid for
    # every integer plan, and it stops the LP relaxation from opening a sliver of a station for
    # each small consumer, which is what kept the default's bound far below its plans.
    most_of_consumer = _most_demand_kg_day(inputs)
    most = {
        (u, t): math.fsum(most_of_consumer.get((v, t), 0.0) for v in members[u])
        for u in m.U
        for t in m.T
    }

    def per_consumer(m: pyo.ConcreteModel, u: str, h: str, t: int) -> Expr:
        bound = min(most.get((u, t), 0.0), largest_kg_day(inputs, h, t))
        if u not in fcev_user_set or bound <= 0:
            return pyo.Constraint.Skip
        if reduced and most.get((u, t), 0.0) >= largest_kg_day(inputs, h, t):
            return pyo.Constraint.Skip  # implied by h2_only_open: supply ≥ 0 at the other consumers
        return m.h2_supply[u, h, t] / 1000.0 <= bound / 1000.0 * m.h2_open[h, t]

    m.h2_supply_if_open = pyo.Constraint(m.UH, m.T, rule=per_consumer)


def _cover_implied_by_supply(
    model: pyo.ConcreteModel, inputs: ModelInputs, *, compact: bool = False
) -> set[tuple[str, int]]:
    """(corridor, year) whose arc-cover rows the hydrogen rows of :func:`add_hydrogen_supply` imply.

    The corridor's demand row says Σ_{h ∈ S} supply[h,t] = fuel-cell trucks[t] × e[t] (S its
    supply stations), and every supply[h,t] ≤ c_h × open[h,t] (its per-consumer row, or the
    station's own "only open stations sell" row), so trucks[t] × e[t] ≤ Σ_{h ∈ S} c_h × open[h,t].
    When every c_h ≤ trucks of the corridor × e[t] and S lies inside every cover row K_j, that
    gives fuel-cell trucks[t] ≤ trucks × Σ_{h ∈ K_j} open[h,t]: the cover row, LP relaxation
    included. Where a condition fails (a station off some row, a bound above the fleet's
    need) the row stays.

    With ``compact`` rows the implication is for whole stations only: when S lies inside every
    cover row and the trucks need hydrogen (e[t] > 0), a plan with no station of S open sells
    the corridor (or its supply group) nothing, so its fuel-cell trucks are 0; with one open,
    every cover row already holds. The LP relaxation no longer has these rows.
    """
    fleet = inputs.segments["fleet"].to_dict()
    segment_of = inputs.corridors["segment_id"].to_dict()
    stations_of = _stations_of_consumer(inputs)
    most = _most_demand_kg_day(inputs)
    implied: set[tuple[str, int]] = set()
    for q, cover_rows in inputs.cover_rows.items():
        consumer, segment = f"flow:{q}", segment_of[q]
        stations = stations_of.get(consumer, [])
        on_corridor = inputs.segments_at.get(("corridor", q), [])
        if (
            not stations
            or on_corridor != [segment]
            or any(not set(stations) <= set(k) for k in cover_rows)
        ):
            continue
        for t in model.T:
            need_kg_day = fleet[segment] * inputs.energy_per_day[(segment, "fcev", t)]
            if need_kg_day <= 0:
                continue
            if compact:
                implied.add((q, t))
                continue
            bounds = [
                min(most.get((consumer, t), 0.0), largest_kg_day(inputs, h, t))
                if most.get((consumer, t), 0.0) > 0
                else largest_kg_day(inputs, h, t)
                for h in stations
            ]
            if max(bounds) <= need_kg_day:
                implied.add((q, t))
    return implied


def most_fuel_cell_trucks(inputs: ModelInputs, segment: str, year: int) -> float:
    """The most fuel-cell vehicles ``segment`` can have in service in ``year``: today's fuel-cell
    survivors plus, for every modelled year up to ``year``, the most it can buy that year
    (:attr:`ModelInputs.most_purchases`) times the largest fuel-cell share any payment regime
    gives (the uptake rows: buy + blocked = Σ_r share_r × purchases_r); at most its fleet.
    Under an operator's fleet pledge the share is a floor and the most purchases hold for
    least-cost plans only, so there every purchase up to the fleet counts: the bound reaches the
    fleet, and :func:`_add_trucks_need_an_open_station` keeps no row there. (Vintages retired
    by ``year`` are counted too: a tighter bound that drops them added 8 rows and 0.26 to the
    500-flow city's LP relaxation, session 12.)"""
    return most_fuel_cell_trucks_by_year(inputs, segment)[year]


def most_fuel_cell_trucks_by_year(inputs: ModelInputs, segment: str) -> dict[int, float]:
    """:func:`most_fuel_cell_trucks` for every modelled year at once (one pass over the years)."""
    fleet = float(inputs.segments.at[segment, "fleet"])
    out: dict[int, float] = {}
    bought = 0.0
    for year in inputs.years:
        most = inputs.most_purchases.get((segment, year), fleet)
        if (segment, year) in inputs.incumbent_cap:
            bought += most
        else:
            share = max(
                (r.share.get("fcev", 0.0) for r in inputs.regimes[(segment, year)]), default=0.0
            )
            bought += min(share, 1.0) * most
        out[year] = min(fleet, inputs.initial_stock.get((segment, "fcev", year), 0.0) + bought)
    return out


def _add_trucks_need_an_open_station(
    model: pyo.ConcreteModel, inputs: ModelInputs, implied: set[tuple[str, int]]
) -> None:
    """For the compact form: the cover rows it leaves out, written with fewer stations (the
    corridor's supply stations) and a smaller big-M (valid inequalities).

    For a corridor q whose arc-cover rows the compact form leaves out in year t (its supply
    stations S lie inside every cover row, :func:`_cover_implied_by_supply`):
        fuel-cell trucks of q's segment in t ≤ M[t] × Σ_{h ∈ S} open[h,t],
    M[t] the most fuel-cell trucks the segment can have in t (:func:`most_fuel_cell_trucks`).
    Every plan keeps it: with no station of S open the corridor is sold no hydrogen, so it has
    no fuel-cell trucks; with one open the row says no more than M. Kept only where M is below
    the fleet, the big-M the cover rows have. There, the LP relaxation can no longer serve
    a few early fuel-cell trucks with a sliver of a station: the 2,000-node city's plans blocked
    trucks in 2030-34 that its LP served with fractional stations (BENCHMARKS, session 12).
    """
    m = model
    fleet = inputs.segments["fleet"].to_dict()
    segment_of = inputs.corridors["segment_id"].to_dict()
    stations_of = _stations_of_consumer(inputs)
    keys = []
    most: dict[tuple[str, int], float] = {}
    by_segment: dict[str, dict[int, float]] = {}
    for q, t in sorted(implied):
        segment = segment_of[q]
        if "fcev" not in inputs.techs.get(segment, ()) or not stations_of.get(f"flow:{q}"):
            continue
        if segment not in by_segment:
            by_segment[segment] = most_fuel_cell_trucks_by_year(inputs, segment)
        bound = by_segment[segment][t]
        if bound < float(fleet[segment]):
            keys.append((q, t))
            most[(q, t)] = bound
    m.trucks_need_an_open_station = pyo.Constraint(
        keys,
        rule=lambda m, q, t: (
            m.stock[segment_of[q], "fcev", t]
            <= most[(q, t)] * sum(m.h2_open[h, t] for h in sorted(stations_of[f"flow:{q}"]))
        ),
    )


def _stations_of_consumer(inputs: ModelInputs) -> dict[str, list[str]]:
    """Consumer ("flow:q", "depot:x") -> the hydrogen stations it may buy at."""
    stations_of: dict[str, list[str]] = {}
    for u, h in inputs.h2_supply_pairs:
        stations_of.setdefault(u, []).append(h)
    return stations_of


def _most_demand_kg_day(inputs: ModelInputs) -> dict[tuple[str, int], float]:
    """(consumer, year) -> the most kg H2/day it could need: every vehicle of its fuel-cell
    segments that is not a survivor of today's fleet (which cannot leave early unless the
    scenario allows it, or an operator's fleet pledge makes it) running on hydrogen."""
    fleet = inputs.segments["fleet"].to_dict()
    early = inputs.scenario.allow_early_retirement
    out: dict[tuple[str, int], float] = {}
    for (pattern, ref), ids in inputs.segments_at.items():
        if pattern not in ("depot", "corridor"):
            continue
        consumer = f"{'depot' if pattern == 'depot' else 'flow'}:{ref}"
        for t in inputs.years:
            total = 0.0
            for s in ids:
                if "fcev" not in inputs.techs[s]:
                    continue
                survivors = (
                    0.0
                    if early
                    else sum(
                        inputs.initial_stock.get((s, k, t), 0.0)
                        for k in inputs.techs[s]
                        if k != "fcev"
                    )
                )
                room = max(fleet[s] - survivors, 0.0)
                if (s, t) in inputs.incumbent_cap:
                    # Under a fleet pledge today's vehicles may leave early (fleet.add_fleet_pledges),
                    # so survivors bound nothing; the zero-emission fleet is at most fleet − cap.
                    room = max(room, fleet[s] - inputs.incumbent_cap[(s, t)])
                total += room * inputs.energy_per_day[(s, "fcev", t)]
            out[(consumer, t)] = total
    return out


def add_flow_refuelling(
    model: pyo.ConcreteModel, inputs: ModelInputs, *, reduced: bool = True, compact: bool = False
) -> None:
    """Flow refuelling of truck corridors (arc-cover path-cover, Capar & Kuby 2012).

    fuel-cell trucks on q in t ≤ trucks[q] × Σ_{h ∈ K(q,a)} open[h,t] for every directed arc a
    of q's round trip, where K(q,a) are the stations from which arc a can be reached within
    range (rows already stripped of dominated supersets): trucks convert only on corridors
    they can actually drive round trip.

    This is the textbook pair refuelled[q,t] ≤ Σ_{h ∈ K(q,a)} open[h,t] and fuel-cell trucks
    ≤ trucks[q] × refuelled[q,t] with refuelled ∈ [0, 1] projected onto the trucks: refuelled
    appears nowhere else and the trucks never exceed trucks[q], so the two describe the same
    plans (LP relaxation included) with one row and one column fewer per corridor and year.

    A corridor's row is also left out in a year where its hydrogen rows already say it
    (:func:`_cover_implied_by_supply`). ``reduced=False`` builds the textbook pair with every
    row (the reference the reductions are tested against).
    """
    m = model
    fleet = inputs.segments["fleet"].to_dict()
    segment_of = inputs.corridors["segment_id"].to_dict()

    def runs_fcev(q: str) -> bool:
        segment = segment_of[q]
        return segment in inputs.techs and "fcev" in inputs.techs[segment]

    if reduced:
        # a corridor whose segment cannot run fuel cells needs no cover
        rows = [(q, j) for q in m.Q if runs_fcev(q) for j in range(len(inputs.cover_rows[q]))]
        m.QA = pyo.Set(dimen=2, initialize=rows, ordered=True)
        implied = _cover_implied_by_supply(m, inputs, compact=compact)

        def cover(m: pyo.ConcreteModel, q: str, j: int, t: int) -> Expr:
            if (q, t) in implied:
                return pyo.Constraint.Skip
            segment = segment_of[q]
            return row(
                m.stock[segment, "fcev", t]
                <= fleet[segment] * sum(m.h2_open[h, t] for h in sorted(inputs.cover_rows[q][j]))
            )

        m.arc_cover = pyo.Constraint(m.QA, m.T, rule=cover)
        if compact:
            _add_trucks_need_an_open_station(m, inputs, implied)
        return
    m.refuelled = pyo.Var(m.Q, m.T, bounds=(0, 1))
    rows = [(q, j) for q in m.Q for j in range(len(inputs.cover_rows[q]))]
    m.QA = pyo.Set(dimen=2, initialize=rows, ordered=True)
    m.arc_cover = pyo.Constraint(
        m.QA,
        m.T,
        rule=lambda m, q, j, t: row(
            m.refuelled[q, t] <= sum(m.h2_open[h, t] for h in sorted(inputs.cover_rows[q][j]))
        ),
    )

    def trucks_only_if_refuelled(m: pyo.ConcreteModel, q: str, t: int) -> Expr:
        if not runs_fcev(q):
            return pyo.Constraint.Skip
        segment = segment_of[q]
        return m.stock[segment, "fcev", t] <= fleet[segment] * m.refuelled[q, t]

    m.trucks_refuelled = pyo.Constraint(m.Q, m.T, rule=trucks_only_if_refuelled)
