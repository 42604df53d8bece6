"""Prices of the depot sizing: charger and grid-connection costs, the time-of-use tariff.

Cost defaults are estimates (status E in ``/work/shared/reference/hk-facts.md``)
except the CLP non-residential energy charge of 107.4 c/kWh (verified, 2025);
CLP's demand charges were not retrieved, so the HK$/kVA/month value here is an
estimate and is labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleetplan.optimiser.depot_sizing.units import MINUTES_PER_DAY, parse_hhmm


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
            inside = (
                start <= minute_of_day < end
                if start < end
                else (minute_of_day >= start or minute_of_day < end)
            )
            if inside:
                return band.name, band.hkd_per_kwh
        return self.base_band, self.base_hkd_per_kwh
