"""Write TD's route lines as an OpenStreetMap XML file: a stand-in extract for ``hk.py --osm``.

Usage::

    python data/build/hk_lines_as_osm.py --td-routes DIR --out FILE.osm [--half 0|1]
    python data/build/hk_lines_as_osm.py --td-routes DIR --measure DATASET [--half 0|1]

What it is for: measuring the build from a road extract (``make data OSM=FILE``,
``data/build/hk.py --osm FILE``) at Hong Kong scale without a real OpenStreetMap extract
(none is committed or downloaded here). ``DIR`` holds TD's bus and green-minibus route lines
as GeoJSON, as for ``data/build/hk_road_terrain.py`` (the ``waypoints`` branch of
HK-Bus-ETA/hkbus-route-waypoints, GPL-2.0 repository; CSDI td_rcd_1638844988873_41214 and its
minibus companion, Transport Department, 2025-01-15). Neither the lines nor the file written
are part of the project.

The file is the union of the lines (every line, or only those of ``--half`` 0 or 1 of the
route ids, :func:`fleetplan.data.build.hk_road_check.in_half`), made as
:func:`fleetplan.data.build.hk_road_check.line_network` makes its road network: vertices in
the same :data:`~fleetplan.data.build.hk_road_check.NETWORK_SNAP_M` grid cell are one OSM node
(at their mean position, WGS84 to 7 decimals), so lines that share a road share its nodes and
join at junctions. Each line is one way tagged ``highway=primary`` (kept by osmnx's ``drive``
filter) and not one-way. It is the roads buses and minibuses use, a subset of all roads: not
OpenStreetMap.

``--measure DATASET`` measures a dataset folder built from such a file against the lines of
``--half`` (default all), one row per graph and way of measuring: ``route-line network`` is the
project's check, :func:`fleetplan.data.build.hk_road_error.measure` (``network_errors`` on
``line_network``); ``stand-in geometry`` is the same check on the roads as this file draws them
(:func:`stand_in_network`: the same junctions, each segment at the length between its nodes'
positions). The two differ: ``line_network`` measures a segment between the original vertices
and drops the pieces of a line inside one grid cell, so along a line it comes out shorter than
the line (on Hong Kong Island a median 2.4 % shorter), while the file's ways keep the lines'
lengths (median 0.1 % shorter). Held out: build from ``--half 0``'s file, measure with
``--half 1``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from fleetplan.data.build.hk_road_check import (
    NETWORK_SNAP_M,
    network_errors,
    read_graph_tables,
    snap_to_junctions,
)
from fleetplan.data.build.hk_road_terrain import all_lines
from fleetplan.network.city import HK_METRIC_CRS


def snapped_vertices(
    lines: list[np.ndarray], snap_m: float = NETWORK_SNAP_M
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Junction xy (EPSG:2326) and, per line, its junction indices (consecutive repeats dropped).

    The rule of :func:`fleetplan.data.build.hk_road_check.line_network`: a vertex belongs to
    the ``snap_m`` grid cell it falls in, and a cell's junction sits at the mean of its vertices.
    """
    xy, index = snap_to_junctions(lines, snap_m)
    ways = []
    for part in np.split(index, np.cumsum([len(line) for line in lines])[:-1]):
        keep = np.ones(len(part), dtype=bool)
        keep[1:] = part[1:] != part[:-1]
        ways.append(part[keep])
    return xy, ways


def write_osm(
    lines: list[np.ndarray], out: Path, snap_m: float = NETWORK_SNAP_M
) -> tuple[int, int]:
    """Write ``lines`` (EPSG:2326) as OSM XML to ``out``; return (nodes, ways) written."""
    xy, ways = snapped_vertices(lines, snap_m)
    ways = [way for way in ways if len(way) >= 2]
    used = np.unique(np.concatenate(ways))
    to_wgs = Transformer.from_crs(HK_METRIC_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(xy[used, 0], xy[used, 1])
    with Path(out).open("w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        handle.write(
            "<!-- Stand-in road extract, not OpenStreetMap: the union of TD bus and minibus route lines "
            "(CSDI td_rcd_1638844988873_41214, Transport Department, 2025-01-15, via "
            "HK-Bus-ETA/hkbus-route-waypoints), written by data/build/hk_lines_as_osm.py -->\n"
        )
        handle.write('<osm version="0.6" generator="fleetplan hk_lines_as_osm">\n')
        for k, x, y in zip(used, lon, lat, strict=True):
            handle.write(f'  <node id="{k + 1}" lat="{y:.7f}" lon="{x:.7f}"/>\n')
        for w, way in enumerate(ways, start=1):
            handle.write(f'  <way id="{w}">\n')
            handle.writelines(f'    <nd ref="{k + 1}"/>\n' for k in way)
            handle.write(
                '    <tag k="highway" v="primary"/>\n    <tag k="oneway" v="no"/>\n  </way>\n'
            )
        handle.write("</osm>\n")
    return len(used), len(ways)


def stand_in_network(
    lines: list[np.ndarray], snap_m: float = NETWORK_SNAP_M
) -> tuple[np.ndarray, object]:
    """The roads :func:`write_osm` draws, as ``line_network`` returns a network: junction xy and
    a sparse symmetric matrix of segment lengths (metres) between the junctions' positions (the
    shortest where lines give two)."""
    from scipy.sparse import coo_matrix

    xy, ways = snapped_vertices(lines, snap_m)
    a = np.concatenate([way[:-1] for way in ways if len(way) >= 2])
    b = np.concatenate([way[1:] for way in ways if len(way) >= 2])
    length = np.hypot(*(xy[a] - xy[b]).T)
    rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
    vals = np.concatenate([length, length])
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    shape = (len(xy), len(xy))
    return xy, coo_matrix((vals[first], (rows[first], cols[first])), shape=shape).tocsr()


def measure_build(dataset: Path, td_routes: Path, half: int | None = None) -> pd.DataFrame:
    """Both graphs of ``dataset`` against the lines of ``half`` (default all), two ways (see
    the module docstring)."""
    from fleetplan.data.build.hk_road_error import HELD_OUT, IN_SAMPLE, error_figures, measure

    lines = all_lines(td_routes, half)
    check = IN_SAMPLE if half is None else HELD_OUT
    table = measure(dataset, td_routes, lines, check=check).assign(against="route-line network")
    network = stand_in_network(lines)
    rows = []
    for variant in ("coarse", "fine"):
        err = network_errors(*read_graph_tables(dataset, variant), network)
        rows.append(
            {"graph": variant, "check": check, "against": "stand-in geometry", **error_figures(err)}
        )
    return pd.concat([table[list(rows[0])], pd.DataFrame(rows)], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--td-routes", type=Path, required=True, help="folder of TD route line GeoJSON files"
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", type=Path, help="OSM XML file to write (.osm)")
    what.add_argument("--measure", type=Path, help="dataset built from such a file: measure it")
    parser.add_argument(
        "--half", type=int, choices=(0, 1), help="only this half of the route ids (default all)"
    )
    args = parser.parse_args(argv)
    if args.measure is not None:
        print(measure_build(args.measure, args.td_routes, args.half).to_string(index=False))
        return 0
    lines = all_lines(args.td_routes, args.half)
    nodes, ways = write_osm(lines, args.out)
    print(f"{len(lines)} lines -> {nodes} nodes, {ways} ways in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
