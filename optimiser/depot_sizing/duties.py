"""The depot's duties: reading and validating the blocks table (one block per bus).

A block is ``bus, pull_out, pull_in, km``. Times are ``HH:MM`` (``HH:MM:00``
from spreadsheets accepted); ``24:00`` is accepted in both columns and means
midnight (the same as ``00:00``). A block whose ``pull_in`` is at or before its
``pull_out`` crosses midnight (out 05:30, in 00:40 means back at 00:40 the next
day); ``pull_in == pull_out`` is a 24 h duty with no time at the depot.

A bus may have several blocks: a split duty, out in the morning peak, back at the
depot at midday (where it may charge) and out again for the evening peak. Its
blocks must not overlap.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.loaders import plain_number, read_csv_text
from fleetplan.optimiser.depot_sizing.units import MINUTES_PER_DAY, format_hhmm, parse_hhmm

#: Columns a blocks table must have, with what each one means (used in error messages).
BLOCK_COLUMNS: dict[str, str] = {
    "bus": "a bus id; a bus on several rows runs a split duty (blocks that must not overlap)",
    "pull_out": "the time the bus leaves the depot, HH:MM",
    "pull_in": "the time the bus is back at the depot, HH:MM (at or before pull_out = next day)",
    "km": "the distance driven on the duty, km >= 0",
}

#: Refuse block files larger than this: a depot has tens to hundreds of buses.
MAX_BLOCKS_BYTES = 20 * 1024 * 1024


def validate_blocks(frame: pd.DataFrame, *, file: str | Path | None = None) -> pd.DataFrame:
    """Check a blocks table and return it typed: bus (str), pull_out/pull_in (HH:MM), km (float).

    Extra columns are kept. Rows are numbered from 1 (the header is row 0).

    Raises
    ------
    InputError
        On no rows, a missing column, an empty or duplicate bus, a time that is
        not ``HH:MM`` (00:00-23:59, or 24:00), or km that is not a number >= 0.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            "expected a table (DataFrame) with columns bus, pull_out, pull_in, km", file=file
        )
    frame = frame.copy()
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    for column, meaning in BLOCK_COLUMNS.items():
        if column not in frame.columns:
            raise InputError(f"missing column; expected {meaning}", file=file, row=0, field=column)
    if frame.empty:
        raise InputError("no blocks; expected one row per bus", file=file)
    frame = frame.reset_index(drop=True)
    buses: list[str] = []
    seen: dict[str, int] = {}
    outs: list[str] = []
    ins: list[str] = []
    kms: list[float] = []
    for pos, record in enumerate(frame[list(BLOCK_COLUMNS)].itertuples(index=False)):
        row = pos + 1
        bus = "" if pd.isna(record.bus) else str(record.bus).strip()
        if not bus:
            raise InputError(
                f"empty; expected {BLOCK_COLUMNS['bus']}", file=file, row=row, field="bus"
            )
        seen.setdefault(bus, row)
        buses.append(bus)
        for column, target in (("pull_out", outs), ("pull_in", ins)):
            value = getattr(record, column)
            try:
                target.append(format_hhmm(parse_hhmm("" if pd.isna(value) else value)))
            except ValueError:
                raise InputError(
                    f"'{value}' is not a time; expected HH:MM from 00:00 to 23:59 (or 24:00)",
                    file=file,
                    row=row,
                    field=column,
                ) from None
        km = plain_number(record.km)
        # More than 2,400 km (24 hours at 100 km/h) is not one bus's day.
        if km is None or not 0 <= km <= 2400:
            raise InputError(
                f"'{record.km}' is not a distance; expected km from 0 to 2400",
                file=file,
                row=row,
                field="km",
            )
        kms.append(km)
    _refuse_overlaps(buses, outs, ins, file)
    frame["bus"] = buses
    frame["pull_out"] = outs
    frame["pull_in"] = ins
    frame["km"] = kms
    extra = [column for column in frame.columns if column not in BLOCK_COLUMNS]
    return frame[[*BLOCK_COLUMNS, *extra]]


def out_minutes(pull_out: str, pull_in: str) -> list[int]:
    """The minutes of the day a block is away from the depot (cyclic; equal times = all day)."""
    start, end = parse_hhmm(pull_out), parse_hhmm(pull_in)
    length = (end - start) % MINUTES_PER_DAY or MINUTES_PER_DAY
    return [(start + minute) % MINUTES_PER_DAY for minute in range(length)]


def _refuse_overlaps(
    buses: list[str], outs: list[str], ins: list[str], file: str | Path | None
) -> None:
    """A split duty's blocks must leave the depot after the previous one is back."""
    rows: dict[str, list[int]] = {}
    for pos, bus in enumerate(buses):
        rows.setdefault(bus, []).append(pos)
    for bus, positions in rows.items():
        if len(positions) < 2:
            continue
        taken: dict[int, int] = {}
        for pos in positions:
            for minute in out_minutes(outs[pos], ins[pos]):
                if minute in taken:
                    raise InputError(
                        f"bus '{bus}' is still out on its block of row {taken[minute] + 1} at {format_hhmm(minute)}; "
                        "expected the blocks of a split duty not to overlap",
                        file=file,
                        row=pos + 1,
                        field="bus",
                    )
                taken[minute] = pos


def read_blocks_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate a blocks CSV (columns ``bus,pull_out,pull_in,km``).

    Times are ``HH:MM``; ``24:00`` is accepted and means midnight. A block with
    ``pull_in`` at or before ``pull_out`` comes back the next day.

    Raises
    ------
    InputError
        Naming the file, the 1-based data row and the field, and what was expected.
    """
    path = Path(path)
    text = read_csv_text(
        path, expected="a CSV with columns bus,pull_out,pull_in,km", max_bytes=MAX_BLOCKS_BYTES
    )
    try:
        # Strings throughout: times like 06:00 and ids like 007 must not be reinterpreted.
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"not a readable CSV table: {str(error).strip()}", file=path) from None
    return validate_blocks(frame, file=path)


def blocks_frame(rows: Iterable[tuple[str, str, str, float]]) -> pd.DataFrame:
    """Build a blocks table from ``(bus, pull_out, pull_in, km)`` tuples (for scripts and tests)."""
    return pd.DataFrame(list(rows), columns=list(BLOCK_COLUMNS))
