"""Modelling to generate alternatives: near-optimal plans that open different sites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleetplan.optimiser.alternatives import generate_alternatives
from fleetplan.optimiser.scenario import Scenario
from tests.test_cli import run, write_scenario, write_tiny_dataset
from tests.tiny import site, tiny_dataset

SLACK = 0.05


def _taxi_data(**kwargs: object) -> dict:
    """100 taxis, 10 replaced a year, all battery-electric (operators gain);
    their 500 kWh/day can be charged at any of three equal car parks (reach 25 km covers
    A, B and C), and a hard target asks for 10 e-taxis in 2026."""
    return {
        "buses": 0,
        "taxis": 100,
        "parameters": {("taxi_charging_reach_km", "-", "-"): 25},
        "sites": [
            site(
                f"S_{n}",
                i,
                "car_park",
                can_public_charging=True,
                max_chargers=10,
                grid_headroom_kva=1_000,
            )
            for i, n in enumerate("ABC")
        ],
        "targets": [
            {
                "target_id": "etaxi",
                "vehicle_class": "taxi",
                "year": 2026,
                "min_zev": 10,
                "min_zev_share": None,
                "hard": True,
            }
        ],
        **kwargs,
    }


SCENARIO = {
    "years": {"start": 2025, "end": 2026},
    "technologies": {"bus": [], "taxi": ["bev"], "truck": []},
    "solver": {"mip_rel_gap": 1e-9, "mip_abs_gap": 0.0},
}


def test_alternatives_stay_within_the_slack_and_differ() -> None:
    found = generate_alternatives(
        Scenario.model_validate(SCENARIO), tiny_dataset(**_taxi_data()), count=3, slack=SLACK
    )
    optimum = found.optimum
    assert optimum.status == "optimal" and len(optimum.charging_sites) == 1
    assert len(found.alternatives) == 3
    seen = [optimum.sites]
    for alt in found.alternatives:
        assert alt.status == "optimal"
        assert alt.cost_hkd <= optimum.cost_hkd * (1 + SLACK) + 1.0
        assert alt.cost_vs_optimum == pytest.approx(alt.cost_hkd / optimum.cost_hkd - 1)
        assert alt.sites != optimum.sites
        assert alt.sites not in seen  # no plan comes back
        seen.append(alt.sites)
        figures = alt.as_dict(optimum)
        assert figures["differs_from_optimum"] and figures["hamming_to_optimum"] >= 1
    # The first alternative is as far as possible from the optimum: the other two sites.
    assert set(found.alternatives[0].charging_sites) == {"S_A", "S_B", "S_C"} - set(
        optimum.charging_sites
    )


def test_zero_slack_and_hydrogen_sites() -> None:
    """Trucks on A <-> C with range 25 km need a station at B (tests/test_formulation.py);
    a hard target asks for 0.5 fuel-cell trucks (2/3 of a truck is replaced a year). With no cost slack the only other plan
    (stations at A and C) costs more, so none is found."""
    data = tiny_dataset(
        buses=0,
        trucks=10,
        parameters={
            ("vehicle_price_hkd", "truck", "fcev"): 1_500_000,
            ("range_km", "truck", "fcev"): 25.0,
            ("hydrogen_price_hkd_per_kg", "-", "-"): 10.0,
        },
        sites=[site(f"H_{n}", i, "petrol_station", can_hydrogen=True) for i, n in enumerate("ABC")],
    )
    scenario = Scenario.model_validate(
        {
            **SCENARIO,
            "technologies": {"bus": [], "taxi": [], "truck": ["fcev"]},
            "extra_targets": {
                "h2_trucks": {"vehicle_class": "truck", "year": 2026, "min_zev": 0.5, "hard": True}
            },
        }
    )
    found = generate_alternatives(scenario, data, count=2, slack=0.0)
    assert found.optimum.hydrogen_sites == ["H_B"]
    assert found.alternatives == []
    assert "no other site plan fits" in found.notes[-1]
    # With room to spend, stations at A and C (20 km gaps <= 25 km) are the alternative.
    roomy = generate_alternatives(scenario, data, count=1, slack=1.0)
    alt = roomy.alternatives[0]
    assert alt.hydrogen_sites == ["H_A", "H_C"]
    assert 0 < alt.cost_vs_optimum <= 1.0


def test_alternatives_cli(tmp_path: Path) -> None:
    folder = write_tiny_dataset(tmp_path / "tiny", **_taxi_data())
    scenario = write_scenario(
        tmp_path / "s.yaml",
        folder,
        years="{start: 2025, end: 2026}",
        technologies="{bus: [], taxi: [bev], truck: []}",
    )
    # write_scenario's technologies line is overridden by the later key: YAML keeps the last.
    scenario.write_text(
        "\n".join(
            line
            for line in scenario.read_text().splitlines()
            if not line.startswith("technologies: {bus: [bev]")
            and not line.startswith("years: {start: 2025, end: 2027}")
        )
        + "\n"
    )
    out = tmp_path / "alts"
    result = run(
        "alternatives", scenario, "--count", "2", "--slack", "0.05", "--json", "--out", out
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [p["plan"] for p in payload["plans"]] == ["optimum", "alternative_1", "alternative_2"]
    for plan in payload["plans"][1:]:
        assert plan["cost_vs_optimum"] <= 0.05 + 1e-9
        assert plan["differs_from_optimum"] and (plan["sites_added"] or plan["sites_removed"])
    assert (out / "alternatives.json").is_file() and (
        out / "alternative_1" / "summary.json"
    ).is_file()
    bad = run("alternatives", scenario, "--slack", "-1")
    assert bad.returncode == 2 and "--slack" in bad.stderr
