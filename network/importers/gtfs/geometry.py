"""Where trips go and how long they are, in metres of a projected CRS.

Stops and shape points are projected from WGS84 to ``crs`` (the city's
metric CRS, from its ``city.yaml``). A trip's length is the length
of its shape if the feed has ``shapes.txt`` and the trip a ``shape_id``,
otherwise the sum of straight lines between its consecutive stops (an
underestimate of road length, typically by 10-25 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.graph import to_grid
from fleetplan.network.importers.gtfs.tables import VettedFeed


def stop_times_xy(feed: VettedFeed, crs: str) -> pd.DataFrame:
    """stop_times with its stops' ``x``/``y`` (metres in ``crs``) and file ``row``, sorted by trip and stop_sequence.

    Raises
    ------
    InputError
        On a stop_sequence that is not a number, or repeated within a trip.
    """
    stops = feed.required("stops.txt")
    x, y = to_grid(
        stops["stop_lon"].to_numpy(dtype=float), stops["stop_lat"].to_numpy(dtype=float), crs
    )
    where = pd.DataFrame({"stop_id": stops["stop_id"].astype(str).to_numpy(), "x": x, "y": y})
    frame = feed.required("stop_times.txt").copy()
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


def shape_lines(feed: VettedFeed, crs: str) -> dict[str, np.ndarray]:
    """shape_id -> (n, 2) coordinates (metres in ``crs``) in shape_pt_sequence order; {} without shapes.txt.

    Raises
    ------
    InputError
        On a shape point without numeric position or sequence.
    """
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


def polyline_m(xy: np.ndarray) -> float:
    """Length of the polyline through the (n, 2) points ``xy`` (their units, metres here)."""
    return float(np.hypot(*np.diff(xy, axis=0).T).sum()) if len(xy) > 1 else 0.0


def trip_shapes(feed: VettedFeed, lines: dict[str, np.ndarray]) -> pd.Series:
    """trip_id -> shape_id where the trip has a shape that the feed defines, else ''."""
    trips = feed.required("trips.txt")
    ids = trips["trip_id"].astype(str).to_numpy()
    if "shape_id" not in trips.columns or not lines:
        return pd.Series("", index=ids)
    shape = trips["shape_id"].astype("string").fillna("").astype(str).to_numpy()
    shape = np.where(np.isin(shape, list(lines)), shape, "")
    return pd.Series(shape, index=ids)


def trip_lengths_m(
    feed: VettedFeed, stop_times: pd.DataFrame, lines: dict[str, np.ndarray]
) -> pd.Series:
    """trip_id -> length in metres: its shape, else straight lines between its stops.

    ``stop_times`` and ``lines`` come from :func:`stop_times_xy` and
    :func:`shape_lines` in one CRS, which the lengths are measured in.
    """
    step = np.hypot(
        stop_times.groupby("trip_id")["x"].diff(), stop_times.groupby("trip_id")["y"].diff()
    ).fillna(0.0)
    by_stops = step.groupby(stop_times["trip_id"]).sum()
    shape_of = trip_shapes(feed, lines)
    shape_m = {sid: polyline_m(xy) for sid, xy in lines.items()}
    lengths = by_stops.reindex(shape_of.index).fillna(0.0)
    has_shape = shape_of != ""
    lengths[has_shape] = shape_of[has_shape].map(shape_m).to_numpy(dtype=float)
    return lengths


def along_shape(xy: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance along the polyline ``xy`` of each point, never going backwards (loops, returns).

    Each point takes the nearest position on the polyline at or after the
    previous point's; distances are in the units of ``xy`` (metres here).
    """
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
