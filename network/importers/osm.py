"""Road graph from a local OpenStreetMap extract (via osmnx, no download).

:func:`import_osm` reads an ``.osm`` (or ``.osm.bz2``, or ``.osm.pbf`` through the
``osmium`` command-line tool) file with
:func:`osmnx.graph_from_xml`, keeps the ways of the requested network type
(osmnx's documented way filter for that type, :data:`NETWORK_FILTERS`, applied
here because ``graph_from_xml`` keeps every way in the file), simplifies the
topology so that nodes are junctions and dead ends, keeps the largest connected
part and returns ``nodes`` and ``edges`` tables in the schema of
:mod:`fleetplan.network.schema`.

Only osmnx's public functions are used, and its global ``ox.settings`` are never
changed: the app's sessions share them. ``graph_from_xml`` keeps only the way
tags in ``settings.useful_tags_way`` on the edges, so the tags the filter tests
are read from the file by :func:`_way_tags`, by way id.

Edges are undirected: fleet planning needs road distances between depots and
sites, and one-way pairs in Hong Kong run close to each other, so the shorter
direction stands for both.

:func:`road_lengths_from_osm` puts an existing graph (e.g. the bus-stop graph of
:mod:`fleetplan.data.build.hk_stop_graph`) on that road network: each node moves to its nearest OSM
junction and each edge takes the shortest OSM road length between its two junctions.
"""

from __future__ import annotations

import bz2
import logging
import math
import re
import shutil
import subprocess
import tempfile
import xml.sax
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
from scipy.spatial import cKDTree

from fleetplan.errors import InputError
from fleetplan.network.city import check_metric_crs
from fleetplan.network.graph import build_graph, to_grid

logger = logging.getLogger(__name__)

#: Refuse extracts larger than this (on disk, and once a .bz2 is decompressed);
#: all of Hong Kong is about 100 MB of XML.
MAX_OSM_BYTES = 2 * 1024**3

#: Bytes read to check that the file is OSM XML before osmnx parses it.
_SNIFF_BYTES = 64 * 1024

#: Farthest a graph node may lie from the OSM junction it moves to (metres). Estimate: the
#: centre of a 1.5 km bus-stop cluster can fall in a block or park a few hundred metres
#: from a drivable junction; a node further than this is taken to lie outside the extract.
OSM_MAX_SNAP_M = 500.0
#: An OSM road path longer than this many times the edge's own length is not used (the
#: extract probably lacks a link, e.g. cut at its edge); the edge keeps its length.
OSM_MAX_RATIO = 3.0
#: Longest an ``osmium cat`` conversion of a .pbf may run (seconds).
_PBF_TIMEOUT_S = 1800

_CLAUSE = re.compile(r'\["([^"]+)"(?:(!~|~|!=|=)"([^"]*)")?\]')

#: osmnx's way filter per network type, as documented for ``network_type`` in
#: osmnx.graph.graph_from_place/graph_from_bbox and written out in osmnx 2.x
#: (osmnx/_overpass.py, _get_network_filter), with osmnx's default
#: ``settings.default_access`` ('["access"!~"private"]') in place. Kept here
#: because osmnx has no public function that returns it, and ``graph_from_xml``
#: applies none.
NETWORK_FILTERS: dict[str, str] = {
    "all": (
        '["highway"]["area"!~"yes"]["highway"!~"abandoned|construction|no|planned|'
        'platform|proposed|raceway|razed|rest_area|services"]'
    ),
    "all_public": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|construction|no|planned|platform|proposed|raceway|'
        'razed|rest_area|services"]'
        '["service"!~"private"]'
    ),
    "bike": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bus_guideway|construction|corridor|elevator|'
        "escalator|footway|motor|no|planned|platform|proposed|raceway|razed|"
        'rest_area|services|steps"]'
        '["bicycle"!~"no"]["service"!~"private"]'
    ),
    "drive": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bridleway|bus_guideway|construction|corridor|'
        "cycleway|elevator|escalator|footway|no|path|pedestrian|planned|platform|"
        'proposed|raceway|razed|rest_area|service|services|steps|track"]'
        '["motor_vehicle"!~"no"]["motorcar"!~"no"]'
        '["service"!~"alley|driveway|emergency_access|parking|parking_aisle|private"]'
    ),
    "drive_service": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bridleway|bus_guideway|construction|corridor|'
        "cycleway|elevator|escalator|footway|no|path|pedestrian|planned|platform|"
        'proposed|raceway|razed|rest_area|services|steps|track"]'
        '["motor_vehicle"!~"no"]["motorcar"!~"no"]'
        '["service"!~"emergency_access|parking|parking_aisle|private"]'
    ),
    "walk": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|'
        'platform|proposed|raceway|razed|rest_area|services"]'
        '["foot"!~"no"]["service"!~"private"]'
        '["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]'
        '["sidewalk:left"!~"separate"]["sidewalk:right"!~"separate"]'
    ),
}


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
        raise InputError(
            f"not a readable bzip2 file ({error}); expected OSM XML", file=path
        ) from None
    return target


def _pbf_to_xml(path: Path, folder: Path, max_bytes: int) -> Path:
    """Convert a ``.osm.pbf`` to OSM XML in ``folder`` with ``osmium cat``, bounded by ``max_bytes``.

    The XML is streamed from osmium's standard output and the conversion stopped once it
    passes ``max_bytes``, so a small PBF cannot fill the disk.
    """
    if not path.is_file():
        raise InputError(
            "file not found; expected a local OpenStreetMap extract (.osm.pbf)", file=path
        )
    if path.stat().st_size == 0:
        raise InputError("file is empty; expected an OpenStreetMap PBF extract", file=path)
    tool = shutil.which("osmium")
    if tool is None:
        raise InputError(
            "reading .osm.pbf needs the osmium command-line tool (package osmium-tool), which is not "
            "installed; install it, or convert the file first: osmium cat FILE.osm.pbf -o FILE.osm",
            file=path,
        )
    target = folder / (path.name.removesuffix(".pbf").removesuffix(".osm") + ".osm")
    written = 0
    with (
        target.open("wb") as out,
        subprocess.Popen(
            [tool, "cat", "--no-progress", "-f", "osm", "-o", "-", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as proc,
    ):
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1024 * 1024):
            written += len(chunk)
            if written > max_bytes:
                proc.kill()
                raise InputError(
                    f"converts to more than {max_bytes / 1e6:,.0f} MB of OSM XML; the limit is "
                    f"{max_bytes / 1e6:,.0f} MB (cut the extract to the study area, e.g. with osmium extract)",
                    file=path,
                )
            out.write(chunk)
        try:
            proc.wait(timeout=_PBF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise InputError(
                f"osmium did not finish within {_PBF_TIMEOUT_S} s", file=path
            ) from None
        message = (
            proc.stderr.read().decode("utf-8", errors="replace").strip() if proc.stderr else ""
        )
    if proc.returncode != 0:
        raise InputError(
            f"osmium could not read the file (exit {proc.returncode}: {message[:200]}); "
            "expected an OpenStreetMap PBF extract",
            file=path,
        )
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


def _way_filter(network_type: str) -> list[tuple[str, str, str]]:
    """The Overpass filter osmnx uses for ``network_type``, as (key, operator, regex) clauses."""
    text = NETWORK_FILTERS.get(network_type)
    if text is None:
        raise InputError(
            f"unknown network_type '{network_type}'; expected one of all, all_public, bike, "
            "drive, drive_service, walk",
            field="network_type",
        )
    return [(key, op, value) for key, op, value in _CLAUSE.findall(text)]


def _keeps(tags: dict, clauses: list[tuple[str, str, str]]) -> bool:
    """Overpass semantics: ["k"] needs the key; ["k"!~"re"] passes when the key is absent.

    ``clauses`` are (key, operator, value) as :func:`_way_filter` parses them: "" for a part
    the clause does not have.
    """
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


class _WayTags:
    """expat handlers keeping, per way id, the tags of ``keys``; and counting nodes and ways.

    Tags go to the element last opened, as osmnx's own reader files them, so that
    the tags filtered on are those of the edges osmnx makes of the way.
    """

    def __init__(self, keys: set[str]) -> None:
        self.keys = keys
        self.tags: dict[int, dict[str, str]] = {}
        self.elements = 0
        self._current: dict[str, str] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "way":
            self.elements += 1
            try:
                way = int(attrs.get("id", ""))
            except ValueError:
                self._current = None  # osmnx refuses the file: nothing to file tags under
                return
            # A repeated way id: osmnx keeps the later way, so its tags replace the earlier's.
            self._current = self.tags[way] = {}
        elif name in ("node", "relation"):
            self.elements += name == "node"
            self._current = None
        elif name == "tag" and self._current is not None:
            key = attrs.get("k")
            if key in self.keys:
                self._current[key] = attrs.get("v", "")


def _way_tags(path: Path, keys: set[str]) -> _WayTags:
    """The tags of ``keys`` on every way of the OSM XML file ``path``, by way id (one streaming pass)."""
    handler = _WayTags(keys)
    parser = expat.ParserCreate()
    parser.StartElementHandler = handler.start
    with path.open("rb") as handle:
        parser.ParseFile(handle)
    return handler


class _DeclarationFound(Exception):
    pass


def _refuse_declarations(path: Path, shown: Path) -> None:
    """Refuse a DOCTYPE, entity declaration or external reference anywhere before osmnx parses the file.

    OSM XML never declares any. :func:`_check_file` looks at the first 64 KB only, and
    64 KB of comments can push a DOCTYPE past it: this streaming pass sees the whole
    prolog. expat resolves no external entity unless asked, and this parser asks for
    none; a declaration stops the read at once.
    """

    def refuse(*_: object) -> NoReturn:
        raise _DeclarationFound

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except _DeclarationFound:
        raise InputError(
            "XML with a DOCTYPE/ENTITY declaration; expected plain OpenStreetMap XML", file=shown
        ) from None
    except expat.ExpatError:
        return  # malformed XML: osmnx's reader names the line below


def _read(
    path: Path, clauses: list[tuple[str, str, str]], *, shown: Path | None = None
) -> tuple[nx.MultiDiGraph, dict[int, dict[str, str]]]:
    """osmnx's graph of ``path`` and the filter's tags of each way (by way id).

    Errors name ``shown`` (the user's file) if given.
    """
    keys = {key for key, _, _ in clauses}
    reading, path = path, shown or path
    _refuse_declarations(reading, path)
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
    except ValueError as error:
        if "missing nodes" in str(error):
            raise InputError(
                "ways refer to nodes that are not in the file (a clipped extract); cut the extract "
                "with complete ways, e.g. osmium extract --strategy complete_ways",
                file=path,
            ) from None
        # osmnx says a file without nodes or ways with a ValueError of its own (a
        # private class): count the elements to tell it from other faults.
        if not isinstance(error, UnicodeDecodeError) and _elements(reading) == 0:
            raise InputError(
                "no OSM nodes or ways in the file; expected <node> and <way> elements", file=path
            ) from None
        raise InputError(f"not readable as OpenStreetMap XML ({error})", file=path) from None
    except (KeyError, TypeError) as error:
        raise InputError(f"not readable as OpenStreetMap XML ({error!r})", file=path) from None
    try:
        tags = _way_tags(reading, keys).tags
    except expat.ExpatError as error:  # osmnx read it, so this is not expected
        raise InputError(f"not readable as OpenStreetMap XML ({error})", file=path) from None
    return graph, tags


def _elements(path: Path) -> int | None:
    """How many <node> and <way> elements ``path`` holds; None if it is not well-formed XML."""
    try:
        return _way_tags(path, set()).elements
    except expat.ExpatError:
        return None


def import_osm(
    path: str | Path,
    *,
    network_type: str = "drive",
    max_bytes: int = MAX_OSM_BYTES,
    metric_crs: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a local OSM XML extract into ``nodes`` and ``edges`` tables.

    Parameters
    ----------
    path:
        OpenStreetMap file: XML (``.osm`` or ``.osm.bz2``), or PBF (``.osm.pbf``,
        converted with the ``osmium`` tool when it is installed), e.g. a Geofabrik
        extract cut with osmium. Never downloaded.
    network_type:
        osmnx network type whose way filter is applied: ``drive`` (public
        roads, no service roads), ``drive_service``, ``all``, ``all_public``,
        ``walk`` or ``bike``.
    max_bytes:
        Largest XML accepted, on disk or once a ``.bz2`` is decompressed or a
        ``.pbf`` converted.
    metric_crs:
        Projected CRS (metres) way lengths are measured in: the city's ``metric_crs``.

    Returns
    -------
    (nodes, edges):
        ``nodes`` with ``node_id`` (OSM node id as ``str``), ``lon``, ``lat``
        (WGS84 degrees), ``source``, ``status``; ``edges`` with ``from_node``,
        ``to_node``, ``length_m`` (metres along the way geometry, measured in
        ``metric_crs``), ``source``, ``status`` (``derived``). Edges are undirected
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
        requested network type; or ``metric_crs`` is not a projected CRS in
        metres. Nothing is returned half-made.
    """
    path = Path(path)
    clauses = _way_filter(network_type)
    metric_crs = check_metric_crs(metric_crs)
    if path.suffix == ".pbf":
        with tempfile.TemporaryDirectory(prefix="fleetplan-osm-") as tmp:
            xml_path = _pbf_to_xml(path, Path(tmp), max_bytes)
            _check_file(xml_path, max_bytes)
            full, tags = _read(xml_path, clauses, shown=path)
        _check_coordinates(full, path)
        return _tables(full, tags, path, clauses, network_type, metric_crs)
    _check_file(path, max_bytes)
    if path.suffix == ".bz2":
        with tempfile.TemporaryDirectory(prefix="fleetplan-osm-") as tmp:
            full, tags = _read(_decompressed(path, Path(tmp), max_bytes), clauses, shown=path)
    else:
        full, tags = _read(path, clauses)
    _check_coordinates(full, path)
    return _tables(full, tags, path, clauses, network_type, metric_crs)


def _tables(
    full: nx.MultiDiGraph,
    way_tags: dict[int, dict[str, str]],
    path: Path,
    clauses: list[tuple[str, str, str]],
    network_type: str,
    metric_crs: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Filtered, simplified, largest connected part of ``full`` as nodes and edges tables.

    An edge is kept when the tags of its way (``way_tags``, by the edge's
    ``osmid``: unsimplified, each edge is a segment of one way) pass ``clauses``.
    """
    graph = nx.MultiDiGraph(**full.graph)
    graph.add_edges_from(
        (u, v, k, data)
        for u, v, k, data in full.edges(keys=True, data=True)
        if _keeps(way_tags.get(data["osmid"], {}), clauses)
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
    if not parts:
        # osmnx's simplification drops ways that are closed rings touching nothing else.
        raise _no_road(network_type, path)
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
        x, y = to_grid(coords[:, 0], coords[:, 1], metric_crs)
        metres = float(np.hypot(np.diff(x), np.diff(y)).sum())
        first, second = sorted((str(u), str(v)))
        pair = (first, second)
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
        raise _no_road(network_type, path)
    nodes.attrs["dropped_nodes"] = dropped
    edges.attrs["dropped_nodes"] = dropped
    return nodes, edges


def _no_road(network_type: str, path: Path) -> InputError:
    return InputError(
        f"no road of network type '{network_type}' with a length between two distinct junctions; "
        "expected ways joining different nodes",
        file=path,
    )


def road_lengths_from_osm(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    osm_nodes: pd.DataFrame,
    osm_edges: pd.DataFrame,
    *,
    keep: Iterable[tuple[str, str]] = (),
    same_area: Callable[[float, float, float, float], bool] | None = None,
    max_snap_m: float = OSM_MAX_SNAP_M,
    max_ratio: float = OSM_MAX_RATIO,
    metric_crs: str,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Put a graph on the OSM road network: nodes on junctions, edges at road length.

    Parameters
    ----------
    nodes, edges:
        The graph to measure (``node_id``, ``lon``, ``lat``; ``from_node``, ``to_node``,
        ``length_m``), e.g. the bus-stop graph of :mod:`fleetplan.data.build.hk_stop_graph`. Other
        columns are kept.
    osm_nodes, osm_edges:
        The road network from :func:`import_osm`.
    keep:
        Edges (``from_node``, ``to_node``) whose length is kept as it is, e.g. harbour
        crossings at their published length.
    same_area:
        ``same_area(lon, lat, osm_lon, osm_lat)`` is False when a node must not move to
        that junction (e.g. one across the harbour); None allows any.
    max_snap_m:
        A node moves to its nearest OSM junction (straight line in ``metric_crs``) only if that
        is at most this far; otherwise it stays where it is (outside the extract).
    max_ratio:
        An edge takes the OSM road length between its nodes' junctions only if both
        moved, the junctions differ and the road length is at most ``max_ratio`` times
        the edge's own length; otherwise it keeps its length.
    metric_crs:
        Projected CRS (metres) of the snapping: the city's ``metric_crs``.

    Returns
    -------
    (nodes, edges, info):
        The same rows, node ids and columns in the same order. Moved nodes carry the
        junction's ``lon``/``lat`` (6 decimals); OSM-measured edges carry the road length
        rounded up to 0.1 m; both have the OSM attribution added to ``source``. ``info``
        counts nodes moved, their snap distances, edges measured and edges kept, by reason.

    Raises
    ------
    InputError
        On tables :func:`fleetplan.network.graph.build_graph` refuses, or a
        ``metric_crs`` that is not a projected CRS in metres.
    """
    metric_crs = check_metric_crs(metric_crs)
    road = build_graph(osm_nodes, osm_edges, require_connected=False, metric_crs=metric_crs)
    osm_ids = sorted(road.nodes, key=str)
    osm_xy = np.array([(road.nodes[n]["x"], road.nodes[n]["y"]) for n in osm_ids], dtype=float)
    x, y = to_grid(
        nodes["lon"].to_numpy(dtype=float), nodes["lat"].to_numpy(dtype=float), metric_crs
    )
    snap_m, index = cKDTree(osm_xy).query(np.column_stack([x, y]), k=1)
    osm_source = (
        str(osm_nodes["source"].iloc[0])
        if "source" in osm_nodes.columns and len(osm_nodes)
        else "OpenStreetMap"
    )

    nodes = nodes.copy()
    junction: dict[str, str] = {}
    moved_m = []
    for row, (node, d, k) in enumerate(
        zip(nodes["node_id"].astype(str), snap_m, index, strict=True)
    ):
        osm_node = road.nodes[osm_ids[k]]
        if d > max_snap_m or (
            same_area is not None
            and not same_area(
                float(nodes["lon"].iat[row]),
                float(nodes["lat"].iat[row]),
                osm_node["lon"],
                osm_node["lat"],
            )
        ):
            continue
        junction[node] = osm_ids[k]
        moved_m.append(float(d))
        nodes.iat[row, nodes.columns.get_loc("lon")] = round(osm_node["lon"], 6)
        nodes.iat[row, nodes.columns.get_loc("lat")] = round(osm_node["lat"], 6)
        if "source" in nodes.columns:
            nodes.iat[row, nodes.columns.get_loc("source")] = (
                f"{nodes['source'].iat[row]}; moved {d:.0f} m to the nearest OSM road junction ({osm_source})"
            )

    fixed = {tuple(sorted(map(str, pair))) for pair in keep}
    reasons: dict[str, int] = defaultdict(int)
    wanted: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
    for row, (a, b, metres) in enumerate(
        zip(
            edges["from_node"].astype(str),
            edges["to_node"].astype(str),
            edges["length_m"].astype(float),
            strict=True,
        )
    ):
        if tuple(sorted((a, b))) in fixed:
            reasons["kept as given (crossing)"] += 1
        elif a not in junction or b not in junction:
            reasons["an end outside the extract"] += 1
        elif junction[a] == junction[b]:
            reasons["both ends on one junction"] += 1
        else:
            wanted[a].append((row, b, metres))

    edges = edges.copy()
    measured = []
    for a in sorted(wanted):
        targets = wanted[a]
        reached = nx.single_source_dijkstra_path_length(
            road, junction[a], cutoff=max_ratio * max(m for _, _, m in targets), weight="length_m"
        )
        for row, b, metres in targets:
            found = reached.get(junction[b])
            if found is None or found > max_ratio * metres:
                reasons["no OSM road within the ratio"] += 1
                continue
            measured.append(found / metres)
            edges.iat[row, edges.columns.get_loc("length_m")] = (
                math.ceil(found * 10.0 - 1e-6) / 10.0
            )
            if "source" in edges.columns:
                edges.iat[row, edges.columns.get_loc("source")] = (
                    f"{osm_source}: shortest road path between the nodes' OSM junctions; "
                    f"bus trips: {edges['source'].iat[row]}"
                )
    info = {
        "nodes_moved": len(moved_m),
        "nodes": len(nodes),
        "snap_m_median": float(np.median(moved_m)) if moved_m else math.nan,
        "snap_m_max": float(max(moved_m)) if moved_m else math.nan,
        "edges_measured": len(measured),
        "edges": len(edges),
        "osm_over_given_median": float(np.median(measured)) if measured else math.nan,
        "edges_kept": dict(sorted(reasons.items())),
    }
    return nodes, edges, info
