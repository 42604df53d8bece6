"""The fleet transition model, written like a paper's formulation.

Sets and variables are declared in :mod:`.variables`; each constraint family
lives in its own module with a docstring giving its equation in words; the
objective in :mod:`.objective`; expressions several of them read (subsidy paid,
cost by component, emissions) in :mod:`.expressions`. :func:`build_model` wires them together and
nothing else: all data preparation happened in :mod:`fleetplan.optimiser.inputs`.

Families:

1. fleet stock-flow, vehicle requirement, operators' fleet pledges (:mod:`.fleet`)
2. voluntary and subsidised uptake, programme caps, budget, schemes paid as announced (:mod:`.subsidy`)
3. depot charging energy and space, grid connection with lead times (:mod:`.charging`)
4. public fast charging for taxis, assigned within reach (:mod:`.charging`)
5. hydrogen stations: build, open/close, modules, capacity (:mod:`.hydrogen`)
6. flow refuelling of truck corridors, arc-cover path-cover (:mod:`.hydrogen`)
7. policy targets, hard or soft (:mod:`.targets`)
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from fleetplan.optimiser.formulation import (
    charging,
    fleet,
    hydrogen,
    objective,
    subsidy,
    targets,
    variables,
)
from fleetplan.optimiser.inputs import ModelInputs

#: Integer families the LP-guided start rounds up (:mod:`fleetplan.optimiser.lp_guided_start`):
#: a public charger more than the LP's fraction nearly always adds capacity, so the rounded
#: plan usually stays feasible. Not always: a charger rounded up in an early year keeps that
#: year's lower power and takes the place of a later, stronger one; chargers may count against
#: the budget or wait for a grid upgrade. Then the neighbourhood search finds no plan and the
#: full search starts without one (slower, never wrong). Measured on the default: it works.
ROUND_UP_IN_START = ("public_chargers",)

#: Integer families a re-solve holds at the previous plan's values when that plan, all its
#: integers held, no longer fits the changed model (:func:`fleetplan.optimiser.lp_guided_start.repair_start`):
#: where the infrastructure stands. What a lever change most often breaks is the programme's
#: decisions (payment levels, when the money runs out), which the repair decides again with
#: every continuous column; a cut budget then gives a plan near the previous one in seconds
#: instead of a search from nothing. The full search may still move the sites.
HELD_IN_REPAIR = ("public_chargers", "h2_built", "h2_open")


def build_model(
    inputs: ModelInputs,
    *,
    elastic: bool = False,
    reduced: bool = True,
    compact_hydrogen: bool | None = None,
) -> pyo.ConcreteModel:
    """Build the Pyomo model of ``inputs``.

    Parameters
    ----------
    elastic:
        Add non-negative slacks to every family that can make a scenario
        infeasible and minimise their weighted sum instead of the scenario's
        objective (used by :mod:`fleetplan.optimiser.diagnosis`).
    reduced:
        Apply the exact reductions of issue #28: sites no one can use fixed at zero, the
        truck corridors' refuelled share projected out, per-consumer hydrogen rows that
        repeat their station's own row left out. Same optimum by construction; ``False``
        builds the unreduced model they are tested against (``tests/test_reductions.py``).
    compact_hydrogen:
        The compact form of the hydrogen rows (supply groups, no per-consumer bounds, implied
        arc-cover rows left out; see :func:`fleetplan.optimiser.inputs.reductions.use_compact_hydrogen`),
        with one row per corridor and year in their place that ties its fuel-cell trucks to its
        supply stations with the smallest valid big-M (``trucks_need_an_open_station``).
        Same plans; fewer rows, and an LP relaxation that is weaker in some parts and tighter in
        that one. None: ``inputs.compact_hydrogen`` (chosen by size); never without ``reduced``.
    """
    # Pyomo makes hundreds of thousands of small objects, none of them garbage: the cyclic
    # collector's passes over them took ~60 % of the build (2.0 s -> 0.8 s on the default).
    compact = reduced and (
        inputs.compact_hydrogen if compact_hydrogen is None else compact_hydrogen
    )
    with PauseGC():
        model = pyo.ConcreteModel(name=f"fleetplan[{inputs.scenario.name}]")
        variables.declare(
            model,
            inputs,
            elastic=elastic,
            grouped_supply=compact,
        )
        fleet.add_stock_flow(model, inputs)
        fleet.add_fleet_requirement(model, inputs)
        fleet.add_fleet_pledges(model, inputs)
        subsidy.add_uptake(model, inputs)
        subsidy.add_programme_caps(model, inputs)
        charging.add_depot_charging(model, inputs)
        charging.add_public_charging(model, inputs, reduced=reduced)
        charging.add_grid_connection(model, inputs, reduced=reduced)
        hydrogen.add_station_logic(model, inputs, reduced=reduced)
        hydrogen.add_hydrogen_supply(model, inputs, reduced=reduced, compact=compact)
        hydrogen.add_flow_refuelling(model, inputs, reduced=reduced, compact=compact)
        # after the infrastructure families: the budget may count public infrastructure
        subsidy.add_budget(model, inputs)
        subsidy.add_announced_payment(model, inputs)
        targets.add_targets(model, inputs)
        objective.add_objective(model, inputs)
    return model
