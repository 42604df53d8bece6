"""Turn a solved model into tidy tables: no Pyomo object leaves this module.

Every table is long-form (one row per entity and year) with units in the
column names, ready for the app, the CLI and files (CSV, GeoPackage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import pyomo.environ as pyo

from network.schema import WGS84
from optimiser.formulation.charging import site_charger_kva
from optimiser.formulation.hydrogen import existing_h2_kg_day
from optimiser.formulation.objective import HKD_M, cost_components
from optimiser.inputs import ModelInputs
from optimiser.solver import SolveReport

ZEV = ("bev", "fcev")


@dataclass
class PlanResult:
    """Everything a user reads off one solved scenario (tables in tidy form)."""

    scenario_name: str
    fingerprint: str
    report: SolveReport
    timings_s: dict[str, float]
    fleet: pd.DataFrame
    purchases: pd.DataFrame
    subsidy: pd.DataFrame
    chargers: pd.DataFrame
    stations: pd.DataFrame
    emissions: pd.DataFrame
    costs: pd.DataFrame
    truck_coverage: pd.DataFrame
    taxi_charging: pd.DataFrame
    targets: pd.DataFrame
    marginal_values: pd.DataFrame = field(default_factory=pd.DataFrame)
    early_retirements: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: tonnes the subsidised vehicles abate over their years in service inside the horizon
    co2_abated_by_subsidised_t: float = 0.0
    sites: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)
    budget_hkd: float = 0.0
    objective_unit: str = "HK$ million"

    def zev_in_service(self) -> dict[str, dict[int, float]]:
        """Zero-emission vehicles in service: class -> year -> vehicles."""
        zev = self.fleet[self.fleet["technology"].isin(ZEV)]
        table = zev.groupby(["vehicle_class", "year"])["vehicles"].sum()
        out: dict[str, dict[int, float]] = {}
        for vclass in ("bus", "taxi", "truck"):
            years = sorted(self.fleet["year"].unique())
            out[vclass] = {int(y): round(float(table.get((vclass, y), 0.0)), 1) for y in years}
        return out

    def _opened_sites(self) -> list[dict[str, Any]]:
        """Hydrogen stations and charging sites the plan uses: the year it first does, with the
        capacity then (``capacity_first_year``) and at the end of the horizon (``capacity``)."""
        sites: list[dict[str, Any]] = []
        if not self.stations.empty:
            for site_id, rows in self.stations[self.stations["opened"]].groupby("site_id", sort=False):
                rows = rows.sort_values("year")
                first, last = rows.iloc[0], rows.iloc[-1]
                if float(rows["capacity_kg_day"].max()) <= 0:
                    # open without a module: no capacity, within the solver's gap; not a station
                    continue
                sites.append(
                    {
                        "site": site_id,
                        "name": first["name"],
                        "kind": "hydrogen",
                        "year": int(first["year"]),
                        "capacity": round(float(last["capacity_kg_day"]), 1),
                        "capacity_first_year": round(float(first["capacity_kg_day"]), 1),
                        "capacity_unit": "kg/day",
                        # an existing or committed station: 'year' is when the plan first uses it
                        "existing": bool(rows["existing_or_committed"].any()),
                    }
                )
        if not self.chargers.empty:
            built = self.chargers[self.chargers["new_chargers"] > 0]
            for (site_id, kind), rows in built.groupby(["site_id", "charger_kind"], sort=False):
                rows = rows.sort_values("year")
                first, last = rows.iloc[0], rows.iloc[-1]
                sites.append(
                    {
                        "site": site_id,
                        "name": first["name"],
                        "kind": f"{kind}_charging",
                        "year": int(first["year"]),
                        "capacity": round(float(last["new_kw"]), 1),
                        "capacity_first_year": round(float(first["new_kw"]), 1),
                        "capacity_unit": "kW",
                        "chargers": round(float(last["new_chargers"])),
                        "chargers_first_year": round(float(first["new_chargers"])),
                    }
                )
        return sorted(sites, key=lambda site: (site["year"], site["kind"], site["site"]))

    def summary(self) -> dict[str, Any]:
        """Key figures as plain JSON-able values (the CLI's ``--json`` object)."""
        by_programme = self.subsidy.groupby("programme_id")["subsidy_hkd"].sum() if not self.subsidy.empty else pd.Series(dtype=float)
        stations = self._opened_sites()
        abated = float(self.emissions["abated_total_t"].sum())
        subsidy_total = float(self.subsidy["subsidy_hkd"].sum()) if not self.subsidy.empty else 0.0
        costs = self.costs.groupby("component")["discounted_hkd"].sum()
        return {
            "scenario": self.scenario_name,
            "fingerprint": self.fingerprint,
            "status": self.report.status,
            "gap": self.report.gap,
            "objective": self.report.objective,
            "best_bound": self.report.best_bound,
            "objective_unit": self.objective_unit,
            # the gap in the objective's own units: what the plan could still be off by
            "gap_absolute": abs(self.report.objective - self.report.best_bound)
            if self.report.objective is not None and self.report.best_bound is not None
            else None,
            "budget_hkd": self.budget_hkd,
            "subsidy_hkd_total": round(subsidy_total, 0),
            "subsidy_hkd_by_programme": {str(k): round(float(v), 0) for k, v in by_programme.items()},
            "zev_in_service": self.zev_in_service(),
            "co2_abated_t": round(abated, 1),
            "co2_abated_basis": str(self.emissions["basis"].iloc[0]) if not self.emissions.empty else "",
            "system_cost_hkd": round(float(costs.sum()), 0),
            "system_cost_hkd_by_component": {str(k): round(float(v), 0) for k, v in costs.items()},
            "co2_abated_by_subsidised_t": round(self.co2_abated_by_subsidised_t, 1),
            # HK$ of subsidy per tonne its vehicles abate (not per tonne of all abatement,
            # most of which is voluntary uptake the subsidy did not cause)
            "subsidy_hkd_per_t_abated": round(subsidy_total / self.co2_abated_by_subsidised_t, 1)
            if self.co2_abated_by_subsidised_t > 0
            else None,
            "stations": stations,
            "targets": self.targets.to_dict(orient="records"),
            "marginal_values": self.marginal_values.to_dict(orient="records") if not self.marginal_values.empty else [],
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
            "notes": self.notes,
        }


def _value(var: Any) -> float:
    value = pyo.value(var, exception=False)
    return 0.0 if value is None else float(value)


def extract_results(model: pyo.ConcreteModel, inputs: ModelInputs, report: SolveReport, timings_s: dict[str, float]) -> PlanResult:
    """Read the solved ``model`` into a :class:`PlanResult`."""
    m = model
    seg = inputs.segments
    years = inputs.years

    stock = m.stock.extract_values()
    fleet = _with_segment_columns(
        pd.DataFrame(
            [(s, k, t, v if v is not None else 0.0) for (s, k, t), v in stock.items()],
            columns=["segment_id", "technology", "year", "vehicles"],
        ),
        seg,
        ["vehicle_class", "vehicle_type", "location", "label"],
    )[["segment_id", "vehicle_class", "vehicle_type", "location", "label", "technology", "year", "vehicles"]]

    subsidised_by: dict[tuple[str, str, int], float] = {}
    for key, value in m.subsidised.extract_values().items():
        subsidised_by[(key[1], key[2], key[3])] = subsidised_by.get((key[1], key[2], key[3]), 0.0) + (value or 0.0)
    voluntary = m.voluntary.extract_values()
    purchases = pd.DataFrame(
        [
            (s, k, t, value or 0.0, voluntary.get((s, k, t)) or 0.0, subsidised_by.get((s, k, t), 0.0), inputs.cost_gap_hkd.get((s, k, t)))
            for (s, k, t), value in m.buy.extract_values().items()
        ],
        columns=["segment_id", "technology", "year", "bought", "voluntary", "subsidised", "operator_cost_gap_hkd"],
    )
    purchases.insert(1, "vehicle_class", purchases["segment_id"].map(seg["vehicle_class"]))

    options = inputs.subsidy_options
    payment = {
        (p, s, k, int(t)): float(v)
        for p, s, k, t, v in zip(options["programme_id"], options["segment_id"], options["technology"], options["year"], options["payment_hkd"], strict=True)
    }
    subsidy_rows = []
    for key in m.O:
        vehicles = _value(m.subsidised[key])
        if vehicles <= 1e-6:
            continue
        subsidy_rows.append(
            {
                "programme_id": key[0],
                "segment_id": key[1],
                "vehicle_class": seg.at[key[1], "vehicle_class"],
                "vehicle_type": seg.at[key[1], "vehicle_type"],
                "technology": key[2],
                "year": key[3],
                "vehicles": vehicles,
                "payment_per_vehicle_hkd": payment[key],
                "subsidy_hkd": vehicles * payment[key],
            }
        )
    subsidy = pd.DataFrame(
        subsidy_rows,
        columns=["programme_id", "segment_id", "vehicle_class", "vehicle_type", "technology", "year", "vehicles", "payment_per_vehicle_hkd", "subsidy_hkd"],
    )

    abated_by_subsidised = _abatement_of_subsidised(subsidy, inputs)
    chargers = _charger_table(m, inputs)
    stations = _station_table(m, inputs)
    emissions = _emission_table(m, inputs)
    costs = _cost_table(m, inputs)

    coverage_rows = []
    corridors = inputs.corridors
    for q in inputs.flows.index:
        corridor = inputs.flows.at[q, "corridor"]
        segment = f"truck_{corridor}"
        share = float(inputs.flows.at[q, "trucks"]) / max(float(corridors.at[corridor, "fleet"]), 1e-9)
        for t in years:
            # Covered iff every arc-cover row has an open station (the variable itself
            # only needs to be as large as the fuel-cell share of the flow).
            covered = corridor in m.Q and all(
                any(_value(m.h2_open[h, t]) > 0.5 for h in cover_row) for cover_row in inputs.cover_rows[corridor]
            )
            fcev = _value(m.stock[segment, "fcev", t]) * share if (segment, "fcev", t) in m.SKT else 0.0
            coverage_rows.append(
                {
                    "flow_id": q,
                    "corridor": corridor,
                    "origin": inputs.flows.at[q, "origin"],
                    "destination": inputs.flows.at[q, "destination"],
                    "year": t,
                    "daily_round_trips": float(inputs.flows.at[q, "daily_round_trips"]),
                    "one_way_km": float(inputs.flows.at[q, "one_way_km"]),
                    "coverable": bool(inputs.flows.at[q, "coverable"]),
                    "refuelled": covered,
                    "fcev_trucks": fcev,
                }
            )
    truck_coverage = pd.DataFrame(coverage_rows)

    taxi_rows = [
        {"zone_id": z, "site_id": c, "year": t, "kwh_per_day": _value(m.taxi_energy[z, c, t])}
        for (z, c) in m.ZC
        for t in m.T
    ]
    taxi_charging = pd.DataFrame(taxi_rows, columns=["zone_id", "site_id", "year", "kwh_per_day"])
    taxi_charging = taxi_charging[taxi_charging["kwh_per_day"] > 1e-6].reset_index(drop=True)

    target_rows = []
    for g in m.G:
        row = inputs.targets.loc[g]
        short = _value(m.target_short[g])
        achieved = float(fleet[(fleet["vehicle_class"] == row["vehicle_class"]) & (fleet["year"] == row["year"]) & fleet["technology"].isin(ZEV)]["vehicles"].sum())
        target_rows.append(
            {
                "target_id": g,
                "vehicle_class": row["vehicle_class"],
                "year": int(row["year"]),
                "min_zev": float(row["min_zev"]),
                "achieved_zev": round(achieved, 1),
                "short": round(short, 1),
                "hard": bool(row["hard"]),
                "met": short <= 0.5,
            }
        )
    targets = pd.DataFrame(target_rows, columns=["target_id", "vehicle_class", "year", "min_zev", "achieved_zev", "short", "hard", "met"])

    retired = []
    incumbent = seg["incumbent"].to_dict()
    for s in m.S:
        for t in m.T:
            early = inputs.initial_stock[(s, incumbent[s], t)] - _value(m.remaining_initial[s, t])
            if early > 1e-6:
                retired.append({"segment_id": s, "vehicle_class": seg.at[s, "vehicle_class"], "year": t, "retired_early_cumulative": early})
    early_retirements = pd.DataFrame(retired, columns=["segment_id", "vehicle_class", "year", "retired_early_cumulative"])

    sites = inputs.sites
    site_geo = gpd.GeoDataFrame(
        sites.drop(columns=[c for c in ("geometry",) if c in sites.columns]).reset_index(drop=True),
        geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
        crs=WGS84,
    )
    return PlanResult(
        scenario_name=inputs.scenario.name,
        fingerprint=inputs.scenario.fingerprint(),
        report=report,
        timings_s=timings_s,
        fleet=fleet,
        purchases=purchases,
        subsidy=subsidy,
        chargers=chargers,
        stations=stations,
        emissions=emissions,
        costs=costs,
        truck_coverage=truck_coverage,
        taxi_charging=taxi_charging,
        targets=targets,
        early_retirements=early_retirements,
        co2_abated_by_subsidised_t=abated_by_subsidised,
        sites=site_geo,
        notes=list(inputs.notes),
        budget_hkd=inputs.budget_hkd,
        objective_unit="HK$ million (discounted)" if inputs.scenario.objective == "min_cost" else "t CO2 abated",
    )


def _charger_table(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    infra = inputs.infrastructure
    lead = round(infra["grid_upgrade_lead_years"])
    sites = inputs.sites
    rows = []
    depot_site = {d: inputs.depot_sites.at[d, "site_id"] for d in m.D}
    for d in m.D:
        site = depot_site[d]
        for t in m.T:
            count = _value(m.depot_chargers[d, t])
            rows.append(("depot", site, d, t, count, count * infra["depot_charger_kw"], 0))
    for c in m.C:
        for t in m.T:
            count = _value(m.public_chargers[c, t])
            rows.append(("public", c, sites.at[c, "depot_id"], t, count, count * infra["public_charger_kw"], int(sites.at[c, "existing_fast_chargers"])))
    table = pd.DataFrame(rows, columns=["charger_kind", "site_id", "depot_id", "year", "new_chargers", "new_kw", "existing_chargers"])
    table["new_chargers"] = table["new_chargers"].round().clip(lower=0) + 0.0
    table["new_kw"] = table["new_kw"].clip(lower=0) + 0.0
    grid = []
    for i in m.I:
        for t in m.T:
            arrived = sum(_value(m.grid_order[i, tau]) for tau in m.T if tau <= t - lead)
            grid.append(
                {
                    "site_id": i,
                    "year": t,
                    "kva_needed": _value(site_charger_kva(m, inputs, i, t)),
                    "grid_headroom_kva": float(sites.at[i, "grid_headroom_kva"]),
                    "grid_upgrade_ordered_kva": _value(m.grid_order[i, t]),
                    "grid_upgrade_in_service_kva": arrived,
                }
            )
    grid_columns = ["site_id", "year", "kva_needed", "grid_headroom_kva", "grid_upgrade_ordered_kva", "grid_upgrade_in_service_kva"]
    table = table.merge(pd.DataFrame(grid, columns=grid_columns), on=["site_id", "year"], how="left")
    table["name"] = table["site_id"].map(sites["name"])
    table["kind"] = table["site_id"].map(sites["kind"])
    table["lon"] = table["site_id"].map(sites["lon"])
    table["lat"] = table["site_id"].map(sites["lat"])
    keep = table.groupby(["site_id", "charger_kind"])["new_chargers"].transform("max") > 0
    return table[keep].reset_index(drop=True)


def _station_table(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    infra = inputs.infrastructure
    sites = inputs.sites
    sold: dict[tuple[str, int], float] = {}
    for u, h in m.UH:
        for t in m.T:
            sold[(h, t)] = sold.get((h, t), 0.0) + _value(m.h2_supply[u, h, t])
    rows = []
    for h in m.H:
        for t in m.T:
            built = _value(m.h2_built[h, t]) > 0.5
            open_ = _value(m.h2_open[h, t]) > 0.5
            modules = round(_value(m.h2_modules[h, t]))
            capacity = existing_h2_kg_day(inputs, h, t) + modules * infra["h2_module_kg_day"] if built else 0.0
            rows.append(
                {
                    "site_id": h,
                    "name": sites.at[h, "name"],
                    "kind": sites.at[h, "kind"],
                    "year": t,
                    "built": built,
                    "opened": open_,
                    "existing_or_committed": existing_h2_kg_day(inputs, h, t) > 0,
                    "modules": modules,
                    "capacity_kg_day": capacity,
                    "demand_kg_day": sold.get((h, t), 0.0),
                    "lon": sites.at[h, "lon"],
                    "lat": sites.at[h, "lat"],
                }
            )
    columns = ["site_id", "name", "kind", "year", "built", "opened", "existing_or_committed", "modules", "capacity_kg_day", "demand_kg_day", "lon", "lat"]
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    keep = table.groupby("site_id")["built"].transform("max").astype(bool)
    return table[keep].reset_index(drop=True)


def _abatement_of_subsidised(subsidy: pd.DataFrame, inputs: ModelInputs) -> float:
    """Tonnes (scenario basis) the subsidised vehicles save against the incumbent over their
    years in service inside the horizon: Σ vehicles x (e_incumbent − e_zev) per year."""
    incumbent = inputs.segments["incumbent"].to_dict()
    vehicle_type = inputs.segments["vehicle_type"].to_dict()
    total = 0.0
    for row in subsidy.itertuples(index=False):
        life = inputs.lifetime[(vehicle_type[row.segment_id], row.technology)]
        for t in inputs.years:
            if row.year <= t < row.year + life:
                saved = inputs.emissions_t[(row.segment_id, incumbent[row.segment_id], t)] - inputs.emissions_t[(row.segment_id, row.technology, t)]
                total += row.vehicles * saved * inputs.period_weight[t]
    return total


def _with_segment_columns(frame: pd.DataFrame, segments: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Add segment attributes to a table keyed by ``segment_id`` (one join, not a lookup per row)."""
    return frame.join(segments[columns], on="segment_id")


def _emission_table(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    stock = m.stock.extract_values()
    keys = list(stock)
    table = pd.DataFrame(
        {
            "segment_id": [k[0] for k in keys],
            "year": [k[2] for k in keys],
            "ttw_t": [(stock[k] or 0.0) * inputs.emissions_ttw_t[k] for k in keys],
            "wtw_t": [(stock[k] or 0.0) * inputs.emissions_wtw_t[k] for k in keys],
        }
    )
    table["vehicle_class"] = table["segment_id"].map(inputs.segments["vehicle_class"])
    table = table.groupby(["vehicle_class", "year"], as_index=False)[["ttw_t", "wtw_t"]].sum()
    base = inputs.baseline_emissions.groupby(["vehicle_class", "year"])[["ttw_t", "wtw_t"]].sum().add_prefix("baseline_").reset_index()
    table = table.merge(base, on=["vehicle_class", "year"], how="left")
    basis = inputs.abatement_basis
    # Rates are per calendar year; totals over the horizon weight each modelled year by
    # the calendar years it stands for (1 with annual steps).
    table["years_represented"] = table["year"].map(inputs.period_weight)
    table["abated_t"] = table[f"baseline_{basis}_t"] - table[f"{basis}_t"]
    table["abated_total_t"] = table["abated_t"] * table["years_represented"]
    table["basis"] = basis
    return table.sort_values(["vehicle_class", "year"]).reset_index(drop=True)


def _cost_table(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    components = cost_components(m, inputs)
    rows = [{"component": name, "discounted_hkd": _value(expr) * HKD_M} for name, expr in components.items()]
    return pd.DataFrame(rows)
