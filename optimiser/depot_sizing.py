"""Depot sizing: chargers, grid connection and duties that cannot go battery-electric.

A bus operator gives the depot's duties (one block per bus: pull-out time,
pull-in time, km). This module answers, for one depot:

* how many chargers of which power (kW) are needed,
* how large a grid connection (kVA) the site needs and how much of it is an
  upgrade over the existing headroom,
* which duties cannot be served by overnight depot charging at all, with a
  recommendation (terminus opportunity charging or a fuel-cell bus).

It is a separate, time-resolved model (15-minute steps over one cyclic day, or
a week with the blocks repeated daily). Its charger count and kVA feed the
depot parameters of the fleet model.

Model in words
--------------
Sets: buses ``B`` (those that pass the pre-check), steps ``T``, charger powers
``K``. Each bus is assigned to one charger power class ``a[b,k]``; in each step
it parked it may occupy a charger ``u[b,k,t]`` and draw ``p[b,t]`` kW from the
grid, of which ``efficiency`` reaches the battery. The duty's energy is spread
uniformly over the steps the bus is out. The horizon is cyclic: every bus ends
the horizon with the state of charge it started with, so the energy
bought per day equals the energy driven per day divided by the efficiency.
Minimise annualised charger cost + grid upgrade + energy by time-of-use band
+ demand charge on the site's peak kVA.

Discretisation (conservative): a step counts as *parked* only when the whole
step lies between pull-in and pull-out; a step that touches the duty at all
counts as *out*. A block out 05:30 / in 00:40 therefore charges from 00:45 to
05:30 (19 steps of 15 min).

Times: ``HH:MM`` (``HH:MM:00`` from spreadsheets accepted). ``24:00`` is
accepted in both columns and means midnight (the same as ``00:00``). A block
whose ``pull_in`` is at or before its ``pull_out`` crosses midnight (out 05:30,
in 00:40 means back at 00:40 the next day); ``pull_in == pull_out`` is a 24 h
duty with no time at the depot.

Units: kW, kWh, kVA, HK$ (``_hkd``); times in minutes after midnight inside
the code, ``HH:MM`` at the edges.

Cost defaults are estimates (status E in ``/work/shared/reference/hk-facts.md``)
except the CLP non-residential energy charge of 107.4 c/kWh (verified, 2025);
CLP's demand charges were not retrieved, so the HK$/kVA/month value here is an
estimate and is labelled as such.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.environ as pyo
from fleetplan.network.loaders import plain_number, read_csv_text
from fleetplan.optimiser.solver import SolverOptions, require_solution, solve

from fleetplan.errors import InputError

MINUTES_PER_DAY = 1440

#: Columns a blocks table must have, with what each one means (used in error messages).
BLOCK_COLUMNS: dict[str, str] = {
    "bus": "a bus or duty id, unique in the file",
    "pull_out": "the time the bus leaves the depot, HH:MM",
    "pull_in": "the time the bus is back at the depot, HH:MM (at or before pull_out = next day)",
    "km": "the distance driven on the duty, km >= 0",
}

#: Refuse block files larger than this: a depot has tens to hundreds of buses.
MAX_BLOCKS_BYTES = 20 * 1024 * 1024

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


# ---------------------------------------------------------------------------
# Cost defaults (estimates; see the module docstring)
# ---------------------------------------------------------------------------


def capital_recovery_factor(rate: float, years: int) -> float:
    """Annuity factor that turns a capital cost into equal yearly payments (1/year)."""
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def default_charger_cost_hkd_per_year(charger_kw: float) -> float:
    """Annualised cost of one depot DC charger of ``charger_kw`` kW, HK$/charger/year.

    Estimate: installed cost HK$250k + HK$2,300/kW (≈ HK$0.6 M for 150 kW, inside
    the HK$0.4-0.8 M planning range of the fact sheet, which scales US installed
    DCFC costs), annualised over 10 years at 6 % (factor 0.1359): ≈ HK$81k/year
    for a 150 kW charger.
    """
    capex_hkd = 250_000.0 + 2_300.0 * charger_kw
    return capex_hkd * capital_recovery_factor(0.06, 10)


#: Grid upgrade, HK$/kVA/year. Estimate: HK$1.6 M per MW of transformer and
#: connection works (fact-sheet planning range 1.2-2.0 M/MW) ≈ HK$1,520/kVA at
#: power factor 0.95, annualised over 25 years at 6 % (factor 0.0782).
DEFAULT_CONNECTION_HKD_PER_KVA_YEAR = 1_600.0 * 0.95 * capital_recovery_factor(0.06, 25)


@dataclass(frozen=True)
class TouBand:
    """One time-of-use band of the energy charge: [start, end) each day, HK$/kWh.

    ``end`` at or before ``start`` wraps past midnight (e.g. 21:00-09:00).
    """

    name: str
    start: str
    end: str
    hkd_per_kwh: float


@dataclass(frozen=True)
class Tariff:
    """Energy charge by time-of-use band plus a demand charge on the site's peak kVA.

    Defaults (estimates): CLP's verified non-residential energy charge is
    107.4 c/kWh (2025, before the Fuel Cost Adjustment). The on/off-peak split
    is not published in what we retrieved, so it is assumed, in the shape of
    CLP's large-power tariffs, as +12 % on-peak 09:00-21:00 (HK$1.20/kWh) and
    -15 % off-peak (HK$0.91/kWh). The Fuel Cost Adjustment applies to every kWh
    equally, so it changes the energy bill but not the schedule; it is left out.
    The demand charge of HK$70/kVA/month is an estimate (CLP's kVA demand
    charges were not retrieved) and here applies to the site's peak at any hour.
    """

    bands: tuple[TouBand, ...] = (TouBand("peak", "09:00", "21:00", 1.20),)
    base_band: str = "off_peak"
    base_hkd_per_kwh: float = 0.91
    demand_hkd_per_kva_month: float = 70.0

    def band_of(self, minute_of_day: int) -> tuple[str, float]:
        """(band name, HK$/kWh) that applies at ``minute_of_day`` (0-1439)."""
        for band in self.bands:
            start = parse_hhmm(band.start) % MINUTES_PER_DAY
            end = parse_hhmm(band.end) % MINUTES_PER_DAY
            inside = start <= minute_of_day < end if start < end else (
                minute_of_day >= start or minute_of_day < end
            )
            if inside:
                return band.name, band.hkd_per_kwh
        return self.base_band, self.base_hkd_per_kwh


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


@dataclass
class DepotSizingInputs:
    """Everything the depot sizing needs; validated on construction.

    Parameters
    ----------
    blocks:
        One row per bus: ``bus``, ``pull_out``, ``pull_in`` (HH:MM), ``km``.
        Validated with :func:`validate_blocks` (times normalised to HH:MM).
    usable_kwh:
        Usable battery energy per bus, kWh. Default 400: the KMB Enviro500EV
        has 472 kWh nominal; ~85 % of it is usable in service.
    kwh_per_km:
        Planning energy use, kWh/km (fact sheet: e-DD 1.3-1.8).
    summer_factor:
        Multiplies ``kwh_per_km`` for the design day. Default 1.15: Hong Kong's
        summer air-conditioning load on a mostly flat route. Sizing must hold
        on the worst regular day, not the annual mean; hilly routes in summer
        reach ~1.5 (a 300 km design range gives only ~200 km).
    charger_kw:
        Charger powers on offer, kW; the model chooses how many of each.
        A charger's rating caps its draw from the grid.
    charger_efficiency:
        Share of grid energy that reaches the battery.
    grid_headroom_kva:
        Spare capacity of the existing connection, kVA (free to use).
    kva_per_kw:
        kVA per kW of charging load (1 / power factor; 0.95 assumed).
    tariff:
        Energy charge by band and demand charge, see :class:`Tariff`.
    charger_cost_hkd_per_year:
        Annualised cost per charger by power (kW -> HK$/charger/year); powers
        missing here use :func:`default_charger_cost_hkd_per_year`.
    connection_hkd_per_kva_year:
        Annualised cost of grid capacity above the headroom, HK$/kVA/year.
    min_soc, max_soc:
        Allowed state of charge, as fractions of ``usable_kwh``.
    initial_soc:
        State of charge (fraction of ``usable_kwh``) every bus must have at
        least when it pulls out (buses leave full by default). The horizon is
        cyclic: each bus ends it with the charge it started with.
    step_minutes:
        Length of a time step; must divide 1440 (15 -> 96 steps a day).
    days:
        1 for one cyclic day; 7 for a week with the blocks repeated daily.
        With identical days the week's optimum is the day's repeated; the week
        has 7× the binaries, so beyond ~10 buses give it a longer time limit.
    cap_peak_at_uncontrolled:
        Never let the smart schedule's site peak exceed that of uncontrolled
        charging (always feasible: the uncontrolled schedule satisfies every
        constraint). Stops time-of-use savings from buying a larger connection
        than plugging in on arrival would need.
    fuel_cell_shortfall_share:
        A duty whose energy shortfall exceeds this share of its energy is
        recommended for a fuel-cell bus rather than terminus charging.
    """

    blocks: pd.DataFrame
    usable_kwh: float = 400.0
    kwh_per_km: float = 1.3
    summer_factor: float = 1.15
    charger_kw: tuple[float, ...] = (150.0,)
    charger_efficiency: float = 0.95
    grid_headroom_kva: float = 0.0
    kva_per_kw: float = 1.0 / 0.95
    tariff: Tariff = field(default_factory=Tariff)
    charger_cost_hkd_per_year: Mapping[float, float] | None = None
    connection_hkd_per_kva_year: float = DEFAULT_CONNECTION_HKD_PER_KVA_YEAR
    min_soc: float = 0.1
    max_soc: float = 1.0
    initial_soc: float = 1.0
    step_minutes: int = 15
    days: int = 1
    cap_peak_at_uncontrolled: bool = True
    fuel_cell_shortfall_share: float = 0.30

    def __post_init__(self) -> None:
        self.blocks = validate_blocks(self.blocks)
        if isinstance(self.charger_kw, int | float):
            self.charger_kw = (float(self.charger_kw),)
        powers = tuple(sorted({float(kw) for kw in self.charger_kw}))
        if not powers or any(not math.isfinite(kw) or kw <= 0 for kw in powers):
            raise InputError(f"expected one or more charger powers > 0 kW, got {self.charger_kw!r}", field="charger_kw")
        self.charger_kw = powers
        _positive(self.usable_kwh, "usable_kwh", "kWh")
        _positive(self.kwh_per_km, "kwh_per_km", "kWh/km")
        _positive(self.summer_factor, "summer_factor", "(multiplier)")
        _positive(self.kva_per_kw, "kva_per_kw", "kVA/kW")
        if not 0 < self.charger_efficiency <= 1:
            raise InputError(f"expected 0 < efficiency <= 1, got {self.charger_efficiency}", field="charger_efficiency")
        if not 0 <= self.min_soc < self.max_soc <= 1:
            raise InputError(
                f"expected 0 <= min_soc < max_soc <= 1, got {self.min_soc} and {self.max_soc}", field="min_soc"
            )
        if not self.min_soc <= self.initial_soc <= self.max_soc:
            raise InputError(
                f"expected min_soc <= initial_soc <= max_soc, got {self.initial_soc}", field="initial_soc"
            )
        for name in ("grid_headroom_kva", "connection_hkd_per_kva_year"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"expected a number >= 0, got {value}", field=name)
        if not isinstance(self.step_minutes, int) or self.step_minutes <= 0 or MINUTES_PER_DAY % self.step_minutes:
            raise InputError(
                f"expected a step that divides 1440 minutes (e.g. 15), got {self.step_minutes}", field="step_minutes"
            )
        if self.days not in range(1, 8):
            raise InputError(f"expected 1 (a day) to 7 (a week) days, got {self.days}", field="days")
        for band in self.tariff.bands:
            for label, text in (("start", band.start), ("end", band.end)):
                try:
                    parse_hhmm(text)
                except ValueError:
                    raise InputError(
                        f"band '{band.name}' {label} '{text}' is not a time; expected HH:MM", field="tariff"
                    ) from None

    @property
    def kwh_per_km_design(self) -> float:
        """Design-day energy use, kWh/km (planning value × summer factor)."""
        return self.kwh_per_km * self.summer_factor

    def charger_cost(self, charger_kw: float) -> float:
        """Annualised cost of one charger of ``charger_kw``, HK$/charger/year."""
        costs = self.charger_cost_hkd_per_year or {}
        for kw, cost in costs.items():
            if math.isclose(float(kw), charger_kw):
                return float(cost)
        return default_charger_cost_hkd_per_year(charger_kw)


def _positive(value: float, name: str, unit: str) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise InputError(f"expected a number > 0 {unit}, got {value!r}", field=name)


# ---------------------------------------------------------------------------
# Reading and validating blocks
# ---------------------------------------------------------------------------


def parse_hhmm(text: Any) -> int:
    """Minutes after midnight of ``HH:MM`` (``HH:MM:00`` accepted; ``24:00`` means 0).

    Raises
    ------
    ValueError
        When ``text`` is not a time of day.
    """
    match = _HHMM.match(str(text))
    if not match:
        raise ValueError(text)
    hours, minutes = int(match[1]), int(match[2])
    seconds = int(match[3] or 0)
    if seconds != 0 or minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(text)
    return (hours * 60 + minutes) % MINUTES_PER_DAY


def _format_hhmm(minutes: int) -> str:
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def validate_blocks(frame: pd.DataFrame, *, file: str | Path | None = None) -> pd.DataFrame:
    """Check a blocks table and return it typed: bus (str), pull_out/pull_in (HH:MM), km (float).

    Extra columns are kept. Rows are numbered from 1 (the header is row 0).

    Raises
    ------
    InputError
        On no rows, a missing column, an empty or duplicate bus, a time that is
        not ``HH:MM`` (00:00-23:59, or 24:00), or km that is not a number >= 0.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError("expected a table (DataFrame) with columns bus, pull_out, pull_in, km", file=file)
    frame = frame.copy()
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    for column, meaning in BLOCK_COLUMNS.items():
        if column not in frame.columns:
            raise InputError(f"missing column; expected {meaning}", file=file, row=0, field=column)
    if frame.empty:
        raise InputError("no blocks; expected one row per bus", file=file)
    frame = frame.reset_index(drop=True)
    buses: list[str] = []
    seen: dict[str, int] = {}
    outs: list[str] = []
    ins: list[str] = []
    kms: list[float] = []
    for pos, record in enumerate(frame[list(BLOCK_COLUMNS)].itertuples(index=False)):
        row = pos + 1
        bus = "" if pd.isna(record.bus) else str(record.bus).strip()
        if not bus:
            raise InputError(f"empty; expected {BLOCK_COLUMNS['bus']}", file=file, row=row, field="bus")
        if bus in seen:
            raise InputError(
                f"duplicate bus '{bus}' (first on row {seen[bus]}); expected one block per bus",
                file=file,
                row=row,
                field="bus",
            )
        seen[bus] = row
        buses.append(bus)
        for column, target in (("pull_out", outs), ("pull_in", ins)):
            value = getattr(record, column)
            try:
                target.append(_format_hhmm(parse_hhmm("" if pd.isna(value) else value)))
            except ValueError:
                raise InputError(
                    f"'{value}' is not a time; expected HH:MM from 00:00 to 23:59 (or 24:00)",
                    file=file,
                    row=row,
                    field=column,
                ) from None
        km = plain_number(record.km)
        # More than 2,400 km (24 hours at 100 km/h) is not one bus's day.
        if km is None or not 0 <= km <= 2400:
            raise InputError(f"'{record.km}' is not a distance; expected km from 0 to 2400", file=file, row=row, field="km")
        kms.append(km)
    frame["bus"] = buses
    frame["pull_out"] = outs
    frame["pull_in"] = ins
    frame["km"] = kms
    extra = [column for column in frame.columns if column not in BLOCK_COLUMNS]
    return frame[[*BLOCK_COLUMNS, *extra]]


def read_blocks_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate a blocks CSV (columns ``bus,pull_out,pull_in,km``).

    Times are ``HH:MM``; ``24:00`` is accepted and means midnight. A block with
    ``pull_in`` at or before ``pull_out`` comes back the next day.

    Raises
    ------
    InputError
        Naming the file, the 1-based data row and the field, and what was expected.
    """
    path = Path(path)
    text = read_csv_text(path, expected="a CSV with columns bus,pull_out,pull_in,km", max_bytes=MAX_BLOCKS_BYTES)
    try:
        # Strings throughout: times like 06:00 and ids like 007 must not be reinterpreted.
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"not a readable CSV table: {str(error).strip()}", file=path) from None
    return validate_blocks(frame, file=path)


# ---------------------------------------------------------------------------
# Pre-processing in plain Python: duty windows, pre-check, uncontrolled baseline
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BusDuty:
    """One bus's duty on the step grid of one day.

    ``parked_steps`` are the steps of the day (0-based) lying wholly inside the
    depot stay, in the order they occur from pull-in; ``departure_step`` is the
    first step of the duty (the SoC at its start is the pull-out SoC).
    """

    bus: str
    km: float
    duty_kwh: float
    parked_steps: tuple[int, ...]
    departure_step: int
    steps_per_day: int

    @property
    def out_steps(self) -> int:
        return self.steps_per_day - len(self.parked_steps)


def duty_windows(inputs: DepotSizingInputs) -> list[BusDuty]:
    """Each block on the step grid: energy of the duty (kWh) and its parked steps."""
    step = inputs.step_minutes
    steps_per_day = MINUTES_PER_DAY // step
    duties = []
    for record in inputs.blocks.itertuples(index=False):
        pull_out = parse_hhmm(record.pull_out)
        pull_in = parse_hhmm(record.pull_in)
        # Depot stay [pull_in, pull_in + stay); pull_in == pull_out is a 24 h duty (no stay).
        stay = (pull_out - pull_in) % MINUTES_PER_DAY
        first = -(-pull_in // step)  # first step starting at or after pull-in
        last_end = (pull_in + stay) // step  # steps must end by pull-out
        count = max(0, last_end - first)
        parked = tuple((first + j) % steps_per_day for j in range(count))
        departure = (first + count) % steps_per_day if count else pull_out // step
        duties.append(
            BusDuty(
                bus=str(record.bus),
                km=float(record.km),
                duty_kwh=float(record.km) * inputs.kwh_per_km_design,
                parked_steps=parked,
                departure_step=departure,
                steps_per_day=steps_per_day,
            )
        )
    return duties


def check_duties(inputs: DepotSizingInputs, duties: Sequence[BusDuty] | None = None) -> tuple[list[BusDuty], list[dict[str, Any]]]:
    """Split duties into those depot charging can serve and those it cannot.

    A duty cannot be served when (1) its energy exceeds the battery window,
    ``km × kWh/km × summer_factor > usable_kwh × (max_soc − min_soc)``, or
    (2) the depot stay is too short to put it back even at the largest charger
    power, ``duty_kwh > parked_h × max(charger_kw) × efficiency``.

    Returns
    -------
    (servable duties, infeasible buses as dicts with bus, reason, duty_kwh,
    usable_kwh, depot_kwh, shortfall_kwh, shortfall_km, recommendation)
    """
    duties = list(duties) if duties is not None else duty_windows(inputs)
    window_kwh = inputs.usable_kwh * (inputs.max_soc - inputs.min_soc)
    step_h = inputs.step_minutes / 60.0
    max_kw = max(inputs.charger_kw)
    tolerance_kwh = 1e-6
    feasible: list[BusDuty] = []
    infeasible: list[dict[str, Any]] = []
    for duty in duties:
        depot_kwh = len(duty.parked_steps) * step_h * max_kw * inputs.charger_efficiency
        if duty.duty_kwh > window_kwh + tolerance_kwh:
            reason = "battery too small for the duty"
            shortfall_kwh = duty.duty_kwh - window_kwh
        elif duty.duty_kwh > depot_kwh + tolerance_kwh:
            reason = f"depot stay too short ({len(duty.parked_steps) * step_h:g} h at {max_kw:g} kW)"
            shortfall_kwh = duty.duty_kwh - depot_kwh
        else:
            feasible.append(duty)
            continue
        share = shortfall_kwh / duty.duty_kwh
        if share > inputs.fuel_cell_shortfall_share:
            recommendation = f"fuel-cell bus (shortfall is {share:.0%} of the duty's energy)"
        else:
            recommendation = f"opportunity charging at a terminus ({shortfall_kwh:.0f} kWh needed during the day)"
        infeasible.append(
            {
                "bus": duty.bus,
                "reason": reason,
                "km": duty.km,
                "duty_kwh": _clean(duty.duty_kwh),
                "usable_kwh": _clean(window_kwh),
                "depot_kwh": _clean(min(window_kwh, depot_kwh)),
                "shortfall_kwh": _clean(shortfall_kwh),
                "shortfall_km": _clean(shortfall_kwh / inputs.kwh_per_km_design),
                "recommendation": recommendation,
            }
        )
    return feasible, infeasible


def uncontrolled_charging(inputs: DepotSizingInputs, duties: Sequence[BusDuty]) -> tuple[list[float], dict[str, list[float]], int]:
    """Plug in on arrival at the largest charger power until full; unlimited chargers.

    Each bus arrives with ``max_soc × usable − duty`` and draws the full charger
    rating (grid side) from its first parked step until the battery is back at
    ``max_soc``; the last step draws only what is left.

    Returns
    -------
    (site load per step in kW, load per bus per step in kW, chargers needed =
    most buses charging in one step)
    """
    steps_per_day = MINUTES_PER_DAY // inputs.step_minutes
    horizon = steps_per_day * inputs.days
    step_h = inputs.step_minutes / 60.0
    max_kw = max(inputs.charger_kw)
    site = [0.0] * horizon
    busy = [0] * horizon
    per_bus: dict[str, list[float]] = {}
    for duty in duties:
        load = [0.0] * horizon
        for day in range(inputs.days):
            remaining_kwh = duty.duty_kwh / inputs.charger_efficiency  # from the grid
            for step in duty.parked_steps:
                if remaining_kwh <= 1e-9:
                    break
                kw = min(max_kw, remaining_kwh / step_h)
                # Parked steps are ordered from pull-in; a stay that runs past the
                # end of the horizon wraps to its start (the horizon is cyclic).
                index = (day * steps_per_day + step + (steps_per_day if step < duty.parked_steps[0] else 0)) % horizon
                load[index] += kw
                remaining_kwh -= kw * step_h
        for index, kw in enumerate(load):
            site[index] += kw
            busy[index] += kw > 1e-9
        per_bus[duty.bus] = load
    return site, per_bus, max(busy, default=0)


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------


@dataclass
class _ModelData:
    """Index sets and parameters built in plain Python before Pyomo sees them."""

    buses: list[str]
    steps: list[int]
    points: list[int]  # SoC is measured at the start of each step and at the end of the horizon
    powers: list[int]  # index of each charger power
    power_kw: dict[int, float]
    parked: list[tuple[str, int]]
    out: list[tuple[str, int]]
    on_charger: list[tuple[str, int, int]]  # (bus, power index, step) for parked steps
    use_kwh: dict[tuple[str, int], float]  # energy driven in each step
    departures: list[tuple[str, int]]  # (bus, point) at each pull-out
    price_hkd_per_kwh: dict[int, float]
    step_h: float
    charge_needs: list[tuple[str, list[int], float]]  # (bus, steps, kWh it must take in over them)
    efficiency: float
    soc_min_kwh: float
    soc_max_kwh: float
    departure_kwh: float
    headroom_kva: float
    kva_per_kw: float
    charger_hkd_per_year: dict[int, float]
    connection_hkd_per_kva_year: float
    demand_hkd_per_kva_year: float
    energy_scale_per_year: float  # horizon -> year
    peak_cap_kw: float | None


def _model_data(inputs: DepotSizingInputs, duties: Sequence[BusDuty], peak_cap_kw: float | None) -> _ModelData:
    steps_per_day = MINUTES_PER_DAY // inputs.step_minutes
    horizon = steps_per_day * inputs.days
    steps = list(range(horizon))
    powers = list(range(len(inputs.charger_kw)))
    parked: list[tuple[str, int]] = []
    out: list[tuple[str, int]] = []
    use_kwh: dict[tuple[str, int], float] = {}
    departures: list[tuple[str, int]] = []
    needs: list[tuple[list[int], float, str]] = []
    for duty in duties:
        parked_of_day = set(duty.parked_steps)
        # Spread the duty's energy uniformly over the steps the bus is away.
        per_step_kwh = duty.duty_kwh / duty.out_steps if duty.out_steps else 0.0
        for t in steps:
            if t % steps_per_day in parked_of_day:
                parked.append((duty.bus, t))
                use_kwh[duty.bus, t] = 0.0
            else:
                out.append((duty.bus, t))
                use_kwh[duty.bus, t] = per_step_kwh
        departures.extend((duty.bus, day * steps_per_day + duty.departure_step) for day in range(inputs.days))
        # Cyclic horizon: over all its parked steps a bus takes in its duty of every day.
        own_parked = [t for t in steps if t % steps_per_day in parked_of_day]
        needs.append((own_parked, duty.duty_kwh * inputs.days, duty.bus))
        if inputs.days > 1 and duty.parked_steps:
            # Each stay: arrives with at most max − duty, leaves with at least initial.
            stay_kwh = duty.duty_kwh - (inputs.max_soc - inputs.initial_soc) * inputs.usable_kwh
            first = duty.parked_steps[0]
            for day in range(inputs.days):
                stay = [(day * steps_per_day + first + j) % horizon for j in range(len(duty.parked_steps))]
                needs.append((stay, stay_kwh, duty.bus))
    prices = {t: inputs.tariff.band_of((t % steps_per_day) * inputs.step_minutes)[1] for t in steps}
    return _ModelData(
        buses=[duty.bus for duty in duties],
        steps=steps,
        points=[*steps, horizon],
        powers=powers,
        power_kw={k: inputs.charger_kw[k] for k in powers},
        parked=parked,
        out=out,
        on_charger=[(b, k, t) for (b, t) in parked for k in powers],
        use_kwh=use_kwh,
        departures=departures,
        price_hkd_per_kwh=prices,
        step_h=inputs.step_minutes / 60.0,
        charge_needs=[(bus, steps, kwh) for steps, kwh, bus in needs],
        efficiency=inputs.charger_efficiency,
        soc_min_kwh=inputs.min_soc * inputs.usable_kwh,
        soc_max_kwh=inputs.max_soc * inputs.usable_kwh,
        departure_kwh=inputs.initial_soc * inputs.usable_kwh,
        headroom_kva=inputs.grid_headroom_kva,
        kva_per_kw=inputs.kva_per_kw,
        charger_hkd_per_year={k: inputs.charger_cost(inputs.charger_kw[k]) for k in powers},
        connection_hkd_per_kva_year=inputs.connection_hkd_per_kva_year,
        demand_hkd_per_kva_year=12.0 * inputs.tariff.demand_hkd_per_kva_month,
        energy_scale_per_year=365.0 / inputs.days,
        peak_cap_kw=peak_cap_kw,
    )


def _variables(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """p[b,t] grid kW, soc[b,τ] kWh, u[b,k,t] on a charger, a[b,k] power class, n[k] chargers, P, g, upgrade."""
    m.B = pyo.Set(initialize=data.buses, ordered=True)
    m.T = pyo.Set(initialize=data.steps, ordered=True)
    m.TAU = pyo.Set(initialize=data.points, ordered=True)
    m.K = pyo.Set(initialize=data.powers, ordered=True)
    m.PARKED = pyo.Set(initialize=data.parked, dimen=2, ordered=True)
    m.OUT = pyo.Set(initialize=data.out, dimen=2, ordered=True)
    m.ON = pyo.Set(initialize=data.on_charger, dimen=3, ordered=True)
    max_kw = max(data.power_kw.values())
    m.p = pyo.Var(m.B, m.T, domain=pyo.NonNegativeReals, bounds=(0, max_kw))
    m.soc = pyo.Var(m.B, m.TAU, domain=pyo.NonNegativeReals)
    m.u = pyo.Var(m.ON, domain=pyo.Binary)
    m.a = pyo.Var(m.B, m.K, domain=pyo.Binary)
    m.n = pyo.Var(m.K, domain=pyo.NonNegativeIntegers)
    m.P = pyo.Var(domain=pyo.NonNegativeReals)
    m.g = pyo.Var(domain=pyo.NonNegativeReals)
    m.upgrade = pyo.Var(domain=pyo.NonNegativeReals)


def _soc_balance(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """SoC at the next step = SoC now + efficiency × grid kW × step hours − energy driven in the step.

    soc[b,t+1] = soc[b,t] + η·p[b,t]·Δt − use[b,t]; ``use`` spreads the duty's
    kWh uniformly over the steps the bus is out.
    """

    def rule(m: pyo.ConcreteModel, b: str, t: int) -> Any:
        return m.soc[b, t + 1] == m.soc[b, t] + data.efficiency * data.step_h * m.p[b, t] - data.use_kwh[b, t]

    m.soc_balance = pyo.Constraint(m.B, m.T, rule=rule)


def _soc_bounds(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """min_soc × usable ≤ soc[b,τ] ≤ max_soc × usable at every point (set as variable bounds)."""
    for index in m.soc:
        m.soc[index].setlb(data.soc_min_kwh)
        m.soc[index].setub(data.soc_max_kwh)


def _cyclic_horizon(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """Each bus ends the horizon with the charge it started with: soc[b,end] = soc[b,0].

    Stated as an equality, which satisfies "ends at ≥ its start": with ≥ a
    schedule could drop charge at the wrap and overstate the energy bought (in a
    free tariff band, or in a time-limited incumbent). Equality makes the day
    repeatable and the energy balance exact; it is always feasible because the
    uncontrolled schedule meets it.
    """
    end = data.points[-1]
    m.cyclic = pyo.Constraint(m.B, rule=lambda m, b: m.soc[b, end] == m.soc[b, 0])


def _departure_soc(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """At every pull-out the bus holds at least initial_soc × usable: soc[b,τ_out] ≥ SoC_out."""
    m.DEPART = pyo.Set(initialize=data.departures, dimen=2, ordered=True)
    m.departure = pyo.Constraint(m.DEPART, rule=lambda m, b, tau: m.soc[b, tau] >= data.departure_kwh)


def _charge_only_while_parked(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """No charging while out: p[b,t] = 0 for every step t that touches the duty.

    (u[b,k,t] exists only for parked steps, so occupying a charger while out is impossible.)
    """
    m.parked_only = pyo.Constraint(m.OUT, rule=lambda m, b, t: m.p[b, t] == 0)


def _charger_power(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """A bus draws at most the rating of the charger it occupies: p[b,t] ≤ Σ_k kW_k · u[b,k,t]."""

    def rule(m: pyo.ConcreteModel, b: str, t: int) -> Any:
        return m.p[b, t] <= sum(data.power_kw[k] * m.u[b, k, t] for k in m.K)

    m.charger_power = pyo.Constraint(m.PARKED, rule=rule)


def _power_class(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """Each bus uses chargers of one power only: Σ_k a[b,k] = 1 and u[b,k,t] ≤ a[b,k].

    Together these also mean a bus occupies at most one charger in a step.
    """
    m.one_class = pyo.Constraint(m.B, rule=lambda m, b: sum(m.a[b, k] for k in m.K) == 1)
    m.class_link = pyo.Constraint(m.ON, rule=lambda m, b, k, t: m.u[b, k, t] <= m.a[b, k])


def _charger_count(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """At most one bus per charger at a time: Σ_b u[b,k,t] ≤ n[k] for every power k and step t."""
    by_step: dict[tuple[int, int], list[str]] = {}
    for b, k, t in data.on_charger:
        by_step.setdefault((k, t), []).append(b)
    m.KT = pyo.Set(initialize=sorted(by_step), dimen=2, ordered=True)
    m.charger_count = pyo.Constraint(
        m.KT, rule=lambda m, k, t: sum(m.u[b, k, t] for b in by_step[k, t]) <= m.n[k]
    )


def _min_charging_steps(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """A bus on class k occupies a charger for at least ⌈energy / (η · kW_k · Δt)⌉ steps.

    Σ_{t ∈ S} u[b,k,t] ≥ ⌈E / (η·kW_k·Δt)⌉ · a[b,k] for each (bus, step set S, energy E)
    in ``data.charge_needs``: the whole horizon must put back the duty of every day
    (cyclic), and each overnight stay at least duty − (max_soc − initial_soc) × usable
    (the bus arrives with at most max − duty and leaves with at least initial).
    Implied by the other constraints for integer u; stated explicitly because the
    rounding up tightens the LP relaxation (fractional u would otherwise spread
    thinly), which cuts HiGHS's time on a 60-bus day from minutes to seconds.
    """
    rows = []
    for index, (_, steps, need_kwh) in enumerate(data.charge_needs):
        for k in data.powers:
            count = math.ceil(need_kwh / (data.efficiency * data.power_kw[k] * data.step_h) - 1e-9)
            if count > 0 and steps:
                rows.append((index, k, count))
    m.MINSTEPS = pyo.Set(initialize=[(i, k) for i, k, _ in rows], dimen=2, ordered=True)
    count_of = {(i, k): count for i, k, count in rows}

    def rule(m: pyo.ConcreteModel, i: int, k: int) -> Any:
        b, steps, _ = data.charge_needs[i]
        return sum(m.u[b, k, t] for t in steps) >= count_of[i, k] * m.a[b, k]

    m.min_steps = pyo.Constraint(m.MINSTEPS, rule=rule)


def _site_power(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """The site peak covers every step's total draw: Σ_b p[b,t] ≤ P."""
    m.site_power = pyo.Constraint(m.T, rule=lambda m, t: sum(m.p[b, t] for b in m.B) <= m.P)


def _grid_connection(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """Connection covers the peak in kVA, P · kVA/kW ≤ g, and g ≤ existing headroom + upgrade."""
    m.peak_kva = pyo.Constraint(expr=data.kva_per_kw * m.P <= m.g)
    m.connection = pyo.Constraint(expr=m.g <= data.headroom_kva + m.upgrade)


def _peak_cap(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """Smart charging never needs more than uncontrolled charging: P ≤ uncontrolled peak kW."""
    if data.peak_cap_kw is not None:
        # A hair of slack so floating-point noise cannot cut off the uncontrolled schedule.
        m.peak_cap = pyo.Constraint(expr=data.peak_cap_kw * (1 + 1e-9) + 1e-6 >= m.P)


def _objective(m: pyo.ConcreteModel, data: _ModelData) -> None:
    """Minimise annualised chargers + grid upgrade + energy by band × 365 + demand charge × 12 × peak kVA."""
    m.cost_chargers = pyo.Expression(expr=sum(data.charger_hkd_per_year[k] * m.n[k] for k in m.K))
    m.cost_connection = pyo.Expression(expr=data.connection_hkd_per_kva_year * m.upgrade)
    m.cost_energy = pyo.Expression(
        expr=data.energy_scale_per_year
        * data.step_h
        * sum(data.price_hkd_per_kwh[t] * m.p[b, t] for (b, t) in data.parked)
    )
    m.cost_demand = pyo.Expression(expr=data.demand_hkd_per_kva_year * data.kva_per_kw * m.P)
    m.cost = pyo.Objective(
        expr=m.cost_chargers + m.cost_connection + m.cost_energy + m.cost_demand, sense=pyo.minimize
    )


def build_model(inputs: DepotSizingInputs, duties: Sequence[BusDuty], peak_cap_kw: float | None = None) -> pyo.ConcreteModel:
    """The depot MIP for the servable ``duties`` (see the module docstring)."""
    data = _model_data(inputs, duties, peak_cap_kw)
    m = pyo.ConcreteModel(name="depot_sizing")
    m.data = data
    _variables(m, data)
    _soc_balance(m, data)
    _soc_bounds(m, data)
    _cyclic_horizon(m, data)
    _departure_soc(m, data)
    _charge_only_while_parked(m, data)
    _charger_power(m, data)
    _power_class(m, data)
    _charger_count(m, data)
    _min_charging_steps(m, data)
    _site_power(m, data)
    _grid_connection(m, data)
    _peak_cap(m, data)
    _objective(m, data)
    return m


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclass
class DepotSizingResult:
    """What the depot needs. Energies are per day (a week run is divided by 7).

    Attributes
    ----------
    status, gap:
        Solver status (``optimal``, ``time_limit``...) and relative MIP gap.
    chargers, chargers_by_kw:
        Total chargers and count by power (kW -> chargers).
    peak_kw, peak_kva:
        Site peak of smart charging (grid side) in kW and kVA.
    grid_upgrade_kva:
        Connection capacity needed above the existing headroom, kVA.
    energy_kwh, energy_kwh_by_band:
        Energy bought from the grid per day, total and by tariff band, kWh.
    battery_kwh:
        Energy delivered into the batteries per day (= grid × efficiency), kWh.
    annual_cost_hkd:
        Annualised cost by component: chargers, grid_upgrade, energy, demand, total.
    schedule:
        One row per bus and step: bus, step, day, time, kw (grid side),
        soc_kwh (at the start of the step), parked, charger_kw, band.
    load_curve:
        One row per step: step, day, time, band, smart_kw, uncontrolled_kw.
    buses:
        One row per bus served: bus, km, duty_kwh, parked_h, charger_kw, energy_kwh (per day).
    infeasible_buses:
        Duties depot charging cannot serve (excluded from the model): bus,
        reason, km, duty_kwh, usable_kwh, depot_kwh, shortfall_kwh,
        shortfall_km, recommendation.
    uncontrolled_peak_kw, uncontrolled_chargers:
        Site peak and chargers needed when every bus plugs in on arrival at the
        largest power (same buses as the model).
    """

    status: str
    gap: float | None
    chargers: int
    chargers_by_kw: dict[float, int]
    peak_kw: float
    peak_kva: float
    grid_upgrade_kva: float
    energy_kwh: float
    energy_kwh_by_band: dict[str, float]
    battery_kwh: float
    annual_cost_hkd: dict[str, float]
    schedule: pd.DataFrame
    load_curve: pd.DataFrame
    buses: pd.DataFrame
    infeasible_buses: list[dict[str, Any]]
    uncontrolled_peak_kw: float
    uncontrolled_chargers: int
    solve_time_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (no tables; chargers_by_kw keys as strings)."""
        return {
            "status": self.status,
            "gap": self.gap,
            "chargers": self.chargers,
            "chargers_by_kw": {f"{kw:g}": count for kw, count in self.chargers_by_kw.items()},
            "peak_kw": self.peak_kw,
            "peak_kva": self.peak_kva,
            "grid_upgrade_kva": self.grid_upgrade_kva,
            "energy_kwh": self.energy_kwh,
            "energy_kwh_by_band": self.energy_kwh_by_band,
            "battery_kwh": self.battery_kwh,
            "annual_cost_hkd": self.annual_cost_hkd,
            "infeasible_buses": self.infeasible_buses,
            "uncontrolled_peak_kw": self.uncontrolled_peak_kw,
            "uncontrolled_chargers": self.uncontrolled_chargers,
            "solve_time_s": self.solve_time_s,
        }


def _clean(value: float | None, digits: int = 6) -> float:
    """Round solver noise away (−1e-12 -> 0.0)."""
    value = float(value or 0.0)
    value = round(value, digits)
    return 0.0 if value == 0 else value


def _step_labels(inputs: DepotSizingInputs) -> tuple[list[int], list[str], list[str], list[float]]:
    """Per step of the horizon: day, start time HH:MM, tariff band and its HK$/kWh."""
    steps_per_day = MINUTES_PER_DAY // inputs.step_minutes
    horizon = steps_per_day * inputs.days
    days = [t // steps_per_day for t in range(horizon)]
    minutes = [(t % steps_per_day) * inputs.step_minutes for t in range(horizon)]
    times = [_format_hhmm(minute) for minute in minutes]
    tariff = [inputs.tariff.band_of(minute) for minute in minutes]
    return days, times, [band for band, _ in tariff], [price for _, price in tariff]


def size_depot(inputs: DepotSizingInputs, options: SolverOptions | None = None) -> DepotSizingResult:
    """Size a depot's chargers and grid connection for its blocks.

    Parameters
    ----------
    inputs:
        Blocks, battery, energy use, charger options, grid and tariff.
    options:
        Solver time limit, gap and threads (default :class:`SolverOptions`).

    Returns
    -------
    DepotSizingResult
        Chargers by power, peak kW/kVA, grid upgrade kVA, energy and annual
        cost, schedule and load curve (smart vs uncontrolled), and the buses
        depot charging cannot serve.

    Raises
    ------
    InfeasibleError
        If HiGHS finds no schedule (e.g. none within the time limit).
    """
    options = options or SolverOptions()
    feasible, infeasible = check_duties(inputs)
    site_uncontrolled, _, uncontrolled_chargers = uncontrolled_charging(inputs, feasible)
    uncontrolled_peak_kw = max(site_uncontrolled, default=0.0)
    days, times, bands, prices = _step_labels(inputs)
    horizon = len(times)
    step_h = inputs.step_minutes / 60.0
    band_names = [inputs.tariff.base_band, *(band.name for band in inputs.tariff.bands)]

    kw: dict[tuple[str, int], float] = {}
    soc: dict[tuple[str, int], float] = {}
    power_of: dict[str, float] = {}
    chargers_by_kw = {power: 0 for power in inputs.charger_kw}
    status, gap, solve_time_s = "optimal", 0.0, 0.0
    if feasible:
        cap = uncontrolled_peak_kw if inputs.cap_peak_at_uncontrolled else None
        model = build_model(inputs, feasible, peak_cap_kw=cap)
        report = solve(model, options)
        require_solution(report, "depot sizing model")
        status, gap, solve_time_s = report.status, report.gap, report.solve_time_s
        for b in model.B:
            for t in model.T:
                kw[b, t] = max(0.0, _clean(model.p[b, t].value))
            for tau in model.TAU:
                soc[b, tau] = _clean(model.soc[b, tau].value)
            chosen = max(model.K, key=lambda k, b=b: model.a[b, k].value or 0.0)
            power_of[b] = inputs.charger_kw[chosen]
        for k in model.K:
            # A variable the solver never saw (no constraint uses it) comes back as None.
            chargers_by_kw[inputs.charger_kw[k]] = round(model.n[k].value or 0.0)

    smart = [sum(kw.get((duty.bus, t), 0.0) for duty in feasible) for t in range(horizon)]
    # Report the peak that actually occurs (P may sit a hair above it when nothing
    # pushes it down), and derive kVA, upgrade and costs from what is reported so
    # the numbers agree with each other and with the load curve.
    peak_kw = _clean(max(smart, default=0.0))
    peak_kva = _clean(peak_kw * inputs.kva_per_kw)
    upgrade_kva = _clean(max(0.0, peak_kva - inputs.grid_headroom_kva))
    costs = {
        "chargers": sum(inputs.charger_cost(power) * count for power, count in chargers_by_kw.items()),
        "grid_upgrade": inputs.connection_hkd_per_kva_year * upgrade_kva,
        "energy": sum(price * value * step_h for price, value in zip(prices, smart, strict=True)) * 365.0 / inputs.days,
        "demand": 12.0 * inputs.tariff.demand_hkd_per_kva_month * peak_kva,
    }
    costs = {name: _clean(value, 2) for name, value in costs.items()}
    costs["total"] = _clean(sum(costs.values()), 2)
    load_curve = pd.DataFrame(
        {
            "step": range(horizon),
            "day": days,
            "time": times,
            "band": bands,
            "smart_kw": [_clean(value) for value in smart],
            "uncontrolled_kw": [_clean(value) for value in site_uncontrolled],
        }
    )
    energy_by_band = {name: 0.0 for name in dict.fromkeys(band_names)}
    for t, value in enumerate(smart):
        energy_by_band[bands[t]] += value * step_h / inputs.days
    energy_by_band = {name: _clean(value) for name, value in energy_by_band.items()}
    energy_kwh = _clean(sum(smart) * step_h / inputs.days)

    rows = []
    for duty in feasible:
        parked = set(duty.parked_steps)
        steps_per_day = duty.steps_per_day
        rows.extend(
            {
                "bus": duty.bus,
                "step": t,
                "day": days[t],
                "time": times[t],
                "kw": kw[duty.bus, t],
                "soc_kwh": soc[duty.bus, t],
                "parked": (t % steps_per_day) in parked,
                "charger_kw": power_of[duty.bus],
                "band": bands[t],
            }
            for t in range(horizon)
        )
    schedule = pd.DataFrame(
        rows, columns=["bus", "step", "day", "time", "kw", "soc_kwh", "parked", "charger_kw", "band"]
    )
    buses = pd.DataFrame(
        [
            {
                "bus": duty.bus,
                "km": duty.km,
                "duty_kwh": _clean(duty.duty_kwh),
                "parked_h": len(duty.parked_steps) * step_h,
                "charger_kw": power_of[duty.bus],
                "energy_kwh": _clean(sum(kw[duty.bus, t] for t in range(horizon)) * step_h / inputs.days),
            }
            for duty in feasible
        ],
        columns=["bus", "km", "duty_kwh", "parked_h", "charger_kw", "energy_kwh"],
    )
    return DepotSizingResult(
        status=status,
        gap=gap,
        chargers=sum(chargers_by_kw.values()),
        chargers_by_kw=chargers_by_kw,
        peak_kw=peak_kw,
        peak_kva=peak_kva,
        grid_upgrade_kva=upgrade_kva,
        energy_kwh=energy_kwh,
        energy_kwh_by_band=energy_by_band,
        battery_kwh=_clean(energy_kwh * inputs.charger_efficiency),
        annual_cost_hkd=costs,
        schedule=schedule,
        load_curve=load_curve,
        buses=buses,
        infeasible_buses=infeasible,
        uncontrolled_peak_kw=_clean(uncontrolled_peak_kw),
        uncontrolled_chargers=int(uncontrolled_chargers),
        solve_time_s=solve_time_s,
    )


def blocks_frame(rows: Iterable[tuple[str, str, str, float]]) -> pd.DataFrame:
    """Build a blocks table from ``(bus, pull_out, pull_in, km)`` tuples (for scripts and tests)."""
    return pd.DataFrame(list(rows), columns=list(BLOCK_COLUMNS))
