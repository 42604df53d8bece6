"""The road graph: build it from the nodes/edges tables, snap sites to it, measure reach.

The graph is an undirected :class:`networkx.Graph` whose nodes are the
``node_id`` values of ``nodes.csv`` and whose edges carry ``length_m`` (road
length in metres) and ``bus_trips_per_day``. Node attributes are
``lon``/``lat`` (WGS84 degrees) and ``x``/``y`` (metres in the city's metric CRS,
``graph.graph['crs']``, the ``metric_crs`` of the dataset's ``city.yaml``, see
:mod:`fleetplan.network.city`),
so that distance work never mixes degrees with metres.

Reach is measured over the road graph, not as the crow flies: Hong Kong's
harbour, hills and islands make straight-line distance a poor guide (Tsing Yi
is 2 km from Kwai Chung across the water but further by road).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from fleetplan.errors import InputError
from fleetplan.network.city import WGS84, to_metric

#: How many node ids an error message lists before saying "and N more".
_LIST_IDS = 5

#: Road metres per straight metre from a point (site, depot, zone) to its snapped node.
#: Derived: the road length per straight metre between consecutive bus stops on TD's bus
#: route lines (1.27, see data/build/hk_stop_graph.py); a point reaches its node by local roads.
ACCESS_CIRCUITY = 1.27

#: Relative slack on the reach cutoff so that a pair exactly at ``max_km`` is
#: not lost to floating-point rounding of the summed edge lengths.
_CUTOFF_SLACK = 1e-9


def to_grid(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude/latitude (degrees) to easting/northing in ``crs`` (metres).

    ``crs`` is the city's metric CRS (``City.metric_crs``, from the dataset's ``city.yaml``).
    """
    return to_metric(lon, lat, crs)


def graph_crs(nodes: pd.DataFrame, metric_crs: str | None = None) -> str:
    """The metric CRS to measure ``nodes`` in: ``metric_crs`` if given, else the one
    :func:`fleetplan.network.loaders.load_dataset` recorded on the table
    (``nodes.attrs['metric_crs']``).

    Raises
    ------
    InputError
        When neither is there: generic code has no city to assume.
    """
    if metric_crs:
        return metric_crs
    recorded = getattr(nodes, "attrs", {}).get("metric_crs")
    if not recorded:
        raise InputError(
            "no metric CRS for the road nodes; expected metric_crs (the dataset's city.yaml metric_crs, "
            "e.g. EPSG:3763) or a nodes table loaded by load_dataset",
            field="metric_crs",
        )
    return str(recorded)


def _require_columns(
    frame: pd.DataFrame, columns: tuple[str, ...], file: str | None, what: str
) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; expected a {what} table with columns "
            f"{', '.join(columns)}",
            file=file,
            field=missing[0],
        )


def _first_bad(mask: pd.Series | np.ndarray) -> int | None:
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) if hits.size else None


def _sample_ids(ids: list[Hashable]) -> str:
    ids = sorted(ids, key=str)
    text = ", ".join(str(i) for i in ids[:_LIST_IDS])
    if len(ids) > _LIST_IDS:
        text += f" and {len(ids) - _LIST_IDS} more"
    return text


def build_graph(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    file: str | None = None,
    require_connected: bool = True,
    metric_crs: str | None = None,
) -> nx.Graph:
    """Build the undirected road graph from the ``nodes`` and ``edges`` tables.

    Parameters
    ----------
    nodes:
        Table with ``node_id`` and ``lon``/``lat`` (WGS84 degrees); a
        GeoDataFrame from :func:`fleetplan.network.loaders.load_dataset` works as is.
    edges:
        Table with ``from_node``, ``to_node``, ``length_m`` (metres, > 0) and
        optionally ``bus_trips_per_day`` (trips/day; 0 when absent).
    file:
        Name used in error messages (e.g. the dataset folder or ``edges.csv``).
    require_connected:
        Reject a graph with more than one connected component. Reach over a
        disconnected graph silently turns "no road" into "out of reach", which
        hides data errors, so this is on by default.
    metric_crs:
        Projected CRS (metres) of the node positions ``x``/``y``: the dataset's
        ``city.metric_crs``. None takes the CRS :func:`fleetplan.network.loaders.load_dataset`
        recorded on ``nodes`` (``nodes.attrs['metric_crs']``); without either it is an error.

    Returns
    -------
    networkx.Graph
        Nodes keyed by ``node_id`` (as ``str``) with attributes ``lon``,
        ``lat`` (degrees), ``x``, ``y`` (metres in ``metric_crs``); edges with
        ``length_m`` (m) and ``bus_trips_per_day`` (trips/day). Where several
        rows join the same pair of nodes (in either direction) the edge keeps
        the shortest length and the sum of their trips, since each row's buses
        use the corridor. ``graph.graph['crs']`` is the metric CRS used.

    Raises
    ------
    InputError
        On a missing column, a duplicate or empty node id, a missing
        coordinate, an edge naming an unknown node, a self-loop, a length
        that is not a positive number, a negative trip count, or (with
        ``require_connected``) a disconnected graph.
    """
    _require_columns(nodes, ("node_id", "lon", "lat"), file, "nodes")
    _require_columns(edges, ("from_node", "to_node", "length_m"), file, "edges")
    if len(nodes) == 0:
        raise InputError("the nodes table has no rows; expected at least one road node", file=file)

    node_ids = nodes["node_id"].astype("string").str.strip()
    pos = _first_bad(node_ids.isna() | (node_ids == ""))
    if pos is not None:
        raise InputError(
            "empty node id; expected a node identifier", file=file, row=pos + 1, field="node_id"
        )
    pos = _first_bad(node_ids.duplicated())
    if pos is not None:
        raise InputError(
            f"duplicate node id '{node_ids.iloc[pos]}'; expected each node once",
            file=file,
            row=pos + 1,
            field="node_id",
        )
    lon = pd.to_numeric(nodes["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(nodes["lat"], errors="coerce").to_numpy(dtype=float)
    for name, values, limit in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        pos = _first_bad(~np.isfinite(values) | (np.abs(values) > limit))
        if pos is not None:
            raise InputError(
                f"'{nodes[name].iloc[pos]}' is not a coordinate; expected WGS84 {name} in degrees",
                file=file,
                row=pos + 1,
                field=name,
            )
    crs = graph_crs(nodes, metric_crs)
    x, y = to_grid(lon, lat, crs)

    graph = nx.Graph(crs=crs)
    ids = node_ids.tolist()
    graph.add_nodes_from(
        (nid, {"lon": float(a), "lat": float(b), "x": float(c), "y": float(d)})
        for nid, a, b, c, d in zip(ids, lon, lat, x, y, strict=True)
    )

    ends = {}
    for column in ("from_node", "to_node"):
        ends[column] = edges[column].astype("string").str.strip()
        unknown = ends[column].isna() | ~ends[column].isin(set(ids))
        pos = _first_bad(unknown)
        if pos is not None:
            raise InputError(
                f"unknown node id '{edges[column].iloc[pos]}'; expected a node_id from the nodes table",
                file=file,
                row=pos + 1,
                field=column,
            )
    pos = _first_bad(ends["from_node"] == ends["to_node"])
    if pos is not None:
        raise InputError(
            f"self-loop at node '{ends['from_node'].iloc[pos]}'; expected an edge between two different nodes",
            file=file,
            row=pos + 1,
            field="to_node",
        )
    length = pd.to_numeric(edges["length_m"], errors="coerce").to_numpy(dtype=float)
    pos = _first_bad(~np.isfinite(length) | (length <= 0.0))
    if pos is not None:
        raise InputError(
            f"length '{edges['length_m'].iloc[pos]}' is not a positive number; expected road length in metres > 0",
            file=file,
            row=pos + 1,
            field="length_m",
        )
    if "bus_trips_per_day" in edges.columns:
        raw_trips = pd.to_numeric(edges["bus_trips_per_day"], errors="coerce")
        # An empty cell means "not known", which adds no trips; text or a negative count is an error.
        bad = (raw_trips.isna() & edges["bus_trips_per_day"].notna()) | (raw_trips < 0)
        pos = _first_bad(bad)
        if pos is not None:
            raise InputError(
                f"'{edges['bus_trips_per_day'].iloc[pos]}' is not a trip count; expected trips/day >= 0",
                file=file,
                row=pos + 1,
                field="bus_trips_per_day",
            )
        trips = raw_trips.fillna(0.0).to_numpy(dtype=float)
    else:
        trips = np.zeros(len(edges))

    for a, b, metres, n in zip(ends["from_node"], ends["to_node"], length, trips, strict=True):
        if graph.has_edge(a, b):
            data = graph.edges[a, b]
            data["length_m"] = min(data["length_m"], float(metres))
            data["bus_trips_per_day"] += float(n)
        else:
            graph.add_edge(a, b, length_m=float(metres), bus_trips_per_day=float(n))

    if require_connected and graph.number_of_nodes() > 1:
        components = sorted(
            nx.connected_components(graph), key=lambda c: (-len(c), min(map(str, c)))
        )
        if len(components) > 1:
            stray = [node for part in components[1:] for node in part]
            raise InputError(
                f"the road graph falls into {len(components)} disconnected parts; the largest has "
                f"{len(components[0])} nodes and the other parts hold {len(stray)} nodes "
                f"({_sample_ids(stray)}); expected every node joined to the rest by edges",
                file=file,
                field="node_id",
            )
    return graph


def _point_lonlat(points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "lon" in points.columns and "lat" in points.columns:
        return (
            pd.to_numeric(points["lon"], errors="coerce").to_numpy(dtype=float),
            pd.to_numeric(points["lat"], errors="coerce").to_numpy(dtype=float),
        )
    geometry = getattr(points, "geometry", None)
    if geometry is not None and getattr(points, "crs", None) is not None:
        # A GeoDataFrame without lon/lat columns: use its point geometry in WGS84.
        geometry = geometry.to_crs(WGS84)
        return geometry.x.to_numpy(dtype=float), geometry.y.to_numpy(dtype=float)
    raise InputError("missing column(s) lon, lat; expected point coordinates in WGS84", field="lon")


def snap_to_nodes(
    graph: nx.Graph,
    points: pd.DataFrame,
    *,
    id_column: str,
    max_snap_m: float | None = None,
) -> pd.DataFrame:
    """Snap each point to its nearest graph node (straight line in the graph's metric CRS).

    Parameters
    ----------
    graph:
        Road graph from :func:`build_graph` (nodes carry ``x``/``y`` metres).
    points:
        Table with ``id_column`` and ``lon``/``lat`` (WGS84 degrees).
    id_column:
        Column naming each point (e.g. ``depot_id``, ``site_id``).
    max_snap_m:
        Largest allowed snap distance in metres; a point further from every
        node is an error (it is probably mistyped or off the mapped area).

    Returns
    -------
    pandas.DataFrame
        Columns ``[id_column, node_id, snap_m, access_m]`` in the order of
        ``points``; ``snap_m`` is the straight-line distance to the node in metres
        and ``access_m`` the road distance it stands for (``snap_m`` x
        :data:`ACCESS_CIRCUITY`), to be added to road distances from the point. Ties
        go to the node listed first in the graph's (sorted) node order.

    Raises
    ------
    InputError
        If the graph is empty or records no metric CRS, a column is missing, a
        coordinate is missing, or a point is further than ``max_snap_m`` from every node.
    """
    if graph.number_of_nodes() == 0:
        raise InputError("the road graph has no nodes; cannot snap points to it")
    if id_column not in points.columns:
        raise InputError(
            f"missing column '{id_column}'; expected point identifiers", field=id_column
        )
    if max_snap_m is not None and not (max_snap_m >= 0):
        raise InputError(
            f"max_snap_m={max_snap_m!r}; expected a distance in metres >= 0", field="max_snap_m"
        )
    lon, lat = _point_lonlat(points)
    pos = _first_bad(~np.isfinite(lon) | ~np.isfinite(lat))
    if pos is not None:
        raise InputError(
            f"point '{points[id_column].iloc[pos]}' has no coordinate; expected WGS84 lon/lat",
            row=pos + 1,
            field="lon",
        )
    node_ids = sorted(graph.nodes, key=str)
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in node_ids], dtype=float)
    # The points are projected like the nodes were: in the CRS the graph was built in.
    if not graph.graph.get("crs"):
        raise InputError(
            "the road graph records no metric CRS (graph.graph['crs']); build it with build_graph",
            field="crs",
        )
    px, py = to_grid(lon, lat, graph.graph["crs"])
    distance, index = cKDTree(xy).query(np.column_stack([px, py]), k=1)
    distance = np.atleast_1d(distance).astype(float)
    index = np.atleast_1d(index)
    if max_snap_m is not None:
        pos = _first_bad(distance > max_snap_m)
        if pos is not None:
            raise InputError(
                f"point '{points[id_column].iloc[pos]}' is {distance[pos]:.0f} m from the nearest road node "
                f"'{node_ids[index[pos]]}'; expected at most {max_snap_m:g} m (check its lon/lat)",
                row=pos + 1,
                field=id_column,
            )
    return pd.DataFrame(
        {
            id_column: points[id_column].to_numpy(),
            "node_id": [node_ids[i] for i in index],
            "snap_m": distance,
            "access_m": distance * ACCESS_CIRCUITY,
        }
    )


def _check_nodes(graph: nx.Graph, ids: Mapping[str, Hashable], what: str) -> None:
    for key in sorted(ids, key=str):
        if ids[key] not in graph:
            raise InputError(
                f"{what} '{key}' is at node '{ids[key]}', which is not in the road graph",
                field=what,
            )


def reach_pairs(
    graph: nx.Graph,
    sources: Mapping[str, Hashable],
    targets: Mapping[str, Hashable],
    max_km: float,
    *,
    source_access_km: Mapping[str, float] | None = None,
    target_access_km: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """All (source, target) pairs within ``max_km`` along the road graph.

    One cut-off Dijkstra search runs per distinct node on the smaller side
    (the graph is undirected, so distances are symmetric); ids that share a
    node share the search.

    Parameters
    ----------
    graph:
        Road graph from :func:`build_graph` (edge weight ``length_m``, metres).
    sources, targets:
        Id -> graph node (e.g. from :func:`snap_to_nodes`). Several ids may
        share a node.
    max_km:
        Largest road distance in km (inclusive).
    source_access_km, target_access_km:
        Id -> km from the point to its node (e.g. ``access_m / 1000`` from
        :func:`snap_to_nodes`), added to the graph distance; ids not listed add 0.
        Without them a site 1 km from its node would count as being on it.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target``, ``distance_km`` (km: access + graph +
        access), one row per pair in reach, sorted by source then target. Pairs
        out of reach are absent.

    Raises
    ------
    InputError
        If ``max_km`` is negative or not a number, or an id maps to a node
        that is not in the graph.
    """
    try:
        limit_km = float(max_km)
    except (TypeError, ValueError):
        limit_km = math.nan
    if not (math.isfinite(limit_km) and limit_km >= 0):
        raise InputError(f"max_km={max_km!r}; expected a road distance in km >= 0", field="max_km")
    _check_nodes(graph, sources, "source")
    _check_nodes(graph, targets, "target")
    cutoff_m = limit_km * 1000.0 * (1.0 + _CUTOFF_SLACK)
    access_m = {
        "source": {k: 1000.0 * float(v) for k, v in (source_access_km or {}).items()},
        "target": {k: 1000.0 * float(v) for k, v in (target_access_km or {}).items()},
    }
    for side, values in access_m.items():
        bad = sorted((k for k, v in values.items() if not (math.isfinite(v) and v >= 0)), key=str)
        if bad:
            raise InputError(
                f"{side} '{bad[0]}' has access distance {values[bad[0]]!r} m; expected >= 0",
                field=side,
            )

    # Search from whichever side has fewer distinct nodes.
    flip = len(set(targets.values())) < len(set(sources.values()))
    near, far = (targets, sources) if flip else (sources, targets)
    near_access, far_access = (
        (access_m["target"], access_m["source"])
        if flip
        else (access_m["source"], access_m["target"])
    )
    least_far_m = min((far_access.get(k, 0.0) for k in far), default=0.0)
    far_by_node: dict[Hashable, list[str]] = {}
    for key, node in far.items():
        far_by_node.setdefault(node, []).append(key)

    rows: list[tuple[str, str, float]] = []
    near_by_node: dict[Hashable, list[str]] = {}
    for key, node in near.items():
        near_by_node.setdefault(node, []).append(key)
    for node, near_keys in near_by_node.items():
        least_near_m = min(near_access.get(k, 0.0) for k in near_keys)
        node_cutoff_m = cutoff_m - least_near_m - least_far_m
        if node_cutoff_m < 0:
            continue
        lengths = nx.single_source_dijkstra_path_length(
            graph, node, cutoff=node_cutoff_m, weight="length_m"
        )
        for other, metres in lengths.items():
            for far_key in far_by_node.get(other, ()):
                for near_key in near_keys:
                    total_m = near_access.get(near_key, 0.0) + metres + far_access.get(far_key, 0.0)
                    if total_m > cutoff_m:
                        continue
                    pair = (far_key, near_key) if flip else (near_key, far_key)
                    rows.append((*pair, total_m / 1000.0))
    rows.sort(key=lambda r: (str(r[0]), str(r[1])))
    frame = pd.DataFrame(rows, columns=["source", "target", "distance_km"])
    frame["distance_km"] = frame["distance_km"].astype(float)
    return frame


def shortest_path_km(graph: nx.Graph, a: Hashable, b: Hashable) -> float:
    """Road distance in km between nodes ``a`` and ``b`` (``math.inf`` if no road joins them).

    Raises
    ------
    InputError
        If either node is not in the graph.
    """
    for name, node in (("a", a), ("b", b)):
        if node not in graph:
            raise InputError(f"node '{node}' is not in the road graph", field=name)
    try:
        return nx.shortest_path_length(graph, a, b, weight="length_m") / 1000.0
    except nx.NetworkXNoPath:
        return math.inf
