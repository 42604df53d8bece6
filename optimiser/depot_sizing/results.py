"""What the depot sizing reports: :class:`DepotSizingResult`, assembled from a solved schedule.

Figures are derived from the schedule that actually occurs (not from the
MIP's peak variable), so kW, kVA, upgrade, energy and costs agree with each
other and with the load curve. Energies are per day (a week run is divided
by 7); costs are HK$/year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from fleetplan.optimiser.depot_sizing.inputs import DepotSizingInputs
from fleetplan.optimiser.depot_sizing.prechecks import BusDuty
from fleetplan.optimiser.depot_sizing.units import MINUTES_PER_DAY, clean, format_hhmm


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


@dataclass
class SolvedSchedule:
    """What the MIP decided, read off the model; empty when no bus needed it.

    Attributes
    ----------
    kw:
        Grid-side draw per (bus, step), kW.
    soc:
        State of charge per (bus, point), kWh, at the start of each step and at
        the end of the horizon.
    power_of:
        Charger power class of each bus, kW.
    chargers_by_kw:
        Chargers of each power, kW -> count.
    status, gap, solve_time_s:
        Solver status, relative MIP gap and HiGHS time (s).
    """

    kw: dict[tuple[str, int], float]
    soc: dict[tuple[str, int], float]
    power_of: dict[str, float]
    chargers_by_kw: dict[float, int]
    status: str = "optimal"
    gap: float | None = 0.0
    solve_time_s: float = 0.0


def _step_labels(inputs: DepotSizingInputs) -> tuple[list[int], list[str], list[str], list[float]]:
    """Per step of the horizon: day, start time HH:MM, tariff band and its HK$/kWh."""
    steps_per_day = MINUTES_PER_DAY // inputs.step_minutes
    horizon = steps_per_day * inputs.days
    days = [t // steps_per_day for t in range(horizon)]
    minutes = [(t % steps_per_day) * inputs.step_minutes for t in range(horizon)]
    times = [format_hhmm(minute) for minute in minutes]
    tariff = [inputs.tariff.band_of(minute) for minute in minutes]
    return days, times, [band for band, _ in tariff], [price for _, price in tariff]


def build_result(
    inputs: DepotSizingInputs,
    feasible: list[BusDuty],
    infeasible: list[dict[str, Any]],
    site_uncontrolled: list[float],
    uncontrolled_chargers: int,
    solved: SolvedSchedule,
) -> DepotSizingResult:
    """The depot's figures, tables and costs from the solved schedule.

    Parameters
    ----------
    inputs:
        The sizing inputs (tariff, efficiency, kVA/kW, costs).
    feasible, infeasible:
        The duties the model served and those the pre-check excluded.
    site_uncontrolled, uncontrolled_chargers:
        Site load per step (kW) and chargers of the uncontrolled baseline.
    solved:
        The MIP's schedule and charger counts.
    """
    kw, soc, power_of, chargers_by_kw = (
        solved.kw,
        solved.soc,
        solved.power_of,
        solved.chargers_by_kw,
    )
    uncontrolled_peak_kw = max(site_uncontrolled, default=0.0)
    days, times, bands, prices = _step_labels(inputs)
    horizon = len(times)
    step_h = inputs.step_minutes / 60.0
    band_names = [inputs.tariff.base_band, *(band.name for band in inputs.tariff.bands)]

    smart = [sum(kw.get((duty.bus, t), 0.0) for duty in feasible) for t in range(horizon)]
    # Report the peak that actually occurs (P may sit a hair above it when nothing
    # pushes it down), and derive kVA, upgrade and costs from what is reported so
    # the numbers agree with each other and with the load curve.
    peak_kw = clean(max(smart, default=0.0))
    peak_kva = clean(peak_kw * inputs.kva_per_kw)
    upgrade_kva = clean(max(0.0, peak_kva - inputs.grid_headroom_kva))
    costs = {
        "chargers": sum(
            inputs.charger_cost(power) * count for power, count in chargers_by_kw.items()
        ),
        "grid_upgrade": inputs.connection_hkd_per_kva_year * upgrade_kva,
        "energy": sum(price * value * step_h for price, value in zip(prices, smart, strict=True))
        * 365.0
        / inputs.days,
        "demand": 12.0 * inputs.tariff.demand_hkd_per_kva_month * peak_kva,
    }
    costs = {name: clean(value, 2) for name, value in costs.items()}
    costs["total"] = clean(sum(costs.values()), 2)
    load_curve = pd.DataFrame(
        {
            "step": range(horizon),
            "day": days,
            "time": times,
            "band": bands,
            "smart_kw": [clean(value) for value in smart],
            "uncontrolled_kw": [clean(value) for value in site_uncontrolled],
        }
    )
    energy_by_band = {name: 0.0 for name in dict.fromkeys(band_names)}
    for t, value in enumerate(smart):
        energy_by_band[bands[t]] += value * step_h / inputs.days
    energy_by_band = {name: clean(value) for name, value in energy_by_band.items()}
    energy_kwh = clean(sum(smart) * step_h / inputs.days)

    rows: list[dict[str, Any]] = []
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
        rows,
        columns=["bus", "step", "day", "time", "kw", "soc_kwh", "parked", "charger_kw", "band"],
    )
    buses = pd.DataFrame(
        [
            {
                "bus": duty.bus,
                "km": duty.km,
                "duty_kwh": clean(duty.duty_kwh),
                "parked_h": len(duty.parked_steps) * step_h,
                "charger_kw": power_of[duty.bus],
                "energy_kwh": clean(
                    sum(kw[duty.bus, t] for t in range(horizon)) * step_h / inputs.days
                ),
            }
            for duty in feasible
        ],
        columns=["bus", "km", "duty_kwh", "parked_h", "charger_kw", "energy_kwh"],
    )
    return DepotSizingResult(
        status=solved.status,
        gap=solved.gap,
        chargers=sum(chargers_by_kw.values()),
        chargers_by_kw=chargers_by_kw,
        peak_kw=peak_kw,
        peak_kva=peak_kva,
        grid_upgrade_kva=upgrade_kva,
        energy_kwh=energy_kwh,
        energy_kwh_by_band=energy_by_band,
        battery_kwh=clean(energy_kwh * inputs.charger_efficiency),
        annual_cost_hkd=costs,
        schedule=schedule,
        load_curve=load_curve,
        buses=buses,
        infeasible_buses=infeasible,
        uncontrolled_peak_kw=clean(uncontrolled_peak_kw),
        uncontrolled_chargers=int(uncontrolled_chargers),
        solve_time_s=solved.solve_time_s,
    )
