"""Zero-emission targets: the dataset's, with the scenario's overrides and additions.

Each target within the horizon becomes a minimum number of zero-emission vehicles
(``min_zev``, vehicles) of one class in one modelled year, capped at the class's fleet.
"""

from __future__ import annotations

import math

import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.scenario import Scenario


def target_table(
    data: Dataset, scenario: Scenario, segments: pd.DataFrame, years: list[int], notes: list[str]
) -> pd.DataFrame:
    """Targets within the horizon as absolute minimum zero-emission vehicles per class and year.

    Targets outside the modelled years are left out, listed in the table's
    ``attrs["outside_horizon"]`` and noted in ``notes``.
    """
    table = data.targets.set_index("target_id", drop=False)
    unknown = sorted(set(scenario.targets) - set(table.index))
    if unknown:
        raise InputError(
            f"unknown target '{unknown[0]}'; expected one of {', '.join(table.index)}",
            field=f"targets.{unknown[0]}",
        )
    rows = []
    for target_id, row in table.iterrows():
        override = scenario.targets.get(target_id)
        if override is not None and not override.enabled:
            continue
        spec = row.to_dict()
        if override is not None:
            for key in ("hard", "min_zev", "min_zev_share", "year"):
                value = getattr(override, key)
                if value is not None:
                    spec[key] = value
        rows.append(spec)
    for target_id, new in scenario.extra_targets.items():
        rows.append({"target_id": target_id, **new.model_dump()})
    out = []
    outside: list[str] = []
    for spec in rows:
        year = int(spec["year"])
        if year not in years:
            outside.append(f"{spec['target_id']} ({spec['vehicle_class']}, {year})")
            continue
        fleet = float(
            segments.loc[segments["vehicle_class"] == spec["vehicle_class"], "fleet"].sum()
        )
        minimum = 0.0
        if spec.get("min_zev") is not None and not (
            isinstance(spec["min_zev"], float) and math.isnan(spec["min_zev"])
        ):
            minimum = max(minimum, float(spec["min_zev"]))
        share = spec.get("min_zev_share")
        if share is not None and not (isinstance(share, float) and math.isnan(share)):
            minimum = max(minimum, float(share) * fleet)
        out.append(
            {
                "target_id": spec["target_id"],
                "vehicle_class": spec["vehicle_class"],
                "year": year,
                "min_zev": min(minimum, fleet),
                "hard": bool(spec["hard"]),
            }
        )
    table = pd.DataFrame(
        out, columns=["target_id", "vehicle_class", "year", "min_zev", "hard"]
    ).set_index("target_id", drop=False)
    table.attrs["outside_horizon"] = outside
    if outside:
        notes.append(ModelText("targets_outside", targets=", ".join(outside)))
    return table
