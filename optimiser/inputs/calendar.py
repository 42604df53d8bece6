"""The planning calendar: modelled years, the calendar years each stands for, discounting.

Years are calendar years; discount factors are dimensionless (1 in the first calendar
year); rates are per year. With multi-year steps a modelled year stands for the
calendar years up to the next modelled one.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.economics import discount_factors
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario


@dataclass(frozen=True)
class Calendar:
    """The horizon's years and discount factors."""

    #: every calendar year of the horizon
    calendar_years: list[int]
    #: the modelled years (the scenario's steps plus the target years inside the horizon)
    years: list[int]
    #: social discount rate (per year) of system costs
    discount_rate: float
    #: operators' discount rate (per year) of their own lifetime costs
    operator_discount_rate: float
    #: calendar year -> discount factor (first year = 1)
    discount: dict[int, float]
    #: modelled year -> calendar years it stands for (1 with annual steps)
    period_weight: dict[int, float]
    #: modelled year -> sum of the discount factors of the years it stands for
    period_discount: dict[int, float]

    def annuity_window(self, start: int, life: int) -> float:
        """Sum of discount factors over the calendar years an asset bought in ``start`` serves within the horizon."""
        return sum(self.discount[t] for t in self.calendar_years if start <= t < start + life)


def modelled_years(scenario: Scenario, data: Dataset) -> tuple[list[int], list[int]]:
    """(calendar years of the horizon, modelled years): the scenario's steps plus every target year inside the horizon."""
    calendar_years = list(range(scenario.years.start, scenario.years.end + 1))
    target_years = {int(y) for y in data.targets["year"]} | {
        t.year for t in scenario.extra_targets.values()
    }
    years = sorted(
        set(scenario.year_list)
        | {y for y in target_years if calendar_years[0] <= y <= calendar_years[-1]}
    )
    return calendar_years, years


def plan_calendar(calendar_years: list[int], years: list[int], params: ParameterTable) -> Calendar:
    """Discount factors of the calendar years and what each modelled year stands for."""
    rate = params.scalar("discount_rate")
    operator_rate = params.scalar("operator_discount_rate")
    discount = discount_factors(calendar_years, rate)
    # Each modelled year stands for the calendar years up to the next one.
    period_years = {
        t: [y for y in calendar_years if t <= y < nxt]
        for t, nxt in zip(years, [*years[1:], calendar_years[-1] + 1], strict=True)
    }
    return Calendar(
        calendar_years=calendar_years,
        years=years,
        discount_rate=rate,
        operator_discount_rate=operator_rate,
        discount=discount,
        period_weight={t: float(len(ys)) for t, ys in period_years.items()},
        period_discount={t: sum(discount[y] for y in ys) for t, ys in period_years.items()},
    )
