"""Whole vehicles in the tables (issue 24, item 4): bought, paid and in service as integers
that add up, stock-flow consistent; chargers paid are the chargers reported.

Invariants on real tiny solves, a hand-worked instance of the rounding, and a property test
on random continuous fleets that obey the model's stock-flow.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.whole_numbers import ZEV, split, whole_fleet
from tests.tiny import ebus_programme, site, tiny_dataset

EXACT = {"mip_rel_gap": 1e-9, "mip_abs_gap": 0.0, "threads": 1}


def _check_tables(result: PlanResult, fleet_size: dict[str, int]) -> None:
    """Integers that add up: every segment's vehicles in service are its fleet each year;
    stock(t) = stock(t-1) + bought(t) - retired(t) on the tables; paid never above bought;
    the summary's figures are the tables' sums."""
    fleet = result.fleet
    for column in ("vehicles", "retired"):
        assert fleet[column].dtype.kind == "i", column
    for column in ("bought", "voluntary", "subsidised", "blocked", "induced"):
        assert result.purchases[column].dtype.kind == "i", column
    if not result.subsidy.empty:
        for column in ("vehicles", "free_riders", "induced"):
            assert result.subsidy[column].dtype.kind == "i", column
    in_service = fleet.groupby(["segment_id", "year"])["vehicles"].sum()
    for (segment, _year), vehicles in in_service.items():
        assert vehicles == fleet_size[segment]
    bought = result.purchases.set_index(["segment_id", "technology", "year"])["bought"]
    years = sorted(fleet["year"].unique())
    rows = fleet.set_index(["segment_id", "technology", "year"])
    for (segment, tech), _ in fleet.groupby(["segment_id", "technology"]):
        for before, year in itertools.pairwise(years):
            now = rows.loc[(segment, tech, year)]
            assert now["retired"] >= 0
            assert (
                now["vehicles"]
                == rows.loc[(segment, tech, before), "vehicles"]
                + bought.get((segment, tech, year), 0)
                - now["retired"]
            )
    paid = result.purchases["subsidised"] <= result.purchases["bought"]
    assert paid.all()
    summary = result.summary()
    zev = fleet[fleet["technology"].isin(ZEV)].groupby(["vehicle_class", "year"])["vehicles"].sum()
    for vclass, by_year in summary["zev_in_service"].items():
        for year, vehicles in by_year.items():
            assert isinstance(vehicles, int) and vehicles == zev.get((vclass, year), 0)
    by_programme = (
        result.subsidy.groupby("programme_id")["vehicles"].sum() if not result.subsidy.empty else {}
    )
    for programme, vehicles in summary["subsidy_vehicles_by_programme"].items():
        assert isinstance(vehicles, int) and vehicles == by_programme[programme]


def _scenario(**fields: object) -> Scenario:
    return Scenario.model_validate(
        {
            "years": {"start": 2025, "end": 2030},
            "technologies": {"bus": ["bev"], "taxi": ["bev"], "truck": []},
            "solver": EXACT,
            **fields,
        }
    )


def test_a_tiny_plan_reads_in_whole_vehicles_that_add_up() -> None:
    """Buses and taxis with fractional model counts: the e-bus programme capped at HK$17m pays
    17 / 5 = 3.4 battery buses (most abatement), 95 taxis over ages 0-9 retire 9.5 a year.
    Every table is whole and consistent, and the model's 3.4 paid buses read as 3 paid of 3
    bought, the subsidy itself staying the model's HK$17m."""
    data = tiny_dataset(
        taxis=95,
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=100,
                grid_headroom_kva=10_000,
            ),
            site(
                "S_B",
                1,
                "car_park",
                can_public_charging=True,
                max_chargers=10,
                grid_headroom_kva=1_000,
            ),
        ],
        parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000},
        programmes=[ebus_programme(programme_cap_hkd=17e6)],
    )
    sc = _scenario(objective="max_abatement", max_abatement={"infrastructure": "budget"})
    result = plan(sc, data, marginals=False, counterfactual=False)
    assert result.decisions[("stock", ("D1_dd", "bev", 2026))] == pytest.approx(3.4)
    _check_tables(
        result,
        {
            "D1_dd": 10,
            **dict.fromkeys(
                result.fleet.loc[result.fleet["vehicle_class"] == "taxi", "segment_id"], 95
            ),
        },
    )
    paid = result.subsidy.set_index("year")
    assert paid.loc[2026, "vehicles"] == 3
    assert paid.loc[2026, "subsidy_hkd"] == pytest.approx(17e6)
    bus = result.fleet[
        (result.fleet["segment_id"] == "D1_dd") & (result.fleet["year"] == 2026)
    ].set_index("technology")
    assert bus.loc["bev", "vehicles"] == 3 and bus.loc["diesel", "vehicles"] == 7


def test_chargers_paid_are_the_chargers_reported() -> None:
    """3.4 battery buses need 3.4 x 300 / 500 = 2.04 depot chargers in the model, which pays for
    2.04; the table reports 3 whole chargers and the costs table their cost on 3: HK$100,000/10
    a year from 2026 to 2030 (5 years, zero discount rate) = 50,000 each, 150,000."""
    data = tiny_dataset(
        parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000},
        programmes=[ebus_programme(programme_cap_hkd=17e6)],
    )
    sc = _scenario(objective="max_abatement", max_abatement={"infrastructure": "budget"})
    result = plan(sc, data, marginals=False, counterfactual=False)
    depot = result.chargers[result.chargers["charger_kind"] == "depot"].set_index("year")
    assert depot.loc[2026, "model_chargers"] == pytest.approx(2.04)
    assert depot.loc[2026, "new_chargers"] == 3
    assert depot["added_chargers"].sum() == 3
    costs = result.costs.set_index("component")
    assert costs.loc["depot_chargers", "discounted_hkd"] == pytest.approx(2.04 * 50_000)
    assert costs.loc["depot_chargers", "whole_units_hkd"] == pytest.approx(150_000)
    assert depot["added_cost_hkd"].sum() == pytest.approx(
        costs.loc["depot_chargers", "whole_units_hkd"]
    )


def test_the_rounding_worked_by_hand() -> None:
    """Two segments of one class, fleet 10 each, life 2 for battery, 9 for diesel, 3 years.
    Today's diesel: a 10 -> 8.5 -> 8.5, b 10 -> 9.5 -> 9.5. The model buys in year 2
    a: 0.6 bev + 0.9 diesel, b: 0.5 bev; in year 3 nothing.

    Year 2: a keeps 9 of today's buses (8.5 up: the class then has 0.5 too many), so b keeps
    9 (9.5 - 0.5); each needs 1. In a, bev 0.6 and diesel 0.9 both round to 1, one too many:
    the one the class owes least gives it up (bev, 0.6 - 1 = -0.4 against -0.1), so a buys
    1 diesel; in b, bev 0.5 plus the 0.6 the class owes rounds to 1. Year 3: nothing changes.
    Class: bev 1 in service against 1.1, diesel 19 against 18.9."""
    segments = pd.DataFrame(
        {
            "vehicle_class": ["bus", "bus"],
            "vehicle_type": ["t", "t"],
            "incumbent": ["diesel", "diesel"],
            "fleet": [10, 10],
        },
        index=pd.Index(["a", "b"], name="segment_id"),
    )
    techs = {"a": ["diesel", "bev"], "b": ["diesel", "bev"]}
    years = [1, 2, 3]
    initial = {("a", "diesel", 1): 10.0, ("a", "diesel", 2): 8.5, ("a", "diesel", 3): 8.5,
               ("b", "diesel", 1): 10.0, ("b", "diesel", 2): 9.5, ("b", "diesel", 3): 9.5}  # fmt: skip
    bought = {(s, k, t): 0.0 for s in "ab" for k in ("diesel", "bev") for t in years}
    bought.update({("a", "bev", 2): 0.6, ("a", "diesel", 2): 0.9, ("b", "bev", 2): 0.5})
    whole = whole_fleet(
        segments, techs, years, {("t", "diesel"): 9, ("t", "bev"): 2}, initial, bought
    )
    assert (whole.stock[("a", "diesel", 2)], whole.stock[("a", "bev", 2)]) == (10, 0)
    assert (whole.stock[("b", "diesel", 2)], whole.stock[("b", "bev", 2)]) == (9, 1)
    assert (
        whole.bought[("a", "diesel", 2)],
        whole.bought[("a", "bev", 2)],
        whole.bought[("b", "bev", 2)],
    ) == (1, 0, 1)
    assert whole.retired[("a", "diesel", 2)] == 1 and whole.retired[("b", "diesel", 2)] == 1
    assert all(
        whole.stock[(s, k, 3)] == whole.stock[(s, k, 2)] for s in "ab" for k in ("diesel", "bev")
    )


@st.composite
def _continuous_plan(draw: st.DrawFn) -> tuple:
    """A random continuous plan that obeys the model's stock-flow: today's diesel survivors
    fall year by year, each segment buys what it loses (vintages retiring after their life)
    split at random between diesel and battery, where each may be bought."""
    n_segments = draw(st.integers(1, 5))
    years = list(range(2025, 2025 + draw(st.integers(2, 8))))
    lifetime = {("t", "diesel"): draw(st.integers(1, 6)), ("t", "bev"): draw(st.integers(1, 6))}
    ids = [f"s{i}" for i in range(n_segments)]
    fleet = {s: draw(st.integers(0, 40)) for s in ids}
    segments = pd.DataFrame(
        {"vehicle_class": [draw(st.sampled_from(["bus", "taxi"])) for _ in ids], "vehicle_type": "t", "incumbent": "diesel",
         "fleet": [fleet[s] for s in ids]},
        index=pd.Index(ids, name="segment_id"),
    )  # fmt: skip
    fraction = st.floats(0, 1, allow_nan=False)
    initial, bought = {}, {}
    for s in ids:
        survivors = float(fleet[s]) * draw(fraction)
        vintages: list[tuple[str, int, float]] = []
        for t in years:
            survivors *= draw(fraction) if t != years[0] else 1.0
            initial[(s, "diesel", t)] = survivors
            initial[(s, "bev", t)] = 0.0
            alive = sum(v for k, tau, v in vintages if t - lifetime[("t", k)] < tau)
            need = max(fleet[s] - survivors - alive, 0.0)
            share = draw(st.sampled_from([0.0, 1.0, draw(fraction)]))
            for k, v in (("bev", need * share), ("diesel", need * (1 - share))):
                bought[(s, k, t)] = v
                vintages.append((k, t, v))
    return segments, {s: ["diesel", "bev"] for s in ids}, years, lifetime, initial, bought


@settings(max_examples=150, deadline=None)
@given(_continuous_plan())
def test_whole_fleets_add_up_and_flow(case: tuple) -> None:
    """On any continuous plan: whole numbers, each segment's fleet every year, stock-flow with
    whole purchases and retirements, today's survivors within one of the model's, and no
    purchase of a technology the model has not bought in that segment (where it buys any)."""
    segments, techs, years, lifetime, initial, bought = case
    whole = whole_fleet(segments, techs, years, lifetime, initial, bought)
    for s in segments.index:
        for i, t in enumerate(years):
            assert sum(whole.stock[(s, k, t)] for k in techs[s]) == segments.at[s, "fleet"]
            for k in techs[s]:
                assert (
                    whole.stock[(s, k, t)] >= 0
                    and whole.bought[(s, k, t)] >= 0
                    and whole.retired[(s, k, t)] >= 0
                )
                # today's survivors: the model's rounded down or up
                survivors = whole.stock[(s, k, t)] - sum(
                    whole.bought[(s, k, tau)]
                    for tau in years[: i + 1]
                    if t - lifetime[("t", k)] < tau
                )
                assert abs(survivors - initial[(s, k, t)]) < 1
                if i:
                    flow = (
                        whole.stock[(s, k, years[i - 1])]
                        + whole.bought[(s, k, t)]
                        - whole.retired[(s, k, t)]
                    )
                    assert whole.stock[(s, k, t)] == flow
    for s in segments.index:  # nothing bought of a technology the model never bought there by then
        for k in techs[s]:
            for i, t in enumerate(years):
                if (
                    sum(bought[(s, k, tau)] for tau in years[: i + 1]) <= 1e-6
                    and sum(bought[(s, j, t)] for j in techs[s]) > 1e-6
                ):
                    assert whole.bought[(s, k, t)] == 0


@given(st.integers(0, 30), st.lists(st.floats(-3, 30, allow_nan=False), min_size=1, max_size=5))
def test_split_adds_up(total: int, wanted: list[float]) -> None:
    """Whole numbers >= 0 adding up to the total; where the wanted values already add up to
    it, each within one of its own."""
    out = split(total, {str(i): w for i, w in enumerate(wanted)})
    assert sum(out.values()) == total and min(out.values()) >= 0
    if all(w >= 0 for w in wanted) and abs(sum(wanted) - total) < 1e-9:
        assert all(abs(out[str(i)] - w) < 1 for i, w in enumerate(wanted))
