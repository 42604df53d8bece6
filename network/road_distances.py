"""What a dataset's road distances rest on, and the error measured on them: ``road_distances.csv``.

The build that writes a dataset's road graph writes this small table beside it, one row
per graph (``coarse``; ``fine`` when the folder has ``edges_fine.csv``):

``graph``
    ``coarse`` or ``fine``;
``basis``
    ``road extract`` (every edge a shortest road length on an OpenStreetMap extract) or
    ``calibrated estimate`` (straight line x a road circuity calibrated on other data);
``pairs``, ``within_15pct``, ``median_ratio``, ``p10_ratio``, ``edge_p10_ratio``, ``crossing_below_bound``
    the error measured against a road network (blank when not measured): node pairs
    compared, the share of them whose graph distance is within +-15 % of the road
    distance, the median and 10th percentile of graph / road, the 10th percentile of
    single edges' graph / road, and the share of paths across the water below the bound
    the crossings allow;
``measured_against``, ``source``
    the road network measured against, and how the row was made (command, date).

``fleetplan data info`` and the app's map read it (:func:`read_road_distances`,
:func:`describe`); a folder without it says nothing about its distances.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from fleetplan.errors import InputError

FILE = "road_distances.csv"
ROAD_EXTRACT = "road extract"
CALIBRATED = "calibrated estimate"
BASES = (ROAD_EXTRACT, CALIBRATED)
GRAPHS = ("coarse", "fine")
#: Measured figures (shares and ratios); blank when the graph was not measured.
FIGURES = (
    "pairs",
    "within_15pct",
    "median_ratio",
    "p10_ratio",
    "edge_p10_ratio",
    "crossing_below_bound",
)
COLUMNS = ("graph", "basis", *FIGURES, "measured_against", "source")


def road_distance_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """``rows`` as the table's columns, in order (figures not given are blank)."""
    return pd.DataFrame(
        [{column: row.get(column) for column in COLUMNS} for row in rows], columns=list(COLUMNS)
    )


def write_road_distances(folder: str | Path, rows: list[dict[str, object]]) -> Path:
    """Write ``folder/road_distances.csv`` from ``rows`` (see the module docstring); return its path."""
    path = Path(folder) / FILE
    road_distance_frame(rows).to_csv(path, index=False, lineterminator="\n")
    return path


def read_road_distances(folder: str | Path) -> pd.DataFrame | None:
    """The folder's ``road_distances.csv`` checked, or None if it has none.

    Raises
    ------
    InputError
        Naming the file, row and field: a missing column, a graph other than coarse or
        fine, a basis other than the two, or a figure that is not a number (a share or
        ratio below 0; a share above 1).
    """
    path = Path(folder) / FILE
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise InputError(f"not a readable CSV table: {error}", file=path) from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"missing column; expected {', '.join(COLUMNS)}", file=path, field=missing[0]
        )
    out = table[list(COLUMNS)].copy()
    for i, row in enumerate(table.itertuples(index=False), start=2):  # row 1 is the header
        if row.graph not in GRAPHS:
            raise InputError(
                f"'{row.graph}' is not a graph; expected {' or '.join(GRAPHS)}",
                file=path,
                row=i,
                field="graph",
            )
        if row.basis not in BASES:
            raise InputError(
                f"'{row.basis}' is not a basis; expected {' or '.join(BASES)}",
                file=path,
                row=i,
                field="basis",
            )
        for column in FIGURES:
            text = str(getattr(row, column)).strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            share = column in ("within_15pct", "crossing_below_bound")
            if not math.isfinite(value) or value < 0 or (share and value > 1):
                expected = "a share from 0 to 1" if share else "a number of at least 0"
                raise InputError(
                    f"'{text}' is not {expected} (or blank: not measured)",
                    file=path,
                    row=i,
                    field=column,
                )
    for column in FIGURES:
        out[column] = pd.to_numeric(out[column].replace("", None), errors="coerce")
    return out


def describe(row: pd.Series) -> str:
    """One line in English: the basis of a graph's distances and the error measured on them."""
    text = f"{row['graph']} graph: {row['basis']}"
    if pd.notna(row["within_15pct"]):
        text += (
            f"; {row['within_15pct']:.0%} of {int(row['pairs']):,} node pairs within ±15 % of the road distance"
            f" (graph/road median {row['median_ratio']:.2f}, p10 {row['p10_ratio']:.2f}; single edges p10 {row['edge_p10_ratio']:.2f})"
        )
        if pd.notna(row["crossing_below_bound"]):
            text += f"; {row['crossing_below_bound']:.1%} of paths across the water below the crossings' bound"
        text += f"; measured against {row['measured_against']}"
    else:
        text += "; error not measured"
    return text
