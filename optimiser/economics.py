"""Discounting and annuities (plain functions, unit-free rates per year)."""

from __future__ import annotations

from collections.abc import Sequence


def discount_factors(years: Sequence[int], rate: float) -> dict[int, float]:
    """1 / (1 + rate)^(year - first year): money in each year expressed in first-year HK$."""
    base = years[0]
    return {t: 1.0 / (1.0 + rate) ** (t - base) for t in years}


def capital_recovery_factor(rate: float, life_years: int) -> float:
    """Share of a capital cost paid each year over ``life_years`` at ``rate`` (an annuity).

    Charging assets by annuity for the years they serve inside the horizon
    avoids end effects: a bus bought in the last year costs one year of its
    annuity, not its whole price.
    """
    if life_years <= 0:
        raise ValueError("life must be positive")
    if rate == 0:
        return 1.0 / life_years
    return rate / (1.0 - (1.0 + rate) ** (-life_years))


def annuity_due_factor(rate: float, life_years: int) -> float:
    """Share of a capital cost paid at the start of each year of service (annuity due).

    Costs in this model are discounted from the year they fall in, counting the base
    year as undiscounted, so the payment stream starts in the year of purchase:
    its present value is the price exactly (an ordinary annuity would overstate it
    by a factor 1 + rate).
    """
    return capital_recovery_factor(rate, life_years) / (1.0 + rate)
