"""Derive the two small road tables the Hong Kong build uses without a road extract.

Usage::

    python data/build/hk_road_terrain.py --td-routes DIR --source routeFareList.min.json

``DIR`` holds TD's bus and green-minibus route lines as GeoJSON (one file per route
direction): the ``waypoints`` branch of the public repository
HK-Bus-ETA/hkbus-route-waypoints (GPL-2.0 repository; the lines are the CSDI dataset
td_rcd_1638844988873_41214 "Bus routes" and its minibus companion, Transport Department,
version 2025-01-15, DATA.GOV.HK terms). The lines are not part of the project; only the
derived tables are committed:

* ``data/build/hk_road_circuity.csv``: road metres per straight metre by 2 km cell;
* ``data/build/hk_road_cells.csv``: the 250 m cells a route line crosses;
* ``data/build/hk_road_cell_links.csv``: the pairs of touching 250 m cells a route line
  runs between (:func:`fleetplan.data.build.hk_road_circuity.derive_cell_links`);
* ``data/build/hk_road_stop_pairs.csv``: the road length between consecutive stops of the
  matched bus routes along their lines
  (:func:`fleetplan.data.build.hk_road_circuity.derive_stop_pair_lengths`);
* ``data/build/hk_road_links.csv``: the road length of each candidate neighbour link of both
  graphs (each node and its nearest nodes, :func:`fleetplan.data.build.hk.link_candidates`) on
  the network the lines make
  (:func:`fleetplan.data.build.hk_road_circuity.derive_link_lengths`).

See :func:`fleetplan.data.build.hk_road_circuity.derive_tables`. :func:`derive_all` writes
the same tables from half of the lines for the held-out check of
``data/build/hk_road_error.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

from fleetplan.network.city import HK_METRIC_CRS
from fleetplan.network.graph import to_grid
from fleetplan.data.build.hk_road_check import line_network, route_files, td_stop_matches
from fleetplan.data.build.hk_road_circuity import (
    derive_cell_links,
    derive_link_lengths,
    derive_stop_pair_lengths,
    derive_tables,
)
from fleetplan.data.build.hk_stop_graph import region_of

HERE = Path(__file__).resolve().parent
CIRCUITY_TABLE = HERE / "hk_road_circuity.csv"
ROAD_CELLS_TABLE = HERE / "hk_road_cells.csv"
CELL_LINKS_TABLE = HERE / "hk_road_cell_links.csv"
STOP_PAIRS_TABLE = HERE / "hk_road_stop_pairs.csv"
LINK_LENGTHS_TABLE = HERE / "hk_road_links.csv"
_SOURCE = (
    "TD bus and minibus route lines (CSDI td_rcd_1638844988873_41214, Transport Department, "
    "2025-01-15, via HK-Bus-ETA/hkbus-route-waypoints); data/build/hk_road_terrain.py (D)"
)


def all_lines(folder: Path, half: int | None = None) -> list[np.ndarray]:
    """Every route line (bus and minibus) in ``folder`` as (n, 2) EPSG:2326 arrays.

    A ``.json.gz`` with a ``.json`` copy beside it is read once; ``half``: only the lines of
    that half of the route ids (:func:`fleetplan.data.build.hk_road_check.in_half`).
    """
    lines = []
    for path in route_files(folder, half):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError:
                continue
        if not isinstance(data, dict):
            continue
        for feature in data.get("features", []):
            geometry = feature.get("geometry") or {}
            parts = geometry.get("coordinates") or []
            if geometry.get("type") == "LineString":
                parts = [parts]
            for part in parts:
                if len(part) < 2:
                    continue
                arr = np.array([p[:2] for p in part], dtype=float)
                x, y = to_grid(arr[:, 0], arr[:, 1], HK_METRIC_CRS)
                lines.append(np.column_stack([x, y]))
    return lines


def derive_all(
    td_routes: Path,
    source: Path,
    out: tuple[Path, Path, Path, Path, Path] = (
        CIRCUITY_TABLE,
        ROAD_CELLS_TABLE,
        CELL_LINKS_TABLE,
        STOP_PAIRS_TABLE,
        LINK_LENGTHS_TABLE,
    ),
    half: int | None = None,
) -> str:
    """Write the circuity, road-cell, cell-link, stop-pair and link-length tables derived from
    the lines of ``td_routes`` (only ``half`` of the route ids when given) to ``out``; return
    a summary."""
    from pyproj import Transformer

    from fleetplan.data.build.hk import link_candidates

    to_wgs = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)

    def same_region(p: np.ndarray, q: np.ndarray) -> bool:
        return region_of(*to_wgs.transform(*p)) == region_of(*to_wgs.transform(*q))

    matches = td_stop_matches(source, td_routes, half)
    lines = all_lines(td_routes, half)
    circuity, cells = derive_tables([(xy, chain) for _, xy, chain in matches], lines, same_region)
    circuity.assign(source=_SOURCE).to_csv(out[0], index=False, lineterminator="\n")
    cells.to_csv(out[1], index=False, lineterminator="\n")
    derive_cell_links(lines).to_csv(out[2], index=False, lineterminator="\n")
    pairs = derive_stop_pair_lengths(matches, same_region)
    pairs.to_csv(out[3], index=False, lineterminator="\n")
    links = derive_link_lengths(link_candidates(source), line_network(lines))
    links.to_csv(out[4], index=False, lineterminator="\n")
    return (
        f"{len(matches)} matched variants; {len(circuity) - 1} circuity cells (median of all pairs "
        f"{circuity['circuity'].iloc[0]}); {len(cells)} road cells; {len(pairs)} stop pairs; "
        f"{len(links)} links measured"
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--td-routes", type=Path, required=True, help="folder of TD route line GeoJSON files")
    parser.add_argument("--source", type=Path, required=True, help="routeFareList.min.json (stop sequences)")
    args = parser.parse_args(argv)
    print(derive_all(args.td_routes, args.source))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
