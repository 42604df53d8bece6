"""Commitments the plan takes as given: operators' pledges and orders, and committed public chargers.

Operators' commitments are behaviour, not levers (``operator_commitments.csv`` with the
scenario's changes): they stay in the no-policy counterfactual, so a subsidy is never
credited with what operators do anyway.

- A **pledge** (no incumbent purchases from a year) replaces the operators' response to
  payments from that year: every duty some zero-emission technology can run buys
  zero-emission, split by the pledge's mix where a duty allows both; duties none can run
  stay with the incumbent (and are noted).
- A **fleet pledge** (a zero-emission fleet by a year) caps the operator's incumbent
  vehicles from that year at those on duties no zero-emission technology can run: the rest
  retire early, their capital already paid (the plan's cost keeps the purchase), and are
  replaced under the operator's pledge. A cap the plan cannot serve (no charger space, grid
  or hydrogen) is short, penalised like blocked uptake and reported, never infeasible.
- An **order** (N vehicles of technology k bought by year Y) puts a floor under the
  operator's purchases of k: in the segment-years of that operator up to Y, at least a
  share of the purchases on duties k can run go to k, filled from Y backwards (see
  :func:`order_floors`) out of the purchases natural replacement brings (today's vehicles
  reaching their retirement age, a lower bound once new vehicles start to retire). An
  order beyond all of them (F) cannot be met by natural replacement: it is capped at F
  before the solve and the cap is noted. Applied as shares rather than as a constraint on
  the stock: with purchases following the operators' shares, a constraint could only be
  met by paying subsidies (a lever) for what operators have decided to buy, or not at all.

Committed public chargers (``committed_chargers.csv``) are public fast chargers announced
by funded programmes (and, when the scenario asks, by targets), counted as capacity from
their year: a city-wide row is spread over the public sites in proportion to their
existing fast chargers (largest remainder, whole chargers). They are not a decision of
the plan: their cost is outside the plan's system cost (as today's chargers' is), they
take none of a candidate site's space or grid headroom (they stand for the programmes'
own sites in the district the candidate site represents), and taxis get the same share
of them as of today's chargers (``existing_charger_taxi_share``, an estimate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import OperatorCommitment, Scenario
from fleetplan.optimiser.uptake import DutyBins, weighted_sum

_SCENARIO_FIELD = "operator_commitments"


@dataclass(frozen=True)
class Commitment:
    """One operator commitment after the scenario's changes.

    kind "pledge": zero-emission purchases only from ``year``, split by ``mix`` (None: the
    cheapest technology a duty allows); kind "fleet": by the end of ``year`` every vehicle on
    a duty some zero-emission technology can run is zero-emission (incumbents retire early);
    kind "order": ``vehicles`` of ``technology`` bought from the first modelled year to ``year``.
    """

    commitment_id: str
    operator: str
    kind: str
    year: int
    technology: str | None = None
    vehicles: float = 0.0
    mix: dict[str, float] | None = None
    source: str = ""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _dataset_row(row: pd.Series) -> Commitment:
    shares = {k: float(row[f"{k}_share"]) for k in ("bev", "fcev") if not _blank(row[f"{k}_share"])}
    return Commitment(
        commitment_id=str(row["commitment_id"]),
        operator=str(row["operator"]),
        kind=str(row["kind"]),
        year=int(row["year"]),
        technology=None if _blank(row["technology"]) else str(row["technology"]),
        vehicles=0.0 if _blank(row["vehicles"]) else float(row["vehicles"]),
        mix=shares or None,
        source=str(row["source"]),
    )


def _changed(key: str, base: Commitment | None, override: OperatorCommitment) -> Commitment:
    """``base`` (a dataset row, or None for a new key) with the scenario entry's fields applied."""
    kind: str
    if override.kind is not None:
        kind = override.kind
    elif base is not None:
        kind = base.kind
    elif override.zero_emission_fleet_by is not None:
        kind = "fleet"
    else:
        kind = (
            "order"
            if any(v is not None for v in (override.technology, override.vehicles, override.year))
            else "pledge"
        )
    if base is not None and base.kind != kind:
        base = None  # a row turned into the other kind is written out in full
    fields_of = {
        "pledge": ("zero_emission_purchases_from", "technology_mix"),
        "order": ("technology", "vehicles", "year"),
        "fleet": ("zero_emission_fleet_by",),
    }
    other = [name for k, names in fields_of.items() if k != kind for name in names]
    stray = next((name for name in other if getattr(override, name) is not None), None)
    if stray is not None:
        # e.g. 'year' on a pledge row would otherwise be ignored without a word
        owner = next(k for k, names in fields_of.items() if stray in names)
        raise InputError(
            f"'{key}' is a {kind}: '{stray}' does not apply; expected {', '.join(fields_of[kind])} (or kind: {owner})",
            file="scenario",
            field=f"{_SCENARIO_FIELD}.{key}.{stray}",
        )
    year_field = {
        "pledge": "zero_emission_purchases_from",
        "order": "year",
        "fleet": "zero_emission_fleet_by",
    }[kind]
    spec = {
        "operator": override.operator or (base.operator if base else None),
        "year": getattr(override, year_field) or (base.year if base else None),
        "technology": override.technology or (base.technology if base else None),
        "vehicles": override.vehicles
        if override.vehicles is not None
        else (base.vehicles if base else None),
        "mix": dict(override.technology_mix)
        if override.technology_mix is not None
        else (base.mix if base else None),
    }
    needed = ["operator", "year"] + (["technology", "vehicles"] if kind == "order" else [])
    for name in needed:
        if spec[name] is None:
            field = year_field if name == "year" else name
            what = "a row of operator_commitments.csv" if base is None else "its row"
            raise InputError(
                f"the {kind} '{key}' is not {what} and gives no '{field}'; expected a complete {kind}: operator, "
                + {
                    "pledge": "zero_emission_purchases_from",
                    "order": "technology, vehicles and year",
                    "fleet": "zero_emission_fleet_by",
                }[kind],
                file="scenario",
                field=f"{_SCENARIO_FIELD}.{key}.{field}",
            )
    return Commitment(
        commitment_id=key,
        operator=str(spec["operator"]),
        kind=kind,
        year=int(spec["year"]),  # type: ignore[arg-type]
        technology=spec["technology"] if kind == "order" else None,  # type: ignore[arg-type]
        vehicles=float(spec["vehicles"] or 0.0) if kind == "order" else 0.0,  # type: ignore[arg-type]
        mix=spec["mix"] if kind == "pledge" else None,  # type: ignore[arg-type]
        source=override.source or (base.source if base else ""),
    )


def operator_commitments(data: Dataset, scenario: Scenario) -> list[Commitment]:
    """The dataset's commitments (unless the scenario leaves them out) with the scenario's changes and additions.

    A scenario key naming a dataset row changes it (and brings it back when
    ``operator_commitments_from_dataset`` is false); ``enabled: false`` drops it; any other
    key is a new commitment and must be complete.
    """
    rows = {
        str(r["commitment_id"]): _dataset_row(r)
        for _, r in data.table("operator_commitments").iterrows()
    }
    chosen = dict(rows) if scenario.operator_commitments_from_dataset else {}
    operators = sorted(set(data.depots["operator"]))
    for key, override in scenario.operator_commitments.items():
        if not override.enabled:
            chosen.pop(key, None)
            continue
        commitment = _changed(key, rows.get(key), override)
        if commitment.operator not in operators:
            raise InputError(
                f"unknown operator '{commitment.operator}'; expected one of {', '.join(operators)} (the operators of depots.csv)",
                file="scenario",
                field=f"{_SCENARIO_FIELD}.{key}.operator",
            )
        if commitment.kind == "order" and commitment.vehicles <= 0:
            raise InputError(
                "an order of no vehicles; expected vehicles above 0",
                file="scenario",
                field=f"{_SCENARIO_FIELD}.{key}.vehicles",
            )
        chosen[key] = commitment
    return sorted(chosen.values(), key=lambda c: (c.year, c.commitment_id))


def active_pledge(pledges: list[Commitment], operator: str, year: int) -> Commitment | None:
    """The operator's pledge in force in ``year``: the latest one started by then (a later pledge refines an earlier one)."""
    started = [p for p in pledges if p.operator == operator and p.year <= year]
    return max(started, key=lambda p: (p.year, p.commitment_id)) if started else None


def natural_purchases(
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    years: list[int],
    initial: dict[tuple[str, str, int], float],
) -> dict[tuple[str, int], float]:
    """(segment, year) -> vehicles natural replacement makes it buy: today's vehicles leaving service that year.

    Exact until the first new vehicles retire (a lower bound after); early retirement, where
    a scenario allows it, could add more.
    """
    out: dict[tuple[str, int], float] = {}
    for s in segments.index:
        previous = float(segments.at[s, "fleet"])
        for t in years:
            surviving = sum(initial.get((s, k, t), 0.0) for k in techs[s])
            out[(s, t)] = max(previous - surviving, 0.0)
            previous = surviving
    return out


def order_floors(
    orders: list[Commitment],
    segments: pd.DataFrame,
    years: list[int],
    purchases: dict[tuple[str, int], float],
    feasible_bins: dict[tuple[str, str, int], np.ndarray],
    duty: dict[str, DutyBins],
    runs_fcev: set[str],
    notes: list[str],
) -> dict[tuple[str, int], dict[str, np.ndarray]]:
    """(segment, year) -> technology -> per-bin share of purchases the operators' orders take.

    Orders are taken in order of year, each out of what earlier ones left. An order of N by
    year Y is filled from Y backwards: all the purchases its operator's segments make in Y
    on duties its technology can run (fuel-cell buses only at depots within reach of a
    hydrogen site, ``runs_fcev``), then in Y − 1, ... until N; the year where it runs out
    gives the same share q of each segment's such purchases. Late first, because ordered
    vehicles arrive a year or more after the order (the roadmap lets subsidised buses bought
    by 2027 be delivered by 2029) and a depot's new grid connection takes
    ``grid_upgrade_lead_years``. An order above all such purchases F up to Y is capped at F
    and noted.
    """
    floors: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    used: dict[tuple[str, int], np.ndarray] = {}
    for order in orders:
        k = order.technology
        assert k is not None
        by_year: dict[int, list[tuple[str, np.ndarray]]] = {}
        for s in segments.index[segments["operator"] == order.operator]:
            if k == "fcev" and s not in runs_fcev:
                continue
            for t in years:
                if t > order.year or (s, k, t) not in feasible_bins:
                    continue
                free = feasible_bins[(s, k, t)].astype(float) * (1.0 - used.get((s, t), 0.0))
                by_year.setdefault(t, []).append((s, free))
        room = {
            t: sum(purchases[(s, t)] * weighted_sum(duty[s].weight, free) for s, free in cells)
            for t, cells in by_year.items()
        }
        wanted = order.vehicles
        if wanted > sum(room.values()) + 1e-6:
            notes.append(
                ModelText(
                    "order_capped",
                    order=order.commitment_id,
                    operator=order.operator,
                    vehicles=f"{wanted:,.0f}",
                    technology=k,
                    year=order.year,
                    capped=f"{sum(room.values()):,.1f}",
                )
            )
        left = wanted
        for t in sorted(by_year, reverse=True):
            if left <= 0 or room[t] <= 0:
                continue
            share = min(left, room[t]) / room[t]
            left -= min(left, room[t])
            for s, free in by_year[t]:
                taken = share * free
                floors.setdefault((s, t), {}).setdefault(k, np.zeros(len(free)))
                floors[(s, t)][k] = floors[(s, t)][k] + taken
                used[(s, t)] = used.get((s, t), 0.0) + taken
    return floors


def note_pledged_incumbent_duties(
    pledges: list[Commitment],
    segments: pd.DataFrame,
    years: list[int],
    feasible_bins: dict[tuple[str, str, int], np.ndarray],
    duty: dict[str, DutyBins],
    runs_fcev: set[str],
    notes: list[str],
) -> None:
    """Note, for each pledge, the share of its operator's vehicles whose duties no zero-emission
    technology can run in the pledge's first modelled year: their purchases stay with the incumbent."""
    for pledge in pledges:
        first = next((t for t in years if t >= pledge.year), None)
        mine = segments.index[segments["operator"] == pledge.operator]
        if first is None or len(mine) == 0:
            continue
        stuck: dict[str, float] = {}
        for s in mine:
            runnable = np.zeros(len(duty[s].weight), dtype=bool)
            for k in ("bev", "fcev"):
                if (s, k, first) in feasible_bins and (k != "fcev" or s in runs_fcev):
                    runnable |= feasible_bins[(s, k, first)]
            share = weighted_sum(duty[s].weight, ~runnable)
            if share > 1e-9:
                stuck[s] = share * float(segments.at[s, "fleet"])
        if not stuck:
            continue
        fleet = float(segments.loc[mine, "fleet"].sum())
        worst = sorted(stuck, key=lambda s: -stuck[s])
        notes.append(
            ModelText(
                "pledge_incumbent_duties",
                pledge=pledge.commitment_id,
                operator=pledge.operator,
                year=first,
                share=f"{sum(stuck.values()) / fleet:.1%}",
                incumbent=str(segments.at[mine[0], "incumbent"]),
                segments=", ".join(worst[:6])
                + (f" and {len(worst) - 6} more" if len(worst) > 6 else ""),
            )
        )


def purchase_pledges(commitments: list[Commitment]) -> list[Commitment]:
    """Pledges on what operators buy: the ``pledge`` rows, and a fleet pledge's operator buying
    zero-emission from its year where no earlier purchase pledge of theirs says how."""
    pledges = [c for c in commitments if c.kind == "pledge"]
    for fleet in (c for c in commitments if c.kind == "fleet"):
        if not any(p.operator == fleet.operator and p.year <= fleet.year for p in pledges):
            pledges.append(
                Commitment(
                    commitment_id=fleet.commitment_id,
                    operator=fleet.operator,
                    kind="pledge",
                    year=fleet.year,
                    source=fleet.source,
                )
            )
    return pledges


def fleet_pledge_caps(
    commitments: list[Commitment],
    segments: pd.DataFrame,
    years: list[int],
    feasible_bins: dict[tuple[str, str, int], np.ndarray],
    duty: dict[str, DutyBins],
    runs_fcev: set[str],
) -> tuple[dict[tuple[str, int], float], dict[tuple[str, str, int], float]]:
    """Under a fleet pledge, per (segment, year): the most incumbent vehicles left in service,
    those on duties no zero-emission technology can run that year (0 where every duty can go);
    and per (segment, technology, year) the most vehicles of that zero-emission technology,
    those on the duties it can run (a bus replacing one retired early takes a duty it can run)."""
    caps: dict[tuple[str, int], float] = {}
    room: dict[tuple[str, str, int], float] = {}
    for pledge in (c for c in commitments if c.kind == "fleet"):
        for s in segments.index[segments["operator"] == pledge.operator]:
            fleet = float(segments.at[s, "fleet"])
            for t in years:
                if t < pledge.year:
                    continue
                runnable = np.zeros(len(duty[s].weight), dtype=bool)
                for k in ("bev", "fcev"):
                    if (s, k, t) in feasible_bins and (k != "fcev" or s in runs_fcev):
                        runnable |= feasible_bins[(s, k, t)]
                        room[(s, k, t)] = (
                            weighted_sum(duty[s].weight, feasible_bins[(s, k, t)]) * fleet
                        )
                stuck = weighted_sum(duty[s].weight, ~runnable) * fleet
                caps[(s, t)] = min(caps.get((s, t), np.inf), stuck)
    return caps, room


@dataclass(frozen=True)
class CommittedChargers:
    """Committed public fast chargers per site and modelled year (cumulative, in service)."""

    #: (site, year) -> chargers
    chargers: dict[tuple[str, int], float]
    #: (site, year) -> kW (each row at the power of chargers installed in its first modelled year)
    kw: dict[tuple[str, int], float]


def _largest_remainder(total: int, weights: pd.Series) -> pd.Series:
    """``total`` whole units split in proportion to ``weights`` (ties to the first site)."""
    exact = weights / math.fsum(weights.tolist()) * total  # exactly rounded: the same on any CPU
    whole = np.floor(exact)
    left = int(total - whole.sum())
    order = (exact - whole).sort_values(ascending=False, kind="stable").index[:left]
    whole.loc[order] += 1
    return whole


def committed_public_chargers(
    data: Dataset, scenario: Scenario, params: ParameterTable, public: list[str], years: list[int]
) -> CommittedChargers:
    """Committed public fast chargers in service at each public site and modelled year.

    Rows of ``committed_chargers.csv`` of the kinds the scenario counts; a row counts from
    the first modelled year at or after its year (rows before the horizon from its start).
    """
    kinds = {
        "programmes": ("programme",),
        "programmes_and_targets": ("programme", "target"),
        "none": (),
    }[scenario.committed_public_chargers]
    committed = data.table("committed_chargers")
    rows = committed[committed["kind"].isin(kinds)]
    chargers = {(c, t): 0.0 for c in public for t in years}
    kw = dict(chargers)
    if rows.empty or not public:
        return CommittedChargers(chargers, kw)
    sites = data.candidate_sites.set_index("site_id").loc[public]
    weights = sites["existing_fast_chargers"].astype(float)
    if weights.sum() <= 0:
        weights = sites["max_chargers"].astype(float)
    for row in rows.itertuples(index=False):
        first = next((t for t in years if t >= int(row.year)), None)
        if first is None:
            continue
        if _blank(row.site_id):
            if weights.sum() <= 0:
                continue
            split = _largest_remainder(int(row.fast_chargers), weights)
        else:
            split = pd.Series({row.site_id: float(row.fast_chargers)})
        power = params.at("public_charger_kw", first)
        for c, n in split.items():
            if n <= 0 or c not in sites.index:
                continue
            for t in years:
                if t >= first:
                    chargers[(c, t)] += float(n)
                    kw[(c, t)] += float(n) * power
    return CommittedChargers(chargers, kw)
