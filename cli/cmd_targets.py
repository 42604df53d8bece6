"""``fleetplan target-cost``: what each of the scenario's policy targets costs (officials' question)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import (
    EXIT_NO_SOLUTION,
    guarded,
    plain_console,
    plain_float,
    print_json,
    stdout_to_stderr,
)
from fleetplan.errors import InputError

_VERDICTS = {"met": "met anyway", "met_at_cost": "met at a cost", "out_of_reach": "out of reach"}


@app.command("target-cost")
@guarded
def target_cost_command(
    scenario_path: Annotated[
        Path | None, typer.Argument(help="Scenario YAML (default: the Hong Kong default).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            parser=plain_float,
            help="HiGHS time limit of each solve, s (overrides the scenario).",
        ),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option(
            "--gap",
            parser=plain_float,
            help="Relative MIP gap each solve stops at (overrides the scenario).",
        ),
    ] = None,
    time_budget: Annotated[
        float | None,
        typer.Option(
            "--time-budget",
            parser=plain_float,
            help="Seconds the optional solves (pricing early retirement, all targets together) may take the run to "
            "(default 300); the plan without targets and each target's own plan are always solved.",
        ),
    ] = None,
) -> None:
    """Price each target on its own: the plan with it hard (the others off) against one plan with none.

    Exit 1 when some target is out of reach on its own (every row is still printed).
    """
    from fleetplan.cli.cmd_solve import with_solver_flags
    from fleetplan.optimiser.scenario_files import load_scenario
    from fleetplan.optimiser.target_cost import DEFAULT_TIME_BUDGET_S, target_cost

    if time_budget is not None and not (time_budget >= 0 and time_budget < float("inf")):
        raise InputError(f"{time_budget:g}; expected seconds >= 0", field="--time-budget")
    budget_s = DEFAULT_TIME_BUDGET_S if time_budget is None else time_budget
    started = time.perf_counter()

    def progress(step: str) -> None:  # on stderr: a run takes minutes on the default
        print(f"[{time.perf_counter() - started:5.0f} s] {step}", file=sys.stderr, flush=True)

    with stdout_to_stderr(as_json):
        scenario = with_solver_flags(load_scenario(scenario_path), time_limit, gap)
        outcome = target_cost(scenario, time_budget_s=budget_s, on_step=progress)
    if as_json:
        print_json(
            {k: v for k, v in outcome.items() if k not in ("with_targets", "without_targets")}
        )
    else:
        _print_table(outcome)
    if not outcome["feasible"]:
        raise typer.Exit(EXIT_NO_SOLUTION)


def _money(value: Any) -> str:
    return "-" if value is None else f"HK${float(value) / 1e6:,.1f}m"


def _plan_state(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "-"
    gap = figures.get("gap_absolute")
    return f"{figures['status']}, gap {'-' if gap is None else f'HK${gap:,.1f}m'}"


def _print_table(outcome: dict[str, Any]) -> None:
    from rich.table import Table

    console = plain_console()
    table = Table(
        title="What each target costs on its own (that target hard, the others off, against no target)"
    )
    for name, justify in (
        ("target", "left"), ("class", "left"), ("year", "right"), ("required", "right"), ("without targets", "right"),
        ("verdict", "left"), ("extra system cost", "right"), ("extra subsidy", "right"), ("plan with target", "left"),
    ):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in outcome["by_target"]:
        table.add_row(
            row["target_id"], row["vehicle_class"], str(row["year"]), f"{row['required_zev']:,}",
            f"{row['zev_without_targets']:,}", _VERDICTS.get(row["verdict"], row["verdict"]),
            _money(row.get("extra_cost_hkd")), _money(row.get("extra_subsidy_hkd")), _plan_state(row.get("with_target")),
        )  # fmt: skip
    console.print(table)
    base = outcome["base"]
    console.print(
        f"Plan without targets: {_plan_state(base)}; system cost {_money(base['system_cost_hkd'])}"
    )
    for row in outcome["by_target"]:
        if row.get("extra_cost_within_gaps"):
            console.print(f"  {row['target_id']}: the extra cost is within the two plans' gaps")
        limit = row.get("limit")
        if limit is None:
            continue
        console.print(f"  {row['target_id']}: {limit['text']}")
        if limit.get("binding_text"):
            console.print(f"    {limit['binding_text']}")
        route = limit.get("early_retirement") or {}
        if route.get("text"):
            console.print(f"    {route['text']}")
        for line in limit.get("diagnosis", []):
            console.print(f"    - {line}")
    together = outcome.get("together")
    if together:
        console.print(
            f"All targets together: {together}; system cost {_money(outcome.get('system_cost_hkd_delta'))}"
        )
    console.print(f"Wall time {outcome['wall_s']:,.0f} s")
