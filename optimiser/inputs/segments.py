"""Fleet segments: the rows of the fleet model, one per group of vehicles that plan alike.

Depot-refuelled classes (buses) give one segment per depot x vehicle type x duty band,
zone-refuelled classes (taxis, minibuses) one per fleet, the corridor class (trucks)
one per truck corridor; the pattern comes from the vehicle-class catalogue, never the
class name. Columns: ``fleet`` (vehicles), ``daily_km`` and ``annual_km`` (km per vehicle).
"""

from __future__ import annotations

import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.catalogue import Catalogue
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.inputs.corridors import TruckCorridors
from fleetplan.optimiser.scenario import Scenario, catalogue_problems


def check_scenario_classes(
    scenario: Scenario, catalogue: Catalogue, utilities: tuple[str, ...] | None = None
) -> None:
    """Refuse a scenario naming a class, vehicle type or utility the dataset does not have."""
    problems = catalogue_problems(scenario, catalogue, utilities)
    if problems:
        location, message = problems[0]
        raise InputError(message, file="scenario", field=".".join(str(part) for part in location))


def zone_segment_ids(fleets: pd.DataFrame) -> pd.Series:
    """Segment id of each zone-charged fleet: ``<class>_<fleet>`` (``taxi_urban``, ``minibus_green``)."""
    return fleets["vehicle_class"] + "_" + fleets["taxi_class"]


def _plural(name: str) -> str:
    return name + ("es" if name.endswith(("s", "x", "sh", "ch")) else "s")


def depot_and_zone_segments(data: Dataset, catalogue: Catalogue) -> pd.DataFrame:
    """One row per depot segment (depot × type × duty band) and zone fleet; corridors are added later.

    Columns: ``vehicle_class``, ``vehicle_type``, ``refuelling`` (the catalogue's pattern),
    ``location`` (depot, fleet or corridor id), ``utility``, ``fleet`` (vehicles),
    ``daily_km``, ``zev_today``, ``fcev_today`` (of those, fuel-cell vehicles), ``label``, ``incumbent``.
    """
    depots = data.depots.set_index("depot_id")
    buses = data.bus_segments.assign(
        vehicle_class=lambda f: [catalogue.of_type(t).name for t in f["vehicle_type"]],
        location=lambda f: f["depot_id"],
        utility=lambda f: f["depot_id"].map(depots["utility"]),
        fleet=lambda f: f["buses"].astype(float),
        zev_today=lambda f: f["zev_today"].fillna(0).astype(float),
        fcev_today=lambda f: f["fcev_today"].fillna(0).astype(float),
        label=lambda f: (
            f["depot_id"].map(depots["name"]) + " " + f["vehicle_type"] + " " + f["duty_band"]
        ),
    )[
        [
            "segment_id",
            "vehicle_class",
            "vehicle_type",
            "location",
            "utility",
            "fleet",
            "daily_km",
            "zev_today",
            "fcev_today",
            "label",
        ]
    ]
    fleets = data.taxi_classes
    zone_fleets = pd.DataFrame(
        {
            "segment_id": zone_segment_ids(fleets),
            "vehicle_class": fleets["vehicle_class"],
            "vehicle_type": fleets["vehicle_type"],
            "location": fleets["taxi_class"],
            "utility": data.city.fleet_utility,
            "fleet": fleets["taxis"].astype(float),
            "daily_km": fleets["daily_km"],
            "zev_today": fleets["zev_today"].astype(float),
            "fcev_today": 0.0,
            "label": fleets["taxi_class"] + " " + fleets["vehicle_class"].map(_plural),
        }
    )
    segments = pd.concat([buses, zone_fleets], ignore_index=True)
    segments = segments[segments["fleet"] > 0].copy()
    segments["refuelling"] = [catalogue[c].refuelling for c in segments["vehicle_class"]]
    segments["incumbent"] = [catalogue[c].incumbent for c in segments["vehicle_class"]]
    return segments.set_index("segment_id")


def _corridor_segments(trucks: TruckCorridors, utility: str) -> pd.DataFrame:
    """One segment per truck corridor, in the columns of :func:`depot_and_zone_segments`."""
    corridors, corridor_class = trucks.corridors, trucks.vehicle_class
    return pd.DataFrame(
        {
            "segment_id": corridors["segment_id"].to_numpy(),
            "vehicle_class": corridor_class.name if corridor_class else "truck",
            "vehicle_type": corridor_class.vehicle_types[0] if corridor_class else "truck",
            "refuelling": "corridor",
            "location": corridors.index,
            "utility": utility,
            "fleet": corridors["fleet"].to_numpy(),
            "daily_km": corridors["daily_km"].to_numpy(),
            "zev_today": 0.0,
            "fcev_today": 0.0,
            "label": corridors["label"].to_numpy(),
            "incumbent": corridor_class.incumbent if corridor_class else "diesel",
        }
    ).set_index("segment_id")


def add_corridor_segments(
    segments: pd.DataFrame, trucks: TruckCorridors, data: Dataset, catalogue: Catalogue
) -> pd.DataFrame:
    """All segments: depot and zone segments plus the truck corridors with trucks.

    Refuses a dataset with no vehicles at all. Adds ``annual_km`` (daily km x the class's
    operating days a year) and ``operator`` (the depot's operator for depot segments, else "").
    """
    corridors = _corridor_segments(trucks, data.city.fleet_utility)
    segments = pd.concat([segments, corridors[corridors["fleet"] > 0]])
    if segments.empty:
        raise InputError(
            "the dataset has no vehicles to plan for: every bus segment, taxi class and truck flow has 0 vehicles",
            field="buses / taxis / trucks",
        )
    segments["daily_km"] = segments["daily_km"].astype(float)
    segments["annual_km"] = segments["daily_km"] * [
        catalogue[c].operating_days for c in segments["vehicle_class"]
    ]
    depot_operator = dict(zip(data.depots["depot_id"], data.depots["operator"], strict=True))
    segments["operator"] = [
        depot_operator.get(loc, "") if pattern == "depot" else ""
        for pattern, loc in zip(segments["refuelling"], segments["location"], strict=True)
    ]
    return segments


def segments_by_location(segments: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """(refuelling pattern, depot / fleet / corridor id) -> the segments refuelled there."""
    return {
        key: list(ids) for key, ids in segments.groupby(["refuelling", "location"]).groups.items()
    }
