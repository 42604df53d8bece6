"""Cells a spreadsheet would run as formulas, made inert: see :mod:`fleetplan.network.spreadsheet_cells`.

The functions live in ``network/`` so that ``fleetplan city build`` (which may not import
``optimiser/``) neutralises the names it copies from a GTFS feed too; this module keeps
the import path the exports use.
"""

from __future__ import annotations

from fleetplan.network.spreadsheet_cells import (  # noqa: F401 - re-exported
    FORMULA_LEADS,
    csv_text,
    inert_frame,
    inert_text,
    text_not_formulas,
    write_csv,
)
