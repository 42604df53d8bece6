"""Whole vehicles for the tables people read: bought, paid and in service as integers that add up.

The model counts vehicles as continuous numbers (fleets are large; see
:mod:`fleetplan.optimiser.formulation.variables`). The tables round them so that:

- every segment's vehicles in service add up to its (whole) fleet in every year;
- stock(t) = stock(t-1) + bought(t) - retired(t) for every segment, technology and year,
  bought vehicles leaving at the end of their life as in the model;
- totals over segments and years stay within about one vehicle of the model's, with no
  drift: each class's rounding error is carried to its next row (error diffusion), so
  the cumulative zero-emission purchases of a class are the model's, rounded;
- a row is never given vehicles the model has none of (no purchase where it buys none,
  no payment above the vehicles bought).

Money and emissions are not rounded: they stay as the model computed them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

ZEV = ("bev", "fcev")

#: Below this a model value is no vehicle at all (solver round-off).
EPS = 1e-6


def half_up(value: float) -> int:
    """Nearest whole number, halves up (Python's round() takes halves to even)."""
    return math.floor(value + 0.5)


def split(
    total: int, wanted: dict[str, float], cap: dict[str, int] | None = None
) -> dict[str, int]:
    """Whole numbers >= 0 (and <= ``cap``) adding up to ``total``, each as close to ``wanted`` as
    the sum allows: floors first, then one at a time to the largest remainder (or away from
    the smallest when the floors already exceed ``total``)."""
    keys = list(wanted)
    out = {k: max(math.floor(wanted[k]), 0) for k in keys}
    if cap is not None:
        out = {k: min(out[k], cap[k]) for k in keys}
    room = sum(cap[k] for k in keys) if cap is not None else None
    if room is not None and total > room:
        raise ValueError(f"cannot place {total} in at most {room}")
    while sum(out.values()) < total:
        open_keys = [k for k in keys if cap is None or out[k] < cap[k]]
        best = max(open_keys, key=lambda k: (wanted[k] - out[k], -keys.index(k)))
        out[best] += 1
    while sum(out.values()) > total:
        best = min(
            (k for k in keys if out[k] > 0), key=lambda k: (wanted[k] - out[k], keys.index(k))
        )
        out[best] -= 1
    return out


@dataclass
class WholeFleet:
    """Whole vehicles by (segment, technology, year)."""

    stock: dict[tuple[str, str, int], int]
    bought: dict[tuple[str, str, int], int]
    #: vehicles leaving service in the year (end of life, or early); 0 in the first year, whose
    #: stock is today's fleet after this year's retirements plus this year's purchases
    retired: dict[tuple[str, str, int], int]


def whole_fleet(
    segments: pd.DataFrame,
    techs: dict[str, list[str]],
    years: list[int],
    lifetime: dict[tuple[str, str], int],
    initial: dict[tuple[str, str, int], float],
    bought: dict[tuple[str, str, int], float],
    incumbent_ceiling: dict[tuple[str, int], float] | None = None,
) -> WholeFleet:
    """Round the model's fleet to whole vehicles (see the module's docstring).

    ``incumbent_ceiling`` (segment, year) -> the model's incumbents in service where an
    operator's fleet pledge retires them early: the whole count keeps at most that many
    (rounded up), the rest leave that year.

    ``initial`` is today's vehicles still in service (segment, technology, year), the
    incumbent's as the plan keeps them (early retirement included); ``bought`` the model's
    purchases by (segment, technology, year), keyed by every purchase it allows.

    Today's survivors of each segment and technology are the model's rounded down or up
    (never rising), whichever keeps the class's total closest that year. Then each
    segment-year buys what its whole fleet lacks: every technology its model purchases,
    with that row's own rounding error so far (so a row's cumulative purchases stay within
    one of the model's), rounded down or up as the class's running error asks; where the
    whole fleet needs more or fewer, the rows the class owes most (or least) take them.
    """
    vclass = segments["vehicle_class"].to_dict()
    vtype = segments["vehicle_type"].to_dict()
    incumbent = segments["incumbent"].to_dict()
    fleet = {s: half_up(float(f)) for s, f in segments["fleet"].items()}
    rank = {c: i for i, c in enumerate(dict.fromkeys(vclass.values()))}
    order = sorted(
        segments.index, key=lambda s: rank[vclass[s]]
    )  # stable: a class's rows in dataset order
    allowed: dict[tuple[str, int], list[str]] = defaultdict(list)
    for s, k, t in bought:
        allowed[(s, t)].append(k)

    survivors: dict[tuple[str, str], int] = {}
    row_error: dict[tuple[str, str], float] = defaultdict(
        float
    )  # model - whole, cumulative, per row
    class_error: dict[tuple[str, str], float] = defaultdict(
        float
    )  # the same per class and technology
    stock: dict[tuple[str, str, int], int] = {}
    whole_bought: dict[tuple[str, str, int], int] = {}
    retired: dict[tuple[str, str, int], int] = {}
    for i, t in enumerate(years):
        survivor_error: dict[tuple[str, str], float] = defaultdict(float)  # this year's, per class
        for s in order:
            c, ks = vclass[s], techs[s]
            room = fleet[s]
            for k in ks:
                model = max(float(initial.get((s, k, t), 0.0)), 0.0)
                low, high = math.floor(model + EPS), math.ceil(model - EPS)
                if i:
                    high = min(high, survivors[(s, k)])
                    low = min(low, high)
                high = min(high, low + max(room - low, 0))
                n = min(max(half_up(model + survivor_error[(c, k)]), low), high)
                survivor_error[(c, k)] += model - n
                survivors[(s, k)] = n
                room -= n
            # in service before this year's purchases: today's survivors and every purchase
            # still within its life
            before_buying = {}
            for k in ks:
                life = lifetime[(vtype[s], k)]
                alive = sum(whole_bought.get((s, k, tau), 0) for tau in years[:i] if t - life < tau)
                before_buying[k] = survivors[(s, k)] + alive
            ceiling = (incumbent_ceiling or {}).get((s, t))
            if ceiling is not None and incumbent[s] in before_buying:
                others = sum(n for k, n in before_buying.items() if k != incumbent[s])
                # rounded up, but never past the whole fleet beside the other technologies' vehicles
                kept = min(max(math.ceil(ceiling - EPS), 0), max(fleet[s] - others, 0))
                before_buying[incumbent[s]] = min(before_buying[incumbent[s]], kept)
            need = fleet[s] - sum(before_buying.values())
            buys = _split_purchases(
                need, s, t, c, incumbent[s], allowed.get((s, t), []), bought, row_error, class_error
            )
            for k in ks:
                whole_bought[(s, k, t)] = buys.get(k, 0)
                stock[(s, k, t)] = before_buying[k] + buys.get(k, 0)
                retired[(s, k, t)] = 0 if i == 0 else stock[(s, k, years[i - 1])] - before_buying[k]
    return WholeFleet(
        stock=stock, bought={key: whole_bought[key] for key in bought}, retired=retired
    )


def _split_purchases(
    need: int,
    s: str,
    t: int,
    c: str,
    incumbent: str,
    allowed: list[str],
    bought: dict[tuple[str, str, int], float],
    row_error: dict[tuple[str, str], float],
    class_error: dict[tuple[str, str], float],
) -> dict[str, int]:
    """A segment-year's ``need`` whole purchases across the technologies the model buys."""
    model = {k: max(float(bought[(s, k, t)]), 0.0) for k in allowed}
    buying = [k for k in allowed if model[k] > EPS or row_error[(s, k)] > EPS]
    if need > 0 and not buying:
        # the whole fleet lacks a vehicle the model buys none of here (rounding elsewhere):
        # the incumbent where it may be bought, else the first technology allowed
        buying = [incumbent if incumbent in allowed else allowed[0]] if allowed else []
        if not buying:
            return {}
    out: dict[str, int] = {}
    low: dict[str, int] = {}
    high: dict[str, int] = {}
    for k in buying:
        wanted = model[k] + row_error[(s, k)]  # the row's cumulative purchases, less its whole ones
        low[k], high[k] = max(math.floor(wanted + EPS), 0), max(math.ceil(wanted - EPS), 0)
        out[k] = min(max(half_up(model[k] + class_error[(c, k)]), low[k]), high[k])

    def owed(k: str) -> float:
        return class_error[(c, k)] + model[k] - out[k]

    while sum(out.values()) < need:
        # within the rows' own range first, then beyond it; the class's most owed first
        k = max(buying, key=lambda k: (out[k] < high[k], owed(k), -buying.index(k)))
        out[k] += 1
    while sum(out.values()) > max(need, 0):
        k = min(
            (k for k in buying if out[k] > 0),
            key=lambda k: (out[k] <= low[k], owed(k), buying.index(k)),
        )
        out[k] -= 1
    for k in buying:
        row_error[(s, k)] += model[k] - out[k]
        class_error[(c, k)] += model[k] - out[k]
    return out


class Diffusion:
    """Whole numbers row by row, each the row's value plus its group's carried rounding error,
    halves up, within [0, most]: a group's running total stays within one of its values'.
    A row with no value (solver round-off) gets 0 and leaves the carry alone."""

    def __init__(self) -> None:
        self._carry: dict[object, float] = defaultdict(float)

    def take(self, group: object, value: float, most: int) -> int:
        if value <= EPS:
            return 0
        want = value + self._carry[group]
        n = min(max(half_up(want), 0), most)
        self._carry[group] = want - n
        return n
