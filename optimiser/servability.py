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
from fleetplan.optimiser.solver import HandedOver, SolverOptions, solve

#: Below this (vehicles) a value is solver noise, not unservable uptake.
_NOISE = 1e-6


def find_unservable(
    model: pyo.ConcreteModel,
    inputs: ModelInputs,
    options: SolverOptions,
    *,
    handed: HandedOver | None = None,
    reuse_basis: bool = False,
) -> dict[tuple[str, str, int], float]:
    """Set ``model.unservable`` to the uptake no plan can serve and return it (vehicles, nonzero only);
    set ``model.unservable_pledge`` to the part of operators' fleet pledges no plan can serve.

    The model is restored as it was (integrality, fixed values, objective) before returning.
    With ``handed`` (the model already in HiGHS for the plan's solve), the LP is that HiGHS
    model with its integers relaxed, payment levels held, announced-payment rows freed and
    this objective (no second hand-over); it is put back as it was, with the rows that read
    the values found here updated, ready for the plan's solve. With ``reuse_basis`` (a re-solve
    from a previous plan) that LP starts from the optimal basis of the last servability LP of a
    model with the same structure (:mod:`.basis_memory`).
    """
    m = model
    if not len(m.BZ) or inputs.scenario.blocked_uptake_penalty_hkd_per_vehicle <= 0:
        return {}
    lp = SolverOptions(
        time_limit_s=options.time_limit_s,
        mip_rel_gap=0.0,
        threads=options.threads,
        interface=options.interface,
        lp_guided_start=False,
    )
    if handed is not None:
        values = _least_unservable_in(handed, m, inputs, lp, reuse_basis=reuse_basis)
        if values is not None:
            _set_unservable(m, *values, handed)
            return values[0]
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
    announced_rows = [
        c for name in ANNOUNCED_PAYMENT_ROWS if (c := m.component(name)) is not None and c.active
    ]
    for rows in announced_rows:
        rows.deactivate()
    active = list(m.component_objects(pyo.Objective, active=True))
    for objective in active:
        objective.deactivate()
    m._servability = pyo.Objective(expr=_least_unserved(m, inputs), sense=pyo.minimize)
    found: dict[tuple[str, str, int], float] = {}
    short: dict[tuple[str, int], float] = {}
    try:
        report = solve(m, lp)
        if report.has_solution:
            found, short = _read_unserved(m, lambda var: pyo.value(var, exception=False))
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
    _set_unservable(m, found, short, handed)
    return found


def _least_unserved(m: pyo.ConcreteModel, inputs: ModelInputs) -> Any:
    """The LP's objective: blocked uptake, discounted, plus operators' fleet pledges short, weighted
    per vehicle-year as the penalty weighs them."""
    life = {
        s: inputs.lifetime[
            (inputs.segments.at[s, "vehicle_type"], inputs.segments.at[s, "incumbent"])
        ]
        for s in m.S
    }
    return sum(inputs.discount[t] * m.blocked[s, k, t] for (s, k, t) in m.BZ) + sum(
        inputs.period_discount[t] / life[s] * m.pledge_short[s, t] for (s, t) in m.FLEET_PLEDGE
    )


def _read_unserved(
    m: pyo.ConcreteModel, value_of: Any
) -> tuple[dict[Any, float], dict[Any, float]]:
    """(blocked uptake, pledges short) above solver noise, by key, from ``value_of(variable)``."""
    found: dict[Any, float] = {}
    short: dict[Any, float] = {}
    for key in m.BZ:
        value = value_of(m.blocked[key]) or 0.0
        if value > _NOISE:
            found[key] = float(value)
    for key in m.FLEET_PLEDGE:
        value = value_of(m.pledge_short[key]) or 0.0
        if value > _NOISE:
            short[key] = float(value)
    return found, short


def _set_unservable(
    m: pyo.ConcreteModel,
    found: dict[Any, float],
    short: dict[Any, float],
    handed: HandedOver | None,
) -> None:
    """Set the Params, and the rows that read them in ``handed`` (as a fresh hand-over would)."""
    for key in m.BZ:
        m.unservable[key] = found.get(key, 0.0)
    for key in m.FLEET_PLEDGE:
        m.unservable_pledge[key] = short.get(key, 0.0)
    if handed is not None:
        from fleetplan.optimiser.highs_layer import refresh_rows

        refresh_rows(
            handed,
            [*m.blocked_beyond_unservable.values(), *m.pledge_short_beyond_unservable.values()],
        )


def _least_unservable_in(
    handed: HandedOver,
    m: pyo.ConcreteModel,
    inputs: ModelInputs,
    lp: SolverOptions,
    *,
    reuse_basis: bool = False,
) -> tuple[dict[Any, float], dict[Any, float]] | None:
    """The servability LP on the handed-over model, put back afterwards; None (nothing changed)
    when its objective reads a variable the hand-over left out."""
    import highspy

    from fleetplan.optimiser import basis_memory
    from fleetplan.optimiser.highs_core import apply_options
    from fleetplan.optimiser.highs_layer import HandedEdits

    edits = HandedEdits(handed)
    if not edits.replace_objective(_least_unserved(m, inputs)):
        return None
    try:
        edits.relax_integers()
        # operators' no-payment response: every programme-year at its lowest payment level
        edits.fix_columns(
            [(m.payment_level[p, t, level], 1.0 if level == 0 else 0.0) for p, t, level in m.PTL]
        )
        # a scheme paid as announced would force its payment on: here nothing is paid
        edits.free_rows(
            [
                row
                for name in ANNOUNCED_PAYMENT_ROWS
                if (c := m.component(name)) is not None and c.active
                for row in c.values()
            ]
        )
        apply_options(handed.highs, lp)
        highs = handed.highs
        fingerprint = basis_memory.structure_fingerprint(highs.getLp())
        if reuse_basis:
            basis_memory.start_from_earlier("servability", fingerprint, highs)
        highs.run()
        if highs.getInfo().primal_solution_status != 2:
            return {}, {}
        if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            basis_memory.remember("servability", fingerprint, highs)
        column = highs.getSolution().col_value
        return _read_unserved(
            m, lambda var: column[edits.columns[id(var)]] if id(var) in edits.columns else None
        )
    finally:
        edits.restore()
        handed.log.clear()  # the plan's log starts with the plan's solve


def unservable_note(unservable: dict[tuple[str, str, int], float], inputs: ModelInputs) -> str:
    """One sentence: willing purchases no plan can serve, by class and technology (vehicles)."""
    from fleetplan.optimiser.messages import ModelText

    vehicle_class = inputs.segments["vehicle_class"].to_dict()
    totals: dict[str, float] = {}
    for (s, k, _t), value in unservable.items():
        label = f"{vehicle_class[s]} {k}"
        totals[label] = totals.get(label, 0.0) + value
    shown = ", ".join(
        f"{label} {value:,.0f}"
        for label, value in sorted(totals.items(), key=lambda item: -item[1])
    )
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
    shown = "; ".join(
        f"{o} {v:,.0f}" for o, v in sorted(by_year[year].items(), key=lambda item: -item[1])
    )
    return ModelText(
        "unservable_pledge",
        vehicles=f"{sum(by_year[year].values()):,.0f}",
        year=year,
        by_operator=shown,
    )
