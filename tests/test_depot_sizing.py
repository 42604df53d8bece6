"""Depot sizing: cases worked out by hand, properties on random depots, CSV and CLI errors.

Unless a test says otherwise: kWh/km = 1 and summer factor = 1 so that km = kWh,
one 150 kW charger class, 15-minute steps over one cyclic day, default tariff
(peak 09:00-21:00, so every overnight step is off-peak) with a positive demand
charge, so among equally cheap schedules the one with the lowest peak wins.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fleetplan.errors import InputError
from fleetplan.optimiser.depot_sizing import (
    DepotSizingInputs,
    blocks_frame,
    parse_hhmm,
    read_blocks_csv,
    size_depot,
)
from fleetplan.optimiser.solver import SolverOptions

EXACT = SolverOptions(time_limit_s=60, mip_rel_gap=1e-6)
# Random depots: proving the last 0.5 % can take HiGHS a minute (the peak is set by
# how whole steps pack), so property tests use a 1 % gap and assert only what
# holds for every feasible schedule or with a wide margin.
QUICK = SolverOptions(time_limit_s=30, mip_rel_gap=1e-2)
KWH = {"kwh_per_km": 1.0, "summer_factor": 1.0}


def _inputs(rows: list[tuple[str, str, str, float]], **overrides: object) -> DepotSizingInputs:
    return DepotSizingInputs(blocks_frame(rows), **{**KWH, **overrides})  # type: ignore[arg-type]


def _random_rows(seed: int, buses: int = 4) -> list[tuple[str, str, str, float]]:
    """Overnight blocks: in 20:00-01:00, out 05:00-07:30, 120-280 km (so some duties fail the pre-check)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(buses):
        pull_in = int(rng.integers(20 * 12, 25 * 12 + 1)) * 5 % 1440
        pull_out = int(rng.integers(5 * 12, 7 * 12 + 7)) * 5
        rows.append(
            (
                f"R{i}",
                f"{pull_out // 60:02d}:{pull_out % 60:02d}",
                f"{pull_in // 60:02d}:{pull_in % 60:02d}",
                float(rng.integers(120, 281)),
            )
        )
    return rows


# ---------------------------------------------------------------------------
# Worked cases
# ---------------------------------------------------------------------------


def test_two_buses_share_one_charger() -> None:
    """Both in at 22:00, out at 06:00 (8 h = 32 steps), 200 kWh each, η = 0.95.

    Grid energy = 2 × 200 / 0.95 = 421.05 kWh. One 150 kW charger can deliver
    150 × 8 = 1,200 kWh a night, and the two buses need only 421.05/150 = 2.81 h
    of it, so one charger suffices. The lowest possible peak spreads the energy
    over the whole night: 421.05 / 8 = 52.63 kW, which one charger achieves by
    serving one bus per step. Chargers = 1, peak = 52.63 kW. Uncontrolled: both
    plug in at 22:00 at 150 kW -> 300 kW peak on 2 chargers.
    """
    result = size_depot(
        _inputs([("A", "06:00", "22:00", 200), ("B", "06:00", "22:00", 200)]), EXACT
    )
    assert result.status == "optimal"
    assert result.chargers == 1
    assert result.chargers_by_kw == {150.0: 1}
    assert result.energy_kwh == pytest.approx(400 / 0.95, abs=1e-4)
    assert result.battery_kwh == pytest.approx(400, abs=1e-4)
    assert result.peak_kw == pytest.approx(400 / 0.95 / 8, abs=1e-4)
    assert result.peak_kva == pytest.approx(400 / 0.95 / 8 / 0.95, abs=1e-4)
    assert result.energy_kwh_by_band == pytest.approx(
        {"off_peak": 400 / 0.95, "peak": 0.0}, abs=1e-4
    )
    assert result.uncontrolled_peak_kw == pytest.approx(300)
    assert result.uncontrolled_chargers == 2
    # No existing headroom: the whole peak kVA is an upgrade.
    assert result.grid_upgrade_kva == pytest.approx(result.peak_kva, abs=1e-4)
    assert result.infeasible_buses == []


def test_existing_headroom_is_free() -> None:
    """Same depot with 100 kVA of headroom: peak 52.63 kW = 55.40 kVA < 100, so no upgrade and no upgrade cost."""
    inputs = _inputs(
        [("A", "06:00", "22:00", 200), ("B", "06:00", "22:00", 200)], grid_headroom_kva=100.0
    )
    result = size_depot(inputs, EXACT)
    assert result.grid_upgrade_kva == pytest.approx(0.0, abs=1e-6)
    assert result.annual_cost_hkd["grid_upgrade"] == pytest.approx(0.0, abs=1e-3)


def test_short_overlapping_stays_force_two_chargers() -> None:
    """Both parked only 12:00-13:00 (4 steps), 120 kWh each, η = 1.

    One 150 kW charger delivers at most 150 × 1 h = 150 kWh in the hour, less
    than the 240 kWh both need, so 2 chargers. The peak cannot be below
    240 kWh / 1 h = 240 kW; each bus at 120 kW for 4 steps achieves it.
    """
    rows = [("A", "13:00", "12:00", 120), ("B", "13:00", "12:00", 120)]
    result = size_depot(_inputs(rows, charger_efficiency=1.0), EXACT)
    assert result.chargers == 2
    assert result.peak_kw == pytest.approx(240.0, abs=1e-4)
    assert result.energy_kwh == pytest.approx(240.0, abs=1e-4)
    # 12:00-13:00 is in the 09:00-21:00 peak band.
    assert result.energy_kwh_by_band["peak"] == pytest.approx(240.0, abs=1e-4)


def test_duties_too_long_for_the_battery_are_reported_and_excluded() -> None:
    """Usable 300 kWh, SoC 0.1-1.0 -> a 270 kWh window.

    A: 400 kWh, shortfall 130 kWh = 130 km = 32.5 % of the duty (> 30 %) -> fuel-cell bus.
    B: 300 kWh, shortfall 30 kWh = 30 km = 10 % -> terminus charging of 30 kWh.
    D: 200 kWh fits the battery, but parked only 05:00-06:00: at most
       150 kW × 1 h × 0.95 = 142.5 kWh -> shortfall 57.5 kWh = 28.75 % -> terminus, 58 kWh.
    C: 100 kWh, parked 22:00-06:00: the only bus sized; its 100/0.95 = 105.26 kWh
       over 8 h gives a 13.16 kW peak on one charger.
    """
    rows = [
        ("A", "06:00", "22:00", 400),
        ("B", "06:00", "22:00", 300),
        ("C", "06:00", "22:00", 100),
        ("D", "06:00", "05:00", 200),
    ]
    result = size_depot(_inputs(rows, usable_kwh=300.0), EXACT)
    by_bus = {item["bus"]: item for item in result.infeasible_buses}
    assert set(by_bus) == {"A", "B", "D"}
    assert by_bus["A"]["duty_kwh"] == pytest.approx(400)
    assert by_bus["A"]["usable_kwh"] == pytest.approx(270)
    assert by_bus["A"]["shortfall_km"] == pytest.approx(130)
    assert by_bus["A"]["recommendation"].startswith("fuel-cell bus")
    assert by_bus["B"]["shortfall_km"] == pytest.approx(30)
    assert (
        by_bus["B"]["recommendation"]
        == "opportunity charging at a terminus (30 kWh needed during the day)"
    )
    assert by_bus["D"]["shortfall_km"] == pytest.approx(57.5)
    assert (
        by_bus["D"]["recommendation"]
        == "opportunity charging at a terminus (58 kWh needed during the day)"
    )
    assert by_bus["D"]["reason"].startswith("depot stay too short")
    assert set(result.schedule["bus"]) == {"C"}
    assert list(result.buses["bus"]) == ["C"]
    assert result.chargers == 1
    assert result.energy_kwh == pytest.approx(100 / 0.95, abs=1e-4)
    assert result.peak_kw == pytest.approx(100 / 0.95 / 8, abs=1e-4)
    # The baseline covers the same bus only: 150 kW on arrival.
    assert result.uncontrolled_peak_kw == pytest.approx(150)


def test_summer_factor_scales_the_duty() -> None:
    """200 km × 1.3 kWh/km × 1.15 = 299 kWh < 360 kWh window: served; 250 km -> 373.75 kWh: not."""
    rows = [("A", "06:00", "22:00", 200), ("B", "06:00", "22:00", 250)]
    inputs = DepotSizingInputs(blocks_frame(rows), kwh_per_km=1.3, summer_factor=1.15)
    result = size_depot(inputs, EXACT)
    assert [item["bus"] for item in result.infeasible_buses] == ["B"]
    assert result.infeasible_buses[0]["duty_kwh"] == pytest.approx(373.75)
    assert result.infeasible_buses[0]["shortfall_km"] == pytest.approx(13.75 / 1.495)
    assert result.battery_kwh == pytest.approx(299, abs=1e-4)


def test_blocks_crossing_midnight() -> None:
    """X: out 05:30, in 00:40 next day; Y: out 06:00, in 23:30 the same day. η = 1.

    X is parked 00:40-05:30; whole steps 00:45-05:30 = steps 3..21 (19 steps, 4.75 h).
    Y is parked 23:30-06:00 = steps 94, 95, 0..23 (26 steps, 6.5 h); 7 of them
    (23:30-00:45 and 05:30-06:00, 1.75 h) without X.
    Energy alone bounds the peak below by (190 + 195) / 6.5 = 59.23 kW, but with one
    charger each step of the overlap serves one bus, so steps are whole: at peak P
    (P/4 kWh per step) X needs ⌈190/(P/4)⌉ steps and Y ⌈(195 − 7·P/4)/(P/4)⌉ overlap
    steps, together ≤ 19. At P = 60: 13 + 6 = 19 fits; just below 60: 13 + 7 = 20 does
    not. A second charger (HK$80.8k/yr) to save 0.77 kW (≈ HK$680/yr of demand
    charge) does not pay, so: 1 charger, peak 60 kW.
    Uncontrolled (37.5 kWh per full 15-min step at 150 kW): Y plugs in at 23:30 and
    draws 150 kW in steps 94, 95, 0, 1, 2 (187.5 kWh), then 7.5 kWh = 30 kW in step 3;
    X plugs in at 00:45 (step 3) and draws 150 kW in steps 3-7 (187.5 kWh), then
    2.5 kWh = 10 kW in step 8. Site: 180 kW in step 3 on 2 chargers.
    """
    rows = [("X", "05:30", "00:40", 190), ("Y", "06:00", "23:30", 195)]
    result = size_depot(_inputs(rows, charger_efficiency=1.0), EXACT)
    assert result.chargers == 1
    assert result.peak_kw == pytest.approx(60.0, abs=1e-4)
    schedule = result.schedule
    parked = {
        bus: set(frame.loc[frame["parked"], "step"]) for bus, frame in schedule.groupby("bus")
    }
    assert parked["X"] == set(range(3, 22))
    assert parked["Y"] == {94, 95, *range(24)}
    charging = schedule[schedule["kw"] > 1e-6]
    assert charging["parked"].all()
    curve = result.load_curve
    uncontrolled = dict(zip(curve["step"], curve["uncontrolled_kw"], strict=True))
    assert [uncontrolled[t] for t in (93, 94, 95, 0, 1, 2)] == pytest.approx(
        [0, 150, 150, 150, 150, 150]
    )
    assert [uncontrolled[t] for t in range(3, 10)] == pytest.approx(
        [180, 150, 150, 150, 150, 10, 0]
    )
    assert result.uncontrolled_chargers == 2
    assert result.uncontrolled_peak_kw == pytest.approx(180)


def test_a_week_repeats_the_day() -> None:
    """Seven days of the two-bus depot: same chargers, same peak, same energy per day (672 steps)."""
    rows = [("A", "06:00", "22:00", 200), ("B", "06:00", "22:00", 200)]
    day = size_depot(_inputs(rows), EXACT)
    week = size_depot(_inputs(rows, days=7), EXACT)
    assert len(week.load_curve) == 672
    assert week.chargers == day.chargers == 1
    assert week.peak_kw == pytest.approx(day.peak_kw, abs=1e-4)
    assert week.energy_kwh == pytest.approx(day.energy_kwh, abs=1e-4)
    assert week.annual_cost_hkd["total"] == pytest.approx(day.annual_cost_hkd["total"], rel=1e-6)


def test_several_powers_choose_the_cheaper_mix() -> None:
    """Two buses parked 12:00-13:00 (1 h), 120 kWh each, η = 1, offered 150 and 300 kW.

    With 150 kW: 2 chargers (see the two-charger case). With 300 kW: one charger
    can deliver 300 kWh in the hour, enough for both buses one after the other
    (2 steps each at 240 kW), but the peak stays 240 kW either way. Default
    annual costs: 2 × 150 kW = 2 × 80.8k = HK$161.7k; 1 × 300 kW = HK$127.7k.
    So one 300 kW charger.
    """
    rows = [("A", "13:00", "12:00", 120), ("B", "13:00", "12:00", 120)]
    result = size_depot(_inputs(rows, charger_efficiency=1.0, charger_kw=(150.0, 300.0)), EXACT)
    assert result.chargers_by_kw == {150.0: 0, 300.0: 1}
    assert result.peak_kw == pytest.approx(240.0, abs=1e-4)
    assert set(result.buses["charger_kw"]) == {300.0}


# ---------------------------------------------------------------------------
# Properties on seeded random depots
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("cap", [True, False])
def test_smart_peak_never_exceeds_uncontrolled(seed: int, cap: bool) -> None:
    """Smart charging's site peak ≤ plugging in on arrival, with and without the explicit cap.

    Without the cap it holds because the uncontrolled schedule is feasible and
    overnight steps share one tariff band, so a higher peak only adds demand charge.
    """
    inputs = DepotSizingInputs(blocks_frame(_random_rows(seed)), cap_peak_at_uncontrolled=cap)
    result = size_depot(inputs, QUICK)
    assert result.buses.shape[0] >= 1
    assert result.peak_kw <= result.uncontrolled_peak_kw + 1e-6
    assert result.chargers <= result.uncontrolled_chargers


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_energy_balance_per_bus(seed: int) -> None:
    """Over the cyclic day each bus takes in exactly what it drives: Σ_t η·kW·Δt = km × kWh/km × summer factor.

    Holds for every feasible schedule (the cyclic constraint is an equality), so
    the 1 % gap does not weaken it.

    Also the SoC trajectory: it falls only while out, never leaves [min, max] × usable,
    and the bus leaves full (initial SoC = 1.0).
    """
    inputs = DepotSizingInputs(blocks_frame(_random_rows(seed)))
    result = size_depot(inputs, QUICK)
    for row in result.buses.itertuples(index=False):
        frame = result.schedule[result.schedule["bus"] == row.bus]
        battery_kwh = (frame["kw"] * 0.25 * inputs.charger_efficiency).sum()
        assert battery_kwh == pytest.approx(row.km * 1.3 * 1.15, abs=1e-4)
        assert row.energy_kwh == pytest.approx(row.duty_kwh / inputs.charger_efficiency, abs=1e-4)
        assert frame["soc_kwh"].min() >= 0.1 * 400 - 1e-6
        assert frame["soc_kwh"].max() <= 400 + 1e-6
        assert frame["soc_kwh"].max() == pytest.approx(400, abs=1e-4)
    total = sum(row.duty_kwh for row in result.buses.itertuples(index=False))
    assert result.battery_kwh == pytest.approx(total, abs=1e-3)
    assert result.load_curve["smart_kw"].sum() * 0.25 == pytest.approx(result.energy_kwh, abs=1e-3)
    assert result.load_curve["uncontrolled_kw"].sum() * 0.25 == pytest.approx(
        result.energy_kwh, abs=1e-3
    )


# ---------------------------------------------------------------------------
# Blocks CSV
# ---------------------------------------------------------------------------


def test_read_blocks_csv_normalises_times(tmp_path: Path) -> None:
    """'6:00' -> '06:00'; 24:00 is midnight; spreadsheet seconds ':00' accepted; extra columns kept."""
    path = tmp_path / "blocks.csv"
    path.write_text(
        "bus,pull_out,pull_in,km,route\n007,6:00,24:00,180,1A\nB2,05:30:00,00:40,150.5,2\n"
    )
    frame = read_blocks_csv(path)
    assert list(frame["bus"]) == ["007", "B2"]
    assert list(frame["pull_out"]) == ["06:00", "05:30"]
    assert list(frame["pull_in"]) == ["00:00", "00:40"]
    assert list(frame["km"]) == [180.0, 150.5]
    assert list(frame["route"]) == ["1A", "2"]
    assert parse_hhmm("24:00") == 0


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        ("bus,pull_out,pull_in\nA,06:00,22:00\n", 0, "km"),
        ("bus,pull_out,pull_in,km\nA,06:00,22:00,100\nB,25:99,22:00,100\n", 2, "pull_out"),
        ("bus,pull_out,pull_in,km\nA,06:00,22:60,100\n", 1, "pull_in"),
        ("bus,pull_out,pull_in,km\nA,06:00,22:00,100\nB,06:00,22:00,-5\n", 2, "km"),
        ("bus,pull_out,pull_in,km\nA,06:00,22:00,abc\n", 1, "km"),
        (
            "bus,pull_out,pull_in,km\nA,06:00,22:00,100\nB,06:00,22:00,100\nA,07:00,23:00,90\n",
            3,
            "bus",
        ),
    ],
    ids=["missing-column", "bad-time", "bad-minutes", "negative-km", "text-km", "duplicate-bus"],
)
def test_bad_blocks_name_row_and_field(tmp_path: Path, text: str, row: int, field: str) -> None:
    path = tmp_path / "blocks.csv"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_blocks_csv(path)
    assert caught.value.file == str(path)
    assert caught.value.row == row
    assert caught.value.field == field
    assert f"row {row}" in str(caught.value) and f"'{field}'" in str(caught.value)


def test_bad_parameters_name_the_field() -> None:
    rows = [("A", "06:00", "22:00", 100)]
    with pytest.raises(InputError, match="min_soc"):
        _inputs(rows, min_soc=0.9, max_soc=0.5)
    with pytest.raises(InputError, match="step"):
        _inputs(rows, step_minutes=7)
    with pytest.raises(InputError, match="charger"):
        _inputs(rows, charger_kw=(0.0,))


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from fleetplan.cli import main; main()", "depot", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_cli_json_end_to_end(tmp_path: Path) -> None:
    """Two 150 km duties at 1.3 kWh/km × 1.15 = 224.25 kWh each, parked 22:00-06:00; one 500 km duty.

    Grid energy = 2 × 224.25 / 0.95 = 472.11 kWh; peak = 472.11 / 8 = 59.01 kW on
    one charger. 500 km = 747.5 kWh > 360 kWh window -> fuel-cell bus.
    """
    path = tmp_path / "BLOCKS.csv"
    path.write_text(
        "bus,pull_out,pull_in,km\nA,06:00,22:00,150\nB,06:00,22:00,150\nC,06:00,22:00,500\n"
    )
    result = _cli(
        "--blocks",
        str(path),
        "--charger-kw",
        "150",
        "--usable-kwh",
        "400",
        "--kwh-per-km",
        "1.3",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    for key in ("chargers", "peak_kw", "energy_kwh", "infeasible_buses", "uncontrolled_peak_kw"):
        assert key in payload
    assert payload["chargers"] == 1
    assert payload["energy_kwh"] == pytest.approx(2 * 224.25 / 0.95, abs=1e-3)
    assert payload["peak_kw"] == pytest.approx(2 * 224.25 / 0.95 / 8, rel=0.01)
    assert payload["uncontrolled_peak_kw"] == pytest.approx(300)
    assert [item["bus"] for item in payload["infeasible_buses"]] == ["C"]
    assert payload["infeasible_buses"][0]["recommendation"].startswith("fuel-cell bus")
    assert payload["status"] in ("optimal", "time_limit")


def test_cli_bad_csv_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "BLOCKS.csv"
    path.write_text("bus,pull_out,pull_in,km\nA,25:99,22:00,100\n")
    result = _cli("--blocks", str(path), "--json")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "row 1" in lines[0] and "pull_out" in lines[0] and "HH:MM" in lines[0]
    assert result.stdout == ""


def test_cli_human_summary(tmp_path: Path) -> None:
    path = tmp_path / "BLOCKS.csv"
    path.write_text("bus,pull_out,pull_in,km\nA,06:00,22:00,150\n")
    result = _cli("--blocks", str(path), "--grid-kva", "500")
    assert result.returncode == 0, result.stderr
    assert "chargers" in result.stdout and "kVA" in result.stdout


def test_blocks_row_with_a_stray_comma_is_refused(tmp_path) -> None:
    """'B2,06:00,22:00,1,80' has five cells under a four-column header: pandas would
    shift the columns; the reader names the row instead."""
    import pytest

    from fleetplan.errors import InputError
    from fleetplan.optimiser.depot_sizing import read_blocks_csv

    path = tmp_path / "blocks.csv"
    path.write_text(
        "bus,pull_out,pull_in,km\nB1,06:00,22:00,180\nB2,06:00,22:00,1,80\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="row 2"):
        read_blocks_csv(path)


def test_cli_never_exits_0_with_a_sizing_far_from_its_bound(tmp_path: Path) -> None:
    """400 buses and a 1 s time limit: whatever HiGHS reaches, exit 0 only with a schedule
    within 50 % of its bound; otherwise exit 1 and say the sizing is not usable."""
    path = tmp_path / "BLOCKS.csv"
    rows = [
        f"B{i},{5 + i % 3:02d}:{(i * 7) % 60:02d},{21 + i % 2:02d}:{(i * 11) % 60:02d},{120 + (i * 37) % 160}"
        for i in range(400)
    ]
    path.write_text("bus,pull_out,pull_in,km\n" + "\n".join(rows) + "\n")
    result = _cli("--blocks", str(path), "--time-limit", "1", "--json")
    assert result.returncode in (0, 1), result.stderr
    if result.returncode == 0:
        payload = json.loads(result.stdout)
        assert payload["status"] == "optimal" or payload["gap"] < 0.5
    else:
        assert "Traceback" not in result.stderr and "error:" in result.stderr


def test_a_split_duty_charges_at_midday() -> None:
    """Issue 26: a bus out 06:00-10:00 and 16:00-20:00, 250 km each, on a 400 kWh battery
    (360 kWh between 10 % and 100 %). As one 500 km block it is refused (500 > 360 kWh);
    as a split duty it is served by charging at the depot at midday. Hand-worked: it leaves
    at 06:00 with at most 400 kWh, is back at 10:00 with at most 150, and must leave at 16:00
    with at least 250 + 40 (the floor), so at least 140 kWh go into its battery between 10:00
    and 16:00; over the day it buys 500 kWh / 0.95 from the grid."""
    one_block = size_depot(_inputs([("L", "06:00", "20:00", 500.0)]), EXACT)
    assert [bus["bus"] for bus in one_block.infeasible_buses] == ["L"]
    split = size_depot(
        _inputs([("S", "06:00", "10:00", 250.0), ("S", "16:00", "20:00", 250.0)]), EXACT
    )
    assert split.infeasible_buses == [] and split.chargers == 1
    schedule = split.schedule
    midday = schedule[(schedule["time"] >= "10:00") & (schedule["time"] < "16:00")]
    assert midday["parked"].all()
    assert float(midday["kw"].sum()) * 0.25 * 0.95 >= 140.0 - 1e-6
    at_1600 = schedule[schedule["time"] == "16:00"]["soc_kwh"].iloc[0]
    assert at_1600 >= 290.0 - 1e-6
    assert split.energy_kwh == pytest.approx(500.0 / 0.95, rel=1e-6)
    # The same day in one row per block, overlapping: refused, naming the row.
    with pytest.raises(InputError, match="overlap") as caught:
        _inputs([("S", "06:00", "12:00", 250.0), ("S", "11:00", "20:00", 250.0)])
    assert caught.value.row == 2 and caught.value.field == "bus"


def test_a_split_duty_with_too_short_a_midday_stay_is_left_out_with_its_reason() -> None:
    """Back for 30 minutes at 150 kW (at most 71 kWh into the battery) between two 250 km
    blocks: 500 − 360 = 140 kWh would be needed, so the bus is left out, and says why."""
    result = size_depot(
        _inputs(
            [
                ("S", "06:00", "12:00", 250.0),
                ("S", "12:30", "20:00", 250.0),
                ("A", "06:00", "22:00", 200.0),
            ]
        ),
        EXACT,
    )
    assert [bus["bus"] for bus in result.infeasible_buses] == ["S"]
    assert "between the blocks" in result.infeasible_buses[0]["reason"]
    assert result.infeasible_buses[0]["blocks"] == 2
