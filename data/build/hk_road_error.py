"""Measure the Hong Kong road graphs against a road network and write the error table.

Usage::

    python data/build/hk_road_error.py --td-routes DIR --source routeFareList.min.json [--dataset data/hk]

``DIR`` holds TD's bus and green-minibus route lines as GeoJSON, as for
``data/build/hk_road_terrain.py`` (the ``waypoints`` branch of HK-Bus-ETA/hkbus-route-waypoints,
GPL-2.0 repository; CSDI td_rcd_1638844988873_41214 and its minibus companion, Transport
Department, 2025-01-15). The lines are not part of the project. Their union is a road network
(:func:`fleetplan.data.build.hk_road_check.line_network`); both graphs of the dataset are measured on
it (:func:`fleetplan.data.build.hk_road_check.network_errors`: Hong Kong Island node pairs at least
0.5 km apart, single edges, island -> Kowloon paths below the tunnels' bound) and the figures
written to ``data/build/hk_road_error.csv`` with the SHA-256 of the edges file measured. The
build (``make data``) copies a row into the dataset's ``road_distances.csv`` only while that
edges file is unchanged, so a rebuilt graph never shows an old graph's error.

The network is the roads buses and minibuses run on, a subset of all roads, and the same lines
gave the stop pairs' road lengths and calibrated the circuity: those figures (``check`` =
``in-sample``) are not an independent check, and the network's distances are upper bounds on
the shortest road. So with ``--source`` (the route file ``make data`` reads) the table also
gets a held-out row per graph (``check`` = ``held-out``): the route ids are split in two by a
fixed rule (:func:`fleetplan.data.build.hk_road_check.in_half`), every road table is derived
again from half 0 alone (:func:`fleetplan.data.build.hk_road_terrain.derive_all`), the
dataset rebuilt from them in a temporary folder, and its graphs measured against the network
of half 1's lines, which took no part in them.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from fleetplan.data.build.hk import road_distance_rows
from fleetplan.data.build.hk_road_check import line_network, network_errors, read_graph_tables
from fleetplan.network.road_distances import CALIBRATED, FIGURES, read_road_distances, write_road_distances

HERE = Path(__file__).resolve().parent
ERROR_TABLE = HERE / "hk_road_error.csv"
#: What the figures were measured against (copied into the dataset's road_distances.csv).
MEASURED_AGAINST = (
    "road network from TD bus and minibus route lines (CSDI td_rcd_1638844988873_41214, Transport "
    "Department, 2025-01-15, via HK-Bus-ETA/hkbus-route-waypoints; {lines:,} lines, {junctions:,} "
    "junctions): Hong Kong Island node pairs >= 0.5 km apart; not independent of the calibration"
)
HELD_OUT_AGAINST = (
    "held out: road tables derived from half 0 of the TD route ids (CRC-32 even; {matched} "
    "matched bus variants), the dataset rebuilt from them and measured against the road network of "
    "half 1 (CSDI td_rcd_1638844988873_41214 and minibus companion, Transport Department, 2025-01-15, "
    "via HK-Bus-ETA/hkbus-route-waypoints; {lines:,} lines, {junctions:,} junctions): Hong Kong "
    "Island node pairs >= 0.5 km apart"
)
COMMAND = "python data/build/hk_road_error.py --td-routes DIR --source routeFareList.min.json"
#: Which check a row of the error table is (``check`` column).
IN_SAMPLE, HELD_OUT = "in-sample", "held-out"


def error_figures(err: dict[str, Any]) -> dict[str, Any]:
    """The error table's figure columns from :func:`network_errors`' result, rounded as stored."""
    return {
        "pairs": err["pairs"],
        "within_15pct": round(err["within_15pct"], 3),
        "median_ratio": round(err["median"], 3),
        "p10_ratio": round(err["p10"], 3),
        "p90_ratio": round(err["p90"], 3),
        "edge_p10_ratio": round(err["edge_p10"], 3),
        "crossing_pairs": err["crossing_pairs"],
        "crossing_below_bound": round(err["crossing_below_bound"], 4),
    }

def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def measure(
    dataset: Path,
    td_routes: Path,
    lines: list | None = None,
    *,
    check: str = IN_SAMPLE,
    against: str = MEASURED_AGAINST,
) -> pd.DataFrame:
    """One row per graph (coarse, fine) of ``dataset``: the errors against the route-line network.

    ``lines``: the route lines to measure against if already read (``hk_road_terrain.all_lines``;
    default every line of ``td_routes``). ``check`` and ``against`` (formatted with ``lines`` and
    ``junctions``) describe the row.
    """
    from fleetplan.data.build.hk_road_terrain import all_lines

    lines = all_lines(td_routes) if lines is None else lines
    network = line_network(lines)
    against = against.format(lines=len(lines), junctions=len(network[0]))
    rows = []
    for variant in ("coarse", "fine"):
        nodes, edges = read_graph_tables(dataset, variant)
        err = network_errors(nodes, edges, network)
        edges_file = dataset / ("edges.csv" if variant == "coarse" else "edges_fine.csv")
        rows.append(
            {
                "graph": variant,
                "check": check,
                "edges_sha256": file_sha256(edges_file),
                **error_figures(err),
                "measured_against": against,
                "command": COMMAND,
                "measured_on": datetime.date.today().isoformat(),
            }
        )
    return pd.DataFrame(rows)


def held_out(dataset: Path, td_routes: Path, source: Path) -> pd.DataFrame:
    """The held-out rows: tables from half 0 of the route ids, graphs measured on half 1's roads.

    The dataset folder is copied to a temporary folder and rebuilt there (``dataset`` is not
    touched); see the module docstring.
    """
    from fleetplan.data.build.hk import build
    from fleetplan.data.build.hk_road_check import td_stop_matches
    from fleetplan.data.build.hk_road_terrain import all_lines, derive_all

    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        tables = (
            folder / "circuity.csv",
            folder / "cells.csv",
            folder / "cell_links.csv",
            folder / "stop_pairs.csv",
            folder / "links.csv",
        )
        derive_all(td_routes, source, tables, half=0)
        rebuilt = folder / "dataset"
        shutil.copytree(dataset, rebuilt)
        build(
            source,
            rebuilt,
            stop_pairs=tables[3],
            terrain_tables=(tables[0], tables[1], tables[2]),
            link_lengths=tables[4],
        )
        matched = len(td_stop_matches(source, td_routes, 0))
        return measure(
            rebuilt,
            td_routes,
            all_lines(td_routes, half=1),
            check=HELD_OUT,
            against=HELD_OUT_AGAINST.replace("{matched}", f"{matched:,}"),
        )


def update_dataset(dataset: Path, table: pd.DataFrame, error_table: Path) -> None:
    """Put the figures just measured into ``dataset/road_distances.csv`` (keeping each graph's basis).

    A calibrated dataset gets exactly the rows ``make data`` writes from ``error_table``.
    """
    current = read_road_distances(dataset)
    if current is None or (current["basis"] == CALIBRATED).all():
        write_road_distances(dataset, road_distance_rows(dataset, None, error_table))
        return
    rows = []
    for row in current.to_dict("records"):
        found = table[table["graph"] == row["graph"]]
        if len(found):
            hit = found.iloc[0]
            row.update({column: hit[column] for column in FIGURES})
            row["measured_against"] = hit["measured_against"]
            row["source"] = f"{str(row['source']).split('; error')[0]}; error measured {hit['measured_on']} by {hit['command']}"
        rows.append(row)
    write_road_distances(dataset, rows)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--td-routes", type=Path, required=True, help="folder of TD route line GeoJSON files")
    parser.add_argument("--dataset", type=Path, default=HERE.parent / "hk", help="dataset folder (default data/hk)")
    parser.add_argument("--out", type=Path, default=ERROR_TABLE, help="error table to write")
    parser.add_argument(
        "--source", type=Path, help="routeFareList.min.json: also measure held out (tables from half the lines)"
    )
    args = parser.parse_args(argv)
    table = measure(args.dataset, args.td_routes)
    if args.source is not None:
        table = pd.concat([table, held_out(args.dataset, args.td_routes, args.source)], ignore_index=True)
    table.to_csv(args.out, index=False, lineterminator="\n")
    update_dataset(args.dataset, table, args.out)
    print(table.drop(columns=["measured_against", "command", "edges_sha256"]).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
