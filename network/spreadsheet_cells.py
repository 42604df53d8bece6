"""Cells that a spreadsheet would run as formulas, made inert before any export.

Site, depot and programme names come from users' datasets. A name such as
``=HYPERLINK("http://…")`` or ``@SUM(…)`` written as is into a CSV or Excel file
becomes a live formula when a planner opens it (CSV/formula injection, OWASP).

- CSV: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading apostrophe, which spreadsheets show as text. Plain numbers
  (``-5``, ``+1e3``) and a lone ``-`` are left alone: they are not formulas.
- Excel: text is stored as a string cell, never as a formula, so the name reads
  exactly as typed.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def inert_text(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would evaluate."""
    if not isinstance(value, str) or not value.startswith(FORMULA_LEADS):
        return value
    if value == "-" or _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(inert_text)
    out.columns = [inert_text(c) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index) with formula-leading text cells escaped."""
    return inert_frame(frame).to_csv(index=False)


def write_csv(frame: pd.DataFrame, path: Any) -> None:
    """Write ``frame`` to ``path`` as CSV (no index) with formula-leading text cells escaped."""
    inert_frame(frame).to_csv(path, index=False)


def text_not_formulas(workbook: Any) -> int:
    """Turn every formula cell of an openpyxl ``workbook`` back into the text it came from.

    pandas never writes a formula on purpose, so each formula cell is a text value
    that starts with ``=`` (openpyxl's rule). Returns how many cells were changed.
    """
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed
