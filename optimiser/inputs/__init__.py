"""Data preparation: dataset + scenario + road graph -> the fleet model's sets and parameters.

One module per step, run in order by :func:`~fleetplan.optimiser.inputs.prepare.prepare_inputs`:

``calendar``        modelled years, what each stands for, discount factors
``points``          snapping sites, depots, taxi zones and truck places to the road graph
``segments``        fleet segments from the vehicle-class catalogue (depot, zone, corridor)
``corridors``       truck round trips, their arc-cover rows, flows merged into corridors
``technologies``    duty bins, technologies allowed by year and duty, lifetimes, today's stock
``coefficients``    per-vehicle costs, emissions and energy; carbon prices
``offers``          operators' lifetime cost gaps per duty bin (what they would buy)
``commitments``     operators' pledges and orders (floors on what they buy), committed public chargers
``programmes``      subsidy programmes and the purchase regimes they open
``sites``           candidate, depot and public sites, taxi-zone reach, hydrogen consumers
``targets``         zero-emission targets as minimum vehicles per class and year
``infrastructure``  charger, hydrogen-station and grid cost coefficients; the depot chargers today's e-buses use
``baseline``        the no-plan baseline and the objective's constant (reference fleet cost)
``reductions``      exact reductions found in the data: minimal cover rows, sites no one can use
``model_inputs``    :class:`ModelInputs`, the result

Units: money HK$, energy kWh or kg H2 per day, distances km, emissions t CO2.
"""

from fleetplan.optimiser.inputs.infrastructure import GRID_ASSET_LIFE_YEARS
from fleetplan.optimiser.inputs.model_inputs import ModelInputs
from fleetplan.optimiser.inputs.points import MAX_SNAP_M
from fleetplan.optimiser.inputs.prepare import prepare_inputs
from fleetplan.optimiser.inputs.programmes import Regime
from fleetplan.optimiser.inputs.segments import check_scenario_classes, zone_segment_ids
from fleetplan.optimiser.inputs.technologies import ZEV

__all__ = [
    "GRID_ASSET_LIFE_YEARS",
    "MAX_SNAP_M",
    "ZEV",
    "ModelInputs",
    "Regime",
    "check_scenario_classes",
    "prepare_inputs",
    "zone_segment_ids",
]
