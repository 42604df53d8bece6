"""Per-target costing (``fleetplan target-cost``) on the tiny city, each verdict worked by hand.

The tiny city (tests/tiny.py, zero discount rate, 2025-2027): 10 diesel buses aged 16 that
all retire in 2026, a battery bus at HK$12m that only the e-bus programme's top payment
(HK$5m, closing the operators' HK$4.501m gap) makes operators buy, and 100 taxis over ages
0-9 (10 replaced a year) that all go electric with no payment (tests/test_formulation.py).
Without any target the plan buys 10 diesel buses in 2026 and 10 e-taxis a year.
"""

from __future__ import annotations

import pytest

from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.target_cost import target_cost
from tests.tiny import ebus_programme, site, tiny_dataset

EXACT = {"mip_rel_gap": 1e-9, "mip_abs_gap": 0.0, "threads": 1}


def _scenario(**fields: object) -> Scenario:
    return Scenario.model_validate(
        {
            "years": {"start": 2025, "end": 2027},
            "technologies": {"bus": ["bev"], "taxi": ["bev"], "truck": []},
            "solver": EXACT,
            **fields,
        }
    )


def _target(target_id: str, vehicle_class: str, year: int, min_zev: float) -> dict[str, object]:
    return {
        "target_id": target_id,
        "vehicle_class": vehicle_class,
        "year": year,
        "min_zev": min_zev,
        "min_zev_share": None,
        "hard": False,
    }


def _city(targets: list[dict[str, object]], programme_cap_hkd: float = 1e9) -> object:
    return tiny_dataset(
        taxis=100,
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
        programmes=[ebus_programme(programme_cap_hkd=programme_cap_hkd)],
        targets=targets,
    )


def test_each_target_gets_its_own_verdict_worked_by_hand() -> None:
    """Three targets, each priced alone (together the two bus targets could not be met:
    a joint solve would be infeasible).

    etaxi_met, 20 e-taxis in 2026: 10 replaced in 2025 and 10 in 2026 all go electric
    with no payment -> met anyway, at no extra cost.

    ebus_cost, 5 battery buses in 2026: 5 subsidised buses instead of diesel, per bus-year
    (12m/18 + 109,500) - (3m/18 + 365,000) = 244,500, x 5 buses x 2 years = 2,445,000, plus
    3 depot chargers (5 x 300 kWh / 500 kWh each) x 100,000/10 x 2 years = 60,000:
    HK$2,505,000 more system cost and 5 x 5m = HK$25m more subsidy.

    ebus_out, 3 battery buses in 2025: no bus retires before 2026, so natural replacement
    allows 0 in 2025 -> out of reach, 3 early retirements needed. With early retirement
    allowed, 3 of today's buses go in 2025 for 3 subsidised battery buses. Per bus over
    2025-2027: battery 3 x (12m/18 + 109,500) = 2,328,500 plus 1.8 chargers for 3 buses
    (900 kWh / 500) -> 0.6 x 100,000/10 x 3 years = 18,000 each, against the diesel path
    (old bus 365,000 in 2025, its capital sunk, then a new one 2 x (3m/18 + 365,000) =
    1,063,333): 918,167 more a bus, HK$2,754,500 for 3, and 3 x 5m = HK$15m subsidy.
    """
    data = _city(
        [
            _target("etaxi_met", "taxi", 2026, 20),
            _target("ebus_cost", "bus", 2026, 5),
            _target("ebus_out", "bus", 2025, 3),
        ]
    )
    outcome = target_cost(_scenario(), data)
    rows = {row["target_id"]: row for row in outcome["by_target"]}
    assert list(rows) == ["etaxi_met", "ebus_cost", "ebus_out"] == outcome["targets"]

    met = rows["etaxi_met"]
    assert met["verdict"] == "met"
    assert met["zev_without_targets"] == 20
    assert met["extra_cost_hkd"] == 0.0

    costly = rows["ebus_cost"]
    assert costly["verdict"] == "met_at_cost"
    assert costly["extra_cost_hkd"] == pytest.approx(2_505_000, abs=2)
    assert costly["extra_subsidy_hkd"] == pytest.approx(25e6, abs=2)
    assert costly["with_target"]["status"] == "optimal"
    assert costly["without_targets"]["status"] == "optimal"
    assert costly["with_target"]["gap_absolute"] == pytest.approx(0.0, abs=1e-6)

    out = rows["ebus_out"]
    assert out["verdict"] == "out_of_reach"
    limit = out["limit"]
    assert (limit["kind"], limit["max_zev"], limit["required"]) == ("natural_replacement", 0, 3)
    assert "early retirement of at least 3" in limit["text"]
    route = limit["early_retirement"]
    assert route["closes_gap"] and route["priced"]
    assert route["retired_early"] == 3
    assert route["extra_cost_hkd"] == pytest.approx(2_754_500, abs=2)
    assert route["extra_subsidy_hkd"] == pytest.approx(15e6, abs=2)

    # The joint keys: one target is out of reach on its own, so not all can be met.
    assert outcome["feasible"] is False
    assert any(line.startswith("ebus_out:") for line in outcome["diagnosis"])
    assert outcome["base"]["status"] == "optimal"


def test_the_limit_named_is_the_first_family_that_falls_short() -> None:
    """5 battery buses in 2026 (a scenario's own target), 10 buses replaced that year.

    With the e-bus programme capped at HK$10m it pays for 10m / 5m = 2 (operators buy only
    at its top payment), while 10 would be bought without the cap -> 'money', max 2 (the
    steps before allow 10).

    With the programme closed after 2025, no payment is on offer in 2026 and operators buy
    none -> 'uptake', max 0, natural replacement 10. Early retirement would reach it (buses
    retired in 2025 replaced by subsidised battery buses that year serve in 2026: up to 10),
    but with no time budget it is not priced, and the row says so."""
    data = _city([_target("none", "bus", 2100, 0)])
    wanted = {"bus_2026": {"vehicle_class": "bus", "year": 2026, "min_zev": 5}}

    capped = target_cost(
        _scenario(programmes={"e_bus": {"programme_cap_hkd": 10e6}}, extra_targets=wanted), data
    )
    (row,) = capped["by_target"]
    assert row["target_id"] == "bus_2026" and row["verdict"] == "out_of_reach"
    limit = row["limit"]
    assert (limit["kind"], limit["max_zev"], limit["required"]) == ("money", 2, 5)
    assert limit["max_zev_by_step"] == {
        "natural_replacement": 10,
        "uptake": 10,
        "infrastructure": 10,
        "money": 2,
    }

    closed = target_cost(
        _scenario(programmes={"e_bus": {"last_year": 2025}}, extra_targets=wanted),
        data,
        time_budget_s=0,
    )
    limit = closed["by_target"][0]["limit"]
    assert (limit["kind"], limit["max_zev"], limit["max_zev_by_step"]["natural_replacement"]) == (
        "uptake",
        0,
        10,
    )
    route = limit["early_retirement"]
    assert route["closes_gap"] and route["max_zev"] == 10
    assert route["priced"] is False and "not priced" in route["text"]


def test_an_infrastructure_limit_names_the_rows_that_bind() -> None:
    """5 battery buses in 2026 with room for one depot charger: a charger recharges 500 kWh a
    night and a battery bus uses 300 kWh a day, so one charger serves 500 / 300 = 1.67 buses
    -> 'infrastructure', max 2 (as the tables round), the step before allows 10. What holds the
    maximum down is the depot's space (one charger) at S_D1; no money row is named (the
    e-bus programme pays every purchase up to HK$1bn)."""
    data = tiny_dataset(
        taxis=100,
        sites=[
            site(
                "S_D1",
                0,
                "bus_depot",
                depot_id="D1",
                can_depot_charging=True,
                max_chargers=1,
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
        programmes=[ebus_programme(programme_cap_hkd=1e9)],
        targets=[_target("none", "bus", 2100, 0)],
    )
    wanted = {"bus_2026": {"vehicle_class": "bus", "year": 2026, "min_zev": 5}}
    outcome = target_cost(_scenario(extra_targets=wanted), data, time_budget_s=0)
    limit = outcome["by_target"][0]["limit"]
    assert (limit["kind"], limit["max_zev"], limit["max_zev_by_step"]["uptake"]) == (
        "infrastructure",
        2,
        10,
    )
    families = {entry["constraint"]: entry for entry in limit["binding"]}
    assert "depot_space" in families
    assert families["depot_space"]["where"] == ["S_D1"] or families["depot_space"]["where"] == [
        "D1"
    ]
    assert not {"programme_cap", "budget"} & set(families)
    assert "depot_space" in limit["binding_text"]
    assert "depot_space" in outcome["diagnosis"][0]


def test_a_money_limit_names_the_programme_cap() -> None:
    """The capped case of the test above it (HK$10m pays for 2 of the 5 buses): the binding row
    is the e-bus programme's cap."""
    data = _city([_target("none", "bus", 2100, 0)], programme_cap_hkd=10e6)
    wanted = {"bus_2026": {"vehicle_class": "bus", "year": 2026, "min_zev": 5}}
    outcome = target_cost(_scenario(extra_targets=wanted), data, time_budget_s=0)
    limit = outcome["by_target"][0]["limit"]
    assert limit["kind"] == "money"
    families = {entry["constraint"]: entry for entry in limit["binding"]}
    assert "programme_cap" in families
    assert "e_bus" in families["programme_cap"]["where"]
