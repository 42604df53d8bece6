"""The exact model reductions of issue #28 keep the optimum.

Each solve test builds one small city's model twice from the same inputs, with the
reductions (``build_model(reduced=True)``, what plans use) and without them (the textbook
formulation, ``reduced=False``), solves both to optimality with HiGHS and compares the
objective and the decisions a user reads (vehicles by technology, stations, chargers).
The instance is checked to exercise every reduction, so a test cannot pass vacuously.
"""

from __future__ import annotations

import math
from typing import Any

import pyomo.environ as pyo
import pytest

from bench.synthetic import write_synthetic
from fleetplan.network.loaders import load_dataset
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.inputs.reductions import minimal_cover_rows
from fleetplan.optimiser.scenario import Scenario, Years
from fleetplan.optimiser.solver import SolverOptions, solve

#: a city small enough to solve to optimality in seconds, with unreachable sites and corridors
SMALL = {"nodes": 120, "sites": 30, "flows": 30, "years": 6, "depots": 3, "zones": 4}
EXACT = SolverOptions(mip_rel_gap=0.0, mip_abs_gap=1e-9, time_limit_s=300.0)


def test_minimal_cover_rows_drop_duplicates_and_supersets_only() -> None:
    a, ab, b, c = frozenset("a"), frozenset("ab"), frozenset("b"), frozenset("c")
    # "a or b" is implied by "a"; the second "a" repeats it; "b" and "c" stand alone
    assert minimal_cover_rows([ab, a, b, a, c]) == [a, b, c]
    assert minimal_cover_rows([ab, frozenset("bc")]) == [ab, frozenset("bc")]
    assert minimal_cover_rows([]) == []


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = write_synthetic(tmp_path_factory.mktemp("reductions") / "city", **SMALL, seed=3)
    scenario = Scenario(name="reductions", years=Years(start=2025, end=2025 + SMALL["years"] - 1))
    return prepare_inputs(scenario, load_dataset(folder))


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


def test_reductions_keep_the_optimum_and_the_plan(small_inputs: Any) -> None:
    """Same objective to solver precision; same fleet, stations and chargers.

    The second solve is the unreduced model, an independent statement of the same problem.
    """
    reduced, objective = _solved(small_inputs, reduced=True)
    full, full_objective = _solved(small_inputs, reduced=False)
    assert math.isclose(objective, full_objective, rel_tol=1e-7, abs_tol=1e-6)
    read, full_read = _read(reduced), _read(full)
    for name in read:
        assert read[name].keys() == full_read[name].keys()
        different = {k: (read[name][k], full_read[name][k]) for k in read[name] if not math.isclose(read[name][k], full_read[name][k], abs_tol=1e-3)}
        assert not different, f"{name} differs: {dict(list(different.items())[:5])}"
    # the reduced model's idle sites are zero, as the unreduced optimum chooses them
    for c in small_inputs.idle_public_sites:
        assert all(full_read["public_chargers"][(c, t)] == 0 for t in small_inputs.years)
    for h in small_inputs.idle_h2_sites:
        assert all(full_read["h2_built"][(h, t)] == 0 for t in small_inputs.years)


def test_a_superset_cover_row_changes_nothing(small_inputs: Any) -> None:
    """A corridor given back a row its own row implies (a superset, as node-to-station mapping
    can make) has the same optimum: what :func:`minimal_cover_rows` drops is redundant."""
    inputs = small_inputs
    corridor = next(q for q, rows in inputs.cover_rows.items() if len(rows[0]) < len(inputs.h2_sites))
    _, objective = _solved(inputs, reduced=True)
    original = inputs.cover_rows[corridor]
    extra = frozenset(original[0] | {h for h in inputs.h2_sites if h not in original[0]})
    inputs.cover_rows[corridor] = [*original, extra]
    try:
        _, with_superset = _solved(inputs, reduced=True)
    finally:
        inputs.cover_rows[corridor] = original
    assert math.isclose(objective, with_superset, rel_tol=1e-7, abs_tol=1e-6)
