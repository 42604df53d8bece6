"""Shared CLI behaviour: exit codes and one-line error messages.

Exit codes: 0 success; 1 infeasible or no solution within the limit; 2 bad input.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from network.errors import InfeasibleError, InputError

EXIT_OK = 0
EXIT_NO_SOLUTION = 1
EXIT_BAD_INPUT = 2

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
        except InputError as error:
            fail(str(error), EXIT_BAD_INPUT)
        except InfeasibleError as error:
            detail = "; ".join(error.diagnosis)
            fail(f"{error}" + (f" ({detail})" if detail else ""), EXIT_NO_SOLUTION)
        except FileNotFoundError as error:
            fail(f"{error.filename}: file not found", EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            fail("interrupted; previous results left untouched", 130)
        return None

    return wrapper  # type: ignore[return-value]


def print_json(payload: dict[str, Any]) -> None:
    """Print one JSON object on stdout (machine-readable output for other tools)."""
    print(json.dumps(payload, indent=2, default=_default, allow_nan=False))


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)
