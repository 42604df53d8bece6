"""Sweeps: grid parsing, failures recorded per point, monotone abatement in the budget."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from fleetplan.errors import InputError
from fleetplan.optimiser.scenario_files import load_scenario_file
from fleetplan.optimiser.sweep import (
    apply_point,
    grid,
    pareto_mask,
    parse_budgets,
    parse_param,
    run_sweep,
)
from tests.test_cli import SUBSIDY_MATTERS, run, write_scenario, write_tiny_dataset

BUDGETS = [0.0, 10e6, 20e6, 40e6]


@pytest.fixture(scope="module")
def abatement_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Most abatement on the tiny dataset where each HK$5m of subsidy buys one battery bus."""
    folder = tmp_path_factory.mktemp("sweep")
    data = write_tiny_dataset(folder / "tiny", **SUBSIDY_MATTERS)
    return write_scenario(folder / "abate.yaml", data, objective="max_abatement")


def test_grid_and_parsing() -> None:
    assert parse_budgets("0, 375e6,1.5e9") == [0.0, 375e6, 1.5e9]
    assert parse_param("hydrogen_hkd_per_kg=40,108") == ("hydrogen_hkd_per_kg", [40, 108])
    assert parse_param("target.ebus_2027=on,off") == ("target.ebus_2027", ["on", "off"])
    points = grid([0.0, 1e6], [("hydrogen_hkd_per_kg", [40, 108]), ("objective", ["min_cost"])])
    assert len(points) == 4 and points[1] == {
        "budget_total_hkd": 0.0,
        "hydrogen_hkd_per_kg": 108,
        "objective": "min_cost",
    }
    base = {"years": {"start": 2025}}
    applied = apply_point(
        base,
        {
            "hydrogen_hkd_per_kg": 40,
            "carbon_price_hkd_per_t": 500,
            "target.ebus_2027": "off",
            "budget.yearly_limit_hkd": None,
        },
        2025,
    )
    assert applied["prices"] == {"hydrogen_hkd_per_kg": {2025: 40.0}}
    assert applied["carbon_price_hkd_per_t"] == {2025: 500.0}
    assert applied["targets"] == {"ebus_2027": {"enabled": False}}
    assert base == {"years": {"start": 2025}}  # the base mapping is not changed
    for bad in ("-1", "1,abc", ""):
        with pytest.raises(InputError):
            parse_budgets(bad)
    with pytest.raises(InputError):
        parse_param("no_equals_sign")


def test_pareto_mask() -> None:
    frame = pd.DataFrame(
        {
            "subsidy_hkd_total": [0, 10, 10, 20, None],
            "co2_abated_t": [0, 5, 4, 5, None],
            "system_cost_hkd": [1, 2, 2, 3, None],
        }
    )
    # Point 2 is beaten by 1 (same money spent and cost, less abated); 3 by 1 (more money, same tonnes).
    assert list(pareto_mask(frame)) == [True, True, False, False, False]


def test_abatement_never_falls_as_the_budget_grows(abatement_scenario: Path) -> None:
    """Each HK$5m buys one battery bus, 146 t over 2026-27: 0, 292, 584, 1,168 t."""
    scenario = load_scenario_file(abatement_scenario)
    points = grid(BUDGETS, [("hydrogen_hkd_per_kg", [40.0])])
    frame = run_sweep(scenario, points, scheduler="synchronous")
    assert list(frame["status"]) == ["optimal"] * 4
    abated = frame.sort_values("budget_total_hkd")["co2_abated_t"].tolist()
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(abated))
    assert abated == pytest.approx([0.0, 292.0, 584.0, 1168.0])
    assert frame["zev_bus_2027"].tolist() == pytest.approx([0.0, 2.0, 4.0, 8.0])
    assert frame["pareto_efficient"].all()


def test_failed_point_is_recorded_not_fatal(abatement_scenario: Path) -> None:
    """A hard target of 8 battery buses in 2026 is out of reach with no budget (infeasible)
    but met with HK$40m; the sweep records the failure and goes on."""
    scenario = load_scenario_file(abatement_scenario)
    hard = {"many": {"vehicle_class": "bus", "year": 2026, "min_zev": 8, "hard": True}}
    points = grid([0.0, 40e6], [("extra_targets", [hard])])
    frame = run_sweep(scenario, points, scheduler="synchronous")
    assert frame.loc[0, "status"] == "infeasible" and "infeasible" in frame.loc[0, "error"]
    assert frame.loc[0, "budget_hkd"] == 0.0  # a failed row still says which budget failed
    assert pd.isna(frame.loc[0, "co2_abated_t"]) and not frame.loc[0, "pareto_efficient"]
    assert frame.loc[1, "status"] == "optimal" and frame.loc[1, "co2_abated_t"] == pytest.approx(
        1168.0
    )


def test_sweep_cli_on_a_local_cluster(abatement_scenario: Path, tmp_path: Path) -> None:
    """The default runner: a Dask LocalCluster of 2 worker processes."""
    out = tmp_path / "sweep"
    result = run(
        "sweep",
        abatement_scenario,
        "--budgets",
        "0,10e6,20e6",
        "--param",
        "carbon_price_hkd_per_t=0,500",
        "--workers",
        "2",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out / "sweep.csv")
    assert len(frame) == 6
    expected = {
        "budget_total_hkd",
        "carbon_price_hkd_per_t",
        "status",
        "gap",
        "budget_hkd",
        "subsidy_hkd_total",
        "co2_abated_t",
        "system_cost_hkd",
        "zev_bus_2027",
        "zev_bus_2035",
        "solve_time_s",
        "pareto_efficient",
        "error",
    }
    assert expected <= set(frame.columns)
    assert (frame["status"] == "optimal").all()
    for _, group in frame.groupby("carbon_price_hkd_per_t"):
        assert group.sort_values("budget_total_hkd")["co2_abated_t"].is_monotonic_increasing
    html = (out / "pareto.html").read_text()
    assert "Pareto-efficient" in html and "plotly" in html.lower()
    assert not (out / "pareto.png").exists() or __import__("importlib").util.find_spec("kaleido")


def test_sweep_cli_bad_input_exits_2(abatement_scenario: Path, tmp_path: Path) -> None:
    for args in (
        ["--budgets", "0,-5"],
        ["--param", "budgett=1,2"],
        ["--param", "hydrogen_hkd_per_kg=cheap"],
    ):
        result = run(
            "sweep",
            abatement_scenario,
            *args,
            "--out",
            tmp_path / "x",
            "--scheduler",
            "synchronous",
        )
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_sweep_on_a_running_cluster_by_its_scheduler_address(abatement_scenario: Path) -> None:
    """Past one machine (#28): the sweep sent to a scheduler by its tcp:// address, as it would be
    to a cluster of other machines; here a LocalCluster of 2 worker processes on loopback. Each
    point's figures are the ones solved one after another in this process."""
    from dask.distributed import LocalCluster

    scenario = load_scenario_file(abatement_scenario)
    points = grid([0.0, 10e6, 20e6], [("carbon_price_hkd_per_t", [0.0, 500.0])])
    here = run_sweep(scenario, points, scheduler="synchronous")
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        there = run_sweep(scenario, points, scheduler=address)
        # the cluster the points went to has two worker processes, apart from this one
        assert len(cluster.scheduler_info["workers"]) == 2
    assert list(there["status"]) == ["optimal"] * len(points)
    for column in (
        "budget_total_hkd",
        "carbon_price_hkd_per_t",
        "co2_abated_t",
        "system_cost_hkd",
        "subsidy_hkd_total",
        "pareto_efficient",
    ):
        assert there[column].tolist() == pytest.approx(here[column].tolist(), rel=1e-9, abs=1e-6), (
            column
        )
