"""The uncontrolled-charging baseline: every bus plugs in on arrival at full power.

A plain-Python heuristic, no solver. Its site peak caps the smart schedule's
(``cap_peak_at_uncontrolled``) and both are reported side by side.
"""

from __future__ import annotations

from collections.abc import Sequence

from fleetplan.optimiser.depot_sizing.inputs import DepotSizingInputs
from fleetplan.optimiser.depot_sizing.prechecks import BusDuty
from fleetplan.optimiser.depot_sizing.units import MINUTES_PER_DAY


def uncontrolled_charging(
    inputs: DepotSizingInputs, duties: Sequence[BusDuty]
) -> tuple[list[float], dict[str, list[float]], int]:
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
        if duty.blocks > 1:
            load = _split_duty_load(inputs, duty, horizon, max_kw)
        for day in range(inputs.days if duty.blocks == 1 else 0):
            remaining_kwh = duty.duty_kwh / inputs.charger_efficiency  # from the grid
            for step in duty.parked_steps:
                if remaining_kwh <= 1e-9:
                    break
                kw = min(max_kw, remaining_kwh / step_h)
                # Parked steps are ordered from pull-in; a stay that runs past the
                # end of the horizon wraps to its start (the horizon is cyclic).
                index = (
                    day * steps_per_day
                    + step
                    + (steps_per_day if step < duty.parked_steps[0] else 0)
                ) % horizon
                load[index] += kw
                remaining_kwh -= kw * step_h
        for index, kw in enumerate(load):
            site[index] += kw
            busy[index] += kw > 1e-9
        per_bus[duty.bus] = load
    return site, per_bus, max(busy, default=0)


def _split_duty_load(
    inputs: DepotSizingInputs, duty: BusDuty, horizon: int, max_kw: float
) -> list[float]:
    """A split duty plugged in at every return until full (a day of warm-up, then the horizon)."""
    steps_per_day = MINUTES_PER_DAY // inputs.step_minutes
    step_h = inputs.step_minutes / 60.0
    top = inputs.max_soc * inputs.usable_kwh
    parked = set(duty.parked_steps)
    load = [0.0] * horizon
    soc = top
    for index in range(-steps_per_day, horizon):
        t = index % steps_per_day
        if t in parked:
            kw = min(max_kw, max(0.0, top - soc) / (inputs.charger_efficiency * step_h))
            soc += kw * inputs.charger_efficiency * step_h
            if index >= 0:
                load[index] += kw
        else:
            soc -= duty.use_kwh_by_step[t]
    return load
