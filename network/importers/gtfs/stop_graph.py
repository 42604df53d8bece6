"""A road-graph ``nodes``/``edges`` pair from a feed's stops and the order trips visit them."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from fleetplan.errors import InputError
from fleetplan.network.city import check_metric_crs
from fleetplan.network.importers.gtfs.geometry import (
    along_shape,
    shape_lines,
    stop_times_xy,
    trip_shapes,
)
from fleetplan.network.importers.gtfs.reader import DEFAULT_LIMITS, FeedLimits, load_feed
from fleetplan.network.importers.gtfs.service_days import day_runs, service_date

#: Consecutive stops at the same place still need a positive edge length for the graph (m).
_MIN_EDGE_M = 1.0


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
    metric_crs: str,
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
    limits:
        Bounds on what the feed may unpack to.
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
        On an unsafe or incomplete feed, a bad date, a negative ``cluster_m``,
        or a ``metric_crs`` that is not a projected CRS in metres.
    """
    if not (cluster_m >= 0):
        raise InputError(f"cluster_m={cluster_m!r}; expected metres >= 0", field="cluster_m")
    metric_crs = check_metric_crs(metric_crs)
    feed = load_feed(feed_path, limits=limits)
    day, services = service_date(feed, date)
    runs = day_runs(feed, services)
    stop_times = stop_times_xy(feed, metric_crs)
    lines = shape_lines(feed, metric_crs)
    shape_of = trip_shapes(feed, lines)

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
    trips_on: defaultdict[tuple[str, str], float] = defaultdict(float)
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
            along = np.diff(along_shape(lines[shape_id], xy))
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
    stops = feed.required("stops.txt")
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
