"""The ``fleetplan`` Typer application; command modules register on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="fleetplan",
    help="Hydrogen and EV fleet transition planner for Hong Kong.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Hydrogen and EV fleet transition planner for Hong Kong."""
