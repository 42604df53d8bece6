"""Which services run on a date, and which date to plan for.

The calendar is checked here (dates that are dates, periods that end after
they start and last at most three years, exception types 1 or 2) and put in
gtfs-kit's form (``YYYYMMDD`` strings, 0/1 weekday flags); gtfs-kit then says
which dates the feed covers (:func:`gtfs_kit.calendar.get_dates`) and which
services run on each (:func:`gtfs_kit.trips.get_active_services`: the
calendar's weekday pattern within its period, plus calendar_dates additions,
minus its removals).

Service dates are ``YYYYMMDD`` strings (``YYYY-MM-DD`` is accepted too, in
arguments and in the feed's files). When no date is given the busiest weekday
of the feed is used: the Monday-Friday date with the most trips running
(frequencies expanded), the earliest such date on a tie; with no weekday
service, the busiest day of any kind.
"""

from __future__ import annotations

import datetime as dt
import logging

import gtfs_kit
import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.importers.gtfs.tables import VettedFeed
from fleetplan.network.importers.gtfs.timetable import trip_runs

logger = logging.getLogger(__name__)

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Longest period one calendar.txt row may cover (days): a timetable, not a decade.
_MAX_PERIOD_DAYS = 3 * 366


def parse_date(date: str, what: str = "date") -> dt.date:
    """A ``YYYYMMDD`` (or ``YYYY-MM-DD``) date.

    Raises
    ------
    InputError
        If ``date`` is not a date; ``field`` is ``what``.
    """
    text = str(date).strip().replace("-", "")
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise InputError(f"'{date}' is not a date; expected YYYYMMDD", field=what) from None


class _Dates:
    """:func:`parse_date` of a column's cells, each distinct text parsed once (a calendar repeats a few dates)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.seen: dict[str, dt.date] = {}

    def parse(self, value: object, pos: int, field: str) -> dt.date:
        text = str(value)
        day = self.seen.get(text)
        if day is None:
            try:
                day = self.seen[text] = parse_date(text, field)
            except InputError as error:
                raise InputError(error.detail, file=self.file, row=pos + 1, field=field) from None
        return day


def _calendar(feed: VettedFeed) -> pd.DataFrame | None:
    """calendar.txt checked, in gtfs-kit's form: str service_id, 0/1 weekday flags, YYYYMMDD periods."""
    calendar = feed.table("calendar.txt")
    if calendar is None:
        return None
    dates = _Dates(f"{feed.name} (calendar.txt)")
    first, last = [], []
    for pos, (start, end) in enumerate(
        zip(calendar["start_date"].tolist(), calendar["end_date"].tolist(), strict=True)
    ):
        a = dates.parse(start, pos, "start_date")
        b = dates.parse(end, pos, "end_date")
        if b < a:
            raise InputError(
                "end_date is before start_date", file=dates.file, row=pos + 1, field="end_date"
            )
        if (b - a).days > _MAX_PERIOD_DAYS:
            raise InputError(
                "service spans more than three years; expected a timetable period",
                file=dates.file,
                row=pos + 1,
                field="end_date",
            )
        first.append(a.strftime("%Y%m%d"))
        last.append(b.strftime("%Y%m%d"))
    out = pd.DataFrame({"service_id": calendar["service_id"].astype(str).to_numpy()})
    for day in _WEEKDAYS:
        # A day runs when its flag is 1; blank (or anything else) means it does not.
        flag = np.trunc(
            pd.to_numeric(calendar[day], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        )
        out[day] = (flag == 1).astype(int)
    out["start_date"] = first
    out["end_date"] = last
    return out


def _calendar_dates(feed: VettedFeed) -> pd.DataFrame | None:
    """calendar_dates.txt checked, in gtfs-kit's form: str service_id, YYYYMMDD date, exception_type 1 or 2."""
    exceptions = feed.table("calendar_dates.txt")
    if exceptions is None:
        return None
    dates = _Dates(f"{feed.name} (calendar_dates.txt)")
    days = []
    kinds = exceptions["exception_type"].tolist()
    for pos, value in enumerate(exceptions["date"].tolist()):
        days.append(dates.parse(value, pos, "date").strftime("%Y%m%d"))
        kind = kinds[pos]
        if pd.isna(kind) or int(kind) not in (1, 2):
            raise InputError(
                f"exception_type '{kind}'; expected 1 (added) or 2 (removed)",
                file=dates.file,
                row=pos + 1,
                field="exception_type",
            )
    out = pd.DataFrame(
        {
            "service_id": exceptions["service_id"].astype(str).to_numpy(),
            "date": days,
            "exception_type": [int(kind) for kind in kinds],
        }
    )
    # GTFS keys calendar_dates on (service_id, date); where a feed repeats a pair
    # the later row decides, as reading the file in order would.
    return out.drop_duplicates(["service_id", "date"], keep="last").reset_index(drop=True)


def _calendar_feed(feed: VettedFeed) -> gtfs_kit.Feed:
    """A gtfs-kit Feed of the checked calendar tables alone (what gtfs-kit's calendar functions read)."""
    return gtfs_kit.Feed(
        dist_units="km", calendar=_calendar(feed), calendar_dates=_calendar_dates(feed)
    )


def service_date(feed: VettedFeed, date: str | None) -> tuple[dt.date, set[str]]:
    """The service date to use and the service_ids running on it.

    ``date`` (``YYYYMMDD``) if given, else the feed's busiest weekday (see the
    module docstring).

    Raises
    ------
    InputError
        On a bad calendar row, a ``date`` that is not a date or on which no
        service runs, or a feed in which no date runs any trip.
    """
    calendar = _calendar_feed(feed)
    covered = gtfs_kit.calendar.get_dates(calendar, as_date_obj=True)
    if date is not None:
        day = parse_date(date)
        services = set(gtfs_kit.trips.get_active_services(calendar, day.strftime("%Y%m%d")))
        if not services:
            span = f"{min(covered):%Y%m%d}..{max(covered):%Y%m%d}" if covered else "no dates"
            raise InputError(
                f"no service runs on {day:%Y%m%d}; the feed's calendar covers {span}",
                file=feed.name,
                field="date",
            )
        return day, services
    trips = feed.required("trips.txt")
    weights = trip_runs(feed)
    per_service = (
        pd.Series(weights.to_numpy(), index=trips["service_id"].astype(str).to_numpy())
        .groupby(level=0)
        .sum()
    )
    running = {
        day: set(gtfs_kit.trips.get_active_services(calendar, day.strftime("%Y%m%d")))
        for day in covered
    }
    counted = {
        day: float(per_service.reindex(sorted(services)).fillna(0.0).sum())
        for day, services in running.items()
    }
    weekdays = {day: n for day, n in counted.items() if day.weekday() < 5 and n > 0}
    pool = weekdays or {day: n for day, n in counted.items() if n > 0}
    if not pool:
        raise InputError("no date in calendar.txt/calendar_dates.txt runs any trip", file=feed.name)
    if not weekdays:
        logger.warning("%s: no weekday service in the feed; using its busiest day", feed.name)
    best = max(pool.items(), key=lambda item: (item[1], -item[0].toordinal()))[0]
    return best, running[best]


def day_runs(feed: VettedFeed, services: set[str]) -> pd.Series:
    """Runs on the service day per trip_id: :func:`trip_runs` for trips of ``services``, else 0."""
    trips = feed.required("trips.txt")
    running = trips["service_id"].astype(str).isin(services).to_numpy()
    weights = trip_runs(feed)
    return weights.where(pd.Series(running, index=weights.index), 0.0)
