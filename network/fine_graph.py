"""The fine road graph of a dataset folder, for short-range reach (taxi charging).

Reach of a few km (a taxi's detour to a charger) is too short for the coarse graph,
whose nodes stand for areas up to 1.5 km across; the fine graph (``nodes_fine.csv``,
``edges_fine.csv``) resolves it. Datasets without fine tables fall back to their graph.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from fleetplan.network.city import load_city
from fleetplan.network.graph import build_graph
from fleetplan.network.loaders import read_csv_table
from fleetplan.network.schema import TABLES


def load_fine_graph(folder: str | Path | None) -> nx.Graph | None:
    """The fine graph of ``folder``, or ``None`` if the folder has no fine tables."""
    if folder is None:
        return None
    folder = Path(folder)
    nodes_file, edges_file = folder / "nodes_fine.csv", folder / "edges_fine.csv"
    if not (nodes_file.is_file() and edges_file.is_file()):
        return None
    # Coordinates were checked against the city's bounds with the dataset's main tables.
    nodes = read_csv_table(nodes_file, TABLES["nodes"], check_bounds=False)
    edges = read_csv_table(edges_file, TABLES["edges"], check_bounds=False)
    return build_graph(nodes, edges, file=str(edges_file), metric_crs=load_city(folder).metric_crs)
