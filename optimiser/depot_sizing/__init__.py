"""Depot sizing: chargers, grid connection and duties that cannot go battery-electric.

A bus operator gives the depot's duties (one block per bus: pull-out time,
pull-in time, km). This package answers, for one depot:

* how many chargers of which power (kW) are needed,
* how large a grid connection (kVA) the site needs and how much of it is an
  upgrade over the existing headroom,
* which duties cannot be served by overnight depot charging at all, with a
  recommendation (terminus opportunity charging or a fuel-cell bus).

It is a separate, time-resolved model (15-minute steps over one cyclic day, or
a week with the blocks repeated daily). Its charger count and kVA feed the
depot parameters of the fleet model.

The pipeline, one module per step
---------------------------------
``duties``        read and validate the blocks CSV (``bus, pull_out, pull_in, km``)
``tariffs``       charger and connection costs, the time-of-use tariff
``inputs``        :class:`DepotSizingInputs`: blocks, battery, chargers, grid, tariff
``prechecks``     each duty on the step grid; the duties depot charging cannot serve
``uncontrolled``  the plug-in-on-arrival baseline (and the cap on the smart peak)
``model``         the MIP, one function per constraint family
``sizing``        :func:`size_depot`: pre-check, baseline, MIP, solve
``results``       :class:`DepotSizingResult` from the solved schedule
``units``         ``HH:MM`` times and the rounding of reported figures

Units: kW, kWh, kVA, HK$ (``_hkd``); times in minutes after midnight inside
the code, ``HH:MM`` at the edges.
"""

from __future__ import annotations

from fleetplan.optimiser.depot_sizing.duties import (
    BLOCK_COLUMNS,
    MAX_BLOCKS_BYTES,
    blocks_frame,
    read_blocks_csv,
    validate_blocks,
)
from fleetplan.optimiser.depot_sizing.inputs import DepotSizingInputs
from fleetplan.optimiser.depot_sizing.model import build_model
from fleetplan.optimiser.depot_sizing.prechecks import BusDuty, check_duties, duty_windows
from fleetplan.optimiser.depot_sizing.results import DepotSizingResult
from fleetplan.optimiser.depot_sizing.sizing import depot_options, size_depot
from fleetplan.optimiser.depot_sizing.tariffs import (
    DEFAULT_CONNECTION_HKD_PER_KVA_YEAR,
    Tariff,
    TouBand,
    capital_recovery_factor,
    default_charger_cost_hkd_per_year,
)
from fleetplan.optimiser.depot_sizing.uncontrolled import uncontrolled_charging
from fleetplan.optimiser.depot_sizing.units import MINUTES_PER_DAY, parse_hhmm

__all__ = [
    "BLOCK_COLUMNS",
    "DEFAULT_CONNECTION_HKD_PER_KVA_YEAR",
    "MAX_BLOCKS_BYTES",
    "MINUTES_PER_DAY",
    "BusDuty",
    "DepotSizingInputs",
    "DepotSizingResult",
    "Tariff",
    "TouBand",
    "blocks_frame",
    "build_model",
    "capital_recovery_factor",
    "check_duties",
    "default_charger_cost_hkd_per_year",
    "depot_options",
    "duty_windows",
    "parse_hhmm",
    "read_blocks_csv",
    "size_depot",
    "uncontrolled_charging",
    "validate_blocks",
]
