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

from fleetplan.optimiser.depot_sizing.duties import out_minutes
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
    #: energy driven in each step of the day (kWh), for a split duty whose blocks differ;
    #: empty: the duty's energy is spread evenly over the steps it is out
    use_kwh_by_step: tuple[float, ...] = ()
    #: blocks in the day (more than one: a split duty, back at the depot between them)
    blocks: int = 1

    @property
    def out_steps(self) -> int:
        return self.steps_per_day - len(self.parked_steps)


def duty_windows(inputs: DepotSizingInputs) -> list[BusDuty]:
    """Each bus's day on the step grid: energy of its duty (kWh) and its parked steps.

    A bus on one row has one depot stay, from pull-in to pull-out. A bus on several rows
    (a split duty) is parked in every step that lies wholly outside all its blocks; its
    parked steps are ordered from the pull-in of its longest stay (the night), and each
    block's energy is spread over that block's own steps.
    """
    step = inputs.step_minutes
    steps_per_day = MINUTES_PER_DAY // step
    duties = []
    for bus, rows in inputs.blocks.groupby("bus", sort=False):
        if len(rows) == 1:
            duties.append(_one_block(str(bus), rows.iloc[0], inputs, step, steps_per_day))
        else:
            duties.append(_split_duty(str(bus), rows, inputs, step, steps_per_day))
    return duties


def _one_block(
    bus: str, record: Any, inputs: DepotSizingInputs, step: int, steps_per_day: int
) -> BusDuty:
    pull_out = parse_hhmm(record.pull_out)
    pull_in = parse_hhmm(record.pull_in)
    # Depot stay [pull_in, pull_in + stay); pull_in == pull_out is a 24 h duty (no stay).
    stay = (pull_out - pull_in) % MINUTES_PER_DAY
    first = -(-pull_in // step)  # first step starting at or after pull-in
    last_end = (pull_in + stay) // step  # steps must end by pull-out
    count = max(0, last_end - first)
    parked = tuple((first + j) % steps_per_day for j in range(count))
    departure = (first + count) % steps_per_day if count else pull_out // step
    return BusDuty(bus=bus, km=float(record.km), duty_kwh=float(record.km) * inputs.kwh_per_km_design, parked_steps=parked,
                   departure_step=departure, steps_per_day=steps_per_day)  # fmt: skip


def _split_duty(
    bus: str, rows: Any, inputs: DepotSizingInputs, step: int, steps_per_day: int
) -> BusDuty:
    """A bus with several blocks: out in a step that touches any block (conservative), parked otherwise."""
    out_of: dict[int, int] = {}  # step -> the block (row position) it belongs to
    for position, record in enumerate(rows.itertuples(index=False)):
        for minute in out_minutes(record.pull_out, record.pull_in):
            out_of.setdefault(minute // step, position)
    use = [0.0] * steps_per_day
    kms = [float(km) for km in rows["km"]]
    for position, km in enumerate(kms):
        steps = [t for t, block in out_of.items() if block == position]
        for t in steps:
            use[t] += km * inputs.kwh_per_km_design / len(steps)
    parked = [t for t in range(steps_per_day) if t not in out_of]
    # Stays as runs of consecutive parked steps (cyclic); the longest one is the night.
    runs: list[list[int]] = []
    for t in parked:
        if runs and runs[-1][-1] == t - 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == steps_per_day - 1:
        runs[0] = runs.pop() + runs[0]
    night = max(runs, key=len) if runs else []
    start = parked.index(night[0]) if night else 0
    ordered = tuple(parked[start:] + parked[:start])
    departure = (night[-1] + 1) % steps_per_day if night else 0
    return BusDuty(bus=bus, km=sum(kms), duty_kwh=sum(kms) * inputs.kwh_per_km_design, parked_steps=ordered, departure_step=departure,
                   steps_per_day=steps_per_day, use_kwh_by_step=tuple(use), blocks=len(rows))  # fmt: skip


def _split_shortfall(
    duty: BusDuty, inputs: DepotSizingInputs, max_kw: float
) -> tuple[str, float] | None:
    """Whether a split duty can be served charging at full power whenever it is parked.

    Simulated over two days from the night's pull-out with the battery at its top: the
    state of charge must stay above the floor through every block, and be back at the
    pull-out level the next morning. Returns (reason, kWh short) or None."""
    step_h = inputs.step_minutes / 60.0
    top, floor = inputs.max_soc * inputs.usable_kwh, inputs.min_soc * inputs.usable_kwh
    parked = set(duty.parked_steps)
    per_step = max_kw * inputs.charger_efficiency * step_h
    soc, short = top, 0.0
    for day in range(2):
        for j in range(duty.steps_per_day):
            t = (duty.departure_step + j) % duty.steps_per_day
            if t in parked:
                soc = min(top, soc + per_step)
            else:
                soc -= duty.use_kwh_by_step[t]
                short = max(short, floor - soc)
        if day == 0 and short > 1e-6:
            break
    if short > 1e-6:
        return "depot stays too short to recharge between the blocks of the split duty", short
    needed = inputs.initial_soc * inputs.usable_kwh
    if soc < needed - 1e-6:
        return (
            f"night stay too short ({len(duty.parked_steps) * step_h:g} h parked in all at {max_kw:g} kW)",
            needed - soc,
        )
    return None


def check_duties(
    inputs: DepotSizingInputs, duties: Sequence[BusDuty] | None = None
) -> tuple[list[BusDuty], list[dict[str, Any]]]:
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
        split = _split_shortfall(duty, inputs, max_kw) if duty.blocks > 1 else None
        if duty.blocks > 1 and _largest_block_kwh(duty) > window_kwh + tolerance_kwh:
            reason = "battery too small for one block of the split duty"
            shortfall_kwh = _largest_block_kwh(duty) - window_kwh
        elif split is not None:
            reason, shortfall_kwh = split
        elif duty.blocks > 1:
            feasible.append(duty)
            continue
        elif duty.duty_kwh > window_kwh + tolerance_kwh:
            reason = "battery too small for the duty"
            shortfall_kwh = duty.duty_kwh - window_kwh
        elif duty.duty_kwh > depot_kwh + tolerance_kwh:
            reason = (
                f"depot stay too short ({len(duty.parked_steps) * step_h:g} h at {max_kw:g} kW)"
            )
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
                "blocks": duty.blocks,
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


def _largest_block_kwh(duty: BusDuty) -> float:
    """The energy of a split duty's largest run of driving between two depot stays (kWh)."""
    parked = set(duty.parked_steps)
    largest = run = 0.0
    for j in range(duty.steps_per_day):
        t = (duty.departure_step + j) % duty.steps_per_day
        if t in parked:
            run = 0.0
        else:
            run += duty.use_kwh_by_step[t]
            largest = max(largest, run)
    return largest
