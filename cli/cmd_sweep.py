"""``fleetplan sweep``: a grid of independent solves on Dask, with a Pareto chart.

Exit codes: 0 the sweep ran and at least one point has a plan (failed points are
recorded in ``sweep.csv``); 1 no point has a plan (infeasible, or none within a limit);
2 bad input, found before any solve where it can be (every point's scenario is checked
against its dataset first) or when every point failed on bad input. A sweep with no
plan writes nothing: the previous ``--out`` stays as it was.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import guarded, load_scenario_arg, plain_console, plain_int
from fleetplan.errors import InputError


@app.command("sweep")
@guarded
def sweep_command(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Base scenario file.")],
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for sweep.csv and pareto.html (written atomically)."),
    ],
    budgets: Annotated[
        str | None,
        typer.Option(
            "--budgets", help="Subsidy budgets, HK$, comma-separated: 0,375e6,750e6,1.5e9."
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="NAME=v1,v2 (repeatable), e.g. hydrogen_hkd_per_kg=40,70,108 or target.ebus_2027=on,off.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of a running Dask scheduler (default: a local cluster); 'synchronous' solves in this process.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", parser=plain_int, help="Local worker processes (one solve each at a time)."
        ),
    ] = 2,
) -> None:
    """Solve a grid of budgets and parameter values; write sweep.csv and pareto.html."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fleetplan.optimiser.outputs import check_replaceable, write_directory_atomic
    from fleetplan.optimiser.sweep import (
        grid,
        parse_budgets,
        parse_param,
        point_scenarios,
        run_sweep,
        write_sweep,
    )

    if workers < 1:
        raise InputError(f"{workers}; expected at least 1 worker", field="--workers")
    _check_scheduler(scheduler)
    scenario = load_scenario_arg(scenario_file)
    points = grid(
        parse_budgets(budgets) if budgets is not None else None,
        [parse_param(p) for p in param or []],
    )
    # Fail on a bad value, an unknown id or a bad dataset before starting workers.
    _check_against_datasets(points, point_scenarios(scenario, points))
    check_replaceable(out)
    console = plain_console(stderr=True)
    failed: list[str] = []
    with Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}", markup=False),
        console=console,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("points", total=len(points), last="")

        def done(row: dict) -> None:
            if row.get("co2_abated_t") is None or row.get("status") in (
                "infeasible",
                "no_solution",
                "time_limit",
                "error",
                "bad_input",
            ):
                failed.append(f"point {row['point']}: {row.get('status')}: {row.get('error')}")
            progress.update(task, advance=1, last=f"point {row['point']}: {row.get('status')}")

        frame = run_sweep(scenario, points, workers=workers, scheduler=scheduler, on_done=done)
    if int(frame["co2_abated_t"].notna().sum()) == 0:
        # Nothing to chart: keep the previous results and say why every point failed.
        statuses = frame["status"].value_counts()
        counts = ", ".join(f"{n} {status}" for status, n in statuses.items())
        first = failed[0] if failed else "no point finished"
        bad_input = set(statuses.index) == {"bad_input"}
        print(
            f"error: no point of the sweep has a plan ({len(frame)} points: {counts}); {first}; nothing written to {out}",
            file=sys.stderr,
        )
        raise typer.Exit(2 if bad_input else 1)
    written: list[str] = []
    write_directory_atomic(out, lambda folder: written.extend(write_sweep(frame, scenario, folder)))
    solved = int(frame["co2_abated_t"].notna().sum())
    print(
        f"{len(frame)} points, {solved} with a plan, {int(frame['pareto_efficient'].sum())} Pareto-efficient; wrote {', '.join(written)} to {out}"
    )
    for line in failed:
        print(f"warning: {line}", file=sys.stderr)


#: A Dask scheduler address: protocol://host:port, or host:port.
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


def _check_scheduler(scheduler: str | None) -> None:
    from fleetplan.optimiser.sweep import SYNCHRONOUS

    if scheduler is None or scheduler == SYNCHRONOUS or _ADDRESS.match(scheduler):
        return
    raise InputError(
        f"'{scheduler}' is not a scheduler; expected '{SYNCHRONOUS}' or a Dask scheduler address such as tcp://host:8786",
        field="--scheduler",
    )


def _check_against_datasets(points: list[dict], scenarios: list) -> None:
    """Every point's scenario against its dataset (each dataset read once), naming the point."""
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
    from fleetplan.optimiser.inputs.scenario_checks import check_scenario_against_dataset
    from fleetplan.optimiser.inputs.segments import check_scenario_classes

    datasets: dict[tuple[str | None, str], object] = {}
    for i, (point, scenario) in enumerate(zip(points, scenarios, strict=True)):
        label = ", ".join(f"{k}={v}" for k, v in point.items()) or "base"
        key = (scenario.dataset, scenario.graph)
        try:
            if key not in datasets:
                datasets[key] = load_dataset(
                    scenario.dataset or DEFAULT_DATASET, graph=scenario.graph
                )
            data = datasets[key]
            check_scenario_classes(scenario, data.catalogue)  # type: ignore[attr-defined]
            check_scenario_against_dataset(scenario, data)  # type: ignore[arg-type]
        except InputError as error:
            raise InputError(f"sweep point {i} ({label}): {error}") from None
