"""What a GTFS feed must hold, and the checks on its tables once read.

:data:`REQUIRED_FILES`, :data:`CALENDAR_FILES` and the optional files name the
GTFS files the importer reads and the columns it uses from each; nothing else
in a feed is read. :func:`check_tables` and :func:`check_references` run on
the tables gtfs-kit parsed, before any trip is measured, so that a bad feed
fails with the file, row and column at fault rather than deep in a groupby.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gtfs_kit
import numpy as np
import pandas as pd

from fleetplan.errors import InputError

#: Files a feed must have, and the columns this importer reads from each.
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
#: Files read when present, and the columns they then need.
OPTIONAL_FILES: dict[str, tuple[str, ...]] = {
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
#: The files this importer reads; nothing else in a zip is extracted or read.
USED_FILES = frozenset({*REQUIRED_FILES, *CALENDAR_FILES, *OPTIONAL_FILES})


@dataclass
class VettedFeed:
    """A feed that passed :func:`fleetplan.network.importers.gtfs.load_feed`'s checks.

    ``feed`` is the gtfs-kit Feed (only the :data:`USED_FILES` tables are set);
    ``name`` is the file or folder name used in messages.
    """

    feed: gtfs_kit.Feed
    name: str

    def table(self, member: str) -> pd.DataFrame | None:
        """The table of ``member`` (e.g. ``"stops.txt"``), or None if the feed has no rows of it."""
        return getattr(self.feed, member.removesuffix(".txt"), None)

    def required(self, member: str) -> pd.DataFrame:
        """The table of a required member (:data:`REQUIRED_FILES`), which :func:`check_tables` made sure has rows."""
        frame = self.table(member)
        if frame is None:
            raise InputError(
                f"member '{member}' has no data rows; expected at least one", file=self.name
            )
        return frame


def _check_columns(feed: VettedFeed, member: str, columns: tuple[str, ...], path: Path) -> None:
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


def check_tables(feed: VettedFeed, path: Path) -> None:
    """Every required table has rows and its columns; a calendar has rows; optional tables have their columns.

    Raises
    ------
    InputError
        Naming the member and the first missing column.
    """
    for member, columns in REQUIRED_FILES.items():
        _check_columns(feed, member, columns, path)
    if all(feed.table(member) is None for member in CALENDAR_FILES):
        raise InputError("calendar.txt and calendar_dates.txt have no data rows", file=path)
    for member, columns in {**CALENDAR_FILES, **OPTIONAL_FILES}.items():
        if feed.table(member) is not None:
            _check_columns(feed, member, columns, path)


def check_references(feed: VettedFeed, path: Path) -> None:
    """Ids are unique, stops are on the globe, and every id a table cites exists.

    Raises
    ------
    InputError
        Naming the member, the 1-based data row and the column of the first fault.
    """
    for member, key in (
        ("stops.txt", "stop_id"),
        ("routes.txt", "route_id"),
        ("trips.txt", "trip_id"),
    ):
        ids = feed.required(member)[key]
        bad = (ids.isna() | ids.duplicated()).to_numpy(dtype=bool)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{key} '{ids.iloc[pos]}' is empty or repeated; expected each {key} once",
                file=f"{path} ({member})",
                row=pos + 1,
                field=key,
            )
    stops = feed.required("stops.txt")
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
        frame = feed.required(member)
        unknown = (~frame[column].isin(set(feed.required(other)[key].dropna()))).to_numpy(
            dtype=bool
        )
        if unknown.any():
            pos = int(np.flatnonzero(unknown)[0])
            raise InputError(
                f"unknown {column} '{frame[column].iloc[pos]}'; expected one listed in {other}",
                file=f"{path} ({member})",
                row=pos + 1,
                field=column,
            )
