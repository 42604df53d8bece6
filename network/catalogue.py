"""The vehicle-class catalogue: which fleets a dataset plans for and how each refuels.

A class is a row of ``vehicle_classes.csv``: its vehicle types (which carry
prices and energy use in ``parameters.csv``), its incumbent technology, the
zero-emission technologies it may adopt, its operating days and charges per
day, and a **refuelling pattern** that selects the model's constraint families:

``depot``
    vehicles are based at a depot (rows of ``bus_segments.csv``): overnight depot
    charging, depot grid connection, hydrogen delivered to the depot, duty bands.
``zone``
    vehicles charge at public fast chargers within reach of their demand zones
    (rows of ``taxi_classes.csv`` and ``taxi_zones.csv``: taxis, minibuses).
``corridor``
    vehicles run origin-destination flows (``truck_flows.csv``) and refuel
    hydrogen at stations on their path (flow refuelling).

The model selects segments by pattern, never by class name, so a new fleet is a
catalogue row plus data rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

REFUELLING_PATTERNS = ("depot", "zone", "corridor")


def split_list(text: object) -> tuple[str, ...]:
    """``"bev;fcev"`` -> ``("bev", "fcev")``; blank or missing -> ``()``."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ()
    return tuple(part.strip() for part in str(text).split(";") if part.strip())


@dataclass(frozen=True)
class VehicleClass:
    """One catalogue row (units: days per year, full charges per day, years)."""

    name: str
    vehicle_types: tuple[str, ...]
    incumbent: str
    technologies: tuple[str, ...]
    refuelling: str
    operating_days: float
    charges_per_day: float
    #: vehicles leave service in the year they reach this age (None: at the end of their life)
    retirement_age_years: int | None


@dataclass(frozen=True)
class Catalogue:
    """The vehicle classes of a dataset, looked up by class or by vehicle type."""

    classes: dict[str, VehicleClass]

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Catalogue:
        classes = {}
        for row in table.itertuples(index=False):
            age = getattr(row, "retirement_age_years", None)
            classes[row.vehicle_class] = VehicleClass(
                name=row.vehicle_class,
                vehicle_types=split_list(row.vehicle_types),
                incumbent=row.incumbent,
                technologies=split_list(row.technologies),
                refuelling=row.refuelling,
                operating_days=float(row.operating_days),
                charges_per_day=float(row.charges_per_day),
                retirement_age_years=None if age is None or pd.isna(age) else int(age),
            )
        return cls(classes)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.classes)

    @property
    def vehicle_types(self) -> tuple[str, ...]:
        return tuple(t for c in self.classes.values() for t in c.vehicle_types)

    def of_type(self, vehicle_type: str) -> VehicleClass:
        for vehicle_class in self.classes.values():
            if vehicle_type in vehicle_class.vehicle_types:
                return vehicle_class
        raise KeyError(vehicle_type)

    def with_pattern(self, refuelling: str) -> list[VehicleClass]:
        return [c for c in self.classes.values() if c.refuelling == refuelling]

    def __getitem__(self, name: str) -> VehicleClass:
        return self.classes[name]

    def __contains__(self, name: object) -> bool:
        return name in self.classes
