"""Year-indexed parameter lookup with scenario overrides.

``parameters.csv`` stores values at anchor years; between anchors values are
linear, outside them flat. A lookup for ``(name, vehicle_type, technology)``
falls back to ``vehicle_type='-'`` and then ``technology='-'``, so a row for all
vehicle types serves every type unless a specific row overrides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.optimiser.scenario import Scenario

_PRICE_OVERRIDES = {
    "electricity_hkd_per_kwh": "electricity_price_hkd_per_kwh",
    "hydrogen_hkd_per_kg": "hydrogen_price_hkd_per_kg",
    "diesel_hkd_per_l": "diesel_price_hkd_per_l",
    "lpg_hkd_per_l": "lpg_price_hkd_per_l",
}


def interpolate_path(path: dict[int, float], years: Sequence[int] | np.ndarray) -> np.ndarray:
    """Values of an anchor-year path at ``years``: linear between anchors, flat outside."""
    anchors = sorted(path)
    return np.interp(list(years), anchors, [path[a] for a in anchors])


class ParameterTable:
    """Parameters of one dataset with a scenario's overrides applied.

    Parameters
    ----------
    table:
        The validated ``parameters.csv`` frame.
    years:
        The model years every series is evaluated at.
    scenario:
        Its ``prices`` and ``parameters`` overrides replace dataset rows.
    """

    def __init__(self, table: pd.DataFrame, years: Sequence[int], scenario: Scenario | None = None):
        self.years = list(years)
        self._paths: dict[tuple[str, str, str], dict[int, float]] = {}
        for row in table.itertuples(index=False):
            key = (row.parameter, row.vehicle_type, row.technology)
            self._paths.setdefault(key, {})[int(row.year)] = float(row.value)
        if scenario is not None:
            self._apply(scenario)
        self.series = lru_cache(maxsize=None)(self._series)
        # Preparation asks for the same (parameter, year, type, technology) ~140,000 times on
        # the default (each vehicle's life, each regime): one np.interp each was ~0.4 s.
        self.at = lru_cache(maxsize=None)(self._at)

    def _apply(self, scenario: Scenario) -> None:
        for field, parameter in _PRICE_OVERRIDES.items():
            path = getattr(scenario.prices, field)
            if path is None:
                continue
            # A price override replaces the path for every utility and vehicle type.
            for key in [k for k in self._paths if k[0] == parameter]:
                del self._paths[key]
            self._paths[(parameter, "-", "-")] = dict(path)
        for override in scenario.parameters:
            key = (override.parameter, override.vehicle_type, override.technology)
            if override.path is not None:
                self._paths[key] = dict(override.path)
            else:
                self._paths[key] = {self.years[0]: float(override.value)}  # type: ignore[arg-type]

    def has(self, name: str, vehicle_type: str = "-", technology: str = "-") -> bool:
        return self._key(name, vehicle_type, technology) is not None

    def _key(self, name: str, vehicle_type: str, technology: str) -> tuple[str, str, str] | None:
        for key in (
            (name, vehicle_type, technology),
            (name, "-", technology),
            (name, vehicle_type, "-"),
            (name, "-", "-"),
        ):
            if key in self._paths:
                return key
        return None

    def _series(self, name: str, vehicle_type: str = "-", technology: str = "-") -> np.ndarray:
        key = self._key(name, vehicle_type, technology)
        if key is None:
            raise InputError(
                f"no value for vehicle_type '{vehicle_type}', technology '{technology}'; "
                "add a row (or a '-' row that applies to all)",
                file="parameters.csv",
                field=name,
            )
        return interpolate_path(self._paths[key], self.years)

    def _at(self, name: str, year: int, vehicle_type: str = "-", technology: str = "-") -> float:
        """Value in one year (years outside the model horizon are held flat)."""
        key = self._key(name, vehicle_type, technology)
        if key is None:
            self.series(name, vehicle_type, technology)  # raises the named error
        return float(interpolate_path(self._paths[key], [year])[0])  # type: ignore[index]

    def values(
        self,
        name: str,
        years: Sequence[int] | np.ndarray,
        vehicle_type: str = "-",
        technology: str = "-",
    ) -> np.ndarray:
        """Values at arbitrary ``years`` (e.g. a vehicle's whole life), held flat outside the anchors."""
        key = self._key(name, vehicle_type, technology)
        if key is None:
            self.series(name, vehicle_type, technology)  # raises the named error
        return interpolate_path(self._paths[key], years)  # type: ignore[index]

    def scalar(self, name: str, vehicle_type: str = "-", technology: str = "-") -> float:
        """Value in the first model year (for parameters that do not change)."""
        return float(self.series(name, vehicle_type, technology)[0])

    def technologies_of(self, name: str) -> list[str]:
        """The technology labels a parameter has rows for (e.g. hydrogen pathways)."""
        return sorted({k[2] for k in self._paths if k[0] == name and k[2] != "-"})
