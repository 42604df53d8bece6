"""Operator behaviour: which technology operators buy, at which payment on offer.

This module holds the *behaviour* half of the subsidy model; the *policy* half
(which payment a programme offers, budgets, caps) is a decision of the model.

Operators in one fleet segment differ. Two things are modelled:

- **duty**: the daily km of each operator's vehicles. For buses the spread comes
  from the route table (every route the depot runs in the segment's duty band,
  weighted by the buses it needs); for taxis and trucks from a relative spread
  ``daily_km_spread`` around the segment's mean (normal quantiles). Duty sets
  both the running-cost saving and whether a battery vehicle's *usable* range
  (design range x summer factor x end-of-life battery capacity, plus opportunity
  charging where the scenario allows it) covers the duty.
- **attitude**: what an operator adds to the money (charging access, resale,
  unfamiliarity, risk), a normal spread ``adoption_spread_hkd`` around a
  calibrated mean ``adoption_barrier_hkd``.

For operator i, zero-emission technology k and payment P_k on offer, the
perceived cost of switching is

    g_i(k) = gap(k, km_i) + barrier(k) + spread(k) x z_i - P_k,

where gap is the lifetime cost of k minus the incumbent's at the operator's
discount rate. Each operator considers the zero-emission technology with the
lowest mean perceived cost among those whose range covers its duty, and
switches iff g_i(k) <= 0. The share of a segment's purchases that go to k is
then

    share(k | P) = sum over duty bins b of w_b x Phi((P_k - gap_b(k) - barrier(k)) / spread(k)),

a monotone function of the payment. At P = 0 it is the no-policy uptake: the
operators who gain buy anyway (a floor the planner cannot suppress, and the
free riders a programme pays).

Operators' own commitments change these shares (:func:`committed_response`): a pledge
replaces them with zero-emission purchases on every duty some technology can run, an
order raises a bin's share of its technology to a floor (see
:mod:`fleetplan.optimiser.inputs.commitments`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr
from scipy.stats import norm

#: Duty bins per segment: quantiles of daily km.
DUTY_BINS = 5
#: A bin's switching share closer than this to 0 (or to 1) is taken as 0 (or 1). The normal
#: tail gives shares down to 1e-61; such shares, times payments and costs, become matrix
#: values and costs that HiGHS drops (below its ``small_matrix_value`` of 1e-9), so the model
#: Pyomo evaluates and the one HiGHS solves would differ. One in a million of a year's
#: purchases is under 0.01 vehicle in every segment of the default.
SHARE_RESOLUTION = 1e-6


@dataclass(frozen=True)
class DutyBins:
    """Daily km of a segment's operators: one value per bin with its weight (weights sum to 1)."""

    km_per_day: np.ndarray
    weight: np.ndarray


def _weighted_quantile_bins(values: np.ndarray, weights: np.ndarray, bins: int) -> DutyBins:
    """Mean value in each of ``bins`` equal-weight slices of the weighted distribution."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    # exactly rounded sums (math.fsum): numpy's depend on the CPU's SIMD features
    total = math.fsum(weights.tolist())
    if total <= 0 or len(values) == 0:
        mean = math.fsum(values.tolist()) / len(values) if len(values) else 0.0
        return DutyBins(np.array([mean]), np.array([1.0]))
    edges = np.linspace(0.0, total, bins + 1)
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    means = []
    for lo, hi in itertools.pairwise(edges):
        # overlap of each value's weight interval with this slice
        overlap = np.clip(
            np.minimum(cumulative[1:], hi) - np.maximum(cumulative[:-1], lo), 0.0, None
        )
        means.append(weighted_sum(overlap, values) / math.fsum(overlap.tolist()))
    return DutyBins(np.array(means), np.full(bins, 1.0 / bins))


def bus_duty_bins(
    routes: pd.DataFrame, depot_id: str, band_low_km: float, band_high_km: float, mean_km: float
) -> DutyBins:
    """Duty bins of one bus segment from the routes its depot runs in the duty band.

    Each route contributes its daily km per bus, weighted by the buses it needs.
    The bins are rescaled so their mean equals the segment's ``daily_km`` (the
    segment's totals stay what the dataset says). A segment with no route in its
    band keeps a single bin at its mean.
    """
    mine = routes[(routes["depot_id"] == depot_id) & (routes["buses_required"] > 0)]
    km = mine["daily_km_per_bus"].to_numpy(dtype=float)
    in_band = (km > band_low_km) & (km <= band_high_km) if band_low_km > 0 else km <= band_high_km
    km, weight = km[in_band], mine["buses_required"].to_numpy(dtype=float)[in_band]
    if len(km) < 2 or mean_km <= 0:
        return DutyBins(np.array([mean_km]), np.array([1.0]))
    bins = _weighted_quantile_bins(km, weight, DUTY_BINS)
    scale = mean_km / weighted_sum(bins.km_per_day, bins.weight)
    return DutyBins(bins.km_per_day * scale, bins.weight)


def spread_duty_bins(mean_km: float, relative_spread: float) -> DutyBins:
    """Duty bins around ``mean_km`` with a normal relative spread (equal-weight quantile midpoints)."""
    if relative_spread <= 0:
        return DutyBins(np.array([mean_km]), np.array([1.0]))
    z = norm.ppf((np.arange(DUTY_BINS) + 0.5) / DUTY_BINS)
    z = z - z.mean()
    return DutyBins(
        np.maximum(mean_km * (1.0 + relative_spread * z), 0.0), np.full(DUTY_BINS, 1.0 / DUTY_BINS)
    )


@dataclass(frozen=True)
class TechnologyOffer:
    """One zero-emission technology as the operators of one segment and year see it.

    gap_hkd[b]: lifetime cost gap of duty bin b (technology minus incumbent, HK$);
    feasible[b]: whether the technology can run bin b's duty;
    barrier_hkd, spread_hkd: mean and standard deviation of the operators' own extra cost.
    """

    technology: str
    gap_hkd: np.ndarray
    feasible: np.ndarray
    barrier_hkd: float
    spread_hkd: float


def _switching_by_bin(
    offers: list[TechnologyOffer], payment_hkd: dict[str, float]
) -> dict[str, np.ndarray]:
    """Share of each duty bin's purchases going to each zero-emission technology at ``payment_hkd``.

    In each bin the operators weigh the technology with the lowest mean perceived cost
    (gap + barrier − payment) among the feasible ones, and a share Φ(−mean / spread) of
    them switch (all or none when the spread is 0).
    """
    n_bins = len(offers[0].feasible)
    by_bin = {o.technology: np.zeros(n_bins) for o in offers}
    means = np.vstack(
        [
            np.where(
                o.feasible, o.gap_hkd + o.barrier_hkd - payment_hkd.get(o.technology, 0.0), np.inf
            )
            for o in offers
        ]
    )
    best = np.argmin(means, axis=0)
    for b in range(n_bins):
        k = int(best[b])
        mean = float(means[k, b])
        if not np.isfinite(mean):
            continue
        spread = offers[k].spread_hkd
        # ndtr is the standard normal CDF that norm.cdf wraps, without its per-call argument
        # checking (tens of thousands of calls per scenario)
        by_bin[offers[k].technology][b] = (
            resolved_share(float(ndtr(-mean / spread))) if spread > 0 else float(mean <= 1e-6)
        )
    return by_bin


def resolved_share(share: float) -> float:
    """``share`` with what lies within :data:`SHARE_RESOLUTION` of 0 or 1 set to 0 or 1
    (monotone: a larger share never comes out smaller)."""
    if share < SHARE_RESOLUTION:
        return 0.0
    if share > 1.0 - SHARE_RESOLUTION:
        return 1.0
    return share


def _pledged_by_bin(
    offers: list[TechnologyOffer], mix: dict[str, float] | None
) -> dict[str, np.ndarray]:
    """Share of each duty bin's purchases per technology when the operator buys zero-emission only.

    A bin some zero-emission technology can run buys zero-emission: split by ``mix`` among
    the feasible ones (a bin only one can run takes all of it), else the cheapest feasible
    one. Bins none can run stay with the incumbent.
    """
    n_bins = len(offers[0].feasible)
    by_bin = {o.technology: np.zeros(n_bins) for o in offers}
    for b in range(n_bins):
        feasible = [o for o in offers if bool(o.feasible[b])]
        if not feasible:
            continue
        if mix:
            wanted = {o.technology: mix.get(o.technology, 0.0) for o in feasible}
            total = sum(wanted.values())
            if total > 0:
                for tech, part in wanted.items():
                    by_bin[tech][b] += part / total
                continue
        cheapest = min(feasible, key=lambda o: float(o.gap_hkd[b] + o.barrier_hkd))
        by_bin[cheapest.technology][b] += 1.0
    return by_bin


def with_order_floors(
    by_bin: dict[str, np.ndarray], floors: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per-bin shares raised to the operators' orders: at least ``floors[k][b]`` of bin b buys k.

    An order is filled first by the operators who would buy k anyway, then by others:
    share(k) = max(share(k), floor(k)). Where that makes more than all purchases, the
    shares above their floors (voluntary purchases of another technology, or of k beyond
    its order) shrink in proportion, so every floor holds and the bin's shares sum to at
    most 1 (the floors of one bin sum to at most 1, see optimiser.inputs.commitments).
    """
    out = {k: v.copy() for k, v in by_bin.items()}
    n_bins = len(next(iter(by_bin.values())))
    floor = {k: floors.get(k, np.zeros(n_bins)) for k in out}
    raised = {k: np.maximum(out[k], floor[k]) for k in out}
    total = sum(raised.values())
    floor_total = sum(floor.values())
    above = {k: raised[k] - floor[k] for k in out}
    above_total = sum(above.values())
    over = total > 1.0 + 1e-12
    scale = np.where(
        over & (above_total > 0),
        np.clip(1.0 - floor_total, 0.0, None) / np.where(above_total > 0, above_total, 1.0),
        1.0,
    )
    return {k: floor[k] + above[k] * scale for k in out}


def weighted_sum(weights: np.ndarray, values: np.ndarray) -> float:
    """Σ weights × values, exactly rounded (``math.fsum``), so the same on every machine.

    Why not ``np.dot``: its BLAS and SIMD kernels add in an order that depends on the CPU's
    features; with AVX-512 against AVX2 the default's uptake coefficients differed in their
    last bits, enough for HiGHS to take another path. Each product is one IEEE
    multiplication, the same everywhere.
    """
    products = np.asarray(weights, dtype=np.float64) * np.asarray(values, dtype=np.float64)
    return math.fsum(products.tolist())


def _weighted(by_bin: dict[str, np.ndarray], weights: np.ndarray) -> dict[str, float]:
    return {k: weighted_sum(weights, v) for k, v in by_bin.items()}


def adoption_shares(
    offers: Iterable[TechnologyOffer], weights: np.ndarray, payment_hkd: dict[str, float]
) -> dict[str, float]:
    """Share of purchases going to each zero-emission technology given the payments on offer.

    The bins' switching shares (:func:`_switching_by_bin`) weighted by the bins' weights.
    Shares are monotone in each payment and sum to at most 1.
    """
    offers = list(offers)
    if not offers:
        return {}
    return _weighted(_switching_by_bin(offers, payment_hkd), weights)


def committed_response(
    offers: Iterable[TechnologyOffer],
    weights: np.ndarray,
    payment_hkd: dict[str, float],
    *,
    pledged: bool,
    mix: dict[str, float] | None,
    floors: dict[str, np.ndarray] | None,
) -> dict[str, float]:
    """Shares of an operator with commitments: a pledge replaces the response to payments
    (zero-emission only, ``mix`` where a duty allows both); orders put a floor under each
    bin's share of the technology ordered (:func:`with_order_floors`)."""
    offers = list(offers)
    if not offers:
        return {}
    by_bin = _pledged_by_bin(offers, mix) if pledged else _switching_by_bin(offers, payment_hkd)
    if floors:
        by_bin = with_order_floors(by_bin, floors)
    return _weighted(by_bin, weights)
