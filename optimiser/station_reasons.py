"""Why each hydrogen station of a plan is where it is: the demand it serves, how far that
demand is, what it costs, and the other stations that could have served the same demand.

A planner asked to approve a station wants these in one row: a new station 7 km from an
existing one with room to spare needs a reason (the existing one is out of the buses' reach,
or off the trucks' routes), and the row gives it. No Pyomo here: the supply the plan chose
arrives as numbers from :mod:`fleetplan.optimiser.results`.
"""

from __future__ import annotations

import pandas as pd

from fleetplan.optimiser.inputs import ModelInputs

COLUMNS = [
    "site_id", "name", "kind", "existing_or_committed", "first_year", "peak_year", "demand_kg_day", "capacity_kg_day",
    "utilisation", "bus_kg_day", "truck_kg_day", "mean_km_to_demand", "new_capex_hkd", "consumers", "alternatives", "reason",
]  # fmt: skip

#: kg/day below which a station's sales count as none (solver noise)
_NOISE_KG_DAY = 0.5


def _consumer_label(inputs: ModelInputs, consumer: str) -> str:
    kind, _, ref = consumer.partition(":")
    if kind == "depot":
        return f"fuel-cell buses of depot {ref}"
    label = inputs.corridors.at[ref, "label"] if ref in inputs.corridors.index else ref
    return f"fuel-cell trucks of corridor {label}"


def station_reasons(
    stations: pd.DataFrame, supply_kg_day: dict[tuple[str, str, int], float], inputs: ModelInputs
) -> pd.DataFrame:
    """One row per station the plan builds or keeps: the demand at its busiest year and why there.

    ``stations`` is the plan's station table (site x year); ``supply_kg_day`` maps (consumer,
    site, year) to the kg/day the plan has that site sell to that consumer. ``alternatives``
    lists the other hydrogen sites that could supply the station's largest consumer, each with
    what it had in that year (open with spare kg/day, or not built) and its km to that consumer.
    """
    if stations.empty:
        return pd.DataFrame(columns=COLUMNS)
    infra = inputs.infrastructure
    module_capex = float(infra["h2_module_capex_hkd"])
    fixed_capex = float(infra["h2_station_fixed_capex_hkd"])
    by_year = {(r.site_id, int(r.year)): r for r in stations.itertuples(index=False)}
    suppliers: dict[str, list[str]] = {}
    for u, h in inputs.h2_supply_pairs:
        suppliers.setdefault(u, []).append(h)
    rows = []
    for site_id, group in stations.groupby("site_id", sort=True):
        used = group[group["built"].astype(bool)]
        if used.empty:
            continue
        peak = used.loc[used["demand_kg_day"].idxmax()]
        year = int(peak["year"])
        sold = {
            u: kg
            for (u, h, t), kg in supply_kg_day.items()
            if h == site_id and t == year and kg > _NOISE_KG_DAY
        }
        demand = float(peak["demand_kg_day"])
        bus = sum(kg for u, kg in sold.items() if u.startswith("depot:"))
        km = (
            sum(kg * inputs.h2_supply_km.get((u, site_id), 0.0) for u, kg in sold.items()) / demand
            if demand > _NOISE_KG_DAY
            else float("nan")
        )
        existing = bool(group["existing_or_committed"].any())
        modules = int(used["modules"].max())
        new_capex = modules * module_capex + (0.0 if existing else fixed_capex)
        consumers = "; ".join(
            f"{_consumer_label(inputs, u)}: {kg:,.0f} kg/day"
            for u, kg in sorted(sold.items(), key=lambda x: -x[1])
        )
        alternatives = []
        if sold:
            main = max(sold, key=lambda u: sold[u])
            for other in sorted(
                suppliers.get(main, []), key=lambda h: inputs.h2_supply_km.get((main, h), 0.0)
            ):
                if other == site_id:
                    continue
                there = by_year.get((other, year))
                distance = inputs.h2_supply_km.get((main, other), 0.0)
                name = inputs.sites.at[other, "name"]
                if there is not None and bool(there.opened):
                    spare = float(there.capacity_kg_day) - float(there.demand_kg_day)
                    alternatives.append(
                        f"{other} {name}: open, {max(spare, 0.0):,.0f} kg/day spare, {distance:.1f} km"
                    )
                else:
                    alternatives.append(f"{other} {name}: not built, {distance:.1f} km")
        if existing:
            reason = f"existing or committed station, {demand / max(float(peak['capacity_kg_day']), 1e-9):.0%} used in {year}"
        elif not sold:
            reason = (
                "built for the arc cover of truck routes; sells no hydrogen in its busiest year"
            )
        else:
            spare_nearby = [
                a
                for a in alternatives
                if ": open," in a and not a.split(": open, ")[1].startswith("0 kg")
            ]
            reason = f"serves {len(sold)} consumer(s) at a mean {km:.1f} km; " + (
                "stations open nearby with room: "
                + "; ".join(spare_nearby[:2])
                + " (the plan found this site cheaper over the horizon)"
                if spare_nearby
                else "no other open station within their reach had room"
            )
        rows.append(
            {
                "site_id": site_id,
                "name": peak["name"],
                "kind": peak["kind"],
                "existing_or_committed": existing,
                "first_year": int(used["year"].min()),
                "peak_year": year,
                "demand_kg_day": demand,
                "capacity_kg_day": float(peak["capacity_kg_day"]),
                "utilisation": demand / float(peak["capacity_kg_day"])
                if float(peak["capacity_kg_day"]) > 0
                else 0.0,
                "bus_kg_day": bus,
                "truck_kg_day": demand - bus,
                "mean_km_to_demand": km,
                "new_capex_hkd": new_capex,
                "consumers": consumers,
                "alternatives": "; ".join(alternatives[:4])
                if alternatives
                else "none within reach",
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
