"""``fleetplan calibrate``: the model against observed figures (vehicles, CO2, subsidy, km).

Solves the scenario (default: the Hong Kong default), compares it with the
dataset's ``observed.csv`` and writes the calibration table. With no options it
regenerates ``data/hk/calibration.csv``, the table ``make test`` checks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import (
    SolveProgress,
    guarded,
    load_scenario_arg,
    load_scenario_dataset,
    plain_console,
    print_json,
    stdout_to_stderr,
)


@app.command("calibrate")
@guarded
def calibrate_command(
    scenario_file: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario YAML (default: the Hong Kong default)."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object (the table, the estimate shares, the rows out of range).",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the table to this CSV file (default without --scenario or --json: <dataset>/calibration.csv).",
        ),
    ] = None,
) -> None:
    """Compare a solved plan with observed figures; each row has its range, source and difference."""
    from fleetplan.optimiser.calibration import (
        CALIBRATION_FILE,
        calibration_csv,
        calibration_table,
        estimate_shares,
        out_of_range,
        read_observed,
    )
    from fleetplan.optimiser.outputs import check_writable_file, json_safe, write_atomic
    from fleetplan.optimiser.plan import plan

    scenario = load_scenario_arg(scenario_file)
    dataset = load_scenario_dataset(scenario)
    observed = read_observed(dataset.path)  # a missing or bad observed.csv fails before the solve
    if out is None and scenario_file is None and not as_json:
        # The committed table belongs to the default scenario only; others need --out.
        out = Path(dataset.path) / CALIBRATION_FILE
    if out is not None:
        check_writable_file(out)  # before the solve, not after it
    if not as_json and sys.stderr.isatty():
        with SolveProgress(f"solving {scenario.name}") as progress:
            result = plan(
                scenario,
                dataset,
                on_progress=progress.update,
                marginals=False,
                counterfactual=False,
            )
    else:
        with stdout_to_stderr(as_json):
            result = plan(scenario, dataset, marginals=False, counterfactual=False)
    table = calibration_table(result, dataset, observed)
    if out is not None:
        write_atomic(out, calibration_csv(table))
    missed = out_of_range(table)
    if as_json:
        print_json(
            json_safe(
                {
                    "scenario": scenario.name,
                    "written_to": None if out is None else str(out),
                    "rows": _records(table),
                    "out_of_range": missed["observation_id"].tolist(),
                    "estimate_shares": _records(estimate_shares(dataset.path)),
                }
            )
        )
        return
    _print_table(table)
    for row in missed.itertuples(index=False):
        print(
            f"warning: {row.observation_id} is out of range: model {row.model:,.1f} vs {row.low:,.1f}-{row.high:,.1f} {row.unit}",
            file=sys.stderr,
        )
    if out is not None:
        print(f"calibration table written to {out}")


def _records(frame: Any) -> list[dict[str, Any]]:
    # NaN and pandas NA become None (JSON null), not the invalid NaN token.
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _print_table(table: Any) -> None:
    import pandas as pd
    from rich.table import Table

    view = Table(title="Calibration: model against observed")
    for column in (
        "observation",
        "year",
        "model",
        "observed",
        "range",
        "difference",
        "in range",
        "checked",
    ):
        view.add_column(
            column,
            justify="left" if column == "observation" else "right",
            no_wrap=column == "observation",
        )
    for row in table.itertuples(index=False):
        view.add_row(
            str(row.observation_id),
            "" if pd.isna(row.year) else str(row.year),
            _number(row.model),
            _number(row.observed),
            "" if pd.isna(row.low) else f"{_number(row.low)}-{_number(row.high)}",
            _number(row.difference),
            "-" if pd.isna(row.within_range) else ("yes" if row.within_range else "NO"),
            "target" if row.checked else "reported",
        )
    plain_console().print(view)


def _number(value: Any) -> str:
    import pandas as pd

    if pd.isna(value):
        return "-"
    value = float(value)
    return f"{value:,.3f}" if abs(value) < 1 and value != 0 else f"{value:,.0f}"
