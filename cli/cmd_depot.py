"""``fleetplan depot``: size one depot's chargers and grid connection from its blocks.

Exit codes follow :mod:`fleetplan.cli.common`: 0 sized (optimal, or an incumbent at the
time limit within 50 % of the bound, with its gap); 1 no schedule found, or one too far
from the bound to use; 2 bad input.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import guarded, plain_console, plain_float, plain_int, print_json
from fleetplan.errors import InputError

#: A time-limited sizing this far from HiGHS's bound is reported but exits 1.
UNUSABLE_GAP = 0.5


def _payload(result: Any) -> dict[str, Any]:
    """The JSON object: the result's summary (tables left out)."""
    return result.summary()


def _print(payload: dict[str, Any], blocks: Path) -> None:
    from rich.table import Table

    console = plain_console()
    gap = payload["gap"]
    by_kw = ", ".join(
        f"{count} × {kw} kW" for kw, count in payload["chargers_by_kw"].items() if count
    )
    summary = Table(title=f"Depot sizing for {blocks.name}", show_header=False)
    summary.add_column("", style="bold")
    summary.add_column("")
    rows = [
        ("status", f"{payload['status']} (MIP gap {'-' if gap is None else f'{gap:.2%}'})"),
        ("chargers", f"{payload['chargers']}" + (f" ({by_kw})" if by_kw else "")),
        ("site peak, smart", f"{payload['peak_kw']:,.0f} kW = {payload['peak_kva']:,.0f} kVA"),
        ("grid upgrade", f"{payload['grid_upgrade_kva']:,.0f} kVA above the existing headroom"),
        (
            "uncontrolled charging",
            f"{payload['uncontrolled_peak_kw']:,.0f} kW peak, {payload['uncontrolled_chargers']} chargers",
        ),
        ("energy per day", f"{payload['energy_kwh']:,.0f} kWh from the grid"),
        (
            "  by band",
            ", ".join(
                f"{band} {kwh:,.0f} kWh" for band, kwh in payload["energy_kwh_by_band"].items()
            ),
        ),
    ]
    rows += [
        (f"annual {name}", f"HK${value:,.0f}") for name, value in payload["annual_cost_hkd"].items()
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    if payload["infeasible_buses"]:
        table = Table(title="Duties depot charging cannot serve (left out of the sizing)")
        for column in ("bus", "duty kWh", "usable kWh", "short km", "reason", "recommendation"):
            table.add_column(
                column, justify="right" if "kWh" in column or "km" in column else "left"
            )
        for item in payload["infeasible_buses"]:
            table.add_row(
                item["bus"],
                f"{item['duty_kwh']:,.0f}",
                f"{item['usable_kwh']:,.0f}",
                f"{item['shortfall_km']:,.0f}",
                item["reason"],
                item["recommendation"],
            )
        console.print(table)
    console.print(
        "note: cost defaults are estimates (CLP energy charge 107.4 c/kWh verified; "
        "on/off-peak split and the HK$70/kVA/month demand charge estimated)."
    )


def _finite(value: float, name: str, *, minimum: float = 0.0, strict: bool = True) -> None:
    ok = math.isfinite(value) and (value > minimum if strict else value >= minimum)
    if not ok:
        sign = ">" if strict else ">="
        raise InputError(f"{value:g}; expected a number {sign} {minimum:g}", field=name)


@app.command("depot")
@guarded
def depot_command(
    blocks: Annotated[
        Path,
        typer.Option(
            "--blocks", help="BLOCKS.csv: bus,pull_out,pull_in,km (HH:MM; in <= out = next day)."
        ),
    ],
    charger_kw: Annotated[
        list[float] | None,
        typer.Option(
            "--charger-kw",
            parser=plain_float,
            help="Charger power, kW; repeat to offer several powers. [default: 150]",
        ),
    ] = None,
    usable_kwh: Annotated[
        float,
        typer.Option(
            "--usable-kwh", parser=plain_float, help="Usable battery energy per bus, kWh."
        ),
    ] = 400.0,
    kwh_per_km: Annotated[
        float, typer.Option("--kwh-per-km", parser=plain_float, help="Planning energy use, kWh/km.")
    ] = 1.3,
    grid_kva: Annotated[
        float,
        typer.Option(
            "--grid-kva",
            parser=plain_float,
            help="Spare capacity of the existing grid connection, kVA.",
        ),
    ] = 0.0,
    summer_factor: Annotated[
        float,
        typer.Option(
            "--summer-factor",
            parser=plain_float,
            help="Design-day multiplier on kWh/km (summer A/C).",
        ),
    ] = 1.15,
    days: Annotated[
        int,
        typer.Option(
            "--days", parser=plain_int, help="1 = one cyclic day; 7 = a week of repeated blocks."
        ),
    ] = 1,
    time_limit: Annotated[
        float, typer.Option("--time-limit", parser=plain_float, help="HiGHS time limit, s.")
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Chargers by power, grid kVA and the duties that cannot go battery-electric, for one depot."""
    from fleetplan.optimiser.deadline import Deadline

    _finite(time_limit, "--time-limit")
    # --time-limit bounds the whole command (loading the solver's libraries, reading, the
    # pre-checks, the model's build), not only HiGHS: the clock starts here.
    deadline = Deadline(time_limit, what="depot sizing", hint="size fewer blocks at once")
    powers = tuple(charger_kw) if charger_kw else (150.0,)
    for power in powers:
        _finite(power, "--charger-kw")
    _finite(usable_kwh, "--usable-kwh")
    _finite(kwh_per_km, "--kwh-per-km")
    _finite(grid_kva, "--grid-kva", strict=False)
    _finite(summer_factor, "--summer-factor")
    # The libraries load on the clock but are never interrupted: an alarm inside an import can
    # leave a half-imported module that a library's own "except Exception" then hides, and the
    # command fails later with an unrelated error (seen on a loaded machine).
    from fleetplan.optimiser.depot_sizing import (
        DepotSizingInputs,
        depot_options,
        read_blocks_csv,
        size_depot,
    )

    deadline.check("loading the solver's libraries")
    with deadline.watch("reading the blocks"):
        table = read_blocks_csv(blocks)
        inputs = DepotSizingInputs(
            blocks=table,
            usable_kwh=usable_kwh,
            kwh_per_km=kwh_per_km,
            summer_factor=summer_factor,
            charger_kw=powers,
            grid_headroom_kva=grid_kva,
            days=days,
        )
    result = size_depot(inputs, depot_options(time_limit), deadline=deadline)
    payload = _payload(result)
    if as_json:
        print_json(payload)
    else:
        _print(payload, blocks)
    gap = payload.get("gap")
    if payload.get("status") != "optimal" and (gap is None or gap >= UNUSABLE_GAP):
        # A schedule this far from the bound is no sizing: say so and fail, not exit 0.
        shown = "unknown" if gap is None else f"{gap:.0%}"
        typer.echo(
            f"error: stopped at {payload.get('status')} with a gap of {shown}; the sizing is not usable. "
            "Raise --time-limit or size fewer blocks at once.",
            err=True,
        )
        raise typer.Exit(1)
