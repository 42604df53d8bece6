"""The exact model reductions of issue #28 keep the optimum.

Each solve test builds one small city's model twice from the same inputs, with the
reductions (``build_model(reduced=True)``, what plans use) and without them (the textbook
formulation, ``reduced=False``): their LP relaxations have the same optimum, and each
model's optimal plan (fleet, stations, chargers, every decision) is a plan of the other at
the same objective. The instance is checked to exercise every reduction, so a test cannot
pass vacuously.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pyomo.environ as pyo
import pytest

from bench.model_size import carry_plan, lp_relaxation, objective_value
from bench.synthetic import write_synthetic
from fleetplan.network.loaders import load_dataset
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.formulation.hydrogen import consumer_demand
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.inputs.reductions import (
    hydrogen_supply_groups,
    minimal_cover_rows,
    use_compact_hydrogen,
)
from fleetplan.optimiser.results import supply_by_consumer
from fleetplan.optimiser.scenario import Scenario, Years
from fleetplan.optimiser.solver import SolverOptions, solve
from tests.test_formulation import NO_SWITCH, _truck_data, scenario
from tests.tiny import tiny_dataset

#: a city small enough to solve to optimality in seconds, with unreachable sites and corridors
SMALL = {"nodes": 120, "sites": 30, "flows": 30, "years": 6, "depots": 3, "zones": 4}
#: the guided start off: its neighbourhood search can report "optimal" for its neighbourhood
EXACT = SolverOptions(mip_rel_gap=0.0, mip_abs_gap=1e-9, time_limit_s=300.0, lp_guided_start=False)


def test_minimal_cover_rows_drop_duplicates_and_supersets_only() -> None:
    a, ab, b, c = frozenset("a"), frozenset("ab"), frozenset("b"), frozenset("c")
    # "a or b" is implied by "a"; the second "a" repeats it; "b" and "c" stand alone
    assert minimal_cover_rows([ab, a, b, a, c]) == [a, b, c]
    assert minimal_cover_rows([ab, frozenset("bc")]) == [ab, frozenset("bc")]
    assert minimal_cover_rows([]) == []


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = write_synthetic(tmp_path_factory.mktemp("reductions") / "city", **SMALL, seed=3)
    sc = Scenario(name="reductions", years=Years(start=2025, end=2025 + SMALL["years"] - 1))
    return prepare_inputs(sc, load_dataset(folder))


def _solved(inputs: Any, *, reduced: bool) -> tuple[pyo.ConcreteModel, float]:
    model = build_model(inputs, reduced=reduced)
    report = solve(model, EXACT)
    assert report.status == "optimal", report.status
    assert report.objective is not None
    return model, float(report.objective)


def _read(model: pyo.ConcreteModel) -> dict[str, dict[tuple[Any, ...], float]]:
    """The decisions a user reads: fleet by technology, stations built and open, chargers."""

    def values(var: Any) -> dict[tuple[Any, ...], float]:
        return {key: round(pyo.value(var[key]), 4) for key in var}

    return {
        "stock": values(model.stock),
        "h2_built": values(model.h2_built),
        "h2_open": values(model.h2_open),
        "public_chargers": values(model.public_chargers),
    }


def _assert_plans_carry_over(
    reduced: pyo.ConcreteModel, full: pyo.ConcreteModel, inputs: Any
) -> None:
    """Each solved model's plan fits a fresh build of the other model, at the same objective."""
    for solution, other in (
        (reduced, build_model(inputs, reduced=False)),
        (full, build_model(inputs)),
    ):
        assert carry_plan(solution, other, inputs) < 1e-5
        assert math.isclose(
            objective_value(other), objective_value(solution), rel_tol=1e-9, abs_tol=1e-6
        )


def test_the_small_city_exercises_every_reduction(small_inputs: Any) -> None:
    inputs = small_inputs
    assert inputs.idle_public_sites, "no public site out of every zone's reach"
    assert inputs.idle_h2_sites, "no hydrogen site out of every consumer's reach"
    reduced = build_model(inputs)
    full = build_model(inputs, reduced=False)
    assert len(reduced.h2_supply_if_open) < len(full.h2_supply_if_open)
    assert len(full.trucks_refuelled) > 0 and not hasattr(reduced, "trucks_refuelled")
    assert reduced.find_component("refuelled") is None
    # the cover rows the corridors' hydrogen rows imply are left out
    assert len(reduced.arc_cover) < len(full.arc_cover)


def test_reductions_keep_the_lp_relaxation(small_inputs: Any) -> None:
    """Every reduction is exact for the LP relaxation too (projection, implied rows, zeros the
    LP also chooses), so both relaxations have one optimum: simplex answers are reliable."""
    reduced = lp_relaxation(build_model(small_inputs))[0]
    full = lp_relaxation(build_model(small_inputs, reduced=False))[0]
    assert math.isclose(reduced, full, rel_tol=1e-8, abs_tol=1e-6)


def test_reductions_keep_the_optimum_and_the_plan(small_inputs: Any) -> None:
    """Each model's optimal plan is a plan of the other model, at the same objective.

    Checked by carrying the values across rather than by comparing the two reported optima:
    HiGHS 1.16 stopped the unreduced model "optimal" at 7912.77 (dual bound 7912.77) on this
    city while the reduced model's plan at 7905.48 satisfies every unreduced row to 6e-7.
    """
    reduced, _ = _solved(small_inputs, reduced=True)
    full, _ = _solved(small_inputs, reduced=False)
    _assert_plans_carry_over(reduced, full, small_inputs)
    # the sites the reduction fixes at zero are zero in the unreduced plan too
    plan = _read(full)
    assert all(
        plan["public_chargers"][(c, t)] == 0
        for c in small_inputs.idle_public_sites
        for t in small_inputs.years
    )
    assert all(
        plan["h2_built"][(h, t)] == 0
        for h in small_inputs.idle_h2_sites
        for t in small_inputs.years
    )


def test_a_superset_cover_row_changes_nothing(small_inputs: Any) -> None:
    """A corridor given back a row its own row implies (a superset, as node-to-station mapping
    can make) has the same optimum: what :func:`minimal_cover_rows` drops is redundant."""
    inputs = small_inputs
    corridor = next(
        q for q, rows in inputs.cover_rows.items() if len(rows[0]) < len(inputs.h2_sites)
    )
    _, objective = _solved(inputs, reduced=True)
    original = inputs.cover_rows[corridor]
    extra = frozenset(original[0] | {h for h in inputs.h2_sites if h not in original[0]})
    inputs.cover_rows[corridor] = [*original, extra]
    try:
        _, with_superset = _solved(inputs, reduced=True)
    finally:
        inputs.cover_rows[corridor] = original
    assert math.isclose(objective, with_superset, rel_tol=1e-7, abs_tol=1e-6)


@pytest.mark.parametrize("early_retirement", [False, True])
def test_reductions_keep_the_optimum_under_a_fleet_pledge(early_retirement: bool) -> None:
    """A fleet pledge from 2027 makes the incumbent's stock-flow rows ≤ from then on; early
    retirement makes today's survivors a decision; purchases leave service within 2025-2050. On
    the tiny city both models have the same LP relaxation and carry each other's optimal plan."""
    pledge = {"commitment_id": "kmb_fleet", "operator": "kmb", "kind": "fleet", "year": 2027, "technology": None,
              "vehicles": None, "bev_share": None, "fcev_share": None}  # fmt: skip
    data = tiny_dataset(
        bus_ages={10: 10.0, 4: 6.0}, parameters=NO_SWITCH, operator_commitments=[pledge]
    )
    inputs = prepare_inputs(
        scenario(years={"start": 2025, "end": 2050}, allow_early_retirement=early_retirement), data
    )
    # purchases leave service within the horizon
    assert min(inputs.lifetime.values()) < len(inputs.years)
    assert inputs.incumbent_cap, "the pledge did not reach the model"
    assert math.isclose(
        lp_relaxation(build_model(inputs))[0],
        lp_relaxation(build_model(inputs, reduced=False))[0],
        rel_tol=1e-8,
        abs_tol=1e-6,
    )
    reduced, _ = _solved(inputs, reduced=True)
    full, _ = _solved(inputs, reduced=False)
    _assert_plans_carry_over(reduced, full, inputs)


@pytest.mark.parametrize("range_km", [25.0, 15.0])
def test_cover_rows_kept_where_the_supply_rows_do_not_imply_them(range_km: float) -> None:
    """The tiny city's truck flow A-C with stations at A, B and C: at a range of 25 or 15 km a
    station on the path does not cover every lap, so its cover rows must stay (the reduction
    keeps them; an unconditional drop would open A or C alone). Same LP relaxation and plans."""
    sc = scenario(
        technologies={"bus": [], "taxi": [], "truck": ["fcev"]}, years={"start": 2025, "end": 2026}
    )
    inputs = prepare_inputs(sc, _truck_data(range_km))
    reduced_model = build_model(inputs)
    assert len(reduced_model.arc_cover) > 0
    assert math.isclose(
        lp_relaxation(reduced_model)[0],
        lp_relaxation(build_model(inputs, reduced=False))[0],
        rel_tol=1e-8,
        abs_tol=1e-6,
    )
    reduced, _ = _solved(inputs, reduced=True)
    full, _ = _solved(inputs, reduced=False)
    _assert_plans_carry_over(reduced, full, inputs)


def test_supply_groups_join_consumers_with_the_same_stations() -> None:
    pairs = [("flow:a", "H1"), ("flow:a", "H2"), ("depot:d", "H2"), ("flow:b", "H2")]
    pairs += [("flow:b", "H1"), ("flow:c", "H3")]
    assert hydrogen_supply_groups(pairs) == {
        "group:flow:a": ("flow:a", "flow:b"),
        "depot:d": ("depot:d",),
        "flow:c": ("flow:c",),
    }
    # the compact form is taken by size: 6 pairs x 21 years is small, 1,200 x 21 is not
    assert not use_compact_hydrogen(pairs, 21)
    assert use_compact_hydrogen([(f"flow:{q}", f"H{h}") for q in range(400) for h in range(3)], 21)


@pytest.fixture(scope="module")
def grouped_inputs(small_inputs: Any) -> Any:
    """The small city in the compact hydrogen form (it is below the size that takes it)."""
    groups = hydrogen_supply_groups(small_inputs.h2_supply_pairs)
    assert any(len(members) > 1 for members in groups.values())
    # a depot and a corridor share a group: the two kinds of demand are summed
    assert any(
        {v.split(":")[0] for v in members} == {"depot", "flow"} for members in groups.values()
    )
    assert not small_inputs.compact_hydrogen
    return dataclasses.replace(small_inputs, compact_hydrogen=True, h2_supply_groups=groups)


def test_compact_hydrogen_keeps_the_optimum_and_the_plan(grouped_inputs: Any) -> None:
    """The compact model's optimal plan, its groups' hydrogen split between their members by
    demand, is a plan of the unreduced model at the same objective, and the other way round."""
    grouped, objective = _solved(grouped_inputs, reduced=True)
    assert len(grouped.U) < len(grouped_inputs.h2_consumers)
    assert len(grouped.h2_supply_if_open) == 0
    # every cover row is left out; the unreduced model has them, so carrying the plan checks them
    assert len(grouped.arc_cover) == 0
    full, full_objective = _solved(grouped_inputs, reduced=False)
    assert len(full.arc_cover) > 0
    _assert_plans_carry_over(grouped, full, grouped_inputs)
    # both optima agree to the solver's tolerance (each carried plan is optimal in the other)
    assert math.isclose(objective, full_objective, rel_tol=1e-6)


def test_compact_hydrogen_weakens_the_lp_relaxation_only(grouped_inputs: Any) -> None:
    """The compact rows relax the strong ones: their LP bound is at most the strong form's, once
    the one valid inequality only the compact form has (``trucks_need_an_open_station``, its
    own tests) is set aside."""
    compact_model = build_model(grouped_inputs)
    extra = compact_model.component("trucks_need_an_open_station")
    assert extra is not None and len(extra) > 0
    extra.deactivate()
    compact = lp_relaxation(compact_model)[0]
    strong = lp_relaxation(build_model(grouped_inputs, compact_hydrogen=False))[0]
    assert compact <= strong + 1e-6


def test_each_member_of_a_group_buys_its_own_demand(grouped_inputs: Any) -> None:
    """Results split a group's hydrogen by demand: every member buys exactly what its fuel-cell
    vehicles need, only at its own stations, and each station sells what the model has it sell."""
    model, _ = _solved(grouped_inputs, reduced=True)
    bought = supply_by_consumer(model, grouped_inputs)
    own = set(grouped_inputs.h2_supply_pairs)
    assert all((v, h) in own for v, h, _ in bought)
    demand_seen = 0.0
    for members in model.supply_members.values():
        for v in members:
            for t in model.T:
                need = pyo.value(consumer_demand(model, grouped_inputs, v, t))
                got = sum(kg for (w, _, y), kg in bought.items() if w == v and y == t)
                assert math.isclose(got, need, rel_tol=1e-6, abs_tol=1e-4), (v, t)
                demand_seen += need
    assert demand_seen > 1.0, "no fuel-cell demand: the split is not exercised"
    for h in model.H:
        for t in model.T:
            sold = sum(pyo.value(model.h2_supply[u, h, t]) for u in model.U if (u, h) in model.UH)
            split = sum(kg for (_, g, y), kg in bought.items() if g == h and y == t)
            assert math.isclose(sold, split, rel_tol=1e-9, abs_tol=1e-6)
