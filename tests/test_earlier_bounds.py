"""An earlier solve's dual bound carried to a re-solve that only tightens the model.

The instance, worked by hand: stations i = 1, 2, 3 of capacity 3, 5, 7 and cost 4, 6, 8;
open enough to hold 9 (Σ capacity × open ≥ 9), and at most ``most_open`` of them. The plans
that hold 9 are {1, 3} (cost 12), {2, 3} (14) and all three (18): the optimum is 12. The LP
relaxation opens station 3 (the cheapest per unit, 8/7) and 2/5 of station 2: 8 + 2.4 = 10.4,
13 % below, so the LP bound alone never certifies the plan within a 1 % gap.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from pyomo.common.collections import ComponentMap

from fleetplan.optimiser import basis_memory, earlier_bounds
from fleetplan.optimiser.solver import SolverOptions, solve

CAPACITY = {1: 3.0, 2: 5.0, 3: 7.0}
COST = {1: 4.0, 2: 6.0, 3: 8.0}


def stations(most_open: float, cost: dict[int, float] | None = None) -> pyo.ConcreteModel:
    """The hand-worked instance above; ``most_open`` is the lever a re-solve moves."""
    cost = cost or COST
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=sorted(CAPACITY))
    m.open = pyo.Var(m.I, domain=pyo.Binary)
    m.hold = pyo.Constraint(expr=sum(CAPACITY[i] * m.open[i] for i in m.I) >= 9.0)
    m.most = pyo.Constraint(expr=sum(m.open[i] for i in m.I) <= most_open)
    m.cost = pyo.Objective(expr=sum(cost[i] * m.open[i] for i in m.I))
    return m


def _plan_of(model: pyo.ConcreteModel) -> dict[int, float]:
    return {i: round(pyo.value(model.open[i])) for i in model.I}


def _start(model: pyo.ConcreteModel, plan: dict[int, float]) -> ComponentMap:
    """The previous plan as a MIP start of ``model`` (same station, same value)."""
    start = ComponentMap()
    for i, value in plan.items():
        start[model.open[i]] = value
    return start


@pytest.fixture(autouse=True)
def _independent() -> None:
    earlier_bounds.forget()
    basis_memory.forget()


OPTIONS = SolverOptions(mip_rel_gap=0.01)


def test_a_tightened_model_takes_the_earlier_bound_and_skips_the_full_search() -> None:
    first_model = stations(most_open=3)
    first = solve(first_model, SolverOptions(mip_rel_gap=0.0))
    assert first.objective == pytest.approx(12.0)
    assert first.best_bound == pytest.approx(12.0)
    start = _plan_of(first_model)

    # at most two open: {1, 3} is still a plan, and every plan of this model was one before
    tightened = stations(most_open=2)
    warm = solve(tightened, OPTIONS, start=_start(tightened, start))
    assert "Earlier bound: 12 from an earlier solve holds here" in warm.log
    assert "full search skipped" in warm.log
    assert warm.status == "optimal"
    assert warm.objective == pytest.approx(12.0)
    assert warm.best_bound == pytest.approx(12.0)
    # what a solve that knows nothing earlier proves: the same optimum
    earlier_bounds.forget()
    cold = solve(stations(most_open=2), SolverOptions(mip_rel_gap=0.0))
    assert cold.objective == pytest.approx(warm.objective)


@pytest.mark.parametrize(
    ("changed", "why"),
    [
        (lambda: stations(most_open=4), "a looser row: more plans, the earlier bound may not hold"),
        (lambda: stations(most_open=2, cost={1: 3.0, 2: 6.0, 3: 8.0}), "another cost"),
    ],
)
def test_a_model_that_does_not_only_tighten_takes_no_earlier_bound(changed, why) -> None:
    first_model = stations(most_open=3)
    solve(first_model, SolverOptions(mip_rel_gap=0.0))
    start = _plan_of(first_model)
    model = changed()
    warm = solve(model, OPTIONS, start=_start(model, start))
    assert "Earlier bound" not in warm.log, why
    assert warm.status == "optimal"
    # the full search proved it: 12 (looser row) or 11 ({1, 3} at the new cost)
    assert warm.best_bound <= warm.objective + 1e-9
    assert warm.objective == pytest.approx(12.0 if "looser" in why else 11.0)


def test_a_solve_without_a_start_never_takes_an_earlier_bound() -> None:
    """Same input, same figures: only a warm re-solve depends on what was solved before."""
    solve(stations(most_open=3), SolverOptions(mip_rel_gap=0.0))
    fresh = solve(stations(most_open=2), OPTIONS)
    assert "Earlier bound" not in fresh.log
    assert fresh.objective == pytest.approx(12.0)
