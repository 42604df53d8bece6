"""The fleet model's inputs: every set and coefficient of one instance, with no Pyomo objects.

Built by :func:`fleetplan.optimiser.inputs.prepare.prepare_inputs`; the formulation in
:mod:`fleetplan.optimiser.formulation` only declares variables and constraints over it.

Units: money HK$, energy kWh or kg H2 per day, distances km, emissions t CO2.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from fleetplan.optimiser.inputs.programmes import Regime
from fleetplan.optimiser.inputs.technologies import most_purchases
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.uptake import DutyBins


@dataclass
class ModelInputs:
    """Sets and coefficients of one fleet-model instance (no Pyomo objects).

    Keys are plain tuples; tables are pandas frames indexed by ids.
    """

    scenario: Scenario
    years: list[int]
    #: calendar year -> discount factor (first year = 1)
    discount: dict[int, float]
    #: modelled year -> calendar years it stands for (1 with annual steps)
    period_weight: dict[int, float]
    #: modelled year -> sum of the discount factors of the years it stands for
    period_discount: dict[int, float]
    segments: pd.DataFrame
    techs: dict[str, list[str]]
    buy_allowed: list[tuple[str, str, int]]
    lifetime: dict[tuple[str, str], int]
    initial_stock: dict[tuple[str, str, int], float]
    buy_cost_hkd: dict[tuple[str, str, int], float]
    running_cost_hkd: dict[tuple[str, str, int], float]
    emissions_t: dict[tuple[str, str, int], float]
    emissions_ttw_t: dict[tuple[str, str, int], float]
    emissions_wtw_t: dict[tuple[str, str, int], float]
    energy_per_day: dict[tuple[str, str, int], float]
    #: kWh a battery bus needs on a hot design day (energy / summer range factor): depot
    #: chargers and grid are sized for it, annual energy costs use the average day
    design_kwh_per_day: dict[tuple[str, int], float]
    #: operators' lifetime cost gap at the segment's mean duty (HK$, zero-emission minus incumbent)
    cost_gap_hkd: dict[tuple[str, str, int], float]
    duty_bins: dict[str, DutyBins]
    #: (segment, year) -> the purchase regimes: one per combination of payment levels of the
    #: programmes open to the segment in that year (a single regime where none is)
    regimes: dict[tuple[str, int], list[Regime]]
    #: (segment, zero-emission technology, year) -> share of purchases with no payment on offer
    no_policy_share: dict[tuple[str, str, int], float]
    #: one row per programme x vehicle type x technology (caps, years, payment levels)
    programme_rows: pd.DataFrame
    programme_caps_hkd: dict[str, float]
    budget_hkd: float
    yearly_limit_hkd: dict[int, float]
    sites: pd.DataFrame
    depot_sites: pd.DataFrame
    public_sites: list[str]
    h2_sites: list[str]
    zones: pd.DataFrame
    zone_site_pairs: list[tuple[str, str]]
    h2_consumers: pd.DataFrame
    h2_supply_pairs: list[tuple[str, str]]
    flows: pd.DataFrame
    #: truck corridors (one fleet segment each): a flow, or flows merged by truck_corridor_km_band
    corridors: pd.DataFrame
    #: corridor -> arc-cover rows as sets of hydrogen sites
    cover_rows: dict[str, list[frozenset[str]]]
    targets: pd.DataFrame
    carbon_price_hkd_per_t: dict[int, float]
    infrastructure: dict[str, float]
    charger_cost_coef: dict[tuple[str, int], float]
    #: ("depot" | "public", year installed) -> kW of one charger of that vintage
    charger_kw: dict[tuple[str, int], float]
    h2_cost_coef: dict[tuple[str, int], float]
    grid_cost_coef: dict[int, float]
    baseline_emissions: pd.DataFrame
    baseline_cost_hkd: float
    #: discounted vehicle, energy and carbon cost of the fleet operators would run with no
    #: payment and nothing blocked (HK$): the part of the least-cost objective no decision
    #: changes, taken out before HiGHS measures its gap
    reference_fleet_cost_hkd: float
    segments_at: dict[tuple[str, str], list[str]]
    h2_existing_kg_day: dict[tuple[str, int], float]
    graph: nx.Graph
    snaps: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: hydrogen site -> most modules it may add (its area or published size; else the global ceiling)
    h2_max_modules: dict[str, int] = field(default_factory=dict)
    #: (public site, year) -> committed public fast chargers in service (cumulative; not a decision)
    committed_public_chargers: dict[tuple[str, int], float] = field(default_factory=dict)
    #: (public site, year) -> their kW (each at the power of its first year)
    committed_public_kw: dict[tuple[str, int], float] = field(default_factory=dict)
    #: depot -> chargers today's battery buses charge on (not in the headroom or the plan's decisions)
    existing_depot_chargers: dict[str, float] = field(default_factory=dict)
    #: depot -> their kW
    existing_depot_kw: dict[str, float] = field(default_factory=dict)
    #: (hydrogen consumer, site) -> road km: depot to station, or a corridor's detour to it (0 on its route)
    h2_supply_km: dict[tuple[str, str], float] = field(default_factory=dict)
    #: (segment, year) -> most incumbent vehicles in service under an operator's fleet pledge
    #: (those on duties no zero-emission technology can run); absent: no fleet pledge
    incumbent_cap: dict[tuple[str, int], float] = field(default_factory=dict)
    #: (segment, zero-emission technology, year) under a fleet pledge -> most vehicles of it in
    #: service: those on the duties it can run
    zev_room: dict[tuple[str, str, int], float] = field(default_factory=dict)
    #: (segment, year) -> the most vehicles it can buy that year in any plan (under a fleet pledge:
    #: in any least-cost plan) (:func:`.technologies.most_purchases`); absent: its fleet
    most_purchases: dict[tuple[str, int], float] = field(default_factory=dict)
    #: public sites no taxi zone can reach: their chargers and grid orders are zero at every
    #: optimum, fixed before the solve (:mod:`.reductions`)
    idle_public_sites: list[str] = field(default_factory=list)
    #: hydrogen sites no consumer can reach, with nothing in service: never built (:mod:`.reductions`)
    idle_h2_sites: list[str] = field(default_factory=list)
    #: the compact form of the hydrogen rows (supply groups, no per-consumer bounds, implied
    #: arc-cover rows left out), chosen by size (:func:`.reductions.use_compact_hydrogen`)
    compact_hydrogen: bool = False
    #: with the compact form, consumers that buy at the same stations, grouped
    #: (:func:`.reductions.hydrogen_supply_groups`): model consumer -> the consumers it stands for
    h2_supply_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def allowing_early_retirement(self) -> ModelInputs:
        """These inputs with today's vehicles allowed to leave early: the scenario says so, and a
        year may buy more than it could before (:attr:`most_purchases`)."""
        return dataclasses.replace(
            self,
            scenario=self.scenario.model_copy(update={"allow_early_retirement": True}),
            most_purchases=most_purchases(
                self.segments, self.techs, self.lifetime, self.years, self.initial_stock,
                self.incumbent_cap, allow_early_retirement=True,
            ),
        )  # fmt: skip

    @property
    def programme_levels(self) -> dict[str, tuple[float, ...]]:
        """programme -> the payment levels it may offer (shares of its per-vehicle cap, ascending)."""
        return dict(
            zip(self.programme_rows["programme_id"], self.programme_rows["levels"], strict=True)
        )

    @property
    def announced_programmes(self) -> list[str]:
        """Programmes paid as announced: their amount to every eligible purchase until the money runs out."""
        rows = self.programme_rows
        return (
            sorted(set(rows.loc[rows["payment_rule"] == "announced", "programme_id"]))
            if "payment_rule" in rows
            else []
        )

    @property
    def abatement_basis(self) -> str:
        return self.scenario.abatement_basis

    def _supply_group_of(self, grouped: bool) -> dict[str, str]:
        """consumer -> the supply group it buys in (none where ``grouped`` is off)."""
        if not grouped:
            return {}
        return {u: name for name, members in self.h2_supply_groups.items() for u in members}

    def supply_consumers(self, *, grouped: bool = True) -> dict[str, tuple[str, ...]]:
        """The model's hydrogen consumers -> the consumers each stands for, in consumer order:
        the supply groups where ``grouped`` and there are any, else every consumer on its own."""
        group_of = self._supply_group_of(grouped)
        out: dict[str, tuple[str, ...]] = {}
        for u in self.h2_consumers.index:
            name = group_of.get(u, u)
            if name not in out:
                out[name] = self.h2_supply_groups[name] if u in group_of else (u,)
        return out

    def supply_pairs(self, *, grouped: bool = True) -> list[tuple[str, str]]:
        """(model consumer, hydrogen site) pairs: each group buys at its members' stations."""
        group_of = self._supply_group_of(grouped)
        if not group_of:
            return list(self.h2_supply_pairs)
        seen: dict[tuple[str, str], None] = {}
        for u, h in self.h2_supply_pairs:
            seen.setdefault((group_of.get(u, u), h), None)
        return list(seen)
