"""Snapping the dataset's off-graph points (sites, depots, taxi zones, truck places) to road-graph nodes.

Distances: ``snap_m`` and ``access_m`` in metres (straight line to the node, and the
road distance added to every reach and path length), ``access_km`` in km.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.graph import snap_to_nodes
from fleetplan.network.loaders import Dataset

#: Point kind -> (dataset table, id column): where an off-graph point is named.
_POINT_TABLES = {
    "site": ("candidate_sites", "site_id"),
    "depot": ("depots", "depot_id"),
    "taxi_zone": ("taxi_zones", "zone_id"),
    "truck_place": ("truck_places", "place_id"),
}
#: Snapping farther than this means a site is off the modelled road network.
MAX_SNAP_M = 3_000.0


@dataclass(frozen=True)
class SnappedPoints:
    """Every point's nearest road-graph node and its access distance."""

    #: one row per point: ``id``, ``kind``, ``node_id``, ``snap_m``, ``access_m``
    snaps: pd.DataFrame
    #: "kind:id" -> road-graph node
    node_of: dict[str, Hashable]
    #: "kind:id" -> road km from the point to its node
    access_km: dict[str, float]

    def node(self, kind: str, point_id: str) -> Hashable:
        """The road-graph node of point ``point_id`` of ``kind`` (site, depot, taxi_zone, truck_place)."""
        return self.node_of[f"{kind}:{point_id}"]

    def access(self, kind: str, point_id: str) -> float:
        """Road km from point ``point_id`` of ``kind`` to its node."""
        return self.access_km[f"{kind}:{point_id}"]


def snap_points(graph: nx.Graph, data: Dataset) -> SnappedPoints:
    """Snap every point of ``data`` to ``graph``; refuse one farther than :data:`MAX_SNAP_M` from any node."""
    snaps = pd.concat(
        [
            snap_to_nodes(graph, data.candidate_sites, id_column="site_id")
            .rename(columns={"site_id": "id"})
            .assign(kind="site"),
            snap_to_nodes(graph, data.depots, id_column="depot_id")
            .rename(columns={"depot_id": "id"})
            .assign(kind="depot"),
            snap_to_nodes(graph, data.taxi_zones, id_column="zone_id")
            .rename(columns={"zone_id": "id"})
            .assign(kind="taxi_zone"),
            snap_to_nodes(graph, data.truck_places, id_column="place_id")
            .rename(columns={"place_id": "id"})
            .assign(kind="truck_place"),
        ],
        ignore_index=True,
    )
    far = snaps[snaps["snap_m"] > MAX_SNAP_M]
    if not far.empty:
        row = far.iloc[0]
        table, id_column = _POINT_TABLES[row["kind"]]
        ids = list(data.table(table)[id_column])
        raise InputError(
            f"{row['kind']} '{row['id']}' is {row['snap_m']:.0f} m from the nearest road-graph node; "
            f"expected within {MAX_SNAP_M:.0f} m (check its coordinates)",
            file=f"{table}.csv",
            row=ids.index(row["id"]) + 1 if row["id"] in ids else None,
            field="lon",
        )
    return SnappedPoints(
        snaps=snaps,
        node_of=dict(zip(snaps["kind"] + ":" + snaps["id"], snaps["node_id"], strict=True)),
        # Road km from each point to its node, added to every reach and path length.
        access_km=dict(
            zip(snaps["kind"] + ":" + snaps["id"], snaps["access_m"] / 1000.0, strict=True)
        ),
    )
