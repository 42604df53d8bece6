"""Per-route summary of a feed (length, trips per day, end stops) and the depot each route runs from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from fleetplan.errors import InputError
from fleetplan.network.city import check_metric_crs
from fleetplan.network.graph import to_grid
from fleetplan.network.importers.gtfs.geometry import shape_lines, stop_times_xy, trip_lengths_m
from fleetplan.network.importers.gtfs.reader import DEFAULT_LIMITS, FeedLimits, load_feed
from fleetplan.network.importers.gtfs.service_days import day_runs, service_date


def route_summary(
    feed_path: str | Path,
    *,
    date: str | None = None,
    limits: FeedLimits = DEFAULT_LIMITS,
    metric_crs: str,
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
        On an unsafe or incomplete feed, a bad date, no date with service,
        or a ``metric_crs`` that is not a projected CRS in metres.
    """
    metric_crs = check_metric_crs(metric_crs)
    feed = load_feed(feed_path, limits=limits)
    day, services = service_date(feed, date)
    runs = day_runs(feed, services)
    stop_times = stop_times_xy(feed, metric_crs)
    lines = shape_lines(feed, metric_crs)
    lengths = trip_lengths_m(feed, stop_times, lines)

    trips = feed.required("trips.txt")
    trip_route = pd.Series(
        trips["route_id"].astype(str).to_numpy(), index=trips["trip_id"].astype(str).to_numpy()
    )
    ends = stop_times.groupby("trip_id")["stop_id"].agg(["first", "last"])
    stops = feed.required("stops.txt")
    lon = pd.Series(
        stops["stop_lon"].to_numpy(dtype=float), index=stops["stop_id"].astype(str).to_numpy()
    )
    lat = pd.Series(
        stops["stop_lat"].to_numpy(dtype=float), index=stops["stop_id"].astype(str).to_numpy()
    )
    routes = feed.required("routes.txt")
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


def assign_depots(routes: pd.DataFrame, depots: pd.DataFrame, *, metric_crs: str) -> pd.DataFrame:
    """Give each route the depot nearest its first stop (straight line in ``metric_crs``, metres).

    Parameters
    ----------
    routes:
        Table with ``first_stop_lon``/``first_stop_lat`` (WGS84 degrees), e.g.
        from :func:`route_summary`.
    depots:
        Table with ``depot_id`` and ``lon``/``lat`` (WGS84 degrees), e.g. the
        dataset's ``depots``.
    metric_crs:
        Projected CRS (metres) distances are measured in: the city's ``metric_crs``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``routes`` with ``depot_id`` (replacing any existing one) and
        ``distance_km``, the straight-line distance from the first stop to the
        depot in km (a lower bound on dead running).

    Raises
    ------
    InputError
        On missing columns or coordinates, an empty depots table, or a
        ``metric_crs`` that is not a projected CRS in metres.
    """
    metric_crs = check_metric_crs(metric_crs)
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
