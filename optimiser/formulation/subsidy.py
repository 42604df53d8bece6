"""Voluntary and subsidised uptake, programme caps, budget and yearly limits."""

from __future__ import annotations

import pyomo.environ as pyo

from optimiser.formulation.variables import row, slack
from optimiser.inputs import ModelInputs

#: Subsidy rows are written in HK$ million to keep coefficients near 1.
HKD_M = 1e6


def spend_hkd_m(model: pyo.ConcreteModel, inputs: ModelInputs, programme: str | None = None, year: int | None = None) -> object:
    """Subsidy paid (HK$ million), optionally for one programme and/or year."""
    payment = _payments(inputs)
    return sum(
        payment[key] / HKD_M * model.subsidised[key]
        for key in model.O
        if (programme is None or key[0] == programme) and (year is None or key[3] == year)
    )


def _payments(inputs: ModelInputs) -> dict[tuple[str, str, str, int], float]:
    options = inputs.subsidy_options
    return {
        (p, s, k, int(t)): float(v)
        for p, s, k, t, v in zip(
            options["programme_id"], options["segment_id"], options["technology"], options["year"], options["payment_hkd"], strict=True
        )
    }


def add_uptake(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Why operators buy zero-emission vehicles.

    buy[s,k,t] = voluntary[s,k,t] + Σ_p subsidised[p,s,k,t] for zero-emission k:
    every zero-emission purchase is either voluntary or induced by a programme.

    voluntary[s,k,t] ≤ share[s,k,t] × Σ_k' buy[s,k',t] + retiring[s,k,t]: operators
    convert unsubsidised only up to an adoption ceiling, and only where the
    operator's cost gap (lifetime cost vs the incumbent) is already closed
    (share = 0 otherwise); a zero-emission vehicle reaching the end of its life
    may always be replaced like for like (an operator that has converted does
    not go back). Programme-induced purchases exist only where the payment
    closes the gap (filtered when the set O was built).
    """
    m = model
    by_purchase: dict[tuple[str, str, int], list[tuple[str, str, str, int]]] = {}
    for key in m.O:
        by_purchase.setdefault((key[1], key[2], key[3]), []).append(key)
    bought_techs: dict[tuple[str, int], list[str]] = {}
    for s, k, t in m.B:
        bought_techs.setdefault((s, t), []).append(k)

    m.uptake_split = pyo.Constraint(
        m.BZ,
        rule=lambda m, s, k, t: m.buy[s, k, t] == m.voluntary[s, k, t] + sum(m.subsidised[o] for o in by_purchase.get((s, k, t), [])),
    )

    vehicle_type = inputs.segments["vehicle_type"].to_dict()

    first = m.T.first()

    def retiring(m: pyo.ConcreteModel, s: str, k: str, t: int) -> object:
        """Zero-emission vehicles of (s, k) reaching the end of their life since the previous modelled year."""
        life = inputs.lifetime[(vehicle_type[s], k)]
        previous = t - 1 if t == first else m.T.prev(t)
        bought = sum(m.buy[s, k, tau] for tau in m.T if previous < tau + life <= t and (s, k, tau) in m.B)
        before = inputs.initial_stock.get((s, k, previous), inputs.initial_stock[(s, k, t)])
        return bought + max(before - inputs.initial_stock[(s, k, t)], 0.0)

    def ceiling(m: pyo.ConcreteModel, s: str, k: str, t: int) -> object:
        share = inputs.voluntary_share.get((s, k, t), 0.0)
        converted = share * sum(m.buy[s, kk, t] for kk in bought_techs[(s, t)]) if share > 0 else 0
        return row(m.voluntary[s, k, t] <= converted + retiring(m, s, k, t))

    m.voluntary_ceiling = pyo.Constraint(m.BZ, rule=ceiling)


def add_programme_caps(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Programme cap: Σ_t spend[p,t] ≤ cap[p] for every programme p (HK$)."""
    m = model
    m.programme_cap = pyo.Constraint(
        m.P,
        rule=lambda m, p: row(
            spend_hkd_m(m, inputs, programme=p) <= inputs.programme_caps_hkd[p] / HKD_M + slack(m, "programme_caps", p, 1.0)
        ),
    )


def add_budget(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Total budget Σ_{p,t} spend[p,t] ≤ budget; yearly limits Σ_p spend[p,t] ≤ limit[t] where set (HK$)."""
    m = model
    m.budget = pyo.Constraint(
        rule=lambda m: row(spend_hkd_m(m, inputs) <= inputs.budget_hkd / HKD_M + slack(m, "budget", "total", 1.0))
    )
    limited = [t for t in m.T if t in inputs.yearly_limit_hkd]
    m.yearly_limit = pyo.Constraint(
        limited,
        rule=lambda m, t: row(
            spend_hkd_m(m, inputs, year=t) <= inputs.yearly_limit_hkd[t] / HKD_M + slack(m, "yearly_limits", t, 1.0)
        ),
    )
