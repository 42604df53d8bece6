"""The one family of errors fleetplan raises.

Every error a user can meet derives from :class:`FleetplanError`, so a caller
catches one class. Errors on bad input name where the problem is (file, row,
field) and what was expected, so a planner can fix a spreadsheet without
reading a traceback. Each also derives from the built-in it replaces
(``ValueError`` for input, ``RuntimeError`` for the solve), so older callers
that caught those keep working.
"""

from __future__ import annotations

from pathlib import Path


class FleetplanError(Exception):
    """Base of every error fleetplan raises on purpose."""


class InputError(FleetplanError, ValueError):
    """Bad user input: a file, row or field that does not meet its schema.

    Parameters
    ----------
    message:
        What is wrong and what was expected.
    file:
        The file the problem is in (path or name), if known.
    row:
        1-based data row (the header is row 0), if the problem is in one row.
    field:
        The column or key, if the problem is in one field.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.detail = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.detail}" if prefix else self.detail


class InfeasibleError(FleetplanError, RuntimeError):
    """The scenario has no feasible plan; ``diagnosis`` names the conflicting families."""

    def __init__(self, message: str, diagnosis: list[str] | None = None) -> None:
        self.diagnosis = diagnosis or []
        super().__init__(message)


class SolverMissingError(FleetplanError, RuntimeError):
    """HiGHS (highspy) is not importable."""


class TooManyCombinationsError(FleetplanError, ValueError):
    """The path-combination formulation would enumerate too many station sets."""
