"""The checks every reader of a user's CSV file makes, before any table library sees it.

Kept apart from :mod:`fleetplan.network.loaders` (which imports pandas and
geopandas) so that a command reading plain CSV files, ``fleetplan frlm``,
starts without them; ``loaders`` re-exports these names.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
from pathlib import Path

from fleetplan.errors import InputError


def read_limited_bytes(path: str | Path, *, expected: str, max_bytes: int) -> bytes:
    """The bytes of a user's file, refused before reading if it is missing, empty or over ``max_bytes``.

    At most ``max_bytes`` + 1 bytes are read whatever the size on disk says (a file
    that grows while it is read, or a device that reports no size), so memory stays
    bounded by the limit.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found; expected {expected}", file=path)
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"file is empty; expected {expected}", file=path)
    if size > max_bytes:
        raise InputError(
            f"file is {size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB", file=path
        )
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise InputError(f"file is over {max_bytes / 1e6:.0f} MB, the limit", file=path)
    return raw


def read_csv_text(path: str | Path, *, expected: str, max_bytes: int) -> str:
    """The text of a user's CSV file, after the checks every CSV reader needs.

    Raises
    ------
    InputError
        If the file is missing, empty, larger than ``max_bytes``, not UTF-8 (naming
        the row of the first bad byte) or has a row with more cells than the header.
    """
    path = Path(path)
    raw = read_limited_bytes(path, expected=expected, max_bytes=max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); save the file as CSV UTF-8",
            file=path,
            row=raw[: error.start].count(b"\n"),  # 0 = the header line
        ) from None
    if "\x00" in text:
        # A NUL byte means a binary file or a broken export; pandas would read on past it.
        position = text.index("\x00")
        raise InputError(
            "contains a NUL byte (a binary file or a broken export?); expected plain CSV text",
            file=path,
            row=text.count("\n", 0, position),  # 0 = the header line
        )
    check_row_widths(text, path)
    return text


#: A number as a spreadsheet writes it: ASCII digits, optional sign, point and exponent.
#: Python's float() also takes '1_000', '١٢' (Arabic-Indic digits) and 'infinity'.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
#: Largest magnitude a plain number in an input file may have.
MAX_PLAIN_NUMBER = 1e12


def plain_number(text: object) -> float | None:
    """``text`` as a float if it is a plain, finite decimal number of sane magnitude, else None.

    Subnormal values (e.g. 1e-320, below the smallest normal double) are refused too: no
    money, count or length is that small, and they lose precision in any arithmetic.
    """
    cleaned = str(text).strip()
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        return None
    value = float(cleaned)
    if value != 0 and abs(value) < sys.float_info.min:
        return None
    return value if math.isfinite(value) and abs(value) <= MAX_PLAIN_NUMBER else None


def check_row_widths(text: str, path: str | Path) -> None:
    """Refuse a header that names a column twice, or a data row with more non-empty cells than the header has columns.

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
        seen: dict[str, int] = {}
        for position, name in enumerate(header, start=1):
            name = name.strip()
            if name and name in seen:
                # pandas would rename the second to 'name.1' and every reader would ignore it.
                raise InputError(
                    f"column '{name}' appears twice in the header (columns {seen[name]} and {position}); expected each column once",
                    file=path,
                    field=name,
                )
            seen[name] = position
        row = 0
        for cells in records:
            if not cells or not any(cell.strip() for cell in cells):
                continue
            row += 1
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                raise InputError(
                    f"{len(cells)} cells but the header has {len(header)} columns; expected one cell per "
                    "column (a stray comma, or text with a comma that is not in quotes?)",
                    file=path,
                    row=row,
                )
    except csv.Error as error:
        raise InputError(f"not a readable CSV table: {error}", file=path) from None
