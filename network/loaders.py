"""Read a dataset folder into validated tables.

The Hong Kong default lives in ``data/hk``; a user's own dataset is a folder
with the same CSV files (see ``data/README.md``). Tables with coordinates come
back as GeoDataFrames in WGS84; the rest as DataFrames.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from pathlib import Path

import geopandas as gpd
import pandas as pd

from network.errors import InputError
from network.graph import build_graph
from network.schema import TABLES, WGS84, TableSpec, validate_table

#: The embedded Hong Kong default dataset.
DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "hk"

#: Refuse CSV files larger than this: a dataset table is kilobytes to a few MB.
MAX_TABLE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Dataset:
    """All validated tables of one dataset. Coordinates WGS84; lengths in metres."""

    path: Path
    nodes: gpd.GeoDataFrame
    edges: pd.DataFrame
    depots: gpd.GeoDataFrame
    bus_routes: pd.DataFrame
    bus_segments: pd.DataFrame
    bus_age_profile: pd.DataFrame
    taxi_classes: pd.DataFrame
    taxi_zones: gpd.GeoDataFrame
    truck_places: gpd.GeoDataFrame
    truck_flows: pd.DataFrame
    candidate_sites: gpd.GeoDataFrame
    parameters: pd.DataFrame
    programmes: pd.DataFrame
    targets: pd.DataFrame

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def read_csv_table(path: Path, spec: TableSpec, *, hk_bounds: bool = True) -> pd.DataFrame:
    """Read one CSV file and validate it against ``spec``.

    Raises
    ------
    InputError
        If the file is missing, empty, too large, not UTF-8, not a CSV, or
        fails validation (the message names file, row and field).
    """
    path = Path(path)
    text = read_csv_text(path, expected=f"the '{spec.name}' table ({spec.description})", max_bytes=MAX_TABLE_BYTES)
    try:
        # index_col=False: never turn surplus cells into an index (that shifts every column).
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=True, comment=None, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"not a readable CSV table: {str(error).strip()}", file=path) from None
    frame = validate_table(frame, spec, file=path, hk_bounds=hk_bounds)
    if spec.has_lonlat:
        return gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84
        )
    return frame


def read_csv_text(path: str | Path, *, expected: str, max_bytes: int) -> str:
    """The text of a user's CSV file, after the checks every CSV reader needs.

    Raises
    ------
    InputError
        If the file is missing, empty, larger than ``max_bytes``, not UTF-8 (naming
        the row of the first bad byte) or has a row with more cells than the header.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found; expected {expected}", file=path)
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"file is empty; expected {expected}", file=path)
    if size > max_bytes:
        raise InputError(f"file is {size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB", file=path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); save the file as CSV UTF-8",
            file=path,
            row=raw[: error.start].count(b"\n"),  # 0 = the header line
        ) from None
    check_row_widths(text, path)
    return text


def check_row_widths(text: str, path: str | Path) -> None:
    """Refuse a data row with more non-empty cells than the header has columns.

    pandas would silently take the surplus leading cells as the row index and
    shift every value one column to the right (a stray comma in a name does
    this); the planner gets the row number instead. Rows are counted as pandas
    counts them: blank lines are skipped.
    """
    try:
        records = csv.reader(io.StringIO(text))
        header = next(records, None)
        if header is None:
            return
        row = 0
        for cells in records:
            if not cells or not any(cell.strip() for cell in cells):
                continue
            row += 1
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
                raise InputError(
                    f"{len(cells)} cells but the header has {len(header)} columns; expected one cell per "
                    "column (a stray comma, or text with a comma that is not in quotes?)",
                    file=path,
                    row=row,
                )
    except csv.Error as error:
        raise InputError(f"not a readable CSV table: {error}", file=path) from None


def _check_references(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    for name, frame in tables.items():
        spec = TABLES[name]
        for column, (other, key) in spec.references.items():
            known = set(tables[other][key])
            values = frame[column]
            unknown = values.notna() & ~values.isin(known)
            if unknown.any():
                pos = int(unknown.to_numpy().nonzero()[0][0])
                raise InputError(
                    f"unknown id '{values.iloc[pos]}'; expected a {key} from {TABLES[other].file}",
                    file=folder / spec.file,
                    row=pos + 1,
                    field=column,
                )


def load_dataset(path: str | Path = DEFAULT_DATASET, *, graph: str = "coarse", hk_bounds: bool = True) -> Dataset:
    """Load and validate every table of a dataset folder.

    Parameters
    ----------
    path:
        Folder holding the CSV tables (default: the embedded Hong Kong dataset).
    graph:
        ``"coarse"`` reads ``nodes.csv``/``edges.csv``; ``"fine"`` reads
        ``nodes_fine.csv``/``edges_fine.csv`` instead.
    hk_bounds:
        Reject coordinates outside Hong Kong (turn off for synthetic cities).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError("dataset folder not found", file=folder)
    if graph not in ("coarse", "fine"):
        raise InputError(f"unknown graph variant '{graph}'; expected coarse or fine", field="graph")
    tables: dict[str, pd.DataFrame] = {}
    for name, spec in TABLES.items():
        file = spec.file
        if graph == "fine" and name in ("nodes", "edges"):
            file = file.replace(".csv", "_fine.csv")
        tables[name] = read_csv_table(folder / file, spec, hk_bounds=hk_bounds)
    _check_references(tables, folder)
    # Check the road graph here, where the file is known: self-loops, zero-length
    # edges and disconnected parts would otherwise surface later without a file name.
    edges_file = TABLES["edges"].file if graph == "coarse" else TABLES["edges"].file.replace(".csv", "_fine.csv")
    build_graph(tables["nodes"], tables["edges"], file=str(folder / edges_file))
    names = {f.name for f in fields(Dataset)} - {"path"}
    return Dataset(path=folder, **{name: tables[name] for name in names})
