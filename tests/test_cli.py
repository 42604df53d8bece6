"""End-to-end tests of ``fleetplan solve``, ``validate``, ``compare`` and ``data info``.

Each test writes a tiny dataset (``tests/tiny.py``) as CSV files and a
scenario YAML into ``tmp_path`` and runs the CLI in a subprocess, the way a
planner would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from fleetplan.network.schema import TABLES
from tests.tiny import SUBSIDY_MATTERS, tiny_dataset, write_tiny_dataset

CLI = [sys.executable, "-c", "from fleetplan.cli import main; main()"]


def write_scenario(path: Path, dataset: Path, **extra: str) -> Path:
    """A small scenario (2025-2027, battery buses only) on ``dataset``; ``extra`` adds YAML lines."""
    lines = [
        f"name: {path.stem}",
        f"dataset: {dataset}",
        "years: {start: 2025, end: 2027}",
        "technologies: {bus: [bev], taxi: [bev], truck: [fcev]}",
        "solver: {time_limit_s: 60, mip_rel_gap: 1.0e-9}",
        *[f"{key}: {value}" for key, value in extra.items()],
    ]
    if extra.get("objective") == "max_abatement" and "max_abatement" not in extra:
        # the hand-worked optima count public infrastructure in the budget (cost breaks ties)
        lines.append("max_abatement: {infrastructure: budget}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str | Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, check=False, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


SUMMARY_KEYS = {
    "status",
    "gap",
    "objective",
    "budget_hkd",
    "subsidy_hkd_total",
    "subsidy_hkd_by_programme",
    "zev_in_service",
    "co2_abated_t",
    "stations",
}


def test_solve_json_prints_one_object_with_the_key_figures(
    tiny_folder: Path, tmp_path: Path
) -> None:
    """Most abatement with HK$20m: 4 subsidised battery buses (HK$5m each), 584 t abated."""
    scenario = write_scenario(
        tmp_path / "s.yaml", tiny_folder, objective="max_abatement", budget="{total_hkd: 20.0e6}"
    )
    result = run("solve", scenario, "--json", check=True)
    summary = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert set(summary) >= SUMMARY_KEYS
    assert summary["status"] == "optimal"
    assert summary["budget_hkd"] == pytest.approx(20e6)
    assert summary["subsidy_hkd_total"] == pytest.approx(20e6)
    assert summary["subsidy_hkd_by_programme"] == {"e_bus": pytest.approx(20e6)}
    assert summary["co2_abated_t"] == pytest.approx(584.0)
    assert summary["zev_in_service"]["bus"]["2027"] == pytest.approx(4.0)


def test_solve_out_writes_readable_files_atomically(tiny_folder: Path, tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path / "s.yaml", tiny_folder, objective="max_abatement", budget="{total_hkd: 20.0e6}"
    )
    out = tmp_path / "results"
    run("solve", scenario, "--out", out, "--time-limit", "30", "--gap", "0", check=True)
    expected = {
        "scenario.yaml", "summary.json", "fleet.csv", "purchases.csv", "subsidy.csv", "chargers.csv", "stations.csv",
        "emissions.csv", "costs.csv", "truck_coverage.csv", "taxi_charging.csv", "targets.csv",
        "marginal_values.csv", "sites.gpkg", "sites.geojson",
    }  # fmt: skip
    assert expected <= {p.name for p in out.iterdir()}
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    fleet = pd.read_csv(out / "fleet.csv")
    assert {"segment_id", "technology", "year", "vehicles"} <= set(fleet.columns)
    subsidy = pd.read_csv(out / "subsidy.csv")
    assert subsidy["subsidy_hkd"].sum() == pytest.approx(20e6)
    chargers = pd.read_csv(out / "chargers.csv")
    assert chargers["new_chargers"].max() > 0  # battery buses need depot chargers
    marginal = pd.read_csv(out / "marginal_values.csv").set_index("name")["value"]
    assert marginal["budget"] == pytest.approx(29.2, rel=1e-3)
    # The resolved scenario reads back as the same scenario, with the flags applied.
    from fleetplan.optimiser.scenario_files import load_scenario_file

    resolved = load_scenario_file(out / "scenario.yaml")
    assert resolved.solver.time_limit_s == 30 and resolved.solver.mip_rel_gap == 0
    assert resolved.fingerprint() == summary["fingerprint"]
    # Geo files: three GeoPackage layers and a WGS84 GeoJSON.
    layers = {name for name, _ in pyogrio.list_layers(out / "sites.gpkg")}
    assert layers == {"candidate_sites", "chargers", "stations"}
    sites = gpd.read_file(out / "sites.gpkg", layer="candidate_sites")
    assert list(sites["site_id"]) == ["S_D1"]
    charger_points = gpd.read_file(out / "sites.gpkg", layer="chargers")
    assert list(charger_points["site_id"]) == ["S_D1"]
    assert (
        charger_points.loc[0, "opening_year"] == 2026 and charger_points.loc[0, "new_chargers"] >= 2
    )
    geojson = gpd.read_file(out / "sites.geojson")
    assert geojson.crs.to_epsg() == 4326
    assert geojson.loc[0, "depot_chargers_final"] == charger_points.loc[0, "new_chargers"]
    # No temporary siblings are left next to the results.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    # A second run replaces the folder; a foreign non-empty folder is refused (exit 2).
    run("solve", scenario, "--out", out, "--no-marginals", check=True)
    assert pd.read_csv(out / "marginal_values.csv").empty
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    refused = run("solve", scenario, "--out", foreign)
    assert refused.returncode == 2
    assert "refusing" in refused.stderr and (foreign / "thesis.txt").exists()


def test_solve_infeasible_exits_1_with_diagnosis(tiny_folder: Path, tmp_path: Path) -> None:
    """A hard target of 8 battery buses in 2026 with no budget cannot be met."""
    scenario = write_scenario(
        tmp_path / "s.yaml",
        tiny_folder,
        budget="{total_hkd: 0}",
        extra_targets="{many: {vehicle_class: bus, year: 2026, min_zev: 8, hard: true}}",
    )
    result = run("solve", scenario, "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "infeasible" in result.stderr and "Traceback" not in result.stderr


def test_compare_shows_deltas(tiny_folder: Path, tmp_path: Path) -> None:
    low = write_scenario(
        tmp_path / "low.yaml", tiny_folder, objective="max_abatement", budget="{total_hkd: 10.0e6}"
    )
    high = write_scenario(
        tmp_path / "high.yaml", tiny_folder, objective="max_abatement", budget="{total_hkd: 20.0e6}"
    )
    run("solve", low, "--out", tmp_path / "a", "--no-marginals", check=True)
    run("solve", high, "--out", tmp_path / "b", "--no-marginals", check=True)
    result = run("compare", tmp_path / "a", tmp_path / "b", "--json", check=True)
    payload = json.loads(result.stdout)
    figures = {f["name"]: f for f in payload["figures"]}
    assert figures["co2_abated_t"]["values"] == [pytest.approx(292.0), pytest.approx(584.0)]
    assert figures["co2_abated_t"]["deltas"] == [0.0, pytest.approx(292.0)]
    assert figures["subsidy_hkd_total"]["deltas"][1] == pytest.approx(10e6)
    assert figures["zev_bus_2027"]["values"] == [pytest.approx(2.0), pytest.approx(4.0)]
    table = run("compare", tmp_path / "a", tmp_path / "b", check=True)
    assert "co2_abated_t" in table.stdout and "+292" in table.stdout
    missing = run("compare", tmp_path / "a", tmp_path / "nowhere")
    assert missing.returncode == 2 and "nowhere" in missing.stderr


def test_validate_prints_ok_with_counts(tiny_folder: Path, tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path / "s.yaml", tiny_folder)
    result = run("validate", scenario, check=True)
    assert result.stdout.startswith("OK")
    assert "bus_segments 1" in result.stdout and "candidate_sites 1" in result.stdout


def test_validate_names_a_bad_dataset_row(tmp_path: Path) -> None:
    folder = write_tiny_dataset(tmp_path / "broken")
    depots = pd.read_csv(folder / "depots.csv")
    depots.loc[0, "buses_allocated"] = -3
    depots.to_csv(folder / "depots.csv", index=False)
    result = run("validate", write_scenario(tmp_path / "s.yaml", folder))
    assert result.returncode == 2
    assert "depots.csv" in result.stderr and "buses_allocated" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_data_info_on_the_tiny_folder(tiny_folder: Path) -> None:
    payload = json.loads(run("data", "info", "--dataset", tiny_folder, "--json", check=True).stdout)
    tables = payload["tables"]
    assert set(TABLES) <= set(tables)
    assert tables["parameters"]["rows"] == len(tiny_dataset(**SUBSIDY_MATTERS).parameters)
    assert tables["depots"]["status"] == {"verified": 0, "derived": 0, "estimate": 1}
    assert tables["depots"]["sources"] == ["test fixture (hand-made)"]
    assert tables["nodes_fine"]["rows"] == 3
    text = run("data", "info", "--dataset", tiny_folder, check=True).stdout
    assert "candidate_sites" in text


def test_directory_write_is_atomic_on_error_and_sigterm(tmp_path: Path) -> None:
    """A failing or killed writer leaves the previous results and no temporary folder."""
    import signal
    import time

    from fleetplan.optimiser.outputs import write_atomic, write_directory_atomic

    target = tmp_path / "out"
    write_directory_atomic(target, lambda d: (d / "a.txt").write_text("first"))

    def broken(folder: Path) -> None:
        (folder / "a.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_directory_atomic(target, broken)
    assert (target / "a.txt").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]

    write_atomic(tmp_path / "f.txt", "one")
    write_atomic(tmp_path / "f.txt", b"two")
    assert (tmp_path / "f.txt").read_text() == "two"

    script = (
        "import time, pathlib\n"
        "from fleetplan.optimiser.outputs import write_directory_atomic\n"
        "def slow(d):\n"
        "    (d / 'a.txt').write_text('second')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        f"write_directory_atomic(pathlib.Path({str(target)!r}), slow)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 128 + signal.SIGTERM
    time.sleep(0.1)
    assert (target / "a.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt", "out"]


def test_target_cost_command_reports_infeasible_targets_with_exit_1(tmp_path: Path) -> None:
    """On the tiny city a target of 8 battery buses in 2026 cannot be met (no operator would
    switch, no subsidy): made hard, it is infeasible, so the command exits 1 and names the target."""
    targets = [
        {
            "target_id": "ebus_2026",
            "vehicle_class": "bus",
            "year": 2026,
            "min_zev": 8,
            "min_zev_share": None,
            "hard": False,
        }
    ]
    folder = write_tiny_dataset(
        tmp_path / "data", targets=targets, parameters={("adoption_barrier_hkd", "-", "-"): 1e8}
    )
    scenario = write_scenario(tmp_path / "s.yaml", folder)
    result = run("target-cost", scenario, "--json")
    assert result.returncode == 1, result.stderr
    payload = json.loads(result.stdout)
    assert payload["feasible"] is False
    assert "ebus_2026" in " ".join(payload["diagnosis"])


def test_target_cost_command_prices_a_reachable_target(tmp_path: Path) -> None:
    """5 subsidised battery buses in 2026: HK$2,505,000 more system cost and HK$25m more
    subsidy than without the target (worked out in tests/test_formulation.py)."""
    targets = [
        {
            "target_id": "ebus",
            "vehicle_class": "bus",
            "year": 2026,
            "min_zev": 5,
            "min_zev_share": None,
            "hard": False,
        }
    ]
    folder = write_tiny_dataset(tmp_path / "data", targets=targets, **SUBSIDY_MATTERS)
    scenario = write_scenario(tmp_path / "s.yaml", folder)
    result = run("target-cost", scenario, "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["system_cost_hkd_delta"] == pytest.approx(2_505_000, abs=2)
    assert payload["subsidy_hkd_delta"] == pytest.approx(25e6, abs=2)


def test_version_flag_prints_the_installed_version() -> None:
    """``fleetplan --version`` prints the version the package metadata holds, and nothing else runs."""
    from importlib.metadata import version

    run = subprocess.run(
        [*CLI, "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"fleetplan {version('fleetplan')}"
