"""Policy targets on zero-emission vehicles in service."""

from __future__ import annotations

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.variables import slack
from fleetplan.optimiser.inputs import ModelInputs


def zev_in_service(model: pyo.ConcreteModel, inputs: ModelInputs, vehicle_class: str, year: int) -> object:
    """Zero-emission vehicles of a class in service in ``year`` (expression)."""
    segments = inputs.segments.index[inputs.segments["vehicle_class"] == vehicle_class]
    return sum(model.stock[s, k, year] for s in segments for k in inputs.techs[s] if k in ("bev", "fcev"))


def add_targets(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Target g on class c in year y: Σ zero-emission stock[c,y] + short[g] ≥ min_zev[g].

    Hard targets fix short[g] = 0 (an elastic model lets it go and reports
    it); soft targets pay a penalty per vehicle short in the objective.
    """
    m = model
    table = inputs.targets

    def rule(m: pyo.ConcreteModel, g: str) -> object:
        row = table.loc[g]
        return (
            zev_in_service(m, inputs, row["vehicle_class"], int(row["year"])) + m.target_short[g]
            >= float(row["min_zev"])
        )

    m.target = pyo.Constraint(m.G, rule=rule)
    for g in m.G:
        if bool(table.at[g, "hard"]):
            if m.elastic:
                m.target_short[g].setub(None)
                m.slack_index[("target_short", g)] = ("targets", g, 1.0)
            else:
                m.target_short[g].fix(0.0)
    _ = slack  # targets use their own shortfall variable as the slack
