"""Road graph from a local OpenStreetMap XML extract (via osmnx, no download).

:func:`import_osm` reads an ``.osm`` (or ``.osm.bz2``) file with
:func:`osmnx.graph_from_xml`, keeps the ways of the requested network type
(osmnx's own Overpass filter, applied locally because ``graph_from_xml`` keeps
every way in the file), simplifies the topology so that nodes are junctions
and dead ends, keeps the largest connected part and returns ``nodes`` and
``edges`` tables in the schema of :mod:`network.schema`.

Edges are undirected: fleet planning needs road distances between depots and
sites, and one-way pairs in Hong Kong run close to each other, so the shorter
direction stands for both.
"""

from __future__ import annotations

import bz2
import logging
import re
import tempfile
import xml.sax
from pathlib import Path
from xml.etree.ElementTree import ParseError

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
from osmnx import _overpass
from osmnx._errors import InsufficientResponseError

from network.errors import InputError
from network.graph import to_grid

logger = logging.getLogger(__name__)

#: Refuse extracts larger than this (on disk, and once a .bz2 is decompressed);
#: all of Hong Kong is about 100 MB of XML.
MAX_OSM_BYTES = 2 * 1024**3

#: Bytes read to check that the file is OSM XML before osmnx parses it.
_SNIFF_BYTES = 64 * 1024

_CLAUSE = re.compile(r'\["([^"]+)"(?:(!~|~|!=|=)"([^"]*)")?\]')


def _source(path: Path) -> str:
    return f"OpenStreetMap contributors (ODbL), file {path.name}"


def _open_start(path: Path) -> bytes:
    if path.suffix == ".bz2":
        try:
            with bz2.open(path, "rb") as handle:
                return handle.read(_SNIFF_BYTES)
        except OSError as error:
            raise InputError(
                f"not a readable bzip2 file ({error}); expected OSM XML", file=path
            ) from None
    with path.open("rb") as handle:
        return handle.read(_SNIFF_BYTES)


def _check_file(path: Path, max_bytes: int = MAX_OSM_BYTES) -> None:
    if not path.is_file():
        raise InputError(
            "file not found; expected a local OpenStreetMap XML extract (.osm)", file=path
        )
    size = path.stat().st_size
    if size == 0:
        raise InputError("file is empty; expected OpenStreetMap XML (<osm> ... </osm>)", file=path)
    if size > max_bytes:
        raise InputError(
            f"file is {size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB "
            "(cut the extract to the study area, e.g. with osmium extract)",
            file=path,
        )
    head = _open_start(path).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not head.startswith("<"):
        raise InputError(
            "not XML (the file does not start with '<'); expected OpenStreetMap XML, "
            "not PBF, JSON or CSV (convert .pbf with osmium cat -o file.osm)",
            file=path,
        )
    # OSM XML never declares a DTD; refusing one keeps entity-expansion tricks out of the parser.
    if "<!doctype" in head.lower() or "<!entity" in head.lower():
        raise InputError(
            "XML with a DOCTYPE/ENTITY declaration; expected plain OpenStreetMap XML", file=path
        )
    body = re.sub(r"<\?.*?\?>|<!--.*?-->", "", head, flags=re.DOTALL)
    root = re.search(r"<\s*([A-Za-z_][\w:.-]*)", body)
    if root is not None and root.group(1) != "osm":
        raise InputError(
            f"XML root element is <{root.group(1)}>; expected OpenStreetMap XML with root <osm>",
            file=path,
        )


def _decompressed(path: Path, folder: Path, max_bytes: int) -> Path:
    """Stream a ``.osm.bz2`` into ``folder`` as plain XML, refusing past ``max_bytes``.

    osmnx would decompress the whole file into memory: a few hundred bytes of
    bzip2 can expand to gigabytes.
    """
    target = folder / path.name.removesuffix(".bz2")
    written = 0
    try:
        with bz2.open(path, "rb") as source, target.open("wb") as out:
            while chunk := source.read(1024 * 1024):
                written += len(chunk)
                if written > max_bytes:
                    raise InputError(
                        f"decompresses to more than {max_bytes / 1e6:,.0f} MB; the limit is "
                        f"{max_bytes / 1e6:,.0f} MB of XML (a bzip2 bomb, or cut the extract to the study area)",
                        file=path,
                    )
                out.write(chunk)
    except (OSError, EOFError) as error:
        raise InputError(f"not a readable bzip2 file ({error}); expected OSM XML", file=path) from None
    return target


def _check_coordinates(graph: nx.MultiDiGraph, path: Path) -> None:
    """Refuse a node whose lat/lon is not a position on Earth (osmnx takes any number)."""
    for node, data in graph.nodes(data=True):
        for field, bound in (("lat", 90.0), ("lon", 180.0)):
            value = float(data["y" if field == "lat" else "x"])
            if not abs(value) <= bound:
                raise InputError(
                    f"node {node} has {field}={value:g}; expected -{bound:g} to {bound:g} degrees",
                    file=path,
                    field=field,
                )


def _way_filter(network_type: str) -> list[tuple[str, str | None, str | None]]:
    """The Overpass filter osmnx uses for ``network_type``, as (key, operator, regex) clauses."""
    try:
        text = _overpass._get_network_filter(network_type)
    except ValueError:
        raise InputError(
            f"unknown network_type '{network_type}'; expected one of all, all_public, bike, "
            "drive, drive_service, walk",
            field="network_type",
        ) from None
    return [(key, op, value) for key, op, value in _CLAUSE.findall(text)]


def _keeps(tags: dict, clauses: list[tuple[str, str | None, str | None]]) -> bool:
    """Overpass semantics: ["k"] needs the key; ["k"!~"re"] passes when the key is absent."""
    for key, op, pattern in clauses:
        value = tags.get(key)
        value = None if value is None else str(value)
        if not op:
            if value is None:
                return False
        elif op == "!~":
            if value is not None and re.search(pattern, value):
                return False
        elif op == "~":
            if value is None or not re.search(pattern, value):
                return False
        elif op == "=":
            if value != pattern:
                return False
        elif op == "!=" and value == pattern:
            return False
    return True


def _read(
    path: Path, clauses: list[tuple[str, str | None, str | None]], *, shown: Path | None = None
) -> nx.MultiDiGraph:
    """osmnx's graph of ``path``; errors name ``shown`` (the user's file) if given."""
    keys = [key for key, _, _ in clauses]
    reading, path = path, shown or path
    saved = list(ox.settings.useful_tags_way)
    # graph_from_xml keeps only "useful" tags; the filter needs every key it tests.
    ox.settings.useful_tags_way = list(dict.fromkeys(saved + keys))
    try:
        graph = ox.graph_from_xml(reading, simplify=False, retain_all=True)
    except xml.sax.SAXParseException as error:
        raise InputError(
            f"not well-formed XML at line {error.getLineNumber()}: {error.getMessage()}; "
            "expected OpenStreetMap XML",
            file=path,
        ) from None
    except ParseError as error:
        line, column = error.position
        raise InputError(
            f"not well-formed XML at line {line}, column {column}; expected OpenStreetMap XML",
            file=path,
        ) from None
    except InsufficientResponseError:
        raise InputError(
            "no OSM nodes or ways in the file; expected <node> and <way> elements", file=path
        ) from None
    except ValueError as error:
        if "missing nodes" in str(error):
            raise InputError(
                "ways refer to nodes that are not in the file (a clipped extract); cut the extract "
                "with complete ways, e.g. osmium extract --strategy complete_ways",
                file=path,
            ) from None
        raise InputError(f"not readable as OpenStreetMap XML ({error})", file=path) from None
    except (KeyError, TypeError) as error:
        raise InputError(f"not readable as OpenStreetMap XML ({error!r})", file=path) from None
    finally:
        ox.settings.useful_tags_way = saved
    return graph


def import_osm(
    path: str | Path, *, network_type: str = "drive", max_bytes: int = MAX_OSM_BYTES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a local OSM XML extract into ``nodes`` and ``edges`` tables.

    Parameters
    ----------
    path:
        OpenStreetMap XML file (``.osm`` or ``.osm.bz2``), e.g. cut from a
        Geofabrik extract with osmium. Never downloaded.
    network_type:
        osmnx network type whose way filter is applied: ``drive`` (public
        roads, no service roads), ``drive_service``, ``all``, ``all_public``,
        ``walk`` or ``bike``.
    max_bytes:
        Largest XML accepted, on disk or once a ``.bz2`` is decompressed.

    Returns
    -------
    (nodes, edges):
        ``nodes`` with ``node_id`` (OSM node id as ``str``), ``lon``, ``lat``
        (WGS84 degrees), ``source``, ``status``; ``edges`` with ``from_node``,
        ``to_node``, ``length_m`` (metres along the way geometry, measured in
        EPSG:2326), ``source``, ``status`` (``derived``). Edges are undirected
        and unique per node pair (the shortest way between a pair is kept);
        loops that start and end at the same junction are dropped. Only the
        largest connected part is kept; the number of nodes dropped is in
        ``nodes.attrs['dropped_nodes']`` (and ``edges.attrs``) and logged as a
        warning when positive. ``bus_trips_per_day`` is not known from OSM
        and left out.

    Raises
    ------
    InputError
        If the file is missing, empty, too large (also once decompressed),
        not OSM XML, has a node off the globe, or holds no way of the
        requested network type. Nothing is returned half-made.
    """
    path = Path(path)
    clauses = _way_filter(network_type)
    _check_file(path, max_bytes)
    if path.suffix == ".bz2":
        with tempfile.TemporaryDirectory(prefix="fleetplan-osm-") as tmp:
            full = _read(_decompressed(path, Path(tmp), max_bytes), clauses, shown=path)
    else:
        full = _read(path, clauses)
    _check_coordinates(full, path)

    graph = nx.MultiDiGraph(**full.graph)
    graph.add_edges_from(
        (u, v, k, data)
        for u, v, k, data in full.edges(keys=True, data=True)
        if _keeps(data, clauses)
    )
    if graph.number_of_edges() == 0:
        raise InputError(
            f"no ways of network type '{network_type}' in the file (found {full.number_of_edges()} "
            "way segments of other kinds); expected <way> elements with highway tags",
            file=path,
        )
    for node in graph.nodes:
        graph.nodes[node].update(full.nodes[node])
    try:
        graph = ox.simplify_graph(graph)
    except Exception as error:  # simplification is an optimisation; the raw graph is still right
        logger.warning(
            "%s: osmnx could not simplify the graph (%s); keeping every OSM node", path, error
        )

    # Largest connected part: islands of road (a car park, a cut-off extract edge) can't be reached.
    undirected = nx.Graph(graph.to_undirected(as_view=True))
    parts = sorted(nx.connected_components(undirected), key=lambda c: (-len(c), min(c)))
    keep = parts[0]
    dropped = undirected.number_of_nodes() - len(keep)
    if dropped:
        logger.warning(
            "%s: kept the largest connected road network (%d nodes); dropped %d nodes in %d other parts",
            path,
            len(keep),
            dropped,
            len(parts) - 1,
        )

    best: dict[tuple[str, str], float] = {}
    for u, v, data in graph.edges(data=True):
        if u not in keep or u == v:
            continue
        geometry = data.get("geometry")
        if geometry is not None:
            coords = np.asarray(geometry.coords, dtype=float)
        else:
            coords = np.array(
                [
                    [graph.nodes[u]["x"], graph.nodes[u]["y"]],
                    [graph.nodes[v]["x"], graph.nodes[v]["y"]],
                ]
            )
        x, y = to_grid(coords[:, 0], coords[:, 1])
        metres = float(np.hypot(np.diff(x), np.diff(y)).sum())
        pair = tuple(sorted((str(u), str(v))))
        if metres > 0 and metres < best.get(pair, np.inf):
            best[pair] = metres

    source = _source(path)
    node_ids = sorted(keep)
    nodes = pd.DataFrame(
        {
            "node_id": [str(n) for n in node_ids],
            "lon": [float(graph.nodes[n]["x"]) for n in node_ids],
            "lat": [float(graph.nodes[n]["y"]) for n in node_ids],
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
            "source": source,
            "status": "derived",
        }
    )
    # A node whose only edges were loops or zero-length ends up isolated; drop it so build_graph accepts the tables.
    used = set(edges["from_node"]) | set(edges["to_node"])
    isolated = ~nodes["node_id"].isin(used)
    if isolated.any() and len(nodes) > 1:
        dropped += int(isolated.sum())
        nodes = nodes[~isolated].reset_index(drop=True)
    if edges.empty:
        # Only loops or zero-length ways: tables without edges would replace a road graph with nothing.
        raise InputError(
            f"no road of network type '{network_type}' with a length between two distinct junctions; "
            "expected ways joining different nodes",
            file=path,
        )
    nodes.attrs["dropped_nodes"] = dropped
    edges.attrs["dropped_nodes"] = dropped
    return nodes, edges
