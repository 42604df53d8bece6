"""Vet a local GTFS feed (zip or folder) and read it into a gtfs-kit Feed.

The feed is checked before anything parses it: size limits, no absolute or
``..`` member names (zip-slip), no symlinks, encrypted or repeated members,
and the required files present. Only the GTFS files the importer reads
(:data:`~fleetplan.network.importers.gtfs.tables.USED_FILES`) are then
streamed out of the zip into a temporary folder, counting bytes and rows as
they come: :class:`FeedLimits` bound each file, the total and the rows,
whatever the zip declares (zip bombs; gtfs-kit holds ~230 bytes of memory per
stop_times row). The tables are parsed here, the way gtfs-kit parses them,
and handed to gtfs-kit's public :class:`gtfs_kit.Feed` constructor: gtfs-kit
never sees an archive we have not vetted, and a local path is never retried
as a URL (as :func:`gtfs_kit.read_feed` does with any path it fails to read).
"""

from __future__ import annotations

import errno
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import gtfs_kit
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.importers.gtfs.tables import (
    CALENDAR_FILES,
    OPTIONAL_FILES,
    REQUIRED_FILES,
    USED_FILES,
    VettedFeed,
    check_references,
    check_tables,
)

MB = 1024**2

#: Refuse zip files larger than this on disk (bytes).
MAX_ZIP_BYTES = 500 * MB


@dataclass(frozen=True)
class FeedLimits:
    """How much a feed may unpack to: bytes per file, bytes in all, and data rows in all.

    Counted on the files the importer reads, as they are streamed out (not as
    the zip declares them). Rows bound memory: gtfs-kit holds a few hundred
    bytes per row, so a feed of tiny rows costs ~25 times its size.
    """

    member_bytes: int
    total_bytes: int
    total_rows: int


#: A feed on the planner's own machine (the command line).
DEFAULT_LIMITS = FeedLimits(member_bytes=1024 * MB, total_bytes=2048 * MB, total_rows=20_000_000)
#: An upload to the shared app server, where every session shares the memory
#: (peak ~1 GB at these bounds; see tests/test_bad_inputs_2.py).
UPLOAD_LIMITS = FeedLimits(member_bytes=150 * MB, total_bytes=200 * MB, total_rows=2_000_000)
#: Kept for callers that compare with the old single bound (bytes).
MAX_UNCOMPRESSED_BYTES = DEFAULT_LIMITS.total_bytes

#: How gtfs-kit 13 parses a GTFS file (gtfs_kit.feed.read_feed): typed by
#: gtfs_kit.constants.DTYPES, blanks and "nan"/"null" as missing, nullable
#: dtypes, and the byte order mark dropped. Kept equal so that the tables are
#: those gtfs-kit's own reader would give.
_CSV_OPTIONS = {
    "na_values": ["", " ", "nan", "NaN", "null"],
    "keep_default_na": True,
    "dtype_backend": "numpy_nullable",
    "encoding": "utf-8-sig",
}
#: The order files are parsed in, so that the first bad one reported does not
#: depend on the order a folder lists them.
_READ_ORDER = (*REQUIRED_FILES, *CALENDAR_FILES, *OPTIONAL_FILES)
_TOO_LARGE = "the feed is too large to read in the memory available; cut it to the routes you need"


#: Compression methods the zipfile module reads (stored, deflate, bzip2, LZMA).
_READABLE_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
#: WinZip AES encryption marks a member with compression method 99.
_AES_ENCRYPTED = 99


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
        if info.flag_bits & 0x1 or info.compress_type == _AES_ENCRYPTED:
            raise InputError(
                f"member '{info.filename}' is encrypted; expected a plain GTFS zip", file=path
            )
        if info.compress_type not in _READABLE_COMPRESSION:
            # e.g. 93 (Zstandard) or 98 (PPMd): the zipfile module would fail mid-read.
            raise InputError(
                f"member '{info.filename}' uses compression method {info.compress_type}; expected stored, "
                "deflate, bzip2 or LZMA (re-zip the feed with a standard zip tool)",
                file=path,
            )
        # './stops.txt' and 'stops.txt' are one file: the later would overwrite the earlier.
        name = _top_level_name(info) or info.filename
        if name in seen:
            also = (
                f" (as '{seen[name]}' and '{info.filename}')" if seen[name] != info.filename else ""
            )
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

    def copy(self, source: IO[bytes], target: IO[bytes] | None, name: str) -> None:
        """Copy ``source`` to ``target`` (None: only count) in 1 MB chunks, refusing as soon as a bound is passed."""
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
    """Stream the GTFS files the importer reads into ``folder``, within ``limits``."""
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
                budget.copy(source, None, name)


def _parse_tables(folder: Path) -> gtfs_kit.Feed:
    """The :data:`USED_FILES` of ``folder`` as a gtfs-kit Feed (distances in km, as gtfs-kit counts them).

    Only the files that were measured against the limits are parsed: a folder's
    other GTFS files (fares, transfers, ...) are not used, so not read either.
    """
    tables: dict[str, pd.DataFrame] = {}
    for name in _READ_ORDER:
        file = folder / name
        # gtfs-kit leaves out empty files and files with a header but no rows.
        if not (file.is_file() and file.stat().st_size):
            continue
        table = name.removesuffix(".txt")
        frame = pd.read_csv(file, dtype=gtfs_kit.constants.DTYPES[table], **_CSV_OPTIONS)
        if not frame.empty:
            tables[table] = gtfs_kit.clean_column_names(frame)
    return gtfs_kit.Feed(dist_units="km", **tables)


def _read_folder(folder: Path, path: Path) -> gtfs_kit.Feed:
    """:func:`_parse_tables`, its failures as :class:`InputError` naming ``path``."""
    try:
        return _parse_tables(folder)
    except MemoryError:
        raise InputError(_TOO_LARGE, file=path) from None
    except OSError as error:
        if error.errno == errno.ENOMEM:
            raise InputError(_TOO_LARGE, file=path) from None
        raise
    except UnicodeDecodeError as error:
        raise InputError(f"a feed file is not UTF-8 text (byte {error.start})", file=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, TypeError) as error:
        raise InputError(
            f"a feed file is not a readable GTFS table: {str(error).strip()}", file=path
        ) from None


def load_feed(feed_path: str | Path, *, limits: FeedLimits = DEFAULT_LIMITS) -> VettedFeed:
    """Vet and read a local GTFS feed (zip or folder); never downloads.

    Parameters
    ----------
    feed_path:
        Local GTFS ``.zip``, or a folder of GTFS ``.txt`` files.
    limits:
        Bounds on the bytes (per file and in all) and rows the feed's files may
        unpack to (:data:`UPLOAD_LIMITS` for the app).

    Returns
    -------
    VettedFeed
        The gtfs-kit Feed (distance units km) and the feed's name for messages.

    Raises
    ------
    InputError
        If the path is missing or empty, the zip is too large, has unsafe or
        duplicate members or would unpack to too much data, a required file
        or column is missing, a file is not a readable table, an id is
        repeated or unknown, or a stop has no position on the globe.
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
        feed = VettedFeed(_read_folder(path, path), path.name)
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
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                raise InputError(f"a zip member could not be read ({error})", file=path) from None
            feed = VettedFeed(_read_folder(Path(tmp), path), path.name)
    check_tables(feed, path)
    check_references(feed, path)
    return feed
