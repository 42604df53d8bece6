"""Why each hydrogen station is where it is (optimiser/station_reasons.py), on the tiny city."""

from __future__ import annotations

import pytest

from fleetplan.optimiser.plan import plan
from tests.test_formulation import scenario
from tests.tiny import site, tiny_dataset


def test_a_new_station_names_its_demand_its_distance_and_the_site_that_could_not_serve() -> None:
    """Two fuel-cell buses at depot D1 (node A) need 2 x 200 km x 0.1 kg/km = 40 kg/day. The
    site at the depot may hold at most 400 kg/day, less than one 500 kg/day module, so the
    plan builds at H_B, 10 km away: its row says 40 kg/day of buses at 10 km, and names H_A as
    the other site within reach, not built."""
    data = tiny_dataset(
        zev_today=2,
        fcev_today=2,
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
            site("H_A", 0, "landfill", can_hydrogen=True, max_h2_kg_day=400),
            site("H_B", 1, "landfill", can_hydrogen=True),
        ],
    )
    result = plan(
        scenario(
            years={"start": 2025, "end": 2025}, technologies={"bus": [], "taxi": [], "truck": []}
        ),
        data,
        marginals=False,
    )
    reasons = result.station_reasons.set_index("site_id")
    assert list(reasons.index) == ["H_B"]
    row = reasons.loc["H_B"]
    assert row["demand_kg_day"] == pytest.approx(40.0)
    assert row["bus_kg_day"] == pytest.approx(40.0)
    assert row["truck_kg_day"] == pytest.approx(0.0, abs=1e-9)
    assert row["mean_km_to_demand"] == pytest.approx(10.0)
    assert row["utilisation"] == pytest.approx(40.0 / 500.0)
    assert "H_A" in row["alternatives"] and "not built" in row["alternatives"]
    assert "no other open station" in row["reason"]
    assert "depot D1" in row["consumers"]
