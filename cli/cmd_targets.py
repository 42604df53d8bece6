"""``fleetplan target-cost``: what the scenario's policy targets cost (officials' question)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fleetplan.cli.app import app
from fleetplan.cli.common import EXIT_NO_SOLUTION, guarded, print_json


@app.command("target-cost")
@guarded
def target_cost_command(
    scenario_path: Annotated[Path | None, typer.Argument(help="Scenario YAML (default: the Hong Kong default).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Solve with every target made hard and with none; report the differences (HK$, t CO2)."""
    from fleetplan.optimiser.plan import target_cost
    from fleetplan.optimiser.scenario_files import load_scenario

    outcome = target_cost(load_scenario(scenario_path))
    if as_json:
        print_json({k: v for k, v in outcome.items() if k not in ("with_targets", "without_targets")})
    elif not outcome["feasible"]:
        console = Console(stderr=True)
        console.print("The targets cannot all be met in this scenario:")
        for line in outcome["diagnosis"]:
            console.print(f"  - {line}")
    else:
        table = Table(title="What the targets cost (with targets hard − without targets)")
        table.add_column("figure")
        table.add_column("difference", justify="right")
        table.add_row("system cost (discounted)", f"HK${outcome['system_cost_hkd_delta'] / 1e6:,.1f}m")
        table.add_row("subsidy paid", f"HK${outcome['subsidy_hkd_delta'] / 1e6:,.1f}m")
        table.add_row("CO2 abated", f"{outcome['co2_abated_t_delta']:,.0f} t")
        Console().print(table)
    if not outcome["feasible"]:
        raise typer.Exit(EXIT_NO_SOLUTION)
