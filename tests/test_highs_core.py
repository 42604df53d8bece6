"""The HiGHS layer's core (optimiser.highs_core): one set of options, progress from HiGHS's own
callbacks. Real HiGHS solves of a knapsack whose optimum is found independently (dynamic
programming) and whose LP bound is Dantzig's."""

from __future__ import annotations

import dataclasses
import math
import random

import pyomo.environ as pyo
import pytest

from fleetplan.optimiser.frlm import HighsOptions as FrlmOptions
from fleetplan.optimiser.highs_core import HighsOptions, apply_options, new_highs
from fleetplan.optimiser.solver import SolverOptions, solve
from tests.test_lp_guided_start import dantzig, knapsack

_RANDOM = random.Random(7)
ITEMS = [(_RANDOM.randint(20, 99), _RANDOM.randint(10, 60)) for _ in range(40)]
CAPACITY = sum(weight for _, weight in ITEMS) // 3


def _big_knapsack() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, len(ITEMS) - 1)
    m.take = pyo.Var(m.I, within=pyo.Binary)
    m.weight = pyo.Constraint(expr=sum(ITEMS[i][1] * m.take[i] for i in m.I) <= CAPACITY)
    m.value = pyo.Objective(expr=sum(ITEMS[i][0] * m.take[i] for i in m.I), sense=pyo.maximize)
    return m


def _dynamic_programming_optimum() -> int:
    best = [0] * (CAPACITY + 1)
    for value, weight in ITEMS:
        for room in range(CAPACITY, weight - 1, -1):
            best[room] = max(best[room], best[room - weight] + value)
    return best[CAPACITY]


@pytest.mark.parametrize("interface", ["lp_file", "arrays", "pyomo_highs"])
def test_progress_comes_from_highs_callbacks_and_brackets_the_optimum(interface: str) -> None:
    optimum = _dynamic_programming_optimum()
    events: list[dict[str, float]] = []
    options = SolverOptions(mip_rel_gap=0.0, lp_guided_start=False, interface=interface)
    report = solve(_big_knapsack(), options, on_progress=events.append)
    assert report.status == "optimal" and report.objective == pytest.approx(optimum)
    assert events, "HiGHS's MIP logging callback sent no progress"
    for event in events:
        assert set(event) == {"elapsed_s", "incumbent", "best_bound", "gap"}
        # maximising: every incumbent is a plan, every bound holds
        assert event["incumbent"] <= optimum + 1e-6
        assert event["best_bound"] >= optimum - 1e-6
        if math.isfinite(event["gap"]):
            assert event["gap"] == pytest.approx(
                abs(event["best_bound"] - event["incumbent"]) / abs(event["incumbent"])
            )
    assert [e["elapsed_s"] for e in events] == sorted(e["elapsed_s"] for e in events)
    assert events[-1]["incumbent"] == pytest.approx(optimum) and events[-1]["gap"] == pytest.approx(
        0.0
    )


def test_the_guided_start_reports_its_plan_against_the_lp_bound_only() -> None:
    """The neighbourhood search's own bound is not the model's: the one event of a solve the
    guided start ends is its plan against the LP bound (Dantzig's)."""
    bound, rounded = dantzig()
    events: list[dict[str, float]] = []
    report = solve(knapsack(), SolverOptions(mip_rel_gap=0.5), on_progress=events.append)
    assert "within the gap: search stopped" in report.log
    assert len(events) == 1
    assert events[0]["best_bound"] == pytest.approx(bound)
    assert events[0]["incumbent"] == pytest.approx(rounded)
    assert events[0]["gap"] == pytest.approx((bound - rounded) / rounded)


def test_one_set_of_options_with_one_default_each() -> None:
    assert FrlmOptions is HighsOptions
    assert issubclass(SolverOptions, HighsOptions)
    shared = {f.name for f in dataclasses.fields(HighsOptions)}
    assert {f.name: f.default for f in dataclasses.fields(SolverOptions) if f.name in shared} == {
        f.name: f.default for f in dataclasses.fields(HighsOptions)
    }


def _option(highs: object, name: str) -> object:
    value = highs.getOptionValue(name)  # type: ignore[attr-defined]
    return value[1] if isinstance(value, tuple) else value  # (status, value) in highspy 1.16


def test_options_applied_again_put_back_what_an_earlier_call_changed() -> None:
    highs = new_highs()
    defaults = {
        name: _option(highs, name) for name in ("mip_abs_gap", "mip_max_nodes", "time_limit")
    }
    apply_options(
        highs,
        HighsOptions(time_limit_s=5.0, mip_rel_gap=0.2, mip_abs_gap=3.0, node_limit=7, seed=4),
    )
    assert _option(highs, "mip_max_nodes") == 7
    assert _option(highs, "mip_abs_gap") == 3.0
    assert _option(highs, "time_limit") == 5.0
    assert _option(highs, "random_seed") == 4
    apply_options(highs, HighsOptions())
    assert {name: _option(highs, name) for name in defaults} == defaults
    assert _option(highs, "mip_rel_gap") == HighsOptions().mip_rel_gap
    # what is left of a solve's clock replaces the options' limit
    apply_options(highs, HighsOptions(time_limit_s=60.0), time_limit_s=-1.0)
    assert _option(highs, "time_limit") == 0.0
