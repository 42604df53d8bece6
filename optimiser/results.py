"""Turn a solved model into tidy tables: no Pyomo object leaves this module.

Every table is long-form (one row per entity and year) with units in the
column names, ready for the app, the CLI and files (CSV, GeoPackage).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from fleetplan.network.schema import WGS84
from fleetplan.optimiser.certainty import (
    TONNES_PER_HKD_DEFINITION,
    difference_error_hkd,
    measurable,
)
from fleetplan.optimiser.formulation.expressions import HKD_M, cost_components
from fleetplan.optimiser.formulation.hydrogen import consumer_demand, existing_h2_kg_day
from fleetplan.optimiser.formulation.targets import target_treatment
from fleetplan.optimiser.inputs import ModelInputs
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.solver import SolveReport
from fleetplan.optimiser.station_reasons import station_reasons
from fleetplan.optimiser.summary import PlanSummary
from fleetplan.optimiser.whole_numbers import Diffusion, WholeFleet, half_up, whole_fleet

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
    #: programme x year: the payment level chosen (share of the cap, HK$ per vehicle by type)
    payment_levels: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: penalties in the objective (HK$, discounted): never part of the system cost
    penalties: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: zone x year: taxi fast charging (kWh/day) no site within reach can serve
    taxi_unserved: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: names of the limits that bind (e.g. ``programme_cap:e_taxi``, ``depot_space:KMB-K``)
    binding_limits: list[str] = field(default_factory=list)
    #: figures of the no-policy counterfactual (no programme, no target), when solved
    counterfactual: dict[str, Any] | None = None
    #: the objective's constant (no decision changes it), in the objective's unit
    objective_constant: float = 0.0
    #: programme -> cap (HK$) after the scenario's overrides
    programme_caps_hkd: dict[str, float] = field(default_factory=dict)
    #: programme -> "announced" (paid to every eligible purchase until the money runs out) or "chosen"
    payment_rules: dict[str, str] = field(default_factory=dict)
    early_retirements: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: one row per hydrogen station the plan builds or keeps: demand served at its busiest
    #: year, km to it, new capex, the other stations that could serve it, and why this site
    station_reasons: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: tonnes the subsidised vehicles abate over their years in service inside the horizon
    co2_abated_by_subsidised_t: float = 0.0
    sites: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)
    budget_hkd: float = 0.0
    objective_unit: str = "HK$ million"
    #: every variable's solved value, keyed by (variable name, index): the MIP start of a
    #: re-solve after a small change (plain values, no Pyomo object)
    decisions: dict[tuple[str, Any], float] = field(default_factory=dict, repr=False)

    def zev_in_service(self) -> dict[str, dict[int, float]]:
        """Zero-emission vehicles in service: class -> year -> vehicles."""
        zev = self.fleet[self.fleet["technology"].isin(ZEV)]
        table = zev.groupby(["vehicle_class", "year"])["vehicles"].sum()
        out: dict[str, dict[int, float]] = {}
        # Every class the dataset plans for, in the order its segments come (catalogue order).
        for vclass in self.fleet["vehicle_class"].unique():
            years = sorted(self.fleet["year"].unique())
            out[vclass] = {int(y): int(table.get((vclass, y), 0)) for y in years}  # whole vehicles
        return out

    def _opened_sites(self) -> list[dict[str, Any]]:
        """Hydrogen stations and charging sites the plan uses: the year it first does, with the
        capacity then (``capacity_first_year``) and at the end of the horizon (``capacity``)."""
        sites: list[dict[str, Any]] = []
        if not self.stations.empty:
            for site_id, rows in self.stations[self.stations["opened"]].groupby(
                "site_id", sort=False
            ):
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

    def _committed_public_chargers(self) -> dict[int, float]:
        """Year -> committed public fast chargers in service (programmes', not the plan's; capacity it counts on)."""
        if self.chargers.empty or "committed_chargers" not in self.chargers:
            return {}
        public = self.chargers[self.chargers["charger_kind"] == "public"]
        return {
            int(y): round(float(v), 0)
            for y, v in public.groupby("year")["committed_chargers"].sum().items()
        }

    def _payments_by_programme_year(self) -> dict[str, dict[str, float]]:
        """programme -> year -> HK$ per vehicle offered (level x the programme's largest per-vehicle cap)."""
        out: dict[str, dict[str, float]] = {}
        for row in self.payment_levels.itertuples(index=False):
            out.setdefault(str(row.programme_id), {})[str(int(row.year))] = round(
                float(row.payment_level) * float(row.per_vehicle_cap_hkd), 0
            )
        return out

    def _against_no_policy(
        self, abated_t: float, subsidy_hkd: float, system_cost_hkd: float
    ) -> dict[str, Any]:
        """Abatement, vehicles and cost against the no-policy counterfactual, each difference with
        the error bound of the two solves, and the one tonnes-per-HK$ figure (abatement the
        policy adds ÷ subsidy paid); None where the counterfactual was not solved."""
        per_m = subsidy_hkd / 1e6
        cf = self.counterfactual
        years = (
            sorted(int(y) for y in self.emissions["year"].unique())
            if not self.emissions.empty
            else []
        )
        basis = str(self.emissions["basis"].iloc[0]).upper() if not self.emissions.empty else ""
        out: dict[str, Any] = {
            "co2_t_per_hkd_m_definition": TONNES_PER_HKD_DEFINITION.format(
                basis=basis, start=years[0] if years else "?", end=years[-1] if years else "?"
            )
            if cf is not None
            else None
        }
        if cf is None:
            out.update(
                {"co2_abated_vs_no_policy_t": None, "co2_t_per_hkd_m_subsidy_vs_no_policy": None}
            )
            return out
        extra_t = abated_t - float(cf["co2_abated_t"])
        zev_now = self.zev_in_service()
        cost_difference = system_cost_hkd - float(cf["system_cost_hkd"])
        no_policy = {
            key: cf[key]
            for key in (
                "co2_abated_t",
                "system_cost_hkd",
                "zev_in_service",
                "status",
                "gap_absolute",
            )
            if key in cf
        }
        error = difference_error_hkd(
            {"objective_unit": self.objective_unit, "gap_absolute": self._gap_absolute()},
            {
                "objective_unit": cf.get("objective_unit", self.objective_unit),
                "gap_absolute": cf.get("gap_absolute"),
            },
        )
        out.update(
            {
                "co2_abated_vs_no_policy_t": round(extra_t, 1),
                "co2_t_per_hkd_m_subsidy_vs_no_policy": round(extra_t / per_m, 1)
                if per_m > 0
                else None,
                "subsidy_hkd_per_t_vs_no_policy": round(subsidy_hkd / extra_t, 1)
                if extra_t > 1e-6
                else None,
                "system_cost_hkd_vs_no_policy": round(cost_difference, 0),
                # both solves' certified errors: a difference inside it is no measurable difference
                "system_cost_hkd_vs_no_policy_error_hkd": None
                if error is None
                else round(error, 0),
                "system_cost_vs_no_policy_measurable": measurable(cost_difference, error),
                "zev_in_service_vs_no_policy": {
                    vclass: {
                        year: round(
                            value - float(cf["zev_in_service"].get(vclass, {}).get(year, 0.0)), 1
                        )
                        for year, value in years.items()
                    }
                    for vclass, years in zev_now.items()
                },
                "no_policy": no_policy,
            }
        )
        return out

    def _gap_absolute(self) -> float | None:
        """The plan's certified error in the objective's unit (|objective − bound|)."""
        if self.report.objective is None or self.report.best_bound is None:
            return None
        return abs(self.report.objective - self.report.best_bound)

    def __setattr__(self, name: str, value: Any) -> None:
        # A field set after extraction (marginal values, the counterfactual, timings) makes the
        # cached figures stale.
        object.__setattr__(self, name, value)
        self.__dict__.pop("_figures", None)

    @property
    def figures(self) -> PlanSummary:
        """The key figures as one typed model, built once and kept until a field is set again."""
        cached = self.__dict__.get("_figures")
        # notes are appended in place (no assignment): a longer list builds the figures again
        if cached is None or cached[0] != len(self.notes):
            cached = (len(self.notes), PlanSummary.model_validate(self._summary_values()))
            self.__dict__["_figures"] = cached
        return cached[1]

    def summary(self) -> dict[str, Any]:
        """Key figures as plain JSON-able values (the CLI's ``--json`` object): :attr:`figures` as a dict."""
        return self.figures.to_dict()

    def _summary_values(self) -> dict[str, Any]:
        """The values of :class:`PlanSummary`, computed from the tables."""
        by_programme = (
            self.subsidy.groupby("programme_id")["subsidy_hkd"].sum()
            if not self.subsidy.empty
            else pd.Series(dtype=float)
        )
        paid_vehicles = (
            self.subsidy.groupby("programme_id")["vehicles"].sum()
            if not self.subsidy.empty
            else pd.Series(dtype=float)
        )
        free_riders = (
            self.subsidy.groupby("programme_id")["free_riders"].sum()
            if not self.subsidy.empty
            else pd.Series(dtype=float)
        )
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
            "gap_absolute": self._gap_absolute(),
            "budget_hkd": self.budget_hkd,
            "subsidy_hkd_total": round(subsidy_total, 0),
            "subsidy_hkd_by_programme": {
                str(k): round(float(v), 0) for k, v in by_programme.items()
            },
            "programme_caps_hkd": {str(k): float(v) for k, v in self.programme_caps_hkd.items()},
            # "announced": every eligible purchase paid until the money runs out; "chosen": a lever
            "payment_rule_by_programme": dict(self.payment_rules),
            "subsidy_vehicles_by_programme": {str(k): int(v) for k, v in paid_vehicles.items()},
            "subsidy_payment_hkd_by_programme_year": self._payments_by_programme_year(),
            "free_rider_share_by_programme": {
                str(k): round(float(free_riders.get(k, 0.0)) / float(v), 4) if v > 1e-9 else None
                for k, v in paid_vehicles.items()
            },
            "binding_limits": list(self.binding_limits),
            "penalties_hkd": {
                str(r.penalty): round(float(r.discounted_hkd), 0)
                for r in self.penalties.itertuples(index=False)
            }
            if not self.penalties.empty
            else {},
            "zev_in_service": self.zev_in_service(),
            "committed_public_chargers": self._committed_public_chargers(),
            "co2_abated_t": round(abated, 1),
            "co2_abated_basis": str(self.emissions["basis"].iloc[0])
            if not self.emissions.empty
            else "",
            "system_cost_hkd": round(float(costs.sum()), 0),
            "system_cost_hkd_by_component": {str(k): round(float(v), 0) for k, v in costs.items()},
            # money in two bases: never set side by side without saying which is which
            "money_basis": {
                "system_cost_hkd": "discounted to the first year at the social discount rate",
                "subsidy_hkd": "nominal: HK$ paid, not discounted",
                "penalties_hkd": "discounted; penalties are not costs",
            },
            # a total against the all-incumbent baseline (labelled as such), not a ratio
            "co2_abated_by_subsidised_t": round(self.co2_abated_by_subsidised_t, 1),
            **self._against_no_policy(abated, subsidy_total, float(costs.sum())),
            "stations": stations,
            "targets": self.targets.to_dict(orient="records"),
            "marginal_values": self.marginal_values.to_dict(orient="records")
            if not self.marginal_values.empty
            else [],
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
            "notes": self.notes,
        }


def _value(var: Any) -> float:
    value = pyo.value(var, exception=False)
    return 0.0 if value is None else float(value)


def bound_past_plan(report: SolveReport, *, maximise: bool) -> bool:
    """Whether HiGHS's bound lies past its own plan's objective (above it when minimising).

    No valid bound can: the gap is then not a certificate. HiGHS 1.16 did this on a small
    synthetic city (its presolve's aggregator; ``tests/test_certified.py``), so the plan says
    so instead of quoting ``|objective - bound|`` as its certified error. The tolerance is
    HiGHS's own scale of round-off on the objective (1e-6 relative, at least 1e-6).
    """
    if report.objective is None or report.best_bound is None:
        return False
    past = (
        report.objective - report.best_bound if maximise else report.best_bound - report.objective
    )
    return past > 1e-6 * max(1.0, abs(report.objective))


def extract_results(
    model: pyo.ConcreteModel, inputs: ModelInputs, report: SolveReport, timings_s: dict[str, float]
) -> PlanResult:
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
    )[
        [
            "segment_id",
            "vehicle_class",
            "vehicle_type",
            "location",
            "label",
            "technology",
            "year",
            "vehicles",
        ]
    ]

    bought = {key: value or 0.0 for key, value in m.buy.extract_values().items()}
    whole = _whole_fleet(m, inputs, bought)
    # whole vehicles in service and leaving service (the model's continuous counts, rounded so
    # that they add up: optimiser/whole_numbers.py); emissions and costs keep the model's
    fleet["vehicles_model"] = fleet["vehicles"]
    fleet["vehicles"] = [whole.stock[key] for key in stock]
    fleet["retired"] = [whole.retired[key] for key in stock]
    blocked = {key: value or 0.0 for key, value in m.blocked.extract_values().items()}
    totals: dict[tuple[str, int], float] = {}
    for (s, _k, t), value in bought.items():
        totals[(s, t)] = totals.get((s, t), 0.0) + value
    under = _regime_purchases(m, inputs, totals)
    subsidy = _subsidy_table(inputs, under)
    paid_by: dict[tuple[str, str, int], float] = {}
    for row in subsidy.itertuples(index=False):
        key = (row.segment_id, row.technology, int(row.year))
        paid_by[key] = paid_by.get(key, 0.0) + row.vehicles
    purchases = pd.DataFrame(
        [
            (
                s,
                k,
                t,
                value,
                inputs.no_policy_share.get((s, k, t), 0.0) * totals[(s, t)],
                paid_by.get((s, k, t), 0.0),
                blocked.get((s, k, t), 0.0),
                inputs.cost_gap_hkd.get((s, k, t)),
            )
            for (s, k, t), value in bought.items()
        ],
        columns=[
            "segment_id",
            "technology",
            "year",
            "bought",
            "voluntary",
            "subsidised",
            "blocked",
            "operator_cost_gap_hkd",
        ],
    )
    # Induced: bought beyond what operators would have bought with no payment on offer.
    purchases["induced"] = (purchases["bought"] - purchases["voluntary"]).clip(lower=0.0)
    # Of the blocked, what no plan can serve (found before the solve; not penalised)
    unservable = {key: float(pyo.value(m.unservable[key])) for key in m.BZ}
    purchases["unservable"] = [
        min(b, unservable.get((s, k, int(t)), 0.0))
        for s, k, t, b in zip(
            purchases["segment_id"],
            purchases["technology"],
            purchases["year"],
            purchases["blocked"],
            strict=True,
        )
    ]
    purchases.insert(1, "vehicle_class", purchases["segment_id"].map(seg["vehicle_class"]))
    payment_levels = _payment_level_table(inputs, under)

    abated_by_subsidised = _abatement_of_subsidised(subsidy, inputs)
    # limits are read off the model's own numbers, before the tables are made whole
    binding_limits = (subsidy, purchases)
    subsidy, purchases = _whole_vehicle_tables(inputs, whole, bought, subsidy, purchases)
    chargers = _charger_table(m, inputs)
    stations = _station_table(m, inputs)
    supplied = supply_by_consumer(m, inputs)
    reasons = station_reasons(stations, supplied, inputs)
    emissions = _emission_table(m, inputs)
    costs = _cost_table(m, inputs)

    coverage_rows = []
    corridors = inputs.corridors
    for q in inputs.flows.index:
        corridor = inputs.flows.at[q, "corridor"]
        segment = corridors.at[corridor, "segment_id"]
        share = float(inputs.flows.at[q, "trucks"]) / max(
            float(corridors.at[corridor, "fleet"]), 1e-9
        )
        for t in years:
            # Covered iff every arc-cover row has an open station (the variable itself
            # only needs to be as large as the fuel-cell share of the flow).
            covered = corridor in m.Q and all(
                any(_value(m.h2_open[h, t]) > 0.5 for h in cover_row)
                for cover_row in inputs.cover_rows[corridor]
            )
            fcev = (
                _value(m.stock[segment, "fcev", t]) * share
                if (segment, "fcev", t) in m.SKT
                else 0.0
            )
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
    taxi_unserved = pd.DataFrame(
        [
            {"zone_id": z, "year": t, "unserved_kwh_per_day": _value(m.taxi_unserved[z, t])}
            for z in m.Z
            for t in m.T
        ],
        columns=["zone_id", "year", "unserved_kwh_per_day"],
    )
    taxi_unserved = taxi_unserved[taxi_unserved["unserved_kwh_per_day"] > 1e-3].reset_index(
        drop=True
    )
    notes = list(inputs.notes)
    if bound_past_plan(report, maximise=inputs.scenario.objective != "min_cost"):
        notes.append(
            ModelText(
                "bound_past_plan",
                bound=f"{report.best_bound:,.3f}",
                objective=f"{report.objective:,.3f}",
            )
        )
    if not taxi_unserved.empty:
        worst = (
            taxi_unserved.groupby("zone_id")["unserved_kwh_per_day"]
            .max()
            .sort_values(ascending=False)
        )
        notes.append(
            ModelText(
                "taxi_unserved",
                zones=", ".join(f"{z} (up to {v:,.0f} kWh/day)" for z, v in worst.items()),
            )
        )

    target_rows = []
    for g in m.G:
        row = inputs.targets.loc[g]
        achieved = int(
            fleet[
                (fleet["vehicle_class"] == row["vehicle_class"])
                & (fleet["year"] == row["year"])
                & fleet["technology"].isin(ZEV)
            ]["vehicles"].sum()
        )
        treatment = target_treatment(inputs, g)
        # a reported target has no row: its shortfall is read off the plan's stock (whole vehicles)
        short = (
            max(float(row["min_zev"]) - achieved, 0.0)
            if treatment == "reported"
            else _value(m.target_short[g])
        )
        target_rows.append(
            {
                "target_id": g,
                "vehicle_class": row["vehicle_class"],
                "year": int(row["year"]),
                "min_zev": float(row["min_zev"]),
                "achieved_zev": achieved,
                "short": round(short, 1),
                "hard": bool(row["hard"]),
                "met": short <= 0.5,
                "treatment": treatment,
            }
        )
    targets = pd.DataFrame(
        target_rows,
        columns=[
            "target_id",
            "vehicle_class",
            "year",
            "min_zev",
            "achieved_zev",
            "short",
            "hard",
            "met",
            "treatment",
        ],
    )

    retired = []
    incumbent = seg["incumbent"].to_dict()
    for s in m.S:
        for t in m.T:
            row = {
                "segment_id": s,
                "vehicle_class": seg.at[s, "vehicle_class"],
                "operator": seg.at[s, "operator"],
                "year": t,
            }
            # today's vehicles retired before their age says (allow_early_retirement)
            early = inputs.initial_stock[(s, incumbent[s], t)] - _value(m.remaining_initial[s, t])
            if half_up(early) > 0:  # whole vehicles, as the other tables count them
                retired.append(
                    {**row, "cause": "early_retirement", "retired_early_cumulative": half_up(early)}
                )
            # incumbents an operator's fleet pledge takes out of service before their life ends:
            # the room left under the stock-flow row (stock <= vehicles still within their life)
            if (s, t) in inputs.incumbent_cap:
                pledged = _value(m.stock_flow[s, incumbent[s], t].uslack())
                if half_up(pledged) > 0:
                    retired.append(
                        {
                            **row,
                            "cause": "fleet_pledge",
                            "retired_early_cumulative": half_up(pledged),
                        }
                    )
    early_retirements = pd.DataFrame(
        retired,
        columns=[
            "segment_id",
            "vehicle_class",
            "operator",
            "year",
            "cause",
            "retired_early_cumulative",
        ],
    )

    sites = inputs.sites
    site_geo = gpd.GeoDataFrame(
        sites.drop(columns=[c for c in ("geometry",) if c in sites.columns]).reset_index(drop=True),
        geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
        crs=WGS84,
    )
    return PlanResult(
        decisions=solved_values(m),
        scenario_name=inputs.scenario.name,
        fingerprint=inputs.scenario.fingerprint(),
        report=report,
        timings_s=timings_s,
        fleet=fleet,
        purchases=purchases,
        subsidy=subsidy,
        chargers=chargers,
        stations=stations,
        station_reasons=reasons,
        emissions=emissions,
        costs=costs,
        truck_coverage=truck_coverage,
        taxi_charging=taxi_charging,
        targets=targets,
        early_retirements=early_retirements,
        payment_levels=payment_levels,
        programme_caps_hkd=dict(inputs.programme_caps_hkd),
        payment_rules=dict(
            zip(
                inputs.programme_rows["programme_id"],
                inputs.programme_rows["payment_rule"],
                strict=True,
            )
        ),
        taxi_unserved=taxi_unserved,
        penalties=_penalty_table(m),
        binding_limits=_binding_limits(m, inputs, *binding_limits, payment_levels, taxi_unserved),
        co2_abated_by_subsidised_t=abated_by_subsidised,
        sites=site_geo,
        notes=notes,
        budget_hkd=inputs.budget_hkd,
        objective_unit="HK$ million (discounted)"
        if inputs.scenario.objective == "min_cost"
        else "t CO2 abated",
    )


def _whole_fleet(
    m: pyo.ConcreteModel, inputs: ModelInputs, bought: dict[tuple[str, str, int], float]
) -> WholeFleet:
    """The solved fleet in whole vehicles (today's incumbents as the plan keeps them)."""
    incumbent = inputs.segments["incumbent"].to_dict()
    remaining = m.remaining_initial.extract_values()
    initial = {
        (s, k, t): (remaining.get((s, t)) or 0.0)
        if k == incumbent[s]
        else inputs.initial_stock[(s, k, t)]
        for (s, k, t) in m.SKT
    }
    # the ceiling applies before the year's purchases: the incumbents kept from earlier years
    pledged = {
        (s, t): _value(m.stock[s, incumbent[s], t])
        - (_value(m.buy[s, incumbent[s], t]) if (s, incumbent[s], t) in m.B else 0.0)
        for (s, t) in m.FLEET_PLEDGE
    }
    return whole_fleet(
        inputs.segments,
        inputs.techs,
        inputs.years,
        inputs.lifetime,
        initial,
        bought,
        incumbent_ceiling=pledged,
    )


def _whole_vehicle_tables(
    inputs: ModelInputs,
    whole: WholeFleet,
    bought: dict[tuple[str, str, int], float],
    subsidy: pd.DataFrame,
    purchases: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Subsidy and purchase tables in whole vehicles consistent with ``whole``: a row's vehicles
    paid are its share of the whole vehicles bought (never more), free riders their share of
    those; each programme's (and each class and technology's) rounding error is carried to its
    next row, year by year, so totals stay the model's, rounded. Money stays as computed."""
    rank = {s: i for i, s in enumerate(inputs.segments.index)}
    vclass = inputs.segments["vehicle_class"].to_dict()
    if not subsidy.empty:
        # carried in time order (the table keeps its own order)
        in_order = subsidy.assign(_rank=subsidy["segment_id"].map(rank)).sort_values(
            ["year", "programme_id", "_rank"], kind="stable"
        )
        paid_rows, free_rows = Diffusion(), Diffusion()
        paid_so_far: dict[tuple[str, str, str, int], int] = {}
        vehicles, free_riders = [], []
        for row in in_order.itertuples(index=False):
            key = (row.segment_id, row.technology, int(row.year))
            whole_bought = whole.bought.get(key, 0)
            share = min(row.vehicles / bought[key], 1.0) if bought.get(key, 0.0) > 1e-9 else 0.0
            done = paid_so_far.get((row.programme_id, *key), 0)
            n = paid_rows.take(row.programme_id, share * whole_bought, whole_bought - done)
            paid_so_far[(row.programme_id, *key)] = done + n
            free = free_rows.take(
                row.programme_id,
                row.free_riders / row.vehicles * n if row.vehicles > 1e-9 else 0.0,
                n,
            )
            vehicles.append(n)
            free_riders.append(free)
        # the model's paid vehicles, which the money (subsidy_hkd) is paid on
        subsidy = subsidy.assign(vehicles_model=subsidy["vehicles"])
        subsidy.loc[in_order.index, "vehicles"] = vehicles
        subsidy.loc[in_order.index, "free_riders"] = free_riders
        subsidy = subsidy.astype({"vehicles": int, "free_riders": int})
        subsidy["induced"] = subsidy["vehicles"] - subsidy["free_riders"]
    paid_by = (
        subsidy.groupby(["segment_id", "technology", "year"])["vehicles"].sum().to_dict()
        if not subsidy.empty
        else {}
    )

    in_order = purchases.assign(_rank=purchases["segment_id"].map(rank)).sort_values(
        ["year", "_rank", "technology"], kind="stable"
    )
    whole_total: dict[tuple[str, int], int] = defaultdict(int)
    for (s, _k, t), n in whole.bought.items():
        whole_total[(s, t)] += n
    voluntary_rows, blocked_rows, unservable_rows = Diffusion(), Diffusion(), Diffusion()
    columns: dict[str, list[int]] = {
        "bought": [],
        "voluntary": [],
        "subsidised": [],
        "blocked": [],
        "unservable": [],
    }
    for row in in_order.itertuples(index=False):
        key = (row.segment_id, row.technology, int(row.year))
        n = whole.bought.get(key, 0)
        group = (vclass[row.segment_id], row.technology)
        columns["bought"].append(n)
        share = inputs.no_policy_share.get(key, 0.0)
        columns["voluntary"].append(
            voluntary_rows.take(group, share * whole_total[(row.segment_id, key[2])], n)
        )
        columns["subsidised"].append(int(paid_by.get(key, 0)))
        columns["blocked"].append(blocked := blocked_rows.take(group, float(row.blocked), 1 << 62))
        # of the whole blocked purchases, those no plan can serve (never more than blocked)
        columns["unservable"].append(unservable_rows.take(group, float(row.unservable), blocked))
    purchases = purchases.copy()
    for name, values in columns.items():
        purchases[name] = pd.Series(values, index=in_order.index, dtype="int64")
    purchases["induced"] = (purchases["bought"] - purchases["voluntary"]).clip(lower=0)
    return subsidy, purchases


def _installed_kw(
    counts: dict[Any, float | None], key: str, years: list[int], kw_of: dict[int, float]
) -> dict[int, float]:
    """kW of one site's new chargers in service each year, from solved counts: each vintage keeps
    its year's power, Σ_{τ ≤ t} (chargers[τ] − chargers[τ−1]) × kW(τ) (as ``installed_kw``)."""
    total, previous, out = 0.0, 0.0, {}
    for t in years:
        count = counts[(key, t)] or 0.0
        total += kw_of[t] * (count - previous)
        previous = count
        out[t] = total
    return out


def solved_values(model: pyo.ConcreteModel) -> dict[tuple[str, Any], float]:
    """(variable name, index) -> solved value of every variable that has one."""
    values: dict[tuple[str, Any], float] = {}
    for component in model.component_objects(pyo.Var, active=True):
        name = component.local_name
        for index, value in component.extract_values().items():
            if value is not None:
                values[(name, index)] = float(value)
    return values


def mip_start(model: pyo.ConcreteModel, decisions: dict[tuple[str, Any], float]) -> ComponentMap:
    """``model``'s variables at the values a previous plan gave the same (name, index)."""
    start = ComponentMap()
    for component in model.component_objects(pyo.Var, active=True):
        name = component.local_name
        for index, var in component.items():
            value = decisions.get((name, index))
            if value is not None:
                start[var] = value
    return start


def _charger_table(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    infra = inputs.infrastructure
    lead = round(infra["grid_upgrade_lead_years"])
    factor = infra["charger_kva_per_kw"]
    sites = inputs.sites
    years = list(m.T)
    # Numbers from the solved values in one pass: evaluating the model's kW expressions
    # site by site costs seconds on the Hong Kong default.
    depot_counts = m.depot_chargers.extract_values()
    public_counts = m.public_chargers.extract_values()
    depot_kw_of = {t: inputs.charger_kw[("depot", t)] for t in years}
    public_kw_of = {t: inputs.charger_kw[("public", t)] for t in years}
    rows = []
    depot_site = {d: inputs.depot_sites.at[d, "site_id"] for d in m.D}
    kw_at_site: dict[tuple[str, int], float] = {}
    for d in m.D:
        site = depot_site[d]
        kw = _installed_kw(depot_counts, d, years, depot_kw_of)
        for t in years:
            rows.append(
                (
                    "depot",
                    site,
                    d,
                    t,
                    depot_counts[(d, t)] or 0.0,
                    kw[t],
                    round(inputs.existing_depot_chargers.get(d, 0.0)),
                    0.0,
                )
            )
            kw_at_site[(site, t)] = kw_at_site.get((site, t), 0.0) + kw[t]
    for c in m.C:
        kw = _installed_kw(public_counts, c, years, public_kw_of)
        for t in years:
            committed = inputs.committed_public_chargers.get((c, t), 0.0)
            rows.append(
                (
                    "public",
                    c,
                    sites.at[c, "depot_id"],
                    t,
                    public_counts[(c, t)] or 0.0,
                    kw[t],
                    int(sites.at[c, "existing_fast_chargers"]),
                    committed,
                )
            )
            kw_at_site[(c, t)] = kw_at_site.get((c, t), 0.0) + kw[t]
    columns = [
        "charger_kind",
        "site_id",
        "depot_id",
        "year",
        "new_chargers",
        "new_kw",
        "existing_chargers",
    ]
    table = pd.DataFrame(rows, columns=[*columns, "committed_chargers"])
    # continuous in the model: a site needs the next whole charger (1e-6 absorbs solver noise);
    # the model pays for its own count (model_chargers), the plan for the whole chargers:
    # added_cost_hkd is what the whole chargers added that year cost (discounted, as the model)
    table["model_chargers"] = table["new_chargers"].clip(lower=0) + 0.0
    table["new_chargers"] = _whole_chargers(table["new_chargers"])
    added = table.groupby(["charger_kind", "site_id"])["new_chargers"].diff()
    table["added_chargers"] = added.fillna(table["new_chargers"]).clip(lower=0)
    cc = inputs.charger_cost_coef
    table["added_cost_hkd"] = [
        n * cc[(kind, t)]
        for n, kind, t in zip(
            table["added_chargers"], table["charger_kind"], table["year"], strict=True
        )
    ]
    table["new_kw"] = table["new_kw"].clip(lower=0) + 0.0
    orders = m.grid_order.extract_values()
    grid = []
    for i in m.I:
        headroom = float(sites.at[i, "grid_headroom_kva"])
        for t in years:
            arrived = sum(orders[(i, tau)] or 0.0 for tau in years if tau <= t - lead)
            grid.append(
                {
                    "site_id": i,
                    "year": t,
                    "kva_needed": kw_at_site.get((i, t), 0.0) * factor,
                    "grid_headroom_kva": headroom,
                    "grid_upgrade_ordered_kva": orders[(i, t)] or 0.0,
                    "grid_upgrade_in_service_kva": arrived,
                }
            )
    grid_columns = [
        "site_id",
        "year",
        "kva_needed",
        "grid_headroom_kva",
        "grid_upgrade_ordered_kva",
        "grid_upgrade_in_service_kva",
    ]
    table = table.merge(
        pd.DataFrame(grid, columns=grid_columns), on=["site_id", "year"], how="left"
    )
    table["name"] = table["site_id"].map(sites["name"])
    table["kind"] = table["site_id"].map(sites["kind"])
    table["lon"] = table["site_id"].map(sites["lon"])
    table["lat"] = table["site_id"].map(sites["lat"])
    # sites where the plan builds, or where committed chargers stand (capacity the plan counts on)
    keep = (
        table.groupby(["site_id", "charger_kind"])[["new_chargers", "committed_chargers"]]
        .transform("max")
        .max(axis=1)
        > 0
    )
    return table[keep].reset_index(drop=True)


def supply_by_consumer(
    m: pyo.ConcreteModel, inputs: ModelInputs
) -> dict[tuple[str, str, int], float]:
    """(consumer, site, year) -> kg/day the plan has the site sell the consumer.

    A supply group's purchases are split between its members in proportion to their demand:
    each member then buys its own demand, at its own stations (the group's), which is the
    plan the group stands for (:func:`fleetplan.optimiser.inputs.reductions.hydrogen_supply_groups`).
    """
    supplied: dict[tuple[str, str, int], float] = {}
    needs: dict[tuple[str, int], dict[str, float]] = {}
    for u, h in m.UH:
        members = m.supply_members[u]
        for t in m.T:
            kg_day = _value(m.h2_supply[u, h, t])
            if len(members) == 1:
                supplied[(members[0], h, t)] = kg_day
                continue
            if (u, t) not in needs:
                # solver noise can leave a demand a hair below 0: no member buys a negative amount
                needs[(u, t)] = {
                    v: max(_value(consumer_demand(m, inputs, v, t)), 0.0) for v in members
                }
            need = needs[(u, t)]
            total = math.fsum(need.values())
            for v in members:
                supplied[(v, h, t)] = kg_day * need[v] / total if total > 0 else 0.0
    return supplied


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
            # continuous in the model: a station needs the next whole module (1e-6 absorbs solver noise)
            modules_model = max(_value(m.h2_modules[h, t]), 0.0)
            modules = int(np.ceil(modules_model - 1e-6)) if modules_model > 1e-6 else 0
            capacity = (
                existing_h2_kg_day(inputs, h, t) + modules * infra["h2_module_kg_day"]
                if built
                else 0.0
            )
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
                    "modules_model": modules_model,
                    "capacity_kg_day": capacity,
                    "demand_kg_day": sold.get((h, t), 0.0),
                    "lon": sites.at[h, "lon"],
                    "lat": sites.at[h, "lat"],
                }
            )
    columns = [
        "site_id",
        "name",
        "kind",
        "year",
        "built",
        "opened",
        "existing_or_committed",
        "modules",
        "capacity_kg_day",
        "demand_kg_day",
        "lon",
        "lat",
    ]
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    keep = table.groupby("site_id")["built"].transform("max").astype(bool)
    return table[keep].reset_index(drop=True)


def _regime_purchases(
    m: pyo.ConcreteModel, inputs: ModelInputs, totals: dict[tuple[str, int], float]
) -> dict[tuple[str, int, int], float]:
    """Purchases made under each regime (s, t, r): the regime's variable, or the segment-year's total."""
    values = {key: value or 0.0 for key, value in m.regime_purchases.extract_values().items()}
    out = {}
    for (s, t), regimes in inputs.regimes.items():
        for r in regimes:
            key = (s, t, r.regime_id)
            out[key] = values.get(key, 0.0) if len(regimes) > 1 else totals.get((s, t), 0.0)
    return out


SUBSIDY_COLUMNS = [
    "programme_id", "segment_id", "vehicle_class", "vehicle_type", "technology", "year", "payment_level",
    "payment_per_vehicle_hkd", "vehicles", "free_riders", "induced", "subsidy_hkd",
]  # fmt: skip


def _subsidy_table(inputs: ModelInputs, under: dict[tuple[str, int, int], float]) -> pd.DataFrame:
    """One row per programme, segment, technology and year that was paid: vehicles paid (every
    eligible purchase), of which free riders (would have bought at no payment) and induced."""
    seg = inputs.segments
    levels = inputs.programme_levels
    rows = []
    for (s, t), regimes in inputs.regimes.items():
        for r in regimes:
            purchases = under[(s, t, r.regime_id)]
            if purchases <= 1e-6:
                continue
            for p, (tech, hkd) in r.payment_hkd.items():
                vehicles = r.share.get(tech, 0.0) * purchases
                if hkd <= 0 or vehicles <= 1e-6:
                    continue
                free = min(r.no_policy_share.get(tech, 0.0) * purchases, vehicles)
                rows.append(
                    {
                        "programme_id": p,
                        "segment_id": s,
                        "vehicle_class": seg.at[s, "vehicle_class"],
                        "vehicle_type": seg.at[s, "vehicle_type"],
                        "technology": tech,
                        "year": t,
                        "payment_level": levels[p][r.levels[p]],
                        "payment_per_vehicle_hkd": hkd,
                        "vehicles": vehicles,
                        "free_riders": free,
                        "induced": vehicles - free,
                        "subsidy_hkd": vehicles * hkd,
                    }
                )
    table = pd.DataFrame(rows, columns=SUBSIDY_COLUMNS)
    if table.empty:
        return table
    keys = [
        "programme_id",
        "segment_id",
        "vehicle_class",
        "vehicle_type",
        "technology",
        "year",
        "payment_level",
        "payment_per_vehicle_hkd",
    ]
    return table.groupby(keys, as_index=False)[
        ["vehicles", "free_riders", "induced", "subsidy_hkd"]
    ].sum()


def _payment_level_table(
    inputs: ModelInputs, under: dict[tuple[str, int, int], float]
) -> pd.DataFrame:
    """Programme x year: the payment level offered (a share of the per-vehicle cap; 0 when nothing
    was paid) and the quota, the share of the year's eligible purchases it was offered to."""
    levels = inputs.programme_levels
    caps = inputs.programme_rows.groupby("programme_id")["per_vehicle_cap_hkd"].max().to_dict()
    offered: dict[tuple[str, int], float] = {}
    eligible: dict[tuple[str, int], float] = {}
    level_of: dict[tuple[str, int], int] = {}
    for (s, t), regimes in inputs.regimes.items():
        for r in regimes:
            purchases = under[(s, t, r.regime_id)]
            for p, level in r.levels.items():
                eligible[(p, t)] = eligible.get((p, t), 0.0) + purchases
                if levels[p][level] > 0 and purchases > 1e-6:
                    offered[(p, t)] = offered.get((p, t), 0.0) + purchases
                    level_of[(p, t)] = max(level_of.get((p, t), 0), level)
    rows = []
    for p, t in sorted(eligible):
        index = level_of.get((p, t), 0)
        rows.append(
            {
                "programme_id": p,
                "year": t,
                "level_index": index,
                "payment_level": levels[p][index] if (p, t) in level_of else 0.0,
                "top_level": (p, t) in level_of and index == len(levels[p]) - 1,
                "quota_share": offered.get((p, t), 0.0) / eligible[(p, t)]
                if eligible[(p, t)] > 1e-9
                else 0.0,
                "per_vehicle_cap_hkd": float(caps.get(p, 0.0)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "programme_id",
            "year",
            "level_index",
            "payment_level",
            "top_level",
            "quota_share",
            "per_vehicle_cap_hkd",
        ],
    )


def _penalty_table(m: pyo.ConcreteModel) -> pd.DataFrame:
    rows = [
        {"penalty": name, "discounted_hkd": _value(m.penalty_component[name]) * HKD_M}
        for name in m.penalty_component
    ]
    return pd.DataFrame(rows, columns=["penalty", "discounted_hkd"])


#: A money limit binds when less than this (HK$) of it is left.
BINDING_TOLERANCE_HKD = 1e5


def _binding_limits(
    m: pyo.ConcreteModel,
    inputs: ModelInputs,
    subsidy: pd.DataFrame,
    purchases: pd.DataFrame,
    payment_levels: pd.DataFrame,
    taxi_unserved: pd.DataFrame,
) -> list[str]:
    """What holds the plan back, named as the model's families (e.g. ``programme_cap:e_taxi``).

    budget / programme_cap:p / yearly_limit:t: less than HK$0.1m of it left (a payment level
    step may still leave more unspent: the next level would overshoot);
    per_vehicle_cap:p: the top payment level is chosen in some year;
    eligibility_window:p: the programme still pays in its last open year;
    depot_space:d, grid:site: no room or connection for more depot chargers;
    blocked_uptake:segment: operators would buy zero-emission but cannot be served;
    taxi_charging:zone: fast charging no site within reach can serve;
    fleet_pledge:segment: an operator's zero-emission fleet pledge the plan cannot serve in full.
    """
    limits: list[str] = []
    spent = (
        subsidy.groupby("programme_id")["subsidy_hkd"].sum().to_dict() if not subsidy.empty else {}
    )
    total = float(sum(spent.values()))
    if inputs.budget_hkd - total <= BINDING_TOLERANCE_HKD and inputs.budget_hkd > 0 and len(m.P):
        limits.append("budget")
    limits.extend(
        f"programme_cap:{p}"
        for p in m.P
        if inputs.programme_caps_hkd[p] > 0
        and inputs.programme_caps_hkd[p] - spent.get(p, 0.0) <= BINDING_TOLERANCE_HKD
    )
    if not subsidy.empty:
        by_year = subsidy.groupby("year")["subsidy_hkd"].sum()
        for t, limit in inputs.yearly_limit_hkd.items():
            if limit - float(by_year.get(t, 0.0)) <= BINDING_TOLERANCE_HKD:
                limits.append(f"yearly_limit:{t}")
    if not payment_levels.empty:
        for p, rows in payment_levels.groupby("programme_id"):
            if bool(rows["top_level"].any()) and rows["payment_level"].max() > 0:
                limits.append(f"per_vehicle_cap:{p}")
            last = rows.sort_values("year").iloc[-1]
            if last["payment_level"] > 0 and last["quota_share"] > 0.999:
                # still paying every purchase when the window closes
                limits.append(f"eligibility_window:{p}")
    # room for new chargers: the spaces less those today's chargers take
    space = {
        d: v - inputs.existing_depot_chargers.get(d, 0.0)
        for d, v in inputs.depot_sites["max_chargers"].astype(float).to_dict().items()
    }
    limits.extend(
        f"depot_space:{d}"
        for d in m.D
        if space[d] > 0 and any(_value(m.depot_chargers[d, t]) >= space[d] - 0.5 for t in m.T)
    )
    blocked = purchases[purchases["blocked"] > 1e-3]
    limits.extend(f"blocked_uptake:{s}" for s in sorted(blocked["segment_id"].unique()))
    limits.extend(f"taxi_charging:{z}" for z in sorted(taxi_unserved["zone_id"].unique()))
    short = sorted({s for (s, t) in m.FLEET_PLEDGE if _value(m.pledge_short[s, t]) > 0.5})
    limits.extend(f"fleet_pledge:{s}" for s in short)
    return limits


def _abatement_of_subsidised(subsidy: pd.DataFrame, inputs: ModelInputs) -> float:
    """Tonnes (scenario basis) the vehicles a programme *induced* save against the incumbent over
    their years in service inside the horizon: Σ induced x (e_incumbent − e_zev) per year. Free
    riders are left out: they would have abated anyway."""
    incumbent = inputs.segments["incumbent"].to_dict()
    vehicle_type = inputs.segments["vehicle_type"].to_dict()
    total = 0.0
    for row in subsidy.itertuples(index=False):
        life = inputs.lifetime[(vehicle_type[row.segment_id], row.technology)]
        for t in inputs.years:
            if row.year <= t < row.year + life:
                saved = (
                    inputs.emissions_t[(row.segment_id, incumbent[row.segment_id], t)]
                    - inputs.emissions_t[(row.segment_id, row.technology, t)]
                )
                total += row.induced * saved * inputs.period_weight[t]
    return total


def _with_segment_columns(
    frame: pd.DataFrame, segments: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
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
    base = (
        inputs.baseline_emissions.groupby(["vehicle_class", "year"])[["ttw_t", "wtw_t"]]
        .sum()
        .add_prefix("baseline_")
        .reset_index()
    )
    table = table.merge(base, on=["vehicle_class", "year"], how="left")
    basis = inputs.abatement_basis
    # Rates are per calendar year; totals over the horizon weight each modelled year by
    # the calendar years it stands for (1 with annual steps).
    table["years_represented"] = table["year"].map(inputs.period_weight)
    table["abated_t"] = table[f"baseline_{basis}_t"] - table[f"{basis}_t"]
    table["abated_total_t"] = table["abated_t"] * table["years_represented"]
    table["basis"] = basis
    return table.sort_values(["vehicle_class", "year"]).reset_index(drop=True)


def _whole_chargers(counts: pd.Series) -> pd.Series:
    """Chargers in service as whole chargers: the model's continuous count rounded up (1e-6
    absorbs solver noise)."""
    return np.ceil(counts.clip(lower=0) - 1e-6) + 0.0


def _cost_table(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    """Discounted cost by component (HK$), as the model pays it; ``whole_units_hkd`` the same on
    whole chargers (depot chargers are continuous in the model; the tables round them up)."""
    components = cost_components(m, inputs)
    rows = [
        {"component": name, "discounted_hkd": _value(expr) * HKD_M}
        for name, expr in components.items()
    ]
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["whole_units_hkd"] = table["discounted_hkd"]
    cc = inputs.charger_cost_coef
    for kind, var in (("depot", m.depot_chargers), ("public", m.public_chargers)):
        counts = pd.Series(
            {key: value or 0.0 for key, value in var.extract_values().items()}, dtype=float
        )
        if counts.empty:
            continue
        frame = (
            counts.rename("count")
            .rename_axis(["site", "year"])
            .reset_index()
            .sort_values(["site", "year"])
        )
        frame["whole"] = _whole_chargers(frame["count"])
        frame["added"] = frame.groupby("site")["whole"].diff().fillna(frame["whole"]).clip(lower=0)
        whole_hkd = float(
            sum(n * cc[(kind, int(t))] for n, t in zip(frame["added"], frame["year"], strict=True))
        )
        table.loc[table["component"] == f"{kind}_chargers", "whole_units_hkd"] = whole_hkd
    return table
