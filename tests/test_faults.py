"""Solver faults and interrupted runs.

- A time limit gives the best plan found with its status and gap flagged, or a
  clear "no plan within the limit" error; never a silent non-optimal result.
- An infeasible scenario exits 1 with a diagnosis naming the conflicting target.
- Without HiGHS, the solver and the CLI say how to install it (no traceback).
- SIGTERM/SIGINT during the solve or during the write of ``--out`` leaves the
  previous results whole and no temporary files beside them.

Real HiGHS solves only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import pytest

from fleetplan.errors import InfeasibleError
from fleetplan.network.schema import TABLES
from fleetplan.optimiser import outputs
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.solver import SolverOptions, solve
from tests.tiny import tiny_dataset

CLI = [sys.executable, "-c", "from fleetplan.cli import main; main()"]


def write_dataset(folder: Path, **kwargs: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = tiny_dataset(**kwargs)  # type: ignore[arg-type]
    for name, spec in TABLES.items():
        pd.DataFrame(data.table(name).drop(columns=["geometry"], errors="ignore")).to_csv(
            folder / spec.file, index=False
        )
    return folder


# --------------------------------------------------------------------------- time limit


def knapsack(n: int = 400, m: int = 30, seed: int = 7) -> pyo.ConcreteModel:
    """A random multi-dimensional knapsack: easy to find a plan for, slow to prove optimal."""
    import random

    rng = random.Random(seed)
    model = pyo.ConcreteModel()
    model.I = pyo.RangeSet(0, n - 1)
    model.x = pyo.Var(model.I, domain=pyo.Binary)
    value = [rng.randint(50, 100) for _ in range(n)]
    weight = [[rng.randint(10, 60) for _ in range(n)] for _ in range(m)]
    model.obj = pyo.Objective(expr=sum(value[i] * model.x[i] for i in model.I), sense=pyo.maximize)
    model.cap = pyo.ConstraintList()
    for row in weight:
        model.cap.add(sum(row[i] * model.x[i] for i in model.I) <= sum(row) // 4)
    return model


def test_time_limit_returns_the_incumbent_with_its_gap_flagged() -> None:
    report = solve(knapsack(), SolverOptions(time_limit_s=0.5, mip_rel_gap=0.0))
    assert report.status == "time_limit"
    assert not report.optimal
    assert report.has_solution
    assert report.objective is not None and report.objective > 0
    assert report.gap is not None and report.gap > 0  # the plan is flagged as not proven optimal


def test_plan_with_almost_no_time_is_flagged_or_says_no_plan_within_the_limit() -> None:
    """HiGHS may still finish the tiny model in presolve; anything but 'optimal' must be flagged."""
    scenario = Scenario.model_validate(
        {
            "years": {"start": 2025, "end": 2030},
            "solver": {"time_limit_s": 1e-6, "mip_rel_gap": 0.0},
        }
    )
    try:
        result = plan(
            scenario, tiny_dataset(buses=40, bus_ages={15: 20.0, 17: 20.0}), marginals=False
        )
    except InfeasibleError as error:
        assert "within" in str(error) and "time_limit_s" in str(error)
        return
    summary = result.summary()
    assert summary["status"] == result.report.status
    assert summary["status"] in ("optimal", "time_limit")
    if summary["status"] == "time_limit":
        assert result.report.has_solution and "gap" in summary


# --------------------------------------------------------------------------- infeasible


def test_infeasible_scenario_exits_1_and_names_the_target(tmp_path: Path) -> None:
    folder = write_dataset(
        tmp_path / "data",
        # no operator would switch (a prohibitive barrier) and no subsidy: the target is out of reach
        parameters={("adoption_barrier_hkd", "-", "-"): 1e8},
        targets=[
            {
                "target_id": "all_buses_2026",
                "vehicle_class": "bus",
                "year": 2026,
                "min_zev": 500,
                "min_zev_share": None,
                "hard": True,
            }
        ],
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: s\ndataset: {folder}\nyears: {{start: 2025, end: 2027}}\n", encoding="utf-8"
    )
    result = subprocess.run(
        [*CLI, "solve", str(scenario)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "infeasible" in result.stderr
    assert "all_buses_2026" in result.stderr  # the diagnosis names the conflicting target


# --------------------------------------------------------------------------- HiGHS missing

NO_HIGHS = "import sys; sys.modules['highspy'] = None\n"


def test_solver_without_highs_gives_the_install_hint() -> None:
    code = NO_HIGHS + (
        "import pyomo.environ as pyo\n"
        "from fleetplan.optimiser.solver import SolverMissingError, solve\n"
        "m = pyo.ConcreteModel(); m.x = pyo.Var(bounds=(0, 1)); m.o = pyo.Objective(expr=m.x)\n"
        "try:\n    solve(m)\nexcept SolverMissingError as e:\n    print('MISSING:', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "MISSING:" in result.stdout and "pip install highspy" in result.stdout


def test_cli_without_highs_prints_one_line_with_the_hint(tmp_path: Path) -> None:
    (tmp_path / "N.csv").write_text("node\nA\nB\n", encoding="utf-8")
    (tmp_path / "E.csv").write_text("from,to,length\nA,B,10\n", encoding="utf-8")
    (tmp_path / "F.csv").write_text("origin,destination,flow\nA,B,5\n", encoding="utf-8")
    args = [
        "frlm",
        "--nodes",
        "N.csv",
        "--edges",
        "E.csv",
        "--flows",
        "F.csv",
        "--range",
        "100",
        "--stations",
        "1",
    ]
    code = NO_HIGHS + "from fleetplan.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "pip install highspy" in result.stderr


# --------------------------------------------------------------------------- interrupted runs


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def assert_whole(folder: Path) -> None:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    for csv in folder.glob("*.csv"):
        pd.read_csv(csv)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("kill")
    folder = write_dataset(base / "data")
    scenario = base / "s.yaml"
    scenario.write_text(
        f"name: s\ndataset: {folder}\nyears: {{start: 2025, end: 2027}}\n", encoding="utf-8"
    )
    out = base / "runs" / "out"
    result = subprocess.run(
        [*CLI, "solve", str(scenario), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert_whole(out)
    return scenario, out, snapshot(out)


def run_and_kill(scenario: Path, out: Path, sig: int, when: str, tmp: Path) -> int:
    """Start a second run into ``out`` and send ``sig`` when an event shows it is in phase ``when``.

    Events, not delays: ``loading`` as soon as the process exists; ``solving`` once the
    solver's hand-over folder (``fleetplan-*``) appears in the run's own TMPDIR;
    ``writing`` once its temporary results folder (``.out.<pid>.*.tmp``) appears. If the
    run finishes before the event is seen, no signal is sent (the run won the race).
    """
    private_tmp = tmp / "child-tmp"
    private_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    process = subprocess.Popen(
        [*CLI, "solve", str(scenario), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )

    def happened() -> bool:
        if when == "loading":
            return True
        if when == "solving":
            return any(p.name.startswith("fleetplan-") for p in private_tmp.iterdir())
        return any(
            p.name.startswith(f".{out.name}.") and p.name.endswith(".tmp")
            for p in out.parent.iterdir()
        )

    try:
        while process.poll() is None and not happened():
            time.sleep(0.001)
        if process.poll() is None:
            process.send_signal(sig)
        process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode


@pytest.mark.parametrize(
    ("sig", "when"),
    [
        pytest.param(signal.SIGTERM, "loading", id="sigterm-loading"),
        pytest.param(signal.SIGTERM, "solving", id="sigterm-solving"),
        pytest.param(signal.SIGTERM, "writing", id="sigterm-writing"),
        pytest.param(signal.SIGINT, "solving", id="sigint-solving"),
        pytest.param(signal.SIGINT, "writing", id="sigint-writing"),
    ],
)
def test_killed_run_leaves_the_previous_results_whole(
    first_run: tuple[Path, Path, dict[str, str]], sig: int, when: str, tmp_path: Path
) -> None:
    """Whatever the moment the signal lands, the folder holds one whole set of results and nothing beside it.

    The outcome does not depend on timing: an interrupted run leaves the first run's
    files byte for byte, or (a signal held during the final swap is delivered after it)
    its own complete results; a run that finished first leaves its own.
    """
    scenario, template, before = first_run
    out = tmp_path / "runs" / "out"  # a private copy, so one case's leftovers cannot fail another
    shutil.copytree(template, out)
    code = run_and_kill(scenario, out, sig, when, tmp_path)
    leftovers = sorted(p.name for p in out.parent.iterdir() if p.name != out.name)
    assert leftovers == [], f"temporary files left next to the results: {leftovers}"
    assert code in (0, 1, 130, 128 + signal.SIGTERM, -signal.SIGTERM, -signal.SIGINT), code
    assert_whole(out)
    # One whole set: the first run's files byte for byte, or the same files of a complete new run.
    after = snapshot(out)
    assert sorted(after) == sorted(before)
    assert os.access(out, os.R_OK)


def test_cli_without_an_extra_names_the_extra_to_install(tmp_path: Path) -> None:
    """A core-only install (no 'sweep' extra) asked for a sweep: one line naming the extra, exit 3."""
    (tmp_path / "s.yaml").write_text("name: s\nyears: {start: 2025, end: 2025}\n", encoding="utf-8")
    code = "import sys; sys.modules['dask'] = None\nfrom fleetplan.cli import main; main()"
    args = ["sweep", "s.yaml", "--budgets", "0,1e6", "--out", "out"]
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "pip install 'fleetplan[sweep]'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_signal_another_thread_receives_waits_for_the_end_of_the_swap() -> None:
    """SIGINT sent to another thread (as the kernel may do once HiGHS's workers run) is held until the block ends.

    A thread's signal mask does not hold it: the other thread's handler makes the main thread
    raise, and a sleep in the block is where it would. Held, the interrupt comes after the block.
    The block waits until the signal has reached the main thread's handler (CPython runs it there
    once the main thread next looks, which a busy machine may delay): no fixed sleep to race.
    """
    # Python's own SIGINT handler, whatever an earlier test left installed: the block hands the
    # held signal to the handler in force before it, and only this one raises KeyboardInterrupt.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    steps: list[str] = []
    try:
        with pytest.raises(KeyboardInterrupt), outputs._signals_blocked() as held:
            assert worker.ident is not None
            signal.pthread_kill(worker.ident, signal.SIGINT)
            waited_s = 0.0
            while not held and waited_s < 120.0:  # a bound, not a speed test
                time.sleep(0.05)
                waited_s += 0.05
            assert held == [signal.SIGINT], "the signal never reached the block's handler"
            steps.append("block finished")
    finally:
        stop.set()
        worker.join()
        signal.signal(signal.SIGINT, before)
    assert steps == ["block finished"]
