"""Shared CLI behaviour: exit codes, one-line error messages, and what several commands do alike.

Shared by the commands: the scenario and dataset of a command line
(:func:`load_scenario_arg`, :func:`load_scenario_dataset`), keeping ``--json``
output clean of solver banners (:func:`stdout_to_stderr`) and the solve
spinner (:class:`SolveProgress`).

Exit codes: 0 success; 1 infeasible or no solution within the limit; 2 bad input;
3 the run could not be done (HiGHS missing, or an internal error: one line, and
the traceback only with ``FLEETPLAN_DEBUG=1``); 130 interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
import typer

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.network.csv_text import MAX_PLAIN_NUMBER, plain_number

EXIT_OK = 0
EXIT_NO_SOLUTION = 1
EXIT_BAD_INPUT = 2
EXIT_CANNOT_RUN = 3

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> None:
    """Print ``message`` on one line to stderr and exit with ``code``."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def guarded(function: F) -> F:
    """Turn known errors into one-line messages and exit codes instead of tracebacks."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (
            typer.Exit,
            typer.Abort,
            click.exceptions.Exit,
            click.exceptions.Abort,
            click.ClickException,
        ):
            raise  # a command's own exit (typer.Exit is a RuntimeError): not an internal error
        except InputError as error:
            fail(str(error), EXIT_BAD_INPUT)
        except InfeasibleError as error:
            # First line says what happened; one line per conflicting family follows.
            print(f"error: {error}", file=sys.stderr)
            for line in error.diagnosis:
                print(f"  - {line}", file=sys.stderr)
            raise typer.Exit(EXIT_NO_SOLUTION) from None
        except FileNotFoundError as error:
            fail(f"{error.filename}: file not found", EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            fail("interrupted; previous results left untouched", 130)
        except BrokenPipeError:
            # The reader went away (``fleetplan ... | head``): stop quietly, as Unix tools do.
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter flushes it at exit
            raise typer.Exit(128 + 13) from None  # 128 + SIGPIPE
        except RecursionError:
            # Only absurdly nested input (thousands of YAML/JSON brackets) gets here.
            fail("input nested too deeply to read; expected a plain, shallow file", EXIT_BAD_INPUT)
        except Exception as error:
            if _solver_missing(error):
                fail(str(error), EXIT_CANNOT_RUN)
            extra = _missing_extra(error)
            if extra is not None:
                fail(
                    f"this command needs the '{extra}' extra ({getattr(error, 'name', None) or 'a module it uses'} is not installed): "
                    f"pip install 'fleetplan[{extra}]'",
                    EXIT_CANNOT_RUN,
                )
            if os.environ.get("FLEETPLAN_DEBUG"):
                raise
            # A planner gets one line to report, not a traceback; developers set FLEETPLAN_DEBUG=1.
            summary = " ".join(str(error).split())[:300]
            fail(
                f"internal error ({type(error).__name__}: {summary}); "
                "rerun with FLEETPLAN_DEBUG=1 for the traceback and please report it",
                EXIT_CANNOT_RUN,
            )
        return None

    return wrapper  # type: ignore[return-value]


#: Top-level module -> the extra of pyproject.toml that installs it.
OPTIONAL_MODULES = {
    "gtfs_kit": "importers",
    "osmnx": "importers",
    "dask": "sweep",
    "distributed": "sweep",
    "plotly": "sweep",
    "streamlit": "app",
    "pydeck": "app",
    "openpyxl": "app",
}


def _missing_extra(error: BaseException) -> str | None:
    """The extra to install when ``error`` is an optional dependency missing (a core-only install)."""
    if isinstance(error, ModuleNotFoundError) and error.name:
        return OPTIONAL_MODULES.get(error.name.split(".", 1)[0])
    return None


def _solver_missing(error: BaseException) -> bool:
    """Whether ``error`` is :class:`fleetplan.optimiser.solver.SolverMissingError`.

    Looked up in ``sys.modules`` instead of imported, so that commands which
    never touch the solver do not pay for importing Pyomo: if the error was
    raised, its module is loaded.
    """
    module = sys.modules.get("fleetplan.optimiser.solver")
    missing = getattr(module, "SolverMissingError", None)
    return missing is not None and isinstance(error, missing)


def plain_float(text: str) -> float:
    """A command-line number read strictly: ASCII digits, sign, point and exponent only.

    Python's float() would also take '1_000', Arabic-Indic or full-width digits,
    'infinity' and subnormals such as 1e-320; none is a budget, a range or a limit.
    Use as ``typer.Option(..., parser=plain_float)``.
    """
    value = plain_number(text)
    if value is None:
        raise typer.BadParameter(
            f"'{text}' is not a plain decimal number; expected digits 0-9 with an optional sign, point and exponent "
            f"(e.g. 100, 0.5, 1.5e9), finite and at most {MAX_PLAIN_NUMBER:g}"
        )
    return value


def plain_int(text: str) -> int:
    """A command-line whole number read strictly (ASCII digits only); ``parser=plain_int``."""
    cleaned = str(text).strip()
    if not re.fullmatch(r"[+-]?\d{1,12}", cleaned, re.ASCII):
        raise typer.BadParameter(f"'{text}' is not a whole number; expected digits 0-9 (e.g. 3)")
    return int(cleaned)


def print_json(payload: dict[str, Any]) -> None:
    """Print one JSON object on stdout (machine-readable output for other tools)."""
    print(json.dumps(payload, indent=2, default=_default, allow_nan=False))


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


# ------------------------------------------------- scenario, dataset and solver output


def load_scenario_arg(path: Path | None) -> Any:
    """The scenario of a command-line argument (``None``: the Hong Kong default)."""
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.optimiser.scenario_files import load_scenario_file

    return Scenario() if path is None else load_scenario_file(path)


def load_scenario_dataset(scenario: Any) -> Any:
    """Load (and validate) the dataset a scenario names (default: ``data/hk``)."""
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset

    return load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)


@contextlib.contextmanager
def stdout_to_stderr(active: bool = True) -> Iterator[None]:
    """Send everything written to stdout (Python and C, e.g. solver banners) to stderr.

    ``--json`` promises one JSON object on stdout; solver libraries may print
    on file descriptor 1 directly, so Python-level redirection is not enough.
    """
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def plain_console(*, stderr: bool = False) -> Any:
    """A rich Console that prints text as given: no markup, no emoji codes.

    Names in tables come from users' files (scenario, site, flow and observation ids);
    with markup on, ``plan [/b]`` would end the command with a MarkupError and
    ``[red]x[/red]`` would restyle the output.
    """
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)


class SolveProgress:
    """Spinner on stderr with elapsed time, incumbent and gap from HiGHS's log."""

    def __init__(self, label: str) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
            TextColumn("{task.fields[detail]}", markup=False),
            console=plain_console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task(label, total=None, detail="building the model")

    def __enter__(self) -> SolveProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, info: dict[str, float]) -> None:
        """Show HiGHS's latest incumbent and gap (``info`` from the solver's progress callback)."""
        incumbent = info.get("incumbent", math.nan)
        gap = info.get("gap", math.nan)
        detail = "searching"
        if math.isfinite(incumbent):
            detail = f"incumbent {incumbent:,.2f}"
            if math.isfinite(gap):
                detail += f", gap {gap:.2%}"
        self._progress.update(self._task, detail=detail)
