"""``fleetplan sweep``: a grid of independent solves on Dask, with a Pareto chart.

Exit codes: 0 the sweep ran (failed points are recorded in ``sweep.csv``);
2 bad input. A sweep whose every point failed still exits 0 but says so.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import guarded, load_scenario_arg
from fleetplan.errors import InputError


@app.command("sweep")
@guarded
def sweep_command(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Base scenario file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for sweep.csv and pareto.html (written atomically).")],
    budgets: Annotated[str | None, typer.Option("--budgets", help="Subsidy budgets, HK$, comma-separated: 0,375e6,750e6,1.5e9.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="NAME=v1,v2 (repeatable), e.g. hydrogen_hkd_per_kg=40,70,108 or target.ebus_2027=on,off.")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler (default: a local cluster); 'synchronous' solves in this process.")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Local worker processes (one solve each at a time).")] = 2,
) -> None:
    """Solve a grid of budgets and parameter values; write sweep.csv and pareto.html."""
    from rich.console import Console
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
    scenario = load_scenario_arg(scenario_file)
    points = grid(parse_budgets(budgets) if budgets is not None else None, [parse_param(p) for p in param or []])
    point_scenarios(scenario, points)  # fail on a bad value before starting workers
    check_replaceable(out)
    console = Console(stderr=True)
    failed: list[str] = []
    with Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("points", total=len(points), last="")

        def done(row: dict) -> None:
            if row.get("co2_abated_t") is None or row.get("status") in ("infeasible", "no_solution", "time_limit", "error", "bad_input"):
                failed.append(f"point {row['point']}: {row.get('status')}: {row.get('error')}")
            progress.update(task, advance=1, last=f"point {row['point']}: {row.get('status')}")

        frame = run_sweep(scenario, points, workers=workers, scheduler=scheduler, on_done=done)
    written: list[str] = []
    write_directory_atomic(out, lambda folder: written.extend(write_sweep(frame, scenario, folder)))
    solved = int(frame["co2_abated_t"].notna().sum())
    print(f"{len(frame)} points, {solved} with a plan, {int(frame['pareto_efficient'].sum())} Pareto-efficient; wrote {', '.join(written)} to {out}")
    for line in failed:
        print(f"warning: {line}", file=sys.stderr)
