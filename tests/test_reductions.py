"""The exact model reductions of issue #28 keep the optimum.

Each solve test builds one small city's model twice from the same inputs, with the
reductions (``build_model(reduced=True)``, what plans use) and without them (the textbook
formulation, ``reduced=False``): their LP relaxations have the same optimum, and each
model's optimal plan (fleet, stations, chargers, every decision) is a plan of the other at
the same objective. The instance is checked to exercise every reduction, so a test cannot
pass vacuously.
"""

from __future__ import annotations

import math
from typing import Any

import pyomo.environ as pyo
import pytest

from bench.model_size import carry_plan, lp_relaxation, objective_value
from bench.synthetic import write_synthetic
from fleetplan.network.loaders import load_dataset
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.inputs.reductions import minimal_cover_rows
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
    for solution, other in (
        (reduced, build_model(small_inputs, reduced=False)),
        (full, build_model(small_inputs)),
    ):
        assert carry_plan(solution, other, small_inputs) < 1e-5
        assert math.isclose(
            objective_value(other), objective_value(solution), rel_tol=1e-9, abs_tol=1e-6
        )
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
    for solution, other in (
        (reduced, build_model(inputs, reduced=False)),
        (full, build_model(inputs)),
    ):
        assert carry_plan(solution, other, inputs) < 1e-5
        assert math.isclose(
            objective_value(other), objective_value(solution), rel_tol=1e-9, abs_tol=1e-6
        )


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
    for solution, other in (
        (reduced, build_model(inputs, reduced=False)),
        (full, build_model(inputs)),
    ):
        assert carry_plan(solution, other, inputs) < 1e-5
        assert math.isclose(
            objective_value(other), objective_value(solution), rel_tol=1e-9, abs_tol=1e-6
        )
