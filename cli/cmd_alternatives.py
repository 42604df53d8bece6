"""``fleetplan alternatives``: near-optimal plans that open different sites (MGA).

Exit codes follow :mod:`fleetplan.cli.common`: 0 done; 1 the least-cost problem has no
solution; 2 bad input.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import (
    guarded,
    load_scenario_arg,
    load_scenario_dataset,
    plain_console,
    plain_float,
    plain_int,
    print_json,
    stdout_to_stderr,
)
from fleetplan.errors import InputError


def _print(payload: dict[str, Any]) -> None:
    from rich.table import Table

    console = plain_console()
    table = Table(
        title=f"Alternatives for {payload['scenario']} (cost within +{payload['slack']:.1%})"
    )
    for column in (
        "plan",
        "status",
        "system cost",
        "vs optimum",
        "CO2 abated",
        "hydrogen sites",
        "charging sites",
        "differs (vs optimum)",
    ):
        table.add_column(
            column,
            justify="right" if column in ("system cost", "vs optimum", "CO2 abated") else "left",
        )
    for plan in payload["plans"]:
        cost = plan["cost_hkd"]
        rel = plan["cost_vs_optimum"]
        diff = "-"
        if "sites_added" in plan:
            changes = [f"+{s}" for s in plan["sites_added"]] + [
                f"-{s}" for s in plan["sites_removed"]
            ]
            diff = ", ".join(changes) if changes else "same sites"
        table.add_row(
            plan["plan"],
            plan["status"],
            "-" if cost is None else f"HK${cost / 1e6:,.1f}m",
            "-" if rel is None else f"{rel:+.2%}",
            "-" if plan["co2_abated_t"] is None else f"{plan['co2_abated_t']:,.0f} t",
            ", ".join(plan["hydrogen_sites"]) or "-",
            ", ".join(plan["charging_sites"]) or "-",
            diff,
        )
    console.print(table)
    for note in payload["notes"]:
        console.print(f"note: {note}")


@app.command("alternatives")
@guarded
def alternatives_command(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    count: Annotated[
        int, typer.Option("--count", parser=plain_int, help="Number of alternative plans.")
    ] = 3,
    slack: Annotated[
        float,
        typer.Option(
            "--slack",
            parser=plain_float,
            help="Allowed system-cost increase over the optimum (0.05 = 5 %).",
        ),
    ] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write alternatives.json/.csv and each plan's results here (atomically)."
        ),
    ] = None,
) -> None:
    """Least-cost plan plus near-optimal plans that open the most different sites."""
    from fleetplan.optimiser.alternatives import generate_alternatives, write_alternatives
    from fleetplan.optimiser.outputs import check_replaceable, json_safe, write_directory_atomic

    if count < 1 or count > 50:
        raise InputError(f"{count}; expected between 1 and 50 alternatives", field="--count")
    if not (math.isfinite(slack) and 0 <= slack <= 10):
        raise InputError(f"{slack:g}; expected a fraction >= 0 (0.05 = 5 %)", field="--slack")
    scenario = load_scenario_arg(scenario_file)
    dataset = load_scenario_dataset(scenario)
    if out is not None:
        check_replaceable(out)
    with stdout_to_stderr(as_json):
        found = generate_alternatives(
            scenario, dataset, count=count, slack=slack, with_results=out is not None
        )
    if out is not None:
        write_directory_atomic(out, lambda folder: write_alternatives(found, folder))
    payload = json_safe(found.as_dict())
    if as_json:
        print_json(payload)
    else:
        _print(payload)
        if out is not None:
            print(f"results written to {out}")
