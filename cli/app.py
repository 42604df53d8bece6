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


def _print_version(value: bool) -> None:
    if value:
        from fleetplan import __version__

        typer.echo(f"fleetplan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the installed version and exit.", callback=_print_version, is_eager=True),
) -> None:
    """Hydrogen and EV fleet transition planner for Hong Kong."""
