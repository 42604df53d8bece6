"""A scenario's overrides checked against its dataset before anything is prepared.

Every name a scenario gives must be one the dataset has, and every override must
change something: an override the model never reads (a cap for a vehicle type its
programme does not pay for, a window that opens in no modelled year, a parameter row
that every lookup passes by, a repeated row of which only the last counts) would leave
the plan as it was without a word. Each is refused here with the scenario field that
holds it and what was expected.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

import numpy as np

from fleetplan.errors import InputError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.parameters import interpolate_path
from fleetplan.optimiser.scenario import Scenario

#: Shares of the hydrogen supply may add up to at most 1 (typed rounded, as in loaders).
_SHARE_SLACK = 1e-3


def _refuse(message: str, *location: object) -> InputError:
    return InputError(message, file="scenario", field=".".join(str(part) for part in location))


def _one_of(value: str, known: list[str]) -> str:
    """'expected one of ...' with a hint for a near miss ('KMB' for 'kmb')."""
    lowered = {k.lower(): k for k in known}
    close = (
        [lowered[value.lower()]]
        if value.lower() in lowered
        else difflib.get_close_matches(value, known, n=1, cutoff=0.75)
    )
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{hint}; expected one of {', '.join(known) or '(none in the dataset)'}"


def check_scenario_against_dataset(scenario: Scenario, data: Dataset) -> None:
    """Refuse the first override of ``scenario`` that names what ``data`` lacks or that would change nothing.

    Raises
    ------
    InputError
        Naming the scenario field: an unknown programme, target or commitment; a
        per-vehicle cap for a type the programme does not pay for; a programme window
        that opens after it closes or in no modelled year; an ``extra_targets`` id the
        dataset already uses; a parameter row given twice or passed by every lookup;
        hydrogen supply shares above 1.
    """
    _check_programmes(scenario, data)
    _check_targets(scenario, data)
    _check_commitments(scenario, data)
    _check_parameters(scenario, data)


def _check_programmes(scenario: Scenario, data: Dataset) -> None:
    rows = data.programmes
    known = sorted(set(rows["programme_id"]))
    first_modelled, last_modelled = scenario.years.start, scenario.years.end
    for programme_id, override in scenario.programmes.items():
        if programme_id not in known:
            raise _refuse(
                f"unknown programme '{programme_id}'{_one_of(programme_id, known)} (programmes.csv)",
                "programmes",
                programme_id,
            )
        own = rows[rows["programme_id"] == programme_id]
        types = sorted(set(own["vehicle_type"]))
        for vehicle_type in override.per_vehicle_cap_hkd or {}:
            if vehicle_type not in types:
                raise _refuse(
                    f"programme '{programme_id}' does not pay for vehicle type '{vehicle_type}', so this cap would change nothing; "
                    f"expected one of {', '.join(types)} (its rows in programmes.csv)",
                    "programmes", programme_id, "per_vehicle_cap_hkd", vehicle_type,
                )  # fmt: skip
        if not override.enabled:
            continue
        first = (
            override.first_year if override.first_year is not None else int(own["first_year"].min())
        )
        last = override.last_year if override.last_year is not None else int(own["last_year"].max())
        changed = "first_year" if override.first_year is not None else "last_year"
        if first > last:
            raise _refuse(
                f"the window would run from {first} to {last}: the programme would open after it closes "
                f"(programmes.csv has {int(own['first_year'].min())}-{int(own['last_year'].max())}); "
                "expected first_year <= last_year (give both to move the window)",
                "programmes", programme_id, changed,
            )  # fmt: skip
        if (override.first_year is not None or override.last_year is not None) and (
            last < first_modelled or first > last_modelled
        ):
            raise _refuse(
                f"the window {first}-{last} has no year in the scenario's horizon {first_modelled}-{last_modelled}, "
                "so the programme would pay nothing; expected a window that overlaps the horizon (or enabled: false)",
                "programmes", programme_id, changed,
            )  # fmt: skip


def _check_targets(scenario: Scenario, data: Dataset) -> None:
    known = sorted(set(data.targets["target_id"]))
    for target_id in scenario.targets:
        if target_id not in known:
            raise _refuse(
                f"unknown target '{target_id}'{_one_of(target_id, known)} (targets.csv)",
                "targets",
                target_id,
            )
    for target_id in scenario.extra_targets:
        if target_id in known:
            raise _refuse(
                f"'{target_id}' is already a target of targets.csv; expected a new id (change the dataset's target under 'targets')",
                "extra_targets", target_id,
            )  # fmt: skip


def _check_commitments(scenario: Scenario, data: Dataset) -> None:
    known = sorted(str(c) for c in data.table("operator_commitments")["commitment_id"])
    operators = sorted(set(data.depots["operator"]))
    for key, override in scenario.operator_commitments.items():
        if not override.enabled and key not in known:
            raise _refuse(
                f"no commitment '{key}' in operator_commitments.csv to switch off{_one_of(key, known)}",
                "operator_commitments", key, "enabled",
            )  # fmt: skip
        if override.operator is not None and override.operator not in operators:
            raise _refuse(
                f"unknown operator '{override.operator}'{_one_of(override.operator, operators)} (the operators of depots.csv)",
                "operator_commitments", key, "operator",
            )  # fmt: skip


def _check_parameters(scenario: Scenario, data: Dataset) -> None:
    dataset_keys: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in data.parameters[["parameter", "vehicle_type", "technology"]].itertuples(index=False):
        dataset_keys[row.parameter].add((row.vehicle_type, row.technology))
    seen: dict[tuple[str, str, str], int] = {}
    for i, override in enumerate(scenario.parameters):
        key = (override.parameter, override.vehicle_type, override.technology)
        if key in seen:
            raise _refuse(
                f"repeats parameters[{seen[key]}] ({', '.join(key)}): only one would count; expected each parameter, "
                "vehicle type and technology once (a path gives several years)",
                "parameters", i,
            )  # fmt: skip
        seen[key] = i
        # Supply shares have their own check below (a share without its pathway, a sum above 1).
        if override.parameter != "h2_supply_share" and _passed_by(
            key[1:], dataset_keys.get(override.parameter, set())
        ):
            vt, tech = key[1:]
            specific = sorted(
                f"{v}/{t}"
                for v, t in dataset_keys[override.parameter]
                if (tech != "-" and t == tech) or (vt != "-" and v == vt)
            ) or sorted(f"{v}/{t}" for v, t in dataset_keys[override.parameter])
            raise _refuse(
                f"{override.parameter} for vehicle_type '{override.vehicle_type}', technology '{override.technology}' would "
                f"change nothing: parameters.csv has a more specific row for every lookup it could serve ({', '.join(specific[:6])}"
                f"{', ...' if len(specific) > 6 else ''}); expected the vehicle_type and technology of the row to change",
                "parameters", i,
            )  # fmt: skip
    _check_supply_shares(scenario, data)


def _passed_by(override: tuple[str, str], dataset: set[tuple[str, str]]) -> bool:
    """Whether a (vehicle_type, technology) override serves no lookup the model can make.

    Lookups fall back (type, tech) -> ('-', tech) -> (type, '-') -> ('-', '-')
    (:class:`fleetplan.optimiser.parameters.ParameterTable`). The lookups considered are
    a superset of those the model makes: every type and technology the dataset's rows
    name (and the override's), with '-' only where some dataset row uses '-' there. An
    override that is the first match of none of them changes nothing.
    """
    if not dataset or override in dataset:
        return False
    types = {v for v, _ in dataset if v != "-"} | ({override[0]} - {"-"})
    techs = {t for _, t in dataset if t != "-"} | ({override[1]} - {"-"})
    if any(v == "-" for v, _ in dataset) or not types:
        types.add("-")
    if any(t == "-" for _, t in dataset) or not techs:
        techs.add("-")
    keys = dataset | {override}
    for vehicle_type in types:
        for technology in techs:
            for candidate in (
                (vehicle_type, technology),
                ("-", technology),
                (vehicle_type, "-"),
                ("-", "-"),
            ):
                if candidate in keys:
                    if candidate == override:
                        return False
                    break
    return True


def _check_supply_shares(scenario: Scenario, data: Dataset) -> None:
    """Hydrogen supply shares after the overrides may not add up to more than all the hydrogen."""
    overrides = [
        (i, o) for i, o in enumerate(scenario.parameters) if o.parameter == "h2_supply_share"
    ]
    if not overrides:
        return
    years = scenario.year_list
    rows = data.parameters[data.parameters["parameter"] == "h2_supply_share"]
    paths: dict[str, dict[int, float]] = defaultdict(dict)
    for row in rows.itertuples(index=False):
        paths[row.technology][int(row.year)] = float(row.value)
    for i, override in overrides:
        if override.technology == "-":
            raise _refuse(
                "h2_supply_share is a share per hydrogen pathway; expected the pathway as technology "
                f"(one of {', '.join(sorted(paths)) or 'the pathways of parameters.csv'})",
                "parameters", i, "technology",
            )  # fmt: skip
        paths[override.technology] = (
            dict(override.path) if override.path is not None else {years[0]: float(override.value)}  # type: ignore[arg-type]
        )
    total = np.zeros(len(years))
    for path in paths.values():
        total += interpolate_path(path, years)
    over = np.flatnonzero(total > 1 + _SHARE_SLACK)
    if over.size:
        at = int(over[0])
        raise _refuse(
            f"with this override the hydrogen pathways' supply shares add up to {total[at]:.3g} in {years[at]}; "
            "expected at most 1 (lower the other pathways' shares too)",
            "parameters", overrides[0][0], "value",
        )  # fmt: skip
