"""The ``fleetplan`` Typer application; command modules register on it."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup


class CommandGroup(TyperGroup):
    """A command group whose help lists each command's whole first sentence.

    Plain help (no rich) cuts a command's summary to the terminal width with "...";
    the summaries are one sentence, so they are wrapped instead.
    """

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=CommandGroup,
    name="fleetplan",
    help="Hydrogen and EV fleet transition planner for Hong Kong.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: Typer's rich rendering imports rich's markdown, traceback and
    # table modules (~0.1 s), which would double `fleetplan --help`'s start-up.
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from fleetplan import __version__

        typer.echo(f"fleetplan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the installed version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """Hydrogen and EV fleet transition planner for Hong Kong."""
