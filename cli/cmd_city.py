"""``fleetplan city build``: a city's dataset folder from its GTFS feed and OpenStreetMap extract.

Exit codes follow :mod:`fleetplan.cli.common`: 0 built (the folder loads); 2 bad input
(one line naming file, row and field).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli.app import CommandGroup, app
from fleetplan.cli.common import guarded, plain_float, print_json

city_app = typer.Typer(
    help="Build a city's dataset from local open data.", no_args_is_help=True, cls=CommandGroup
)
app.add_typer(city_app, name="city")


@city_app.command("build")
@guarded
def city_build_command(
    gtfs: Annotated[Path, typer.Option("--gtfs", help="Local GTFS feed (zip or folder).")],
    osm: Annotated[
        Path, typer.Option("--osm", help="Local OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf).")
    ],
    name: Annotated[str, typer.Option("--name", help="The city's name.")],
    crs: Annotated[
        str,
        typer.Option(
            "--crs",
            help="Metric CRS of the city (projected, metres), e.g. EPSG:3763 or its UTM zone.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Dataset folder to write (new or empty).")],
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            help="Dataset whose parameters, programmes and targets are copied (default: data/hk).",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="Service date YYYYMMDD (default: the feed's busiest weekday)."),
    ] = None,
    vehicle_type: Annotated[
        str,
        typer.Option("--vehicle-type", help="The base's bus type the buses take (prices, energy)."),
    ] = "bus_single",
    utility: Annotated[
        str | None,
        typer.Option(
            "--utility",
            help="The base's electricity utility the depots take (tariff, grid carbon); default: the base's fleet_utility (its city.yaml).",
        ),
    ] = None,
    daily_km: Annotated[
        float,
        typer.Option(
            "--daily-km",
            parser=plain_float,
            help="Km per bus per day, if the feed has no block_id.",
        ),
    ] = 200.0,
    feed_licence: Annotated[
        str, typer.Option("--feed-licence", help="Licence of the GTFS feed, for city.yaml.")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Write a complete dataset folder (city.yaml and every table) and check that it loads."""
    from fleetplan.network.city_build import build_city
    from fleetplan.network.loaders import DEFAULT_DATASET

    summary = build_city(
        gtfs,
        osm,
        name=name,
        crs=crs,
        out=out,
        base=base or DEFAULT_DATASET,
        date=date,
        vehicle_type=vehicle_type,
        utility=utility,
        daily_km_per_bus=daily_km,
        feed_licence=feed_licence,
    )
    if as_json:
        print_json(summary)
        return
    print(
        f"built {summary['city']} in {summary['folder']} ({summary['metric_crs']}, bounds {summary['bounds']})"
    )
    graph = summary["graph"]
    print(
        f"road graph: {graph['nodes']} nodes, {graph['edges']} edges ({graph['edges_measured']} measured on OSM roads, "
        f"{graph['parts_joined']} links joining separate parts)"
    )
    print(
        f"{summary['routes']} routes, {summary['depots']} depots, {summary['buses']} buses ({summary['fleet_from']})"
    )
    print(
        "depots, sites and fleet ages are estimates; parameters, programmes and targets are the base's: see city.yaml"
    )
