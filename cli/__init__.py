"""``fleetplan`` command line: commands register on :data:`fleetplan.cli.app.app`."""

from __future__ import annotations

import importlib
import pkgutil

from fleetplan.cli.app import app

# Every module named ``cmd_*`` in this package adds its commands to ``app``.
for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("cmd_"):
        importlib.import_module(f"fleetplan.cli.{_module.name}")


def main() -> None:
    """Entry point of the ``fleetplan`` console script.

    Usage errors (a missing or unknown option, a value of the wrong type, an unknown
    command) are printed on one line, ``error: ...``, with exit code 2, like every other
    bad input; Typer's own display is a multi-line box.
    """
    import sys

    import click
    import typer

    def kinds(name: str) -> tuple[type[BaseException], ...]:
        # Typer vendors its own copy of click: catch its classes and click's alike.
        return tuple(
            {
                getattr(click.exceptions, name),
                *(c for c in typer.BadParameter.__mro__ if c.__name__ == name),
            }
        )

    try:
        code = app(standalone_mode=False)
    except kinds("UsageError") as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            # `fleetplan` or `fleetplan city` alone: the help is the answer.
            error.show()  # type: ignore[attr-defined]
            sys.exit(getattr(error, "exit_code", 2))
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None else "fleetplan"
        message = " ".join(error.format_message().split())  # type: ignore[attr-defined]
        print(f"error: {message} (see '{command} --help')", file=sys.stderr)
        sys.exit(2)
    except kinds("ClickException") as error:
        print(f"error: {' '.join(error.format_message().split())}", file=sys.stderr)  # type: ignore[attr-defined]
        sys.exit(getattr(error, "exit_code", 1))
    except (click.exceptions.Abort, typer.Abort):
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
