"""A complete parameter table in round numbers (every parameter the fleet model reads).

Two users: ``tests/tiny.py`` builds its hand-checked instances on it (the
docstrings of the tests work their optima out from these values, so a change
here changes those optima), and :mod:`bench.synthetic` falls back on it when
the Hong Kong default's ``parameters.csv`` is missing. It lives in ``bench``
because the benchmarks must not import the tests. Nothing here is real data.

Keys are ``(parameter, vehicle_type, technology)`` with ``"-"`` for "any";
values are in each parameter's unit (HK$, kWh or L or kg per km, years, km, kW...).
"""

from __future__ import annotations

BASE_PARAMETERS: dict[tuple[str, str, str], float] = {
    ("vehicle_price_hkd", "bus_double", "diesel"): 3_000_000,
    ("vehicle_price_hkd", "bus_double", "bev"): 4_000_000,
    ("vehicle_price_hkd", "bus_double", "fcev"): 6_000_000,
    ("vehicle_price_hkd", "taxi", "lpg"): 250_000,
    ("vehicle_price_hkd", "taxi", "bev"): 300_000,
    ("vehicle_price_hkd", "truck", "diesel"): 1_500_000,
    ("vehicle_price_hkd", "truck", "fcev"): 3_000_000,
    ("energy_per_km", "bus_double", "diesel"): 0.5,
    ("energy_per_km", "bus_double", "bev"): 1.5,
    ("energy_per_km", "bus_double", "fcev"): 0.1,
    ("energy_per_km", "taxi", "lpg"): 0.1,
    ("energy_per_km", "taxi", "bev"): 0.2,
    ("energy_per_km", "truck", "diesel"): 0.4,
    ("energy_per_km", "truck", "fcev"): 0.1,
    ("maintenance_hkd_per_km", "-", "-"): 0.0,
    ("lifetime_years", "-", "-"): 18,
    ("lifetime_years", "taxi", "-"): 10,
    ("lifetime_years", "truck", "-"): 15,
    ("range_km", "bus_double", "bev"): 300,
    ("range_km", "bus_double", "fcev"): 400,
    ("range_km", "taxi", "bev"): 400,
    ("range_km", "truck", "fcev"): 400,
    ("summer_range_factor", "-", "bev"): 1.0,
    ("adoption_barrier_hkd", "-", "-"): 0.0,
    ("adoption_spread_hkd", "-", "-"): 0.0,
    ("diesel_price_hkd_per_l", "-", "-"): 10.0,
    ("lpg_price_hkd_per_l", "-", "-"): 4.0,
    ("electricity_price_hkd_per_kwh", "-", "clp"): 1.0,
    ("electricity_price_hkd_per_kwh", "-", "hke"): 1.5,
    ("hydrogen_price_hkd_per_kg", "-", "-"): 50.0,
    ("diesel_kgco2_per_l", "-", "-"): 2.0,
    ("lpg_kgco2_per_l", "-", "-"): 1.5,
    ("fossil_wtt_uplift", "-", "-"): 0.0,
    ("grid_kgco2_per_kwh", "-", "clp"): 0.0,
    ("grid_kgco2_per_kwh", "-", "hke"): 0.0,
    ("h2_kgco2_per_kg", "-", "green"): 0.0,
    ("h2_supply_share", "-", "green"): 1.0,
    ("depot_charger_kw", "-", "-"): 100,
    ("depot_charger_capex_hkd", "-", "-"): 100_000,
    ("depot_buses_per_charger", "-", "-"): 2,
    ("depot_charging_window_h", "-", "-"): 5,
    ("public_charger_kw", "-", "-"): 100,
    ("public_charger_capex_hkd", "-", "-"): 100_000,
    ("public_charger_hours_per_day", "-", "-"): 10,
    ("charger_lifetime_years", "-", "-"): 10,
    ("charger_kva_per_kw", "-", "-"): 1.0,
    ("grid_upgrade_hkd_per_kva", "-", "-"): 1_000,
    ("grid_upgrade_lead_years", "-", "-"): 1,
    ("h2_station_fixed_capex_hkd", "-", "-"): 10_000_000,
    ("h2_module_kg_day", "-", "-"): 500,
    ("h2_module_capex_hkd", "-", "-"): 5_000_000,
    ("h2_station_max_modules", "-", "-"): 2,
    ("h2_station_opex_share", "-", "-"): 0.0,
    ("h2_station_lifetime_years", "-", "-"): 20,
    ("bus_h2_reach_km", "-", "-"): 15,
    ("taxi_charging_reach_km", "-", "-"): 5,
    ("discount_rate", "-", "-"): 0.0,
    ("operator_discount_rate", "-", "-"): 0.0,
}
