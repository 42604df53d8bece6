"""Bus routes, vehicle blocks and a stop graph from a local GTFS feed (via gtfs-kit).

The feed (a ``.zip`` or a folder of ``.txt`` files) is checked before gtfs-kit
reads it: size limits, no absolute or ``..`` member names (zip-slip), no
symlinks, encrypted or repeated members, and the required files present. Only
the GTFS files this module reads are then streamed out of the zip into a
temporary folder that gtfs-kit reads, counting bytes and rows as they come:
:class:`FeedLimits` bound each file, the total and the rows, whatever the zip
declares (zip bombs; gtfs-kit holds ~230 bytes of memory per stop_times row).
gtfs-kit never sees an archive we have not vetted (and, given a path, never
falls back to treating it as a URL).

Distances are measured in the city's metric CRS (``metric_crs``, default the
Hong Kong 1980 Grid, EPSG:2326; see :mod:`fleetplan.network.city`): a trip's
length is the length of its shape if the feed has ``shapes.txt`` and the trip
a ``shape_id``, otherwise the sum of straight lines between its consecutive
stops (an underestimate of road length, typically by 10-25 %).

Service dates are ``YYYYMMDD`` strings (``YYYY-MM-DD`` is accepted too). When
no date is given the busiest weekday of the feed is used: the Monday-Friday
date with the most trips running, the earliest such date on a tie.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import re
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import gtfs_kit
import numpy as np
import pandas as pd
from fleetplan.network.city import HK_METRIC_CRS
from fleetplan.network.graph import to_grid
from scipy.spatial import cKDTree

from fleetplan.errors import InputError

logger = logging.getLogger(__name__)

MB = 1024**2

#: Refuse zip files larger than this on disk.
MAX_ZIP_BYTES = 500 * MB


@dataclass(frozen=True)
class FeedLimits:
    """How much a feed may unpack to: bytes per file, bytes in all, and data rows in all.

    Counted on the files this module reads, as they are streamed out (not as the
    zip declares them). Rows bound memory: gtfs-kit holds a few hundred bytes
    per row, so a feed of tiny rows costs ~25 times its size.
    """

    member_bytes: int
    total_bytes: int
    total_rows: int


#: A feed on the planner's own machine (the command line).
DEFAULT_LIMITS = FeedLimits(member_bytes=1024 * MB, total_bytes=2048 * MB, total_rows=20_000_000)
#: An upload to the shared app server, where every session shares the memory
#: (peak ~1 GB at these bounds; see tests/test_bad_inputs_2.py).
UPLOAD_LIMITS = FeedLimits(member_bytes=150 * MB, total_bytes=200 * MB, total_rows=2_000_000)
#: Kept for callers that compare with the old single bound.
MAX_UNCOMPRESSED_BYTES = DEFAULT_LIMITS.total_bytes

#: Files a feed must have, and the columns this module reads from each.
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name",),
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
}
#: At least one of these must be present: they say which days a service runs.
CALENDAR_FILES: dict[str, tuple[str, ...]] = {
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
}
_OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
#: The files this module reads; nothing else in a zip is extracted.
USED_FILES = frozenset({*REQUIRED_FILES, *CALENDAR_FILES, *_OPTIONAL_COLUMNS})
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")
#: Shortest plausible headway of a frequency-based service (s).
MIN_HEADWAY_S = 60
#: Latest time of a service day: GTFS times pass 24:00 for trips after midnight.
MAX_SERVICE_DAY_S = 48 * 3600
#: Consecutive stops at the same place still need a positive edge length for the graph.
_MIN_EDGE_M = 1.0


# --------------------------------------------------------------------------- reading


@dataclass
class _Feed:
    """A vetted feed: the gtfs-kit Feed plus the name used in messages."""

    feed: gtfs_kit.Feed
    name: str

    def table(self, member: str) -> pd.DataFrame | None:
        return getattr(self.feed, member.removesuffix(".txt"), None)


def _unsafe_member(name: str) -> str | None:
    """Why a zip member name is unsafe to extract, or None."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if ".." in re.split(r"[\\/]", name):
        return "a '..' path component (zip-slip)"
    if "\x00" in name:
        return "a NUL byte"
    return None


def _size(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= 10 * MB else f"{n:,} bytes"


def _top_level_name(info: zipfile.ZipInfo) -> str | None:
    """The file name of a top-level member ('./stops.txt' is 'stops.txt'), or None."""
    parts = [part for part in PurePosixPath(info.filename).parts if part != "."]
    return parts[0] if len(parts) == 1 and not info.is_dir() else None


def _check_zip(path: Path, limits: FeedLimits) -> list[zipfile.ZipInfo]:
    size = path.stat().st_size
    if size == 0:
        raise InputError("file is empty; expected a GTFS zip", file=path)
    if size > MAX_ZIP_BYTES:
        raise InputError(
            f"file is {size / 1e6:.0f} MB; the limit for a GTFS zip is {MAX_ZIP_BYTES / 1e6:.0f} MB",
            file=path,
        )
    if not zipfile.is_zipfile(path):
        raise InputError(
            "not a zip archive; expected a GTFS feed (.zip or a folder of .txt files)", file=path
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise InputError(f"not a readable zip archive ({error})", file=path) from None
    seen: dict[str, str] = {}
    total = 0
    for info in members:
        reason = _unsafe_member(info.filename)
        if reason:
            raise InputError(
                f"member '{info.filename}' has {reason}; refusing to read the feed", file=path
            )
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(
                f"member '{info.filename}' is a symbolic link; refusing to read the feed", file=path
            )
        if info.flag_bits & 0x1:
            raise InputError(
                f"member '{info.filename}' is encrypted; expected a plain GTFS zip", file=path
            )
        # './stops.txt' and 'stops.txt' are one file: the later would overwrite the earlier.
        name = _top_level_name(info) or info.filename
        if name in seen:
            also = f" (as '{seen[name]}' and '{info.filename}')" if seen[name] != info.filename else ""
            raise InputError(
                f"member '{name}' appears twice{also}; expected each file once", file=path
            )
        seen[name] = info.filename
        if _top_level_name(info) not in USED_FILES:
            continue  # never extracted, so its size does not matter
        if info.file_size > limits.member_bytes:
            raise InputError(
                f"member '{name}' unpacks to {_size(info.file_size)}; the limit is "
                f"{_size(limits.member_bytes)} per file (a zip bomb, or a feed too large to read here)",
                file=path,
            )
        total += info.file_size
        if total > limits.total_bytes:
            raise InputError(
                f"the feed's files unpack to more than {_size(limits.total_bytes)} "
                f"(at member '{name}'); refusing a possible zip bomb",
                file=path,
            )
    return members


def _check_present(names: dict[str, int], path: Path, nested: list[str]) -> None:
    hint = ""
    if nested:
        hint = f" (found it inside the folder '{nested[0]}'; zip the files themselves, not their folder)"
    for member in REQUIRED_FILES:
        if member not in names:
            raise InputError(f"member '{member}' is missing; a GTFS feed needs it{hint}", file=path)
        if names[member] == 0:
            raise InputError(
                f"member '{member}' is empty; expected a header row and data", file=path
            )
    if not any(names.get(member, 0) for member in CALENDAR_FILES):
        raise InputError(
            f"members 'calendar.txt' and 'calendar_dates.txt' are both missing or empty; "
            f"a GTFS feed needs at least one to say when services run{hint}",
            file=path,
        )


class _Budget:
    """Bytes and rows left while streaming a feed's files (see :class:`FeedLimits`)."""

    def __init__(self, limits: FeedLimits, path: Path) -> None:
        self.limits = limits
        self.path = path
        self.bytes = 0
        self.rows = 0

    def copy(self, source: BinaryIO, target: BinaryIO, name: str) -> None:
        """Copy ``source`` to ``target`` in 1 MB chunks, refusing as soon as a bound is passed."""
        written = 0
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            self.bytes += len(chunk)
            self.rows += chunk.count(b"\n")
            if written > self.limits.member_bytes:
                raise InputError(
                    f"member '{name}' unpacks to more than {_size(self.limits.member_bytes)}, the limit per file",
                    file=self.path,
                )
            if self.bytes > self.limits.total_bytes:
                raise InputError(
                    f"the feed's files unpack to more than {_size(self.limits.total_bytes)} "
                    f"(at member '{name}'); refusing a possible zip bomb",
                    file=self.path,
                )
            if self.rows > self.limits.total_rows:
                raise InputError(
                    f"the feed's files hold more than {self.limits.total_rows:,} rows (at member '{name}'); "
                    "that is more than can be read here (cut the feed to the routes you need)",
                    file=self.path,
                )
            if target is not None:
                target.write(chunk)


def _extract(path: Path, members: list[zipfile.ZipInfo], folder: Path, limits: FeedLimits) -> None:
    """Stream the GTFS files this module reads into ``folder``, within ``limits``."""
    budget = _Budget(limits, path)
    with zipfile.ZipFile(path) as archive:
        for info in members:
            name = _top_level_name(info)
            if name not in USED_FILES:
                continue
            with archive.open(info) as source, (folder / name).open("wb") as target:
                budget.copy(source, target, name)


def _measure_folder(folder: Path, limits: FeedLimits) -> None:
    """Apply ``limits`` to the GTFS files of a folder feed (read, not copied)."""
    budget = _Budget(limits, folder)
    for name in sorted(USED_FILES):
        file = folder / name
        if file.is_file():
            with file.open("rb") as source:
                budget.copy(source, None, name)  # type: ignore[arg-type]


def _check_columns(feed: _Feed, member: str, columns: tuple[str, ...], path: Path) -> None:
    frame = feed.table(member)
    if frame is None:
        raise InputError(f"member '{member}' has no data rows; expected at least one", file=path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"member '{member}' lacks column(s) {', '.join(missing)}; expected {', '.join(columns)}",
            file=path,
            field=missing[0],
        )


def _read_folder(folder: Path, path: Path) -> gtfs_kit.Feed:
    # gtfs_kit.read_feed retries any path it fails to read (an OSError, such as running
    # out of memory) as a URL: read the local folder only, so the real error surfaces.
    read_local = getattr(gtfs_kit.feed, "_read_feed_from_path", gtfs_kit.read_feed)
    try:
        return read_local(folder, dist_units="km")
    except MemoryError:
        raise InputError(
            "the feed is too large to read in the memory available; cut it to the routes you need", file=path
        ) from None
    except OSError as error:
        if error.errno == errno.ENOMEM:
            raise InputError(
                "the feed is too large to read in the memory available; cut it to the routes you need", file=path
            ) from None
        raise
    except UnicodeDecodeError as error:
        raise InputError(f"a feed file is not UTF-8 text (byte {error.start})", file=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, TypeError) as error:
        raise InputError(
            f"a feed file is not a readable GTFS table: {str(error).strip()}", file=path
        ) from None


def load_feed(feed_path: str | Path, *, limits: FeedLimits = DEFAULT_LIMITS) -> _Feed:
    """Vet and read a local GTFS feed (zip or folder).

    Raises
    ------
    InputError
        If the path is missing or empty, the zip is too large, has unsafe or
        duplicate members or would unpack to too much data, a required file
        or column is missing, or a file is not a readable table.
    """
    path = Path(feed_path)
    if not path.exists():
        raise InputError(
            "file not found; expected a local GTFS zip or folder (no download)", file=path
        )
    if path.is_dir():
        names = {p.name: p.stat().st_size for p in path.iterdir() if p.is_file()}
        _measure_folder(path, limits)
        nested = [p.name for p in path.iterdir() if p.is_dir() and (p / "stops.txt").is_file()]
        _check_present(names, path, nested)
        feed = _Feed(_read_folder(path, path), path.name)
    else:
        members = _check_zip(path, limits)
        names = {
            name: info.file_size for info in members if (name := _top_level_name(info)) is not None
        }
        nested = sorted(
            {
                str(PurePosixPath(info.filename).parent)
                for info in members
                if PurePosixPath(info.filename).name in REQUIRED_FILES
                and len(PurePosixPath(info.filename).parts) > 1
            }
        )
        _check_present(names, path, nested)
        with tempfile.TemporaryDirectory(prefix="fleetplan-gtfs-") as tmp:
            try:
                _extract(path, members, Path(tmp), limits)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise InputError(f"a zip member could not be read ({error})", file=path) from None
            feed = _Feed(_read_folder(Path(tmp), path), path.name)
    for member, columns in REQUIRED_FILES.items():
        _check_columns(feed, member, columns, path)
    if all(feed.table(member) is None for member in CALENDAR_FILES):
        raise InputError("calendar.txt and calendar_dates.txt have no data rows", file=path)
    for member, columns in {**CALENDAR_FILES, **_OPTIONAL_COLUMNS}.items():
        if feed.table(member) is not None:
            _check_columns(feed, member, columns, path)
    _check_references(feed, path)
    return feed


def _check_references(feed: _Feed, path: Path) -> None:
    for member, key in (
        ("stops.txt", "stop_id"),
        ("routes.txt", "route_id"),
        ("trips.txt", "trip_id"),
    ):
        ids = feed.table(member)[key]
        bad = (ids.isna() | ids.duplicated()).to_numpy(dtype=bool)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{key} '{ids.iloc[pos]}' is empty or repeated; expected each {key} once",
                file=f"{path} ({member})",
                row=pos + 1,
                field=key,
            )
    stops = feed.table("stops.txt")
    coords = stops[["stop_lon", "stop_lat"]].apply(pd.to_numeric, errors="coerce")
    bad = coords.isna().any(axis=1).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"stop '{stops['stop_id'].iloc[pos]}' has no valid coordinate; expected stop_lat/stop_lon in degrees",
            file=f"{path} (stops.txt)",
            row=pos + 1,
            field="stop_lat",
        )
    for column, bound in (("stop_lat", 90.0), ("stop_lon", 180.0)):
        outside = (coords[column].abs() > bound).to_numpy()
        if outside.any():
            pos = int(np.flatnonzero(outside)[0])
            raise InputError(
                f"{coords[column].iloc[pos]:g} is not a {column.removeprefix('stop_')}itude; expected "
                f"-{bound:g} to {bound:g} degrees (are stop_lat and stop_lon swapped?)",
                file=f"{path} (stops.txt)",
                row=pos + 1,
                field=column,
            )
    for member, column, other, key in (
        ("stop_times.txt", "trip_id", "trips.txt", "trip_id"),
        ("stop_times.txt", "stop_id", "stops.txt", "stop_id"),
        ("trips.txt", "route_id", "routes.txt", "route_id"),
    ):
        frame = feed.table(member)
        unknown = (~frame[column].isin(set(feed.table(other)[key].dropna()))).to_numpy(dtype=bool)
        if unknown.any():
            pos = int(np.flatnonzero(unknown)[0])
            raise InputError(
                f"unknown {column} '{frame[column].iloc[pos]}'; expected one listed in {other}",
                file=f"{path} ({member})",
                row=pos + 1,
                field=column,
            )


# --------------------------------------------------------------------------- dates and counts


def _parse_date(date: str, what: str = "date") -> dt.date:
    text = str(date).strip().replace("-", "")
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise InputError(f"'{date}' is not a date; expected YYYYMMDD", field=what) from None


def _seconds(
    values: pd.Series, *, file: str, field: str, rows: np.ndarray | None = None
) -> np.ndarray:
    """GTFS 'H:MM:SS' times (hours may pass 24) to seconds after the service day's start.

    Empty cells give NaN. ``rows`` are the file rows of ``values`` for error
    messages (default: their positions). Each distinct text is parsed once:
    a timetable repeats the same few thousand times across millions of rows.
    """
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    parsed = np.full(len(uniques) + 1, np.nan)
    for i, text in enumerate(uniques):
        match = _TIME.match(str(text))
        if match:
            hours, minutes, secs = (int(g) for g in match.groups())
            parsed[i] = hours * 3600 + minutes * 60 + secs
        elif str(text).strip():
            pos = int(np.flatnonzero(codes == i)[0])
            raise InputError(
                f"'{text}' is not a time; expected HH:MM:SS (hours may exceed 24)",
                file=file,
                row=int(rows[pos]) if rows is not None else pos + 1,
                field=field,
            )
    # codes == -1 (missing) picks the trailing NaN.
    return parsed[codes]


def _trip_weights(feed: _Feed) -> pd.Series:
    """Runs per day of each trip: 1, or the departures its frequencies.txt windows give."""
    trips = feed.table("trips.txt")
    weights = pd.Series(1.0, index=pd.Index(trips["trip_id"].astype(str), name="trip_id"))
    freq = feed.table("frequencies.txt")
    if freq is not None:
        file = f"{feed.name} (frequencies.txt)"
        start = _seconds(freq["start_time"], file=file, field="start_time")
        end = _seconds(freq["end_time"], file=file, field="end_time")
        headway = pd.to_numeric(freq["headway_secs"], errors="coerce").to_numpy(dtype=float)
        # A bus every few seconds, or a window past two days, is a typing error that
        # would turn one row into millions of trips.
        bad = ~(headway >= MIN_HEADWAY_S) | ~(end > start) | ~(end <= MAX_SERVICE_DAY_S)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"a frequency window needs end_time after start_time, at most {MAX_SERVICE_DAY_S // 3600}:00:00, "
                f"and headway_secs of at least {MIN_HEADWAY_S}",
                file=file,
                row=pos + 1,
                field="headway_secs",
            )
        runs = pd.Series(np.ceil((end - start) / headway), index=freq["trip_id"].astype(str))
        runs = runs.groupby(level=0).sum()
        weights.loc[runs.index.intersection(weights.index)] = runs
    return weights


def _service_days(feed: _Feed) -> dict[dt.date, set[str]]:
    """Every date the feed covers -> services running that day (calendar plus exceptions)."""
    days: dict[dt.date, set[str]] = {}
    calendar = feed.table("calendar.txt")
    if calendar is not None:
        file = f"{feed.name} (calendar.txt)"
        for pos, row in enumerate(calendar.itertuples(index=False)):
            try:
                first = _parse_date(row.start_date, "start_date")
                last = _parse_date(row.end_date, "end_date")
            except InputError as error:
                raise InputError(error.detail, file=file, row=pos + 1, field=error.field) from None
            if last < first:
                raise InputError(
                    "end_date is before start_date", file=file, row=pos + 1, field="end_date"
                )
            if (last - first).days > 3 * 366:
                raise InputError(
                    "service spans more than three years; expected a timetable period",
                    file=file,
                    row=pos + 1,
                    field="end_date",
                )
            flags = [
                bool(pd.notna(getattr(row, day)) and int(getattr(row, day)) == 1)
                for day in _WEEKDAYS
            ]
            day = first
            while day <= last:
                entry = days.setdefault(day, set())
                if flags[day.weekday()]:
                    entry.add(str(row.service_id))
                day += dt.timedelta(days=1)
    exceptions = feed.table("calendar_dates.txt")
    if exceptions is not None:
        file = f"{feed.name} (calendar_dates.txt)"
        for pos, row in enumerate(exceptions.itertuples(index=False)):
            try:
                day = _parse_date(row.date, "date")
            except InputError as error:
                raise InputError(error.detail, file=file, row=pos + 1, field="date") from None
            kind = int(row.exception_type) if pd.notna(row.exception_type) else 0
            entry = days.setdefault(day, set())
            if kind == 1:
                entry.add(str(row.service_id))
            elif kind == 2:
                entry.discard(str(row.service_id))
            else:
                raise InputError(
                    f"exception_type '{row.exception_type}'; expected 1 (added) or 2 (removed)",
                    file=file,
                    row=pos + 1,
                    field="exception_type",
                )
    return days


def _service_date(feed: _Feed, date: str | None) -> tuple[dt.date, set[str]]:
    days = _service_days(feed)
    if date is not None:
        day = _parse_date(date)
        if not days.get(day):
            span = f"{min(days):%Y%m%d}..{max(days):%Y%m%d}" if days else "no dates"
            raise InputError(
                f"no service runs on {day:%Y%m%d}; the feed's calendar covers {span}",
                file=feed.name,
                field="date",
            )
        return day, days[day]
    trips = feed.table("trips.txt")
    weights = _trip_weights(feed)
    per_service = (
        pd.Series(weights.to_numpy(), index=trips["service_id"].astype(str).to_numpy())
        .groupby(level=0)
        .sum()
    )
    counted = {
        day: float(per_service.reindex(sorted(services)).fillna(0.0).sum())
        for day, services in days.items()
    }
    weekdays = {day: n for day, n in counted.items() if day.weekday() < 5 and n > 0}
    pool = weekdays or {day: n for day, n in counted.items() if n > 0}
    if not pool:
        raise InputError("no date in calendar.txt/calendar_dates.txt runs any trip", file=feed.name)
    if not weekdays:
        logger.warning("%s: no weekday service in the feed; using its busiest day", feed.name)
    best = max(pool.items(), key=lambda item: (item[1], -item[0].toordinal()))[0]
    return best, days[best]


def _day_trips(feed: _Feed, services: set[str]) -> pd.Series:
    """Runs on the service day per trip_id (0 for trips that do not run)."""
    trips = feed.table("trips.txt")
    running = trips["service_id"].astype(str).isin(services).to_numpy()
    weights = _trip_weights(feed)
    return weights.where(pd.Series(running, index=weights.index), 0.0)


# --------------------------------------------------------------------------- geometry


def _stop_times(feed: _Feed, crs: str = HK_METRIC_CRS) -> pd.DataFrame:
    """stop_times with grid coordinates (metres in ``crs``), sorted by trip and stop_sequence."""
    stops = feed.table("stops.txt")
    x, y = to_grid(stops["stop_lon"].to_numpy(dtype=float), stops["stop_lat"].to_numpy(dtype=float), crs)
    where = pd.DataFrame({"stop_id": stops["stop_id"].astype(str).to_numpy(), "x": x, "y": y})
    frame = feed.table("stop_times.txt").copy()
    frame["row"] = np.arange(len(frame)) + 1
    frame["trip_id"] = frame["trip_id"].astype(str)
    frame["stop_id"] = frame["stop_id"].astype(str)
    frame["stop_sequence"] = pd.to_numeric(frame["stop_sequence"], errors="coerce")
    if frame["stop_sequence"].isna().any():
        pos = int(np.flatnonzero(frame["stop_sequence"].isna().to_numpy(dtype=bool))[0])
        raise InputError(
            "stop_sequence is not a whole number",
            file=f"{feed.name} (stop_times.txt)",
            row=pos + 1,
            field="stop_sequence",
        )
    repeated = frame.duplicated(["trip_id", "stop_sequence"]).to_numpy()
    if repeated.any():
        pos = int(np.flatnonzero(repeated)[0])
        raise InputError(
            f"trip '{frame['trip_id'].iloc[pos]}' has stop_sequence {frame['stop_sequence'].iloc[pos]:g} twice; "
            "expected each stop of a trip once, in increasing order",
            file=f"{feed.name} (stop_times.txt)",
            row=pos + 1,
            field="stop_sequence",
        )
    frame = frame.merge(where, on="stop_id", how="left")
    return frame.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)


def _shape_lines(feed: _Feed, crs: str = HK_METRIC_CRS) -> dict[str, np.ndarray]:
    """shape_id -> (n, 2) grid coordinates (metres in ``crs``) in shape_pt_sequence order."""
    shapes = feed.table("shapes.txt")
    if shapes is None:
        return {}
    frame = pd.DataFrame(
        {
            "shape_id": shapes["shape_id"].astype(str).to_numpy(),
            "seq": pd.to_numeric(shapes["shape_pt_sequence"], errors="coerce").to_numpy(
                dtype=float
            ),
            "lon": pd.to_numeric(shapes["shape_pt_lon"], errors="coerce").to_numpy(dtype=float),
            "lat": pd.to_numeric(shapes["shape_pt_lat"], errors="coerce").to_numpy(dtype=float),
        }
    )
    bad = frame[["seq", "lon", "lat"]].isna().any(axis=1).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            "shape point needs numeric shape_pt_lat, shape_pt_lon and shape_pt_sequence",
            file=f"{feed.name} (shapes.txt)",
            row=pos + 1,
            field="shape_pt_lat",
        )
    frame["x"], frame["y"] = to_grid(frame["lon"].to_numpy(), frame["lat"].to_numpy(), crs)
    frame = frame.sort_values(["shape_id", "seq"], kind="stable")
    return {
        sid: group[["x", "y"]].to_numpy() for sid, group in frame.groupby("shape_id", sort=True)
    }


def _polyline_m(xy: np.ndarray) -> float:
    return float(np.hypot(*np.diff(xy, axis=0).T).sum()) if len(xy) > 1 else 0.0


def _trip_shapes(feed: _Feed, lines: dict[str, np.ndarray]) -> pd.Series:
    """trip_id -> shape_id where the trip has a shape that the feed defines, else ''."""
    trips = feed.table("trips.txt")
    ids = trips["trip_id"].astype(str).to_numpy()
    if "shape_id" not in trips.columns or not lines:
        return pd.Series("", index=ids)
    shape = trips["shape_id"].astype("string").fillna("").astype(str).to_numpy()
    shape = np.where(np.isin(shape, list(lines)), shape, "")
    return pd.Series(shape, index=ids)


def _trip_lengths_m(
    feed: _Feed, stop_times: pd.DataFrame, lines: dict[str, np.ndarray]
) -> pd.Series:
    """trip_id -> length in metres: its shape, else straight lines between its stops (metric CRS)."""
    step = np.hypot(
        stop_times.groupby("trip_id")["x"].diff(), stop_times.groupby("trip_id")["y"].diff()
    ).fillna(0.0)
    by_stops = step.groupby(stop_times["trip_id"]).sum()
    shape_of = _trip_shapes(feed, lines)
    shape_m = {sid: _polyline_m(xy) for sid, xy in lines.items()}
    lengths = by_stops.reindex(shape_of.index).fillna(0.0)
    has_shape = shape_of != ""
    lengths[has_shape] = shape_of[has_shape].map(shape_m).to_numpy(dtype=float)
    return lengths


def _along_shape(xy: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance along the polyline ``xy`` of each point, never going backwards (loops, returns)."""
    a, b = xy[:-1], xy[1:]
    d = b - a
    seg2 = (d**2).sum(axis=1)
    seg = np.sqrt(seg2)
    start = np.concatenate([[0.0], np.cumsum(seg)[:-1]])
    out = np.empty(len(points))
    position = 0.0
    for i, p in enumerate(points):
        t = np.where(seg2 > 0, ((p - a) * d).sum(axis=1) / np.where(seg2 > 0, seg2, 1.0), 0.0)
        t = np.clip(t, 0.0, 1.0)
        along = start + t * seg
        gap = np.hypot(*(a + t[:, None] * d - p).T)
        ahead = along >= position - 1e-6
        if ahead.any():
            position = float(along[ahead][np.argmin(gap[ahead])])
        out[i] = position
    return out


# --------------------------------------------------------------------------- public API


def route_summary(
    feed_path: str | Path,
    *,
    date: str | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
    metric_crs: str = HK_METRIC_CRS,
) -> pd.DataFrame:
    """Length, trips and end stops of every route in a GTFS feed.

    Parameters
    ----------
    feed_path:
        Local GTFS zip or folder.
    date:
        Service date ``YYYYMMDD``; default the busiest weekday of the feed.
    limits:
        Bounds on what the feed may unpack to (:data:`UPLOAD_LIMITS` for the app).
    metric_crs:
        Projected CRS (metres) lengths are measured in: the city's ``metric_crs``.

    Returns
    -------
    pandas.DataFrame
        One row per route that has trips, sorted by ``route_id``:
        ``route_id``, ``route_short_name``, ``length_km`` (mean one-way trip
        length in km over the trips on the date, or over all its trips if
        none run that day; from shapes where present, else along the stop
        sequence in ``metric_crs``), ``trips_per_day`` (one-way trips on the date,
        both directions, frequencies expanded), and the route's usual end
        stops (the commonest first/last stop pair): ``first_stop_id``,
        ``first_stop_lon``, ``first_stop_lat``, ``last_stop_id``,
        ``last_stop_lon``, ``last_stop_lat`` (WGS84 degrees).
        ``frame.attrs['service_date']`` holds the date used (``YYYYMMDD``).

    Raises
    ------
    InputError
        On an unsafe or incomplete feed, a bad date, or no date with service.
    """
    feed = load_feed(feed_path, limits=limits)
    day, services = _service_date(feed, date)
    runs = _day_trips(feed, services)
    stop_times = _stop_times(feed, metric_crs)
    lines = _shape_lines(feed, metric_crs)
    lengths = _trip_lengths_m(feed, stop_times, lines)

    trips = feed.table("trips.txt")
    trip_route = pd.Series(
        trips["route_id"].astype(str).to_numpy(), index=trips["trip_id"].astype(str).to_numpy()
    )
    ends = stop_times.groupby("trip_id")["stop_id"].agg(["first", "last"])
    stops = feed.table("stops.txt")
    lon = pd.Series(
        stops["stop_lon"].to_numpy(dtype=float), index=stops["stop_id"].astype(str).to_numpy()
    )
    lat = pd.Series(
        stops["stop_lat"].to_numpy(dtype=float), index=stops["stop_id"].astype(str).to_numpy()
    )
    routes = feed.table("routes.txt")
    names = dict(
        zip(
            routes["route_id"].astype(str),
            routes["route_short_name"].astype("string").fillna("").astype(str)
            if "route_short_name" in routes.columns
            else [""] * len(routes),
            strict=True,
        )
    )

    rows = []
    for route_id, trip_ids in trip_route.groupby(trip_route, sort=True).groups.items():
        ids = [t for t in trip_ids if t in ends.index]
        if not ids:
            continue
        weight = runs.reindex(ids).fillna(0.0)
        trips_per_day = float(weight.sum())
        if trips_per_day == 0:
            weight = pd.Series(1.0, index=ids)
        length_km = float((lengths.reindex(ids) * weight).sum() / weight.sum()) / 1000.0
        pairs: Counter[tuple[str, str]] = Counter()
        for trip_id, w in weight.items():
            if w > 0:
                pairs[(ends.at[trip_id, "first"], ends.at[trip_id, "last"])] += w
        first, last = min(pairs.items(), key=lambda item: (-item[1], item[0]))[0]
        rows.append(
            {
                "route_id": route_id,
                "route_short_name": names.get(route_id, ""),
                "length_km": length_km,
                "trips_per_day": trips_per_day,
                "first_stop_id": first,
                "first_stop_lon": float(lon[first]),
                "first_stop_lat": float(lat[first]),
                "last_stop_id": last,
                "last_stop_lon": float(lon[last]),
                "last_stop_lat": float(lat[last]),
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs["service_date"] = day.strftime("%Y%m%d")
    return frame


def assign_depots(
    routes: pd.DataFrame, depots: pd.DataFrame, *, metric_crs: str = HK_METRIC_CRS
) -> pd.DataFrame:
    """Give each route the depot nearest its first stop (straight line in ``metric_crs``, metres).

    Parameters
    ----------
    routes:
        Table with ``first_stop_lon``/``first_stop_lat`` (WGS84 degrees), e.g.
        from :func:`route_summary`.
    depots:
        Table with ``depot_id`` and ``lon``/``lat`` (WGS84 degrees), e.g. the
        dataset's ``depots``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``routes`` with ``depot_id`` (replacing any existing one) and
        ``distance_km``, the straight-line distance from the first stop to the
        depot in km (a lower bound on dead running).

    Raises
    ------
    InputError
        On missing columns or coordinates, or an empty depots table.
    """
    for frame, columns, what in (
        (routes, ("first_stop_lon", "first_stop_lat"), "routes"),
        (depots, ("depot_id", "lon", "lat"), "depots"),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"{what} table lacks column(s) {', '.join(missing)}; expected {', '.join(columns)}",
                field=missing[0],
            )
    if len(depots) == 0:
        raise InputError(
            "the depots table has no rows; expected at least one depot", field="depot_id"
        )
    coords = {}
    for what, frame, lon_col, lat_col in (
        ("routes", routes, "first_stop_lon", "first_stop_lat"),
        ("depots", depots, "lon", "lat"),
    ):
        lon = pd.to_numeric(frame[lon_col], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(frame[lat_col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(lon) | ~np.isfinite(lat)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{what} row has no coordinate; expected WGS84 lon/lat", row=pos + 1, field=lon_col
            )
        coords[what] = np.column_stack(to_grid(lon, lat, metric_crs))
    out = routes.copy()
    if len(out) == 0:
        out["depot_id"] = pd.Series(dtype=object)
        out["distance_km"] = pd.Series(dtype=float)
        return out
    distance, index = cKDTree(coords["depots"]).query(coords["routes"], k=1)
    out["depot_id"] = depots["depot_id"].astype(str).to_numpy()[np.atleast_1d(index)]
    out["distance_km"] = np.atleast_1d(distance).astype(float) / 1000.0
    return out


def _clock(seconds: float) -> str:
    minutes = int(seconds // 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def blocks_from_gtfs(
    feed_path: str | Path,
    *,
    date: str | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
    metric_crs: str = HK_METRIC_CRS,
) -> pd.DataFrame:
    """One row per vehicle block (``trips.block_id``) running on a service date.

    Parameters
    ----------
    feed_path:
        Local GTFS zip or folder whose trips carry ``block_id``.
    date:
        Service date ``YYYYMMDD``; default the busiest weekday of the feed.

    Returns
    -------
    pandas.DataFrame
        Columns ``bus`` (the block_id), ``pull_out`` and ``pull_in`` (``HH:MM``
        clock times of the block's first departure and last arrival, rounded
        outwards to the minute), ``km`` (revenue km: the sum of its trips'
        lengths, without dead running to and from the depot), sorted by
        ``bus``. Times are wrapped onto the 24-hour clock: GTFS ``25:10:00``
        becomes ``01:10``, so a block that crosses midnight has
        ``pull_in < pull_out``, which the depot-sizing model reads as the next
        day. Trips without a block_id are left out; trips defined by
        frequencies.txt count once, at their stop_times.
        ``frame.attrs['service_date']`` holds the date used.

    Raises
    ------
    InputError
        If trips.txt has no block_id, no block runs on the date, a time is
        malformed or missing for a whole trip, or a block lasts 24 hours or more.
    """
    feed = load_feed(feed_path, limits=limits)
    trips = feed.table("trips.txt")
    if "block_id" not in trips.columns or trips["block_id"].isna().all():
        raise InputError(
            "no block_id in trips.txt; vehicle blocks need trips.block_id (the bus that runs each trip)",
            file=f"{feed.name} (trips.txt)",
            field="block_id",
        )
    day, services = _service_date(feed, date)
    running = trips["service_id"].astype(str).isin(services) & trips["block_id"].notna()
    block_of = pd.Series(
        trips.loc[running, "block_id"].astype(str).to_numpy(),
        index=trips.loc[running, "trip_id"].astype(str).to_numpy(),
    )
    if block_of.empty:
        raise InputError(
            f"no trip with a block_id runs on {day:%Y%m%d}; expected a service date of the feed",
            file=f"{feed.name} (trips.txt)",
            field="block_id",
        )
    all_stop_times = _stop_times(feed, metric_crs)
    stop_times = all_stop_times[all_stop_times["trip_id"].isin(block_of.index)]
    file = f"{feed.name} (stop_times.txt)"
    if "arrival_time" not in stop_times.columns or "departure_time" not in stop_times.columns:
        raise InputError(
            "stop_times.txt needs arrival_time and departure_time for blocks", file=file
        )
    rows = stop_times["row"].to_numpy()
    arrive = _seconds(stop_times["arrival_time"], file=file, field="arrival_time", rows=rows)
    depart = _seconds(stop_times["departure_time"], file=file, field="departure_time", rows=rows)
    # A stop may give only one of the two times; either stands for both.
    times = pd.DataFrame(
        {
            "trip_id": stop_times["trip_id"].to_numpy(),
            "start": np.where(np.isnan(depart), arrive, depart),
            "end": np.where(np.isnan(arrive), depart, arrive),
        }
    )
    # stop_times is sorted by trip and stop_sequence: a later stop may not be earlier.
    clock = times["start"].fillna(times["end"]).to_numpy()
    same_trip = times["trip_id"].to_numpy()[1:] == times["trip_id"].to_numpy()[:-1]
    backwards = np.flatnonzero(same_trip & (np.diff(clock) < 0))
    if len(backwards):
        pos = int(backwards[0]) + 1
        raise InputError(
            f"trip '{times['trip_id'].iloc[pos]}' goes back in time at this stop; expected times that "
            "never decrease along stop_sequence",
            file=file,
            row=int(rows[pos]),
            field="arrival_time",
        )
    span = times.groupby("trip_id").agg(start=("start", "min"), end=("end", "max"))
    untimed = span["start"].isna() | span["end"].isna()
    if untimed.any():
        raise InputError(
            f"trip '{span.index[untimed.to_numpy()][0]}' has no arrival or departure times",
            file=file,
            field="departure_time",
        )
    lengths = _trip_lengths_m(feed, all_stop_times, _shape_lines(feed, metric_crs))
    span["km"] = lengths.reindex(span.index).to_numpy() / 1000.0
    span["bus"] = block_of.reindex(span.index).to_numpy()
    blocks = span.groupby("bus", sort=True).agg(
        start=("start", "min"), end=("end", "max"), km=("km", "sum")
    )
    too_long = blocks["end"] - blocks["start"] >= 24 * 3600
    if too_long.any():
        raise InputError(
            f"block '{blocks.index[too_long.to_numpy()][0]}' runs 24 hours or more; "
            "expected a block within one day",
            file=f"{feed.name} (trips.txt)",
            field="block_id",
        )
    frame = pd.DataFrame(
        {
            "bus": blocks.index.astype(str),
            "pull_out": [_clock(np.floor(s / 60) * 60) for s in blocks["start"]],
            "pull_in": [_clock(np.ceil(s / 60) * 60) for s in blocks["end"]],
            "km": blocks["km"].to_numpy(dtype=float),
        }
    )
    frame.attrs["service_date"] = day.strftime("%Y%m%d")
    return frame


def _clusters(
    stop_ids: np.ndarray, xy: np.ndarray, served: np.ndarray, radius_m: float
) -> np.ndarray:
    """Leader clustering: the most-served free stop takes every free stop within ``radius_m``.

    Unlike single-linkage, this never chains stops 80 m apart along a street
    into one long cluster; every member is within ``radius_m`` of its leader.
    """
    order = np.lexsort((stop_ids, -served))
    leader = np.full(len(stop_ids), -1)
    tree = cKDTree(xy)
    for i in order:
        if leader[i] >= 0:
            continue
        near = (
            np.asarray(tree.query_ball_point(xy[i], r=radius_m), dtype=int)
            if radius_m > 0
            else np.array([i])
        )
        near = near[leader[near] < 0]
        leader[near] = i
        leader[i] = i
    return leader


def graph_tables_from_gtfs(
    feed_path: str | Path,
    *,
    date: str | None = None,
    cluster_m: float = 100.0,
    limits: FeedLimits = DEFAULT_LIMITS,
    metric_crs: str = HK_METRIC_CRS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Road-graph ``nodes`` and ``edges`` tables from the stops and stop sequences of a feed.

    Parameters
    ----------
    feed_path:
        Local GTFS zip or folder.
    date:
        Service date ``YYYYMMDD`` for ``bus_trips_per_day``; default the
        busiest weekday of the feed.
    cluster_m:
        Stops within this many metres of a more-served stop merge into its
        node (kerbside pairs on opposite sides of a road, several operators'
        poles at one stop). ``0`` keeps every stop.
    metric_crs:
        Projected CRS (metres) distances are measured in: the city's ``metric_crs``.

    Returns
    -------
    (nodes, edges):
        ``nodes``: ``node_id`` (the most-served stop's stop_id), ``lon``,
        ``lat`` (that stop's WGS84 position), ``name``, ``n_stops``,
        ``source``, ``status``. ``edges``: one undirected row per pair of
        nodes that some trip visits consecutively, with ``length_m`` (the
        shortest observed distance between the two stops, along the trip's
        shape where the feed has one, else straight, in ``metric_crs``; at least
        1 m) and ``bus_trips_per_day`` (trips on the date using the edge, both
        directions), ``source``, ``status`` (``derived``). Only stops that
        trips visit become nodes. The tables may form several connected
        parts (e.g. Lantau-only routes); :func:`fleetplan.network.graph.build_graph`
        says so unless called with ``require_connected=False``.

    Raises
    ------
    InputError
        On an unsafe or incomplete feed, a bad date, or a negative ``cluster_m``.
    """
    if not (cluster_m >= 0):
        raise InputError(f"cluster_m={cluster_m!r}; expected metres >= 0", field="cluster_m")
    feed = load_feed(feed_path, limits=limits)
    day, services = _service_date(feed, date)
    runs = _day_trips(feed, services)
    stop_times = _stop_times(feed, metric_crs)
    lines = _shape_lines(feed, metric_crs)
    shape_of = _trip_shapes(feed, lines)

    # Nodes: stops that some trip visits, clustered around the most-served ones.
    served = (
        stop_times.assign(runs=runs.reindex(stop_times["trip_id"]).fillna(0.0).to_numpy())
        .groupby("stop_id")
        .agg(runs=("runs", "sum"), x=("x", "first"), y=("y", "first"))
        .sort_index()
    )
    stop_ids = served.index.to_numpy(dtype=str)
    leader = _clusters(
        stop_ids, served[["x", "y"]].to_numpy(), served["runs"].to_numpy(), float(cluster_m)
    )
    node_of = pd.Series(stop_ids[leader], index=stop_ids)

    # Edges: consecutive stops of each distinct stop pattern (shape + stop list), computed once.
    best: dict[tuple[str, str], float] = {}
    trips_on: Counter[tuple[str, str]] = Counter()
    grouped = stop_times.groupby("trip_id", sort=True)
    patterns: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for trip_id, group in grouped:
        key = (shape_of.get(trip_id, ""), tuple(group["stop_id"]))
        patterns.setdefault(key, []).append(trip_id)
    for (shape_id, sequence), trip_ids in patterns.items():
        if len(sequence) < 2:
            continue
        xy = grouped.get_group(trip_ids[0])[["x", "y"]].to_numpy()
        straight = np.hypot(*np.diff(xy, axis=0).T)
        if shape_id:
            along = np.diff(_along_shape(lines[shape_id], xy))
            # A road is never shorter than the straight line between its ends.
            length = np.maximum(along, straight)
        else:
            length = straight
        weight = float(runs.reindex(trip_ids).fillna(0.0).sum())
        for i in range(len(sequence) - 1):
            a, b = node_of[sequence[i]], node_of[sequence[i + 1]]
            if a == b:
                continue
            pair = (a, b) if a < b else (b, a)
            metres = max(float(length[i]), _MIN_EDGE_M)
            best[pair] = min(best.get(pair, np.inf), metres)
            trips_on[pair] += weight

    source = (
        f"GTFS feed {feed.name}, service date {day:%Y%m%d}; stops within {cluster_m:g} m merged"
    )
    stops = feed.table("stops.txt")
    stop_index = stops["stop_id"].astype(str).to_numpy()
    lon = pd.Series(stops["stop_lon"].to_numpy(dtype=float), index=stop_index)
    lat = pd.Series(stops["stop_lat"].to_numpy(dtype=float), index=stop_index)
    name = (
        pd.Series(
            stops["stop_name"].astype("string").fillna("").astype(str).to_numpy(), index=stop_index
        )
        if "stop_name" in stops.columns
        else pd.Series("", index=stop_index)
    )
    leaders = np.unique(node_of.to_numpy())
    members = node_of.value_counts()
    nodes = pd.DataFrame(
        {
            "node_id": leaders,
            "lon": lon.reindex(leaders).to_numpy(),
            "lat": lat.reindex(leaders).to_numpy(),
            "name": name.reindex(leaders).to_numpy(),
            "n_stops": members.reindex(leaders).to_numpy(dtype=int),
            "source": source,
            "status": "derived",
        }
    )
    pairs = sorted(best)
    edges = pd.DataFrame(
        {
            "from_node": [a for a, _ in pairs],
            "to_node": [b for _, b in pairs],
            "length_m": [best[p] for p in pairs],
            "bus_trips_per_day": [float(trips_on[p]) for p in pairs],
            "source": source,
            "status": "derived",
        }
    )
    nodes.attrs["service_date"] = edges.attrs["service_date"] = day.strftime("%Y%m%d")
    return nodes, edges
