"""Pre-checks in plain Python: each duty on the step grid, and the duties depot charging cannot serve.

Discretisation (conservative): a step counts as *parked* only when the whole
step lies between pull-in and pull-out; a step that touches the duty at all
counts as *out*. A block out 05:30 / in 00:40 therefore charges from 00:45 to
05:30 (19 steps of 15 min).

The duties that fail the pre-check are left out of the MIP and reported with a
recommendation (terminus opportunity charging or a fuel-cell bus).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fleetplan.optimiser.depot_sizing.inputs import DepotSizingInputs
from fleetplan.optimiser.depot_sizing.units import MINUTES_PER_DAY, clean, parse_hhmm


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
                "duty_kwh": clean(duty.duty_kwh),
                "usable_kwh": clean(window_kwh),
                "depot_kwh": clean(min(window_kwh, depot_kwh)),
                "shortfall_kwh": clean(shortfall_kwh),
                "shortfall_km": clean(shortfall_kwh / inputs.kwh_per_km_design),
                "recommendation": recommendation,
            }
        )
    return feasible, infeasible
