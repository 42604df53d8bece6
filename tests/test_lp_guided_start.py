"""The LP-guided start (optimiser.lp_guided_start): real HiGHS solves of small instances whose
optima and LP bounds are worked out independently (brute force, Dantzig's greedy bound)."""

from __future__ import annotations

import itertools

import pyomo.environ as pyo
import pytest
from pyomo.common.collections import ComponentMap

from fleetplan.optimiser.highs_core import HighsOptions
from fleetplan.optimiser.solver import SolverOptions, solve

# A 0-1 knapsack: value, weight; capacity 50.
ITEMS = [(60, 10), (100, 20), (120, 30), (80, 25), (30, 9), (45, 14)]
CAPACITY = 50


def knapsack() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, len(ITEMS) - 1)
    m.take = pyo.Var(m.I, within=pyo.Binary)
    m.weight = pyo.Constraint(expr=sum(ITEMS[i][1] * m.take[i] for i in m.I) <= CAPACITY)
    m.value = pyo.Objective(expr=sum(ITEMS[i][0] * m.take[i] for i in m.I), sense=pyo.maximize)
    return m


def brute_force_optimum() -> int:
    best = 0
    for chosen in itertools.product((0, 1), repeat=len(ITEMS)):
        if sum(w for (_, w), c in zip(ITEMS, chosen, strict=True) if c) <= CAPACITY:
            best = max(best, sum(v for (v, _), c in zip(ITEMS, chosen, strict=True) if c))
    return best


def dantzig() -> tuple[float, float]:
    """(LP relaxation's optimum, value of the items it takes whole): items by value
    density, the last one in part. The neighbourhood of that LP solution fixes every
    whole item at 1 and every untouched one at 0; the part-taken item does not fit
    (else the LP would take it whole), so the neighbourhood's best is the whole items."""
    room, total, whole = float(CAPACITY), 0.0, 0.0
    for value, weight in sorted(ITEMS, key=lambda item: -item[0] / item[1]):
        share = min(1.0, room / weight)
        total += share * value
        whole += value if share == 1.0 else 0.0
        room -= share * weight
        if room <= 0:
            break
    return total, whole


def test_exact_solve_with_the_guided_start_equals_brute_force() -> None:
    model = knapsack()
    report = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=0.0))
    assert report.status == "optimal"
    assert report.objective == pytest.approx(brute_force_optimum())
    assert "LP-guided start: LP bound" in report.log


def test_a_loose_gap_stops_on_the_lp_bound_with_an_exact_gap() -> None:
    optimum, (bound, rounded) = brute_force_optimum(), dantzig()
    assert bound > optimum > rounded  # an integrality gap, and a rounding worse than the optimum
    loose = (bound - rounded) / rounded + 0.01
    model = knapsack()
    report = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=loose))
    assert "within the gap: search stopped" in report.log
    assert report.best_bound == pytest.approx(bound)
    # The plan is a real one: feasible, and its value is what the report says.
    taken = [i for i in model.I if pyo.value(model.take[i]) > 0.5]
    assert sum(ITEMS[i][1] for i in taken) <= CAPACITY
    assert (
        report.objective == pytest.approx(sum(ITEMS[i][0] for i in taken)) == pytest.approx(rounded)
    )
    # The gap is measured against the LP bound, and it holds against the true optimum too.
    assert report.gap == pytest.approx((bound - report.objective) / report.objective)
    assert report.gap <= loose
    assert (optimum - report.objective) / report.objective <= loose


def test_a_plan_outside_the_gap_is_the_full_search_s_start() -> None:
    optimum, (bound, rounded) = brute_force_optimum(), dantzig()
    gap = (bound - optimum) / optimum + 0.01  # the optimum is within it, the rounding is not
    assert (bound - rounded) / rounded > gap
    report = solve(knapsack(), SolverOptions(time_limit_s=30, mip_rel_gap=gap))
    assert "handed to the full search as its start" in report.log
    assert report.objective == pytest.approx(optimum)
    assert report.gap <= gap


def test_a_rounding_that_is_infeasible_falls_back_to_the_full_search() -> None:
    # min −x − y  s.t.  2x + y ≤ 5, y ≤ 0.5: the LP has x = 2.25; x rounded up (3) breaks the row.
    m = pyo.ConcreteModel()
    m.x = pyo.Var(within=pyo.NonNegativeIntegers)
    m.y = pyo.Var(bounds=(0, 0.5))
    m.row = pyo.Constraint(expr=2 * m.x + m.y <= 5)
    m.cost = pyo.Objective(expr=-m.x - m.y)
    report = solve(m, SolverOptions(time_limit_s=30, mip_rel_gap=0.0, round_up=("x",)))
    assert "neighbourhood search found no plan" in report.log
    assert report.status == "optimal"
    assert pyo.value(m.x) == pytest.approx(2)
    assert report.objective == pytest.approx(-2.5)


def test_the_guided_start_changes_no_optimum() -> None:
    on = solve(knapsack(), SolverOptions(time_limit_s=30, mip_rel_gap=0.0, lp_guided_start=True))
    off = solve(knapsack(), SolverOptions(time_limit_s=30, mip_rel_gap=0.0, lp_guided_start=False))
    assert on.objective == pytest.approx(off.objective)
    assert "LP-guided" not in off.log


def test_a_big_model_s_root_by_interior_point_changes_no_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From IPM_ROOT_MIN_COLUMNS columns the root LP is HiGHS's interior point and the
    neighbourhood search is skipped (its simplex LP would be longer than the time limit on
    such models): the same brute-force optimum; below it, the guided start as before."""
    from fleetplan.optimiser import solver

    monkeypatch.setattr(solver, "IPM_ROOT_MIN_COLUMNS", len(ITEMS))
    big = solve(knapsack(), SolverOptions(time_limit_s=30, mip_rel_gap=0.0))
    assert big.status == "optimal"
    assert big.objective == pytest.approx(brute_force_optimum())
    assert "the root LP by interior point" in big.log
    assert "LP-guided start:" not in big.log
    monkeypatch.setattr(solver, "IPM_ROOT_MIN_COLUMNS", len(ITEMS) + 1)
    small = solve(knapsack(), SolverOptions(time_limit_s=30, mip_rel_gap=0.0))
    assert small.objective == pytest.approx(brute_force_optimum())
    assert "interior point" not in small.log
    assert "LP-guided start: LP bound" in small.log


def _knapsack_in_highs() -> object:
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n = len(ITEMS)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array([float(v) for v, _ in ITEMS]))
    h.addRow(
        -highspy.kHighsInf,
        CAPACITY,
        n,
        np.arange(n, dtype=np.int32),
        np.array([float(w) for _, w in ITEMS]),
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.uint8))
    return h


def test_the_full_search_keeps_the_better_plan_and_says_how_it_ended() -> None:
    import numpy as np

    from fleetplan.optimiser.lp_guided_start import GuidedStart, search_from

    # Items 0, 2 and 4: value 60 + 120 + 30 = 210, weight 49 ≤ 50; LP bound 240 (Dantzig).
    plan = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    bound, _ = dantzig()
    guided = GuidedStart(
        lp_bound=bound, solution=plan, objective=210.0, within_gap=False, lp_s=0.0, search_s=0.0
    )
    # No time to search: the guided plan is what there is, not called optimal, the LP bound kept.
    stopped = search_from(
        _knapsack_in_highs(), guided, HighsOptions(mip_rel_gap=0.0, time_limit_s=0.0)
    )
    assert stopped.status_name != "kOptimal"
    assert stopped.objective == pytest.approx(210.0)
    assert stopped.bound is not None and stopped.bound <= bound + 1e-9
    # Time to search: the optimum, proved.
    finished = search_from(
        _knapsack_in_highs(), guided, HighsOptions(mip_rel_gap=0.0, time_limit_s=30.0)
    )
    assert finished.status_name == "kOptimal"
    assert finished.objective == pytest.approx(brute_force_optimum())
    assert finished.bound == pytest.approx(brute_force_optimum())


def test_a_callers_start_is_never_lost_to_the_neighbourhood() -> None:
    """The LP's neighbourhood (items 0 and 1 whole, item 2 out: 160) does not hold the
    optimum {1, 2} (220). Handed that optimum as a start, the search's box widens to hold
    it, so what the search returns is never worse than the start."""
    import numpy as np

    from fleetplan.optimiser.lp_guided_start import lp_guided_start, search_from

    optimum = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    assert sum(v for (v, _), x in zip(ITEMS, optimum, strict=True) if x) == brute_force_optimum()
    start = (np.arange(len(ITEMS), dtype=np.int32), optimum)
    guided = lp_guided_start(
        _knapsack_in_highs(), HighsOptions(mip_rel_gap=0.01, time_limit_s=10.0), start=start
    )
    assert guided.objective == pytest.approx(brute_force_optimum())
    # Even with no time for the full search, the start's value is kept.
    ended = search_from(
        _knapsack_in_highs(), guided, HighsOptions(mip_rel_gap=0.0, time_limit_s=0.0)
    )
    assert ended.objective == pytest.approx(brute_force_optimum())


# A covering problem, minimised: cost, cover; at least 10 units of cover.
COVERS = [(4.0, 5.0), (6.0, 4.0), (5.0, 3.0), (9.0, 4.0)]
NEED = 10.0


def test_a_loose_gap_stops_on_the_lp_bound_when_minimising() -> None:
    """The LP takes items by cost per unit of cover (0: 0.8, 1: 1.5, 2: 1.67, 3: 2.25):
    items 0 and 1 whole (9 units) and a third of item 2 for the last unit, so its bound
    is 4 + 6 + 5/3 = 11.667. Its neighbourhood fixes items 0 and 1 and needs item 2
    whole: 15. A 30 % gap holds (15 − 11.667) / 15 = 22 %, so the search stops there."""
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, len(COVERS) - 1)
    m.pick = pyo.Var(m.I, within=pyo.Binary)
    m.cover = pyo.Constraint(expr=sum(COVERS[i][1] * m.pick[i] for i in m.I) >= NEED)
    m.cost = pyo.Objective(expr=sum(COVERS[i][0] * m.pick[i] for i in m.I), sense=pyo.minimize)
    report = solve(m, SolverOptions(time_limit_s=30, mip_rel_gap=0.3))
    assert "within the gap: search stopped" in report.log
    assert report.best_bound == pytest.approx(4 + 6 + 5 / 3)
    assert report.objective == pytest.approx(15.0)
    assert [round(pyo.value(m.pick[i])) for i in m.I] == [1, 1, 1, 0]
    assert report.gap == pytest.approx((15.0 - (4 + 6 + 5 / 3)) / 15.0)
    # At a zero gap: the optimum by brute force.
    best = min(
        sum(COVERS[i][0] for i in chosen)
        for r in range(1, len(COVERS) + 1)
        for chosen in itertools.combinations(range(len(COVERS)), r)
        if sum(COVERS[i][1] for i in chosen) >= NEED
    )
    exact = solve(m, SolverOptions(time_limit_s=30, mip_rel_gap=0.0))
    assert exact.objective == pytest.approx(best)


def _knapsack_with_sale_in_highs() -> object:
    """The knapsack plus a continuous column: capacity left over sells at 1 per unit
    (sale ≤ CAPACITY − Σ weight × take), so a plan's value is Σ value + unused capacity."""
    import highspy

    h = _knapsack_in_highs()
    n = len(ITEMS)
    h.addVar(0.0, highspy.kHighsInf)
    h.changeColCost(n, 1.0)
    # rewrite the capacity row as Σ weight × take + sale ≤ CAPACITY
    h.changeCoeff(0, n, 1.0)
    return h


def test_a_start_that_fits_is_completed_with_its_continuous_part_re_optimised() -> None:
    """Items {0, 1} (weight 30, value 160) handed in with a stale sale of 0: held, the sale
    re-optimises to the 20 units left, a plan of 180. The LP bound is Dantzig's 240 (the sale
    earns 1 per unit, less than any item's density), so at a 40 % gap the completed start is
    the answer ((240 − 180) / 180 = 33 %) and no neighbourhood search runs."""
    import numpy as np

    from fleetplan.optimiser.lp_guided_start import lp_guided_start

    n = len(ITEMS)
    start = (np.arange(n + 1, dtype=np.int32), np.array([1.0, 1.0, 0, 0, 0, 0, 0.0]))
    guided = lp_guided_start(
        _knapsack_with_sale_in_highs(), HighsOptions(mip_rel_gap=0.4), start=start
    )
    assert guided.from_start
    assert guided.lp_bound == pytest.approx(dantzig()[0])
    assert guided.objective == pytest.approx(180.0)
    assert guided.solution is not None and guided.solution[n] == pytest.approx(20.0)
    assert guided.within_gap
    assert "the start given, completed, is a plan of 180" in guided.summary()


def test_a_start_that_no_longer_fits_falls_back_to_the_neighbourhood_search() -> None:
    """Items {0, 1, 2} weigh 60 > 50 (a previous plan the changed model rules out): the
    completion has no solution, the neighbourhood search and the full search run as
    without a start, and end at the brute-force optimum."""
    import numpy as np

    from fleetplan.optimiser.lp_guided_start import lp_guided_start, search_from

    start = (np.arange(len(ITEMS), dtype=np.int32), np.array([1.0, 1.0, 1.0, 0, 0, 0]))
    highs = _knapsack_in_highs()
    guided = lp_guided_start(highs, HighsOptions(mip_rel_gap=0.0), start=start)
    assert not guided.from_start
    ended = search_from(highs, guided, HighsOptions(mip_rel_gap=0.0))
    assert ended.objective == pytest.approx(brute_force_optimum())


def test_a_start_without_every_integer_is_not_completed() -> None:
    import numpy as np

    from fleetplan.optimiser.lp_guided_start import lp_guided_start

    start = (np.array([1, 2], dtype=np.int32), np.array([1.0, 1.0]))
    guided = lp_guided_start(_knapsack_in_highs(), HighsOptions(mip_rel_gap=0.01), start=start)
    assert not guided.from_start


def _named_knapsacks(capacities: tuple[float, ...]) -> object:
    """A multi-dimensional 0-1 knapsack with named rows and columns: 200 items, one row per
    capacity."""
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n = 200
    items = np.arange(n, dtype=np.int32)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, items, np.array([10.0 + (7 * i) % 23 for i in range(n)]))
    for k, capacity in enumerate(capacities):
        weights = np.array([5.0 + (i * (k + 3) + k * k) % 17 for i in range(n)])
        h.addRow(-highspy.kHighsInf, capacity, n, items, weights)
        h.passRowName(k, f"room_{k}")
    for i in range(n):
        h.passColName(i, f"take_{i}")
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.changeColsIntegrality(n, items, np.ones(n, dtype=np.uint8))
    return h


def test_a_re_solve_starts_its_relaxation_from_the_earlier_basis_and_gets_the_same_bound() -> None:
    import numpy as np

    from fleetplan.optimiser import basis_memory
    from fleetplan.optimiser import lp_guided_start as guided_module

    options = HighsOptions(mip_rel_gap=0.01, time_limit_s=30.0)
    before = (400.0, 450.0, 500.0, 420.0, 480.0, 440.0, 460.0, 410.0)
    after = (*before[:-1], 380.0)
    nothing = (np.arange(200, dtype=np.int32), np.zeros(200))  # a start that fits any capacity

    basis_memory.forget()
    cold = guided_module.lp_guided_start(_named_knapsacks(after), options, start=nothing)
    assert not cold.lp_from_basis
    basis_memory.forget()
    first = guided_module.lp_guided_start(_named_knapsacks(before), options)
    assert not first.lp_from_basis
    # A solve without a start never takes an earlier basis: the same input, the same path.
    again = guided_module.lp_guided_start(_named_knapsacks(after), options)
    assert not again.lp_from_basis and again.lp_bound == pytest.approx(cold.lp_bound)
    basis_memory.forget()
    guided_module.lp_guided_start(_named_knapsacks(before), options)
    warm = guided_module.lp_guided_start(_named_knapsacks(after), options, start=nothing)
    assert warm.lp_from_basis
    assert warm.lp_bound == pytest.approx(cold.lp_bound, rel=1e-9)
    assert warm.lp_iterations < cold.lp_iterations
    assert "from an earlier basis" in warm.summary()


def test_without_the_neighbourhood_search_a_start_is_still_completed() -> None:
    """``lp_guided_start`` off in the options: a re-solve's start is completed all the same
    (HiGHS alone would check it as given), and the full search ends at the brute-force optimum
    whether the start fits ({1, 2}, the optimum) or not ({0, 1, 2} weighs 60 > 50)."""
    options = SolverOptions(time_limit_s=30, mip_rel_gap=0.0, lp_guided_start=False)
    for chosen, completed in (({1, 2}, True), ({0, 1, 2}, False)):
        model = knapsack()
        start = ComponentMap((model.take[i], float(i in chosen)) for i in model.I)
        report = solve(model, options, start=start)
        assert report.objective == pytest.approx(brute_force_optimum())
        assert ("the start given, completed" in report.log) is completed
        assert ("could not be completed" in report.log) is not completed
        assert "neighbourhood search" not in report.log and "LP bound" not in report.log


def _best_with(held: dict[int, int]) -> int:
    """Brute force: the knapsack's best value with the items of ``held`` fixed in or out."""
    best = -1
    for chosen in itertools.product((0, 1), repeat=len(ITEMS)):
        if any(chosen[i] != value for i, value in held.items()):
            continue
        if sum(w for (_, w), c in zip(ITEMS, chosen, strict=True) if c) <= CAPACITY:
            best = max(best, sum(v for (v, _), c in zip(ITEMS, chosen, strict=True) if c))
    return best


def test_a_start_that_no_longer_fits_is_repaired_with_its_held_part_kept() -> None:
    """Items {0, 1, 3} weigh 55 > 50. With items 0–2 named as held in a repair, they stay as
    the start had them (in, in, out: weight 30) and items 3–5 are chosen again for the 20 left:
    the repaired plan is the brute-force best with those three fixed (205: item 5 alone fits
    beside them as well as any pair). The full search from it ends at the overall optimum. A
    repair whose held part is itself over capacity ({0, 1, 2} held, weight 60) finds no plan,
    and the neighbourhood search runs as without a start."""
    import numpy as np

    from fleetplan.optimiser.lp_guided_start import lp_guided_start, search_from

    n = len(ITEMS)
    options = HighsOptions(mip_rel_gap=0.0)
    held = np.arange(3, dtype=np.int32)
    start = (np.arange(n, dtype=np.int32), np.array([1.0, 1.0, 0, 1.0, 0, 0]))
    highs = _knapsack_in_highs()
    guided = lp_guided_start(highs, options, start=start, held_in_repair=held)
    assert guided.from_start and guided.repaired
    assert guided.objective == pytest.approx(_best_with({0: 1, 1: 1, 2: 0})) == pytest.approx(205)
    assert guided.solution is not None and list(np.round(guided.solution[:3])) == [1, 1, 0]
    assert "repaired" in guided.summary()
    ended = search_from(highs, guided, options)
    assert ended.objective == pytest.approx(brute_force_optimum())

    over = (np.arange(n, dtype=np.int32), np.array([1.0, 1.0, 1.0, 0, 0, 0]))
    highs = _knapsack_in_highs()
    guided = lp_guided_start(highs, options, start=over, held_in_repair=held)
    assert not guided.from_start and not guided.repaired
    # the HiGHS model is as it was: every item integer, every bound 0–1
    lp = highs.getLp()
    assert [int(kind) for kind in lp.integrality_] == [1] * n
    assert list(lp.col_lower_) == [0.0] * n and list(lp.col_upper_) == [1.0] * n
    assert search_from(highs, guided, options).objective == pytest.approx(brute_force_optimum())


def _knapsack_in_two_families() -> pyo.ConcreteModel:
    """The knapsack with items 0–2 as ``site`` and items 3–5 as ``extra`` (two families)."""
    m = pyo.ConcreteModel()
    m.site = pyo.Var(range(3), within=pyo.Binary)
    m.extra = pyo.Var(range(3, len(ITEMS)), within=pyo.Binary)
    chosen = [*m.site.values(), *m.extra.values()]
    m.weight = pyo.Constraint(
        expr=sum(w * x for (_, w), x in zip(ITEMS, chosen, strict=True)) <= CAPACITY
    )
    m.value = pyo.Objective(
        expr=sum(v * x for (v, _), x in zip(ITEMS, chosen, strict=True)), sense=pyo.maximize
    )
    return m


@pytest.mark.parametrize("guided", [True, False])
def test_a_re_solve_repairs_a_start_by_the_families_the_options_hold(guided: bool) -> None:
    """Through ``solve``: the start {0, 1, 3} is over capacity; ``held_in_repair=("site",)``
    keeps items 0–2 as they were and the re-solve still ends at the brute-force optimum, with
    or without the neighbourhood search. Without the option there is no repair."""
    for held_families, repaired in ((("site",), True), ((), False)):
        model = _knapsack_in_two_families()
        start = ComponentMap(
            (var, float(index in (0, 1, 3)))
            for index, var in enumerate([*model.site.values(), *model.extra.values()])
        )
        options = SolverOptions(
            time_limit_s=30,
            mip_rel_gap=0.0,
            lp_guided_start=guided,
            held_in_repair=held_families,
        )
        report = solve(model, options, start=start)
        assert report.objective == pytest.approx(brute_force_optimum())
        assert ("repaired" in report.log) is repaired
