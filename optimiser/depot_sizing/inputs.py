"""What the depot sizing needs: :class:`DepotSizingInputs`, validated on construction."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from fleetplan.errors import InputError
from fleetplan.optimiser.depot_sizing.duties import validate_blocks
from fleetplan.optimiser.depot_sizing.tariffs import (
    DEFAULT_CONNECTION_HKD_PER_KVA_YEAR,
    Tariff,
    default_charger_cost_hkd_per_year,
)
from fleetplan.optimiser.depot_sizing.units import MINUTES_PER_DAY, parse_hhmm


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
            raise InputError(
                f"expected one or more charger powers > 0 kW, got {self.charger_kw!r}",
                field="charger_kw",
            )
        self.charger_kw = powers
        _positive(self.usable_kwh, "usable_kwh", "kWh")
        _positive(self.kwh_per_km, "kwh_per_km", "kWh/km")
        _positive(self.summer_factor, "summer_factor", "(multiplier)")
        _positive(self.kva_per_kw, "kva_per_kw", "kVA/kW")
        if not 0 < self.charger_efficiency <= 1:
            raise InputError(
                f"expected 0 < efficiency <= 1, got {self.charger_efficiency}",
                field="charger_efficiency",
            )
        if not 0 <= self.min_soc < self.max_soc <= 1:
            raise InputError(
                f"expected 0 <= min_soc < max_soc <= 1, got {self.min_soc} and {self.max_soc}",
                field="min_soc",
            )
        if not self.min_soc <= self.initial_soc <= self.max_soc:
            raise InputError(
                f"expected min_soc <= initial_soc <= max_soc, got {self.initial_soc}",
                field="initial_soc",
            )
        for name in ("grid_headroom_kva", "connection_hkd_per_kva_year"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"expected a number >= 0, got {value}", field=name)
        if (
            not isinstance(self.step_minutes, int)
            or self.step_minutes <= 0
            or MINUTES_PER_DAY % self.step_minutes
        ):
            raise InputError(
                f"expected a step that divides 1440 minutes (e.g. 15), got {self.step_minutes}",
                field="step_minutes",
            )
        if self.days not in range(1, 8):
            raise InputError(
                f"expected 1 (a day) to 7 (a week) days, got {self.days}", field="days"
            )
        for band in self.tariff.bands:
            for label, text in (("start", band.start), ("end", band.end)):
                try:
                    parse_hhmm(text)
                except ValueError:
                    raise InputError(
                        f"band '{band.name}' {label} '{text}' is not a time; expected HH:MM",
                        field="tariff",
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
