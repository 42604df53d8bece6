"""Uptake (operators' response to the payment on offer), payment levels, programme caps, budget.

Behaviour and policy are kept apart. Behaviour is data (:mod:`fleetplan.optimiser.uptake`):
for every regime r of segment s in year t (one combination of the payment levels
of the programmes open to it) the share of purchases going to each zero-emission
technology. Policy is the decision: which payment level each programme offers in
each of its years.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.numvalue import is_constant

from fleetplan.optimiser.formulation.expressions import (
    HKD_M,
    paid_regimes,
    public_infrastructure_hkd_m,
    purchases_under,
    spend_hkd_m,
    total_purchases,
)
from fleetplan.optimiser.formulation.variables import Expr, row, slack
from fleetplan.optimiser.inputs import ModelInputs

#: The valid inequalities of :func:`_add_unpaid_only_once_reached`: they tighten the LP
#: relaxation and cut off no plan.
MONEY_OUT_CUTS = ("unpaid_only_once_cap_reached", "unpaid_only_once_budget_reached")

#: The rows that make a scheme paid as announced pay (:func:`add_announced_payment`): a
#: no-payment solve (the servability pre-solve) sets them aside.
ANNOUNCED_PAYMENT_ROWS = ("announced_amount", "unpaid_only_when_money_out", *MONEY_OUT_CUTS)


def _most_purchases(model: pyo.ConcreteModel, inputs: ModelInputs) -> dict[tuple[str, int], float]:
    """(segment, year) -> the most vehicles the segment can buy that year (its fleet where
    :func:`fleetplan.optimiser.inputs.technologies.most_purchases` gives no bound)."""
    fleet = inputs.segments["fleet"].to_dict()
    return {
        (s, t): float(inputs.most_purchases.get((s, t), fleet[s])) for s in model.S for t in model.T
    }


@contextlib.contextmanager
def money_out_cuts_set_aside(model: pyo.ConcreteModel) -> Iterator[None]:
    """:data:`MONEY_OUT_CUTS` deactivated within the block.

    For the marginal values' fixed-integer LP: with every integer held they add nothing, and a
    money limit raised there would leave them at the old limit (they read the caps of other
    programmes as numbers), so they could hold a raised cap's value at zero.
    """
    rows = [
        c for name in MONEY_OUT_CUTS if (c := model.find_component(name)) is not None and c.active
    ]
    for rows_of_family in rows:
        rows_of_family.deactivate()
    try:
        yield
    finally:
        for rows_of_family in rows:
            rows_of_family.activate()


def add_uptake(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Operators' response to the payment on offer.

    Zero-emission purchases: buy[s,k,t] + blocked[s,k,t] = Σ_r share[s,k,t,r] × purchases[s,t,r]
    (≥ in segment-years under an operator's fleet pledge, see :mod:`.fleet`),
    where purchases[s,t,r] is all of the segment's purchases in a segment-year with one
    regime, and otherwise a variable with Σ_r purchases[s,t,r] = Σ_k buy[s,k,t].
    The share is what operators do at that payment: those whose net gap is closed buy
    (a floor, so purchases that pay for the operator cannot be suppressed), no one else
    does (so a payment works only where it closes someone's gap). Retirements of
    zero-emission vehicles are replaced by the same rule, not like for like by default.
    blocked[s,k,t] (reported) is uptake the plan cannot serve for lack of chargers, grid or
    hydrogen; only its part beyond unservable[s,k,t], what no plan can serve (found before the
    solve, :mod:`fleetplan.optimiser.servability`), is penalised: blocked ≤ unservable + penalised.

    Regime follows the chosen level: Σ_{r: level_p(r) = l} purchases[s,t,r] ≤ most[s,t] ×
    payment_level[p,t,l] for every level l > 0 (most[s,t]: the most vehicles s can buy in t,
    :func:`fleetplan.optimiser.inputs.technologies.most_purchases`; the fleet would let the LP
    relaxation pay a level with a sliver of it switched on), and Σ_l payment_level[p,t,l] = 1
    for every programme-year: one payment per programme and year. Purchases may also be made under
    the zero level: the programme then pays its level to a *quota*, a share of the year's
    purchases (taken evenly across operators, so free riders get their proportional part
    of the quota), as schemes with a vehicle quota or a programme cap do.
    """
    m = model
    most = _most_purchases(m, inputs)

    def share_rule(m: pyo.ConcreteModel, s: str, k: str, t: int) -> Expr:
        regimes = inputs.regimes[(s, t)]
        offered = sum(
            r.share.get(k, 0.0) * purchases_under(m, inputs, (s, t, r.regime_id)) for r in regimes
        )
        if (s, t) in inputs.incumbent_cap:
            # Under a fleet pledge the year's purchases include replacements of incumbents retired
            # early on duties a zero-emission bus can run: the share is then a floor, so those
            # replacements may all be zero-emission (an equality would split them by duty and buy
            # new diesel for the duties that stay diesel, whose old buses need not retire).
            return row(m.buy[s, k, t] + m.blocked[s, k, t] >= offered)
        return row(m.buy[s, k, t] + m.blocked[s, k, t] == offered)

    m.uptake = pyo.Constraint(m.BZ, rule=share_rule)
    # Only uptake beyond what no plan can serve is penalised: blocked ≤ unservable + penalised.
    m.blocked_beyond_unservable = pyo.Constraint(
        m.BZ,
        rule=lambda m, s, k, t: (
            m.blocked[s, k, t] <= m.unservable[s, k, t] + m.blocked_penalised[s, k, t]
        ),
    )
    refuelling = inputs.segments["refuelling"].to_dict()
    for s, k, t in m.BZ:
        # A zone-charged vehicle (taxi, minibus) needs no infrastructure the plan could withhold:
        # charging it cannot serve is the penalised unserved-charging shortfall, never a blocked purchase.
        if refuelling[s] == "zone":
            m.blocked[s, k, t].fix(0.0)
            m.blocked_penalised[s, k, t].fix(0.0)

    multi = sorted({(s, t) for (s, t, _) in m.R})
    m.regime_total = pyo.Constraint(
        multi,
        rule=lambda m, s, t: (
            sum(m.regime_purchases[s, t, r.regime_id] for r in inputs.regimes[(s, t)])
            == total_purchases(m, inputs, s, t)
        ),
    )
    m.one_level = pyo.Constraint(
        m.PT,
        rule=lambda m, p, t: (
            sum(m.payment_level[p, t, lv] for (pp, tt, lv) in m.PTL if pp == p and tt == t) == 1
        ),
    )

    # A zero payment needs no decision: purchases outside the quota of the level chosen
    # face no payment. (A programme whose levels exclude 0 pays every purchase.)
    fraction = inputs.programme_levels
    links = sorted(
        {
            (s, t, p, r.levels[p])
            for (s, t) in multi
            for r in inputs.regimes[(s, t)]
            for p in r.levels
            if fraction[p][r.levels[p]] > 0
        }
    )
    m.regime_link_index = pyo.Set(dimen=4, initialize=links, ordered=True)

    def follows_level(m: pyo.ConcreteModel, s: str, t: int, p: str, level: int) -> Expr:
        under = [r.regime_id for r in inputs.regimes[(s, t)] if r.levels.get(p) == level]
        return (
            sum(m.regime_purchases[s, t, r] for r in under)
            <= most[(s, t)] * m.payment_level[p, t, level]
        )

    m.regime_follows_level = pyo.Constraint(m.regime_link_index, rule=follows_level)


def add_announced_payment(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Schemes paid as announced: their amount to every eligible purchase, first come, first served,
    until the money runs out.

    A programme p paid as announced offers its amount in every year of its window
    (payment_level[p,t,a] = 1). A purchase without it (under a regime where p pays nothing) is
    possible in year t only once the money has run out by the end of t:
        Σ_{s,r: p pays 0 under r} purchases[s,t,r] ≤ fleet[p,t] × (cap_spent[p,t] + budget_spent[t] + year_spent[t]),
        Σ_{τ≤t} spend[p,τ] ≥ cap[p] × cap_spent[p,t],
        Σ_{τ≤t} Σ_q spend[q,τ] (+ public infrastructure where it counts) ≥ budget × budget_spent[t],
        Σ_q spend[q,t] ≥ limit[t] × year_spent[t]   (years with a limit; else year_spent = 0),
    with cap_spent, budget_spent and year_spent binary and fleet[p,t] the most vehicles the
    segments p is open to can buy in t. Once the money is out, which purchases miss it is the
    plan's least-cost choice within the year, not their order of arrival. Two valid
    inequalities per programme-year tighten the LP relaxation of these rows
    (:func:`_add_unpaid_only_once_reached`); they cut off no plan.
    """
    m = model
    announced = inputs.announced_programmes
    multi = sorted({(s, t) for (s, t, _) in m.R})
    most = _most_purchases(m, inputs)
    # (programme, year) -> the regime purchases in which the programme pays nothing
    unpaid: dict[tuple[str, int], list[tuple[str, int, int]]] = {}
    eligible_fleet: dict[tuple[str, int], float] = {}
    for s, t in multi:
        for p in announced:
            under_zero = [
                (s, t, r.regime_id) for r in inputs.regimes[(s, t)] if r.levels.get(p) == 0
            ]
            if under_zero:
                unpaid.setdefault((p, t), []).extend(under_zero)
                eligible_fleet[(p, t)] = eligible_fleet.get((p, t), 0.0) + most[(s, t)]
    keys = sorted(unpaid)
    years = sorted({t for _, t in keys})
    m.ANNOUNCED = pyo.Set(dimen=2, initialize=keys, ordered=True)
    m.announced_years = pyo.Set(initialize=years, ordered=True)
    m.cap_spent = pyo.Var(m.ANNOUNCED, within=pyo.Binary)
    m.budget_spent = pyo.Var(m.announced_years, within=pyo.Binary)
    m.year_spent = pyo.Var(m.announced_years, within=pyo.Binary)
    levels = inputs.programme_levels
    top = {p: len(levels[p]) - 1 for p in announced}
    m.announced_amount = pyo.Constraint(
        [(p, t) for (p, t) in m.PT if p in top],
        rule=lambda m, p, t: m.payment_level[p, t, top[p]] == 1,
    )
    m.unpaid_only_when_money_out = pyo.Constraint(
        m.ANNOUNCED,
        rule=lambda m, p, t: (
            sum(m.regime_purchases[key] for key in unpaid[(p, t)])
            <= eligible_fleet[(p, t)] * (m.cap_spent[p, t] + m.budget_spent[t] + m.year_spent[t])
        ),
    )
    m.cap_spent_by = pyo.Constraint(
        m.ANNOUNCED,
        rule=lambda m, p, t: (
            sum(spend_hkd_m(m, inputs, programme=p, year=tau) for tau in m.T if tau <= t)
            >= inputs.programme_caps_hkd[p] / HKD_M * m.cap_spent[p, t]
        ),
    )
    # The infrastructure counted against the budget is its whole horizon's, so by year t the
    # budget may count as spent slightly early (max_abatement with infrastructure in the budget only).
    counted = (
        public_infrastructure_hkd_m(m, inputs)
        if inputs.scenario.objective == "max_abatement"
        and inputs.scenario.max_abatement.infrastructure == "budget"
        else 0
    )
    m.budget_spent_by = pyo.Constraint(
        m.announced_years,
        rule=lambda m, t: row(
            sum(spend_hkd_m(m, inputs, year=tau) for tau in m.T if tau <= t) + counted
            >= m.budget_hkd_m * m.budget_spent[t]
        ),
    )
    for t in years:
        if t not in inputs.yearly_limit_hkd:
            m.year_spent[t].fix(0)
    _add_unpaid_only_once_reached(m, inputs, unpaid, eligible_fleet, most, counted)
    m.year_spent_by = pyo.Constraint(
        [t for t in years if t in inputs.yearly_limit_hkd],
        rule=lambda m, t: row(
            spend_hkd_m(m, inputs, year=t) >= inputs.yearly_limit_hkd[t] / HKD_M * m.year_spent[t]
        ),
    )


def _add_unpaid_only_once_reached(
    model: pyo.ConcreteModel,
    inputs: ModelInputs,
    unpaid: dict[tuple[str, int], list[tuple[str, int, int]]],
    eligible_fleet: dict[tuple[str, int], float],
    most: dict[tuple[str, int], float],
    counted: Any,
) -> None:
    """The money-ran-out rows made as tight as one year's purchases allow (valid inequalities).

    For a programme p paid as announced in year t, with U its unpaid purchases, W its paid ones
    (U + W ≤ E, E the most its segments can buy in t), c the most it pays per purchase (HK$m)
    and F the most it can pay in t to segments outside U and W (none for a scheme paid as
    announced today: its segments all have a zero level): its money runs out in t only if what
    it paid before t plus c·W + F reaches the limit, so (written times c, in HK$m)
        c·U ≤ c·E·(budget_spent + year_spent) + (c·E − (cap − F))·cap_spent + spend[p, <t],
        c·U ≤ c·E·(cap_spent + year_spent) + (c·E − (budget − K − F))·budget_spent + spend[Q, <t] + counted,
    where by t each other programme q has paid at most its cap (q counted in K) or what it paid
    before t (q in Q, with p) plus the most it can pay in t (counted in K), whichever is less
    as the data stand. Each holds at every integer point of
    :func:`add_announced_payment`'s rows (none spent: U = 0), so no plan is cut off; but the LP
    relaxation can no longer leave a sliver of the money "run out" in a year where a whole year's
    purchases cannot spend what is left (the big cities' root gap was mostly that).
    """
    m = model
    # (programme, year) -> the segments whose purchases count in U and W
    segments_of = {(p, t): {s for (s, _, _) in keys} for (p, t), keys in unpaid.items()}
    # HK$m per purchase, the most each (programme, year, segment) can pay
    per_purchase: dict[tuple[str, int, str], float] = {}
    for (s, t, _), p, _, hkd, share in paid_regimes(inputs):
        key = (p, t, s)
        per_purchase[key] = max(per_purchase.get(key, 0.0), hkd / HKD_M * share)
    # c of the docstring, and F
    rate = {
        (p, t): max(
            (v for (q, tt, s), v in per_purchase.items() if q == p and tt == t and s in segs),
            default=0.0,
        )
        for (p, t), segs in segments_of.items()
    }
    outside = {
        (p, t): sum(
            v * most[(s, t)]
            for (q, tt, s), v in per_purchase.items()
            if q == p and tt == t and s not in segs
        )
        for (p, t), segs in segments_of.items()
    }
    # HK$m, the most each (programme, year) can pay
    most_paid: dict[tuple[str, int], float] = {}
    for (q, t, s), value in per_purchase.items():
        most_paid[(q, t)] = most_paid.get((q, t), 0.0) + value * most[(s, t)]
    rows = [key for key in m.ANNOUNCED if rate[key] > 0]

    def unpaid_purchases(p: str, t: int) -> Expr:
        return sum(m.regime_purchases[key] for key in unpaid[(p, t)])

    def spent_before(t: int, programme: str | None = None) -> Expr:
        return sum(spend_hkd_m(m, inputs, programme=programme, year=tau) for tau in m.T if tau < t)

    # Each row is written times c, in HK$m like the other money rows.
    def cap_reached(m: pyo.ConcreteModel, p: str, t: int) -> Expr:
        E, c = eligible_fleet[(p, t)], rate[(p, t)]
        needed_hkd_m = inputs.programme_caps_hkd[p] / HKD_M - outside[(p, t)]
        return row(
            c * unpaid_purchases(p, t)
            <= c * E * (m.budget_spent[t] + m.year_spent[t])
            + (c * E - needed_hkd_m) * m.cap_spent[p, t]
            + spent_before(t, p)
        )

    def budget_reached(m: pyo.ConcreteModel, p: str, t: int) -> Expr:
        E, c = eligible_fleet[(p, t)], rate[(p, t)]
        # What another programme q can have paid by t: its cap (a hard row, except in the
        # elastic diagnosis model), or what it paid before t plus the most it can pay in t.
        capped = {
            q
            for q in m.P
            if q != p
            and not m.elastic
            and inputs.programme_caps_hkd[q] / HKD_M <= most_paid.get((q, t), 0.0)
        }
        others = sum(inputs.programme_caps_hkd[q] / HKD_M for q in capped) + sum(
            most_paid.get((q, t), 0.0) for q in m.P if q != p and q not in capped
        )
        before = spent_before(t, p) + sum(
            spent_before(t, q) for q in m.P if q != p and q not in capped
        )
        # the budget is a Param: a re-solve after a budget change sets this row's coefficient
        # again (optimiser.lever_changes)
        needed_hkd_m = m.budget_hkd_m - others - outside[(p, t)]
        return row(
            c * unpaid_purchases(p, t)
            <= c * E * (m.cap_spent[p, t] + m.year_spent[t])
            + (c * E - needed_hkd_m) * m.budget_spent[t]
            + before
            + counted
        )

    m.unpaid_only_once_cap_reached = pyo.Constraint(rows, rule=cap_reached)
    m.unpaid_only_once_budget_reached = pyo.Constraint(rows, rule=budget_reached)


def add_programme_caps(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Programme cap: Σ_t spend[p,t] ≤ cap[p] for every programme p (HK$)."""
    m = model
    m.programme_cap = pyo.Constraint(
        m.P,
        rule=lambda m, p: row(
            spend_hkd_m(m, inputs, programme=p)
            <= inputs.programme_caps_hkd[p] / HKD_M + slack(m, "programme_caps", p, 1.0)
        ),
    )


def add_budget(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Total budget Σ_{p,t} spend[p,t] (+ public infrastructure where the scenario counts it) ≤ budget;
    yearly limits Σ_p spend[p,t] ≤ limit[t] where set (HK$)."""
    m = model
    counted = (
        public_infrastructure_hkd_m(m, inputs)
        if inputs.scenario.objective == "max_abatement"
        and inputs.scenario.max_abatement.infrastructure == "budget"
        else 0
    )
    # A Param, not a number: a re-solve after a budget change sets it on the model it already
    # has (optimiser.lever_changes) instead of building the model again.
    m.budget_hkd_m = pyo.Param(initialize=inputs.budget_hkd / HKD_M, mutable=True)
    spent = spend_hkd_m(m, inputs) + counted
    # with nothing to spend on (no programme) the row is decided here, as a number
    allowed = m.budget_hkd_m if not is_constant(spent) else inputs.budget_hkd / HKD_M
    m.budget = pyo.Constraint(
        rule=lambda m: row(spent <= allowed + slack(m, "budget", "total", 1.0))
    )
    limited = [t for t in m.T if t in inputs.yearly_limit_hkd]
    m.yearly_limit = pyo.Constraint(
        limited,
        rule=lambda m, t: row(
            spend_hkd_m(m, inputs, year=t)
            <= inputs.yearly_limit_hkd[t] / HKD_M + slack(m, "yearly_limits", t, 1.0)
        ),
    )
