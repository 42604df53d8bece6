"""Vehicle blocks (a bus's duty for the day: pull-out, pull-in, revenue km) from ``trips.block_id``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.city import check_metric_crs
from fleetplan.network.importers.gtfs.geometry import shape_lines, stop_times_xy, trip_lengths_m
from fleetplan.network.importers.gtfs.reader import DEFAULT_LIMITS, FeedLimits, load_feed
from fleetplan.network.importers.gtfs.service_days import service_date
from fleetplan.network.importers.gtfs.timetable import seconds


def _clock(secs: float) -> str:
    """Seconds after the service day's start as ``HH:MM`` on the 24-hour clock (wrapped past midnight)."""
    minutes = int(secs // 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def blocks_from_gtfs(
    feed_path: str | Path,
    *,
    date: str | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
    metric_crs: str,
) -> pd.DataFrame:
    """One row per vehicle block (``trips.block_id``) running on a service date.

    Parameters
    ----------
    feed_path:
        Local GTFS zip or folder whose trips carry ``block_id``.
    date:
        Service date ``YYYYMMDD``; default the busiest weekday of the feed.
    limits:
        Bounds on what the feed may unpack to.
    metric_crs:
        Projected CRS (metres) trip lengths are measured in: the city's ``metric_crs``.

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
        malformed or missing for a whole trip, a block lasts 24 hours or more,
        or ``metric_crs`` is not a projected CRS in metres.
    """
    metric_crs = check_metric_crs(metric_crs)
    feed = load_feed(feed_path, limits=limits)
    trips = feed.required("trips.txt")
    if "block_id" not in trips.columns or trips["block_id"].isna().all():
        raise InputError(
            "no block_id in trips.txt; vehicle blocks need trips.block_id (the bus that runs each trip)",
            file=f"{feed.name} (trips.txt)",
            field="block_id",
        )
    day, services = service_date(feed, date)
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
    all_stop_times = stop_times_xy(feed, metric_crs)
    stop_times = all_stop_times[all_stop_times["trip_id"].isin(block_of.index)]
    file = f"{feed.name} (stop_times.txt)"
    if "arrival_time" not in stop_times.columns or "departure_time" not in stop_times.columns:
        raise InputError(
            "stop_times.txt needs arrival_time and departure_time for blocks", file=file
        )
    rows = stop_times["row"].to_numpy()
    arrive = seconds(stop_times["arrival_time"], file=file, field="arrival_time", rows=rows)
    depart = seconds(stop_times["departure_time"], file=file, field="departure_time", rows=rows)
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
    lengths = trip_lengths_m(feed, all_stop_times, shape_lines(feed, metric_crs))
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
