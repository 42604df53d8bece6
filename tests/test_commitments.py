"""Commitments the plan takes as given, on the tiny city (``tests/tiny.py``), worked by hand.

Operators' pledges and orders (``operator_commitments.csv``) are behaviour: they hold
whatever the payment on offer and in the no-policy counterfactual. Committed public
chargers (``committed_chargers.csv``) are capacity from their year, not decisions.

Ten diesel buses of depot D1 (operator kmb, 200 km a day, within the battery bus's 300 km)
aged 16 and 15 leave service in 2026 (5) and 2027 (5); nothing retires in 2025. With a
prohibitive adoption barrier no operator would switch on its own.
"""

from __future__ import annotations

import pytest

from fleetplan.errors import InputError
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.plan import plan
from tests.test_formulation import NO_SWITCH, scenario, zev
from tests.tiny import ebus_programme, order, pledge, site, tiny_dataset

AGES = {16: 5.0, 15: 5.0}


def _buses(**commitments: object) -> object:
    return tiny_dataset(parameters=NO_SWITCH, bus_ages=AGES, **commitments)  # type: ignore[arg-type]


def test_a_pledge_in_the_dataset_buys_zero_emission_from_its_year_and_stays_without_policy() -> (
    None
):
    """kmb pledges zero-emission purchases from 2027: the 5 replacements of 2026 stay diesel
    (no one would switch), the 5 of 2027 are battery buses. The pledge is the operator's, so
    the no-policy plan has the same 5, and an e-bus programme paying in 2025-27 is credited
    with none of them (0 more zero-emission buses than without policy)."""
    data = tiny_dataset(
        parameters=NO_SWITCH,
        bus_ages=AGES,
        operator_commitments=[pledge(2027)],
        programmes=[ebus_programme()],
    )
    result = plan(scenario(), data, marginals=False, counterfactual=True)
    assert zev(result, "bus", 2026) == pytest.approx(0.0, abs=1e-6)
    assert zev(result, "bus", 2027) == pytest.approx(5.0)
    summary = result.summary()
    assert summary["no_policy"]["zev_in_service"]["bus"][2027] == pytest.approx(5.0)
    assert summary["zev_in_service_vs_no_policy"]["bus"][2027] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("changes", "expected_2026", "expected_2027"),
    [
        # the dataset's rows left out
        ({"operator_commitments_from_dataset": False}, 0.0, 0.0),
        # one row switched off by its key
        ({"operator_commitments": {"kmb_pledge": {"enabled": False}}}, 0.0, 0.0),
        # one field of a row changed: from 2026, all 10 replacements are battery buses
        (
            {"operator_commitments": {"kmb_pledge": {"zero_emission_purchases_from": 2026}}},
            5.0,
            10.0,
        ),
    ],
)
def test_a_scenario_changes_or_switches_off_the_dataset_pledges(
    changes: dict, expected_2026: float, expected_2027: float
) -> None:
    result = plan(
        scenario(**changes),
        _buses(operator_commitments=[pledge(2027)]),
        marginals=False,
        counterfactual=False,
    )
    assert zev(result, "bus", 2026) == pytest.approx(expected_2026, abs=1e-6)
    assert zev(result, "bus", 2027) == pytest.approx(expected_2027, abs=1e-6)


def test_an_order_is_a_floor_under_the_operators_purchases_in_the_plan_and_without_policy() -> None:
    """kmb orders 6 battery buses by 2027. Natural replacement brings 10 purchases by 2027
    (5 in 2026, 5 in 2027), all on duties a battery bus can run. Filled from 2027 backwards:
    all 5 of 2027 and 1 of 2026, so 1 in service in 2026 and 6 in 2027, with and without policy."""
    result = plan(
        scenario(),
        _buses(operator_commitments=[order(6, 2027)]),
        marginals=False,
        counterfactual=True,
    )
    assert zev(result, "bus", 2026) == pytest.approx(1.0)
    assert zev(result, "bus", 2027) == pytest.approx(6.0)
    assert result.summary()["no_policy"]["zev_in_service"]["bus"][2027] == pytest.approx(6.0)
    assert not any("capped" in note for note in result.notes)


def test_an_order_beyond_natural_replacement_is_capped_and_reported() -> None:
    """15 battery buses by 2027, but only 10 buses leave service by then: the order is capped at
    10 before the solve (all 10 replacements are battery buses) and a note says so."""
    result = plan(
        scenario(),
        _buses(operator_commitments=[order(15, 2027)]),
        marginals=False,
        counterfactual=False,
    )
    assert zev(result, "bus", 2027) == pytest.approx(10.0)
    note = next(note for note in result.notes if "kmb_order" in note)
    assert "15 bev vehicles bought by 2027" in note and "capped at 10.0" in note


def test_an_order_no_duty_allows_is_capped_at_zero() -> None:
    """Buses that run 350 km a day, beyond the battery bus's 300 km (no terminus charging in the
    tiny parameters): no purchase can go to the order, which is capped at 0 and noted; the
    buses stay diesel."""
    data = tiny_dataset(
        parameters=NO_SWITCH,
        bus_ages=AGES,
        bus_daily_km=350.0,
        operator_commitments=[order(4, 2027)],
    )
    result = plan(scenario(), data, marginals=False, counterfactual=False)
    assert zev(result, "bus", 2027) == pytest.approx(0.0, abs=1e-6)
    assert any("kmb_order" in note and "capped at 0.0" in note for note in result.notes)


def test_a_pledge_leaves_duties_no_zero_emission_technology_can_run_with_the_incumbent() -> None:
    """The same 350 km duties under a pledge from 2026: no zero-emission bus can run them, so
    the replacements stay diesel and a note names the segment."""
    data = tiny_dataset(
        parameters=NO_SWITCH, bus_ages=AGES, bus_daily_km=350.0, operator_commitments=[pledge(2026)]
    )
    result = plan(scenario(), data, marginals=False, counterfactual=False)
    assert zev(result, "bus", 2027) == pytest.approx(0.0, abs=1e-6)
    assert any(
        "kmb_pledge" in note and "100.0%" in note and "D1_dd" in note for note in result.notes
    )


def _taxi_site(max_chargers: int) -> list[dict]:
    return [
        site(
            "S_B",
            1,
            "car_park",
            can_public_charging=True,
            max_chargers=max_chargers,
            grid_headroom_kva=1_000,
        )
    ]


def _committed(
    year: int, chargers: int, site_id: str | None = "S_B", kind: str = "programme"
) -> dict:
    return {
        "commitment_id": f"c{year}",
        "kind": kind,
        "year": year,
        "fast_chargers": chargers,
        "site_id": site_id,
    }


TAXIS = {"buses": 0, "taxis": 100}
TAXI_YEARS = {
    "years": {"start": 2025, "end": 2027},
    "technologies": {"bus": [], "taxi": ["bev"], "truck": []},
}


def _served(result: object) -> dict[int, float]:
    served = result.taxi_charging.groupby("year")["kwh_per_day"].sum()  # type: ignore[attr-defined]
    return {t: float(served.get(t, 0.0)) for t in (2025, 2026, 2027)}


def test_committed_chargers_add_capacity_from_their_year_only() -> None:
    """100 taxis over ages 0-9: 10 are replaced each year and all go electric, needing 500,
    1,000 and 1,500 kWh/day in zone Z1 in 2025-27. The site at B has no room for new chargers;
    20 committed chargers stand there from 2026. Taxis get 25 % of them (the estimate for
    shared chargers): 0.25 x 20 x 100 kW x 10 h = 5,000 kWh/day from 2026, nothing in 2025."""
    data = tiny_dataset(**TAXIS, sites=_taxi_site(0), committed_chargers=[_committed(2026, 20)])
    result = plan(scenario(**TAXI_YEARS), data, marginals=False, counterfactual=False)
    assert _served(result) == pytest.approx({2025: 0.0, 2026: 1000.0, 2027: 1500.0})
    public = result.chargers[result.chargers["charger_kind"] == "public"].set_index("year")
    assert (
        public.loc[2025, "committed_chargers"] == 0 and public.loc[2026, "committed_chargers"] == 20
    )
    assert result.summary()["committed_public_chargers"] == {2025: 0, 2026: 20, 2027: 20}
    none = plan(
        scenario(**TAXI_YEARS, committed_public_chargers="none"),
        data,
        marginals=False,
        counterfactual=False,
    )
    assert _served(none) == pytest.approx({2025: 0.0, 2026: 0.0, 2027: 0.0})


def test_the_plan_builds_public_chargers_only_beyond_the_committed_ones() -> None:
    """The same taxis with room for 10 new chargers at B. Without commitments: 1 charger
    (1,000 kWh/day) in 2025 serves 2025-26, a second is needed for 1,500 kWh/day in 2027.
    With 4 committed chargers from 2027 (0.25 x 4 x 1,000 = 1,000 kWh/day) the first charger
    and them serve 2,000 kWh/day: no second charger. A target row is not counted by default."""

    def new_chargers_2027(rows: list[dict], **changes: object) -> float:
        data = tiny_dataset(**TAXIS, sites=_taxi_site(10), committed_chargers=rows)
        result = plan(
            scenario(**TAXI_YEARS, **changes), data, marginals=False, counterfactual=False
        )
        public = result.chargers[
            (result.chargers["charger_kind"] == "public") & (result.chargers["year"] == 2027)
        ]
        return float(public["new_chargers"].sum())

    assert new_chargers_2027([_committed(2030, 4)]) == 2  # beyond the horizon: nothing committed
    assert new_chargers_2027([_committed(2027, 4)]) == 1
    assert new_chargers_2027([_committed(2027, 4, kind="target")]) == 2
    assert (
        new_chargers_2027(
            [_committed(2027, 4, kind="target")], committed_public_chargers="programmes_and_targets"
        )
        == 1
    )


def test_city_wide_committed_chargers_follow_the_existing_ones() -> None:
    """A city-wide row of 9 chargers over sites with 4 and 2 existing fast chargers: 6 and 3."""
    sites = [
        site(
            "S_B",
            1,
            "car_park",
            can_public_charging=True,
            max_chargers=10,
            existing_fast_chargers=4,
        ),
        site(
            "S_C",
            2,
            "car_park",
            can_public_charging=True,
            max_chargers=10,
            existing_fast_chargers=2,
        ),
    ]
    data = tiny_dataset(
        **TAXIS, sites=sites, committed_chargers=[_committed(2026, 9, site_id=None)]
    )
    inputs = prepare_inputs(scenario(**TAXI_YEARS), data)
    assert inputs.committed_public_chargers[("S_B", 2025)] == 0
    assert inputs.committed_public_chargers[("S_B", 2026)] == 6
    assert inputs.committed_public_chargers[("S_C", 2027)] == 3


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            {"new_pledge": {"operator": "kmb"}},
            ["operator_commitments.new_pledge.zero_emission_purchases_from", "complete pledge"],
        ),
        (
            {"new_order": {"operator": "kmb", "technology": "bev", "year": 2027}},
            ["operator_commitments.new_order.vehicles", "complete order"],
        ),
        (
            {"new_pledge": {"operator": "mtr", "zero_emission_purchases_from": 2030}},
            ["operator_commitments.new_pledge.operator", "unknown operator 'mtr'", "kmb"],
        ),
        # an order's field on the dataset's pledge row
        (
            {"kmb_pledge": {"year": 2028}},
            ["operator_commitments.kmb_pledge.year", "is a pledge", "zero_emission_purchases_from"],
        ),
    ],
)
def test_an_incomplete_or_unknown_scenario_commitment_is_named(
    entry: dict, words: list[str]
) -> None:
    with pytest.raises(InputError) as raised:
        prepare_inputs(
            scenario(operator_commitments=entry), _buses(operator_commitments=[pledge(2027)])
        )
    for word in words:
        assert word in str(raised.value)


def test_a_commitment_mixing_pledge_and_order_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="one kind"):
        scenario(
            operator_commitments={
                "x": {"operator": "kmb", "zero_emission_purchases_from": 2030, "vehicles": 5}
            }
        )
