"""Policy targets on zero-emission vehicles in service."""

from __future__ import annotations

import pyomo.environ as pyo

from fleetplan.optimiser.formulation.variables import Expr, slack
from fleetplan.optimiser.inputs import ModelInputs


def zev_in_service(
    model: pyo.ConcreteModel, inputs: ModelInputs, vehicle_class: str, year: int
) -> Expr:
    """Zero-emission vehicles of a class in service in ``year`` (expression)."""
    segments = inputs.segments.index[inputs.segments["vehicle_class"] == vehicle_class]
    return sum(
        model.stock[s, k, year] for s in segments for k in inputs.techs[s] if k in ("bev", "fcev")
    )


def target_treatment(inputs: ModelInputs, target_id: str) -> str:
    """How target ``target_id`` enters the model: ``hard`` (a constraint), ``penalised`` (a
    shortfall priced at the scenario's penalty, a penalty and never a cost) or ``reported``
    (no row at all: the plan is what behaviour, pledges and the levers give, and the result
    says how far it falls short). Reported is the default: a penalty per vehicle short inside a
    least-cost objective would outweigh every real cost and make the gap meaningless."""
    if bool(inputs.targets.at[target_id, "hard"]):
        return "hard"
    return "penalised" if inputs.scenario.target_penalty_hkd_per_vehicle > 0 else "reported"


def add_targets(model: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """Target g on class c in year y: Σ zero-emission stock[c,y] + short[g] ≥ min_zev[g].

    Hard targets fix short[g] = 0 (an elastic model lets it go and reports it);
    penalised targets pay the scenario's penalty per vehicle short in the objective;
    reported targets have no row (short[g] is fixed at 0 and the shortfall is read off the
    plan's stock in the results).
    """
    m = model
    table = inputs.targets
    modelled = [g for g in m.G if target_treatment(inputs, g) != "reported"]

    def rule(m: pyo.ConcreteModel, g: str) -> Expr:
        row = table.loc[g]
        return zev_in_service(m, inputs, row["vehicle_class"], int(row["year"])) + m.target_short[
            g
        ] >= float(row["min_zev"])

    m.target = pyo.Constraint(modelled, rule=rule)
    for g in m.G:
        treatment = target_treatment(inputs, g)
        if treatment == "reported":
            m.target_short[g].fix(0.0)
        elif treatment == "hard":
            if m.elastic:
                m.target_short[g].setub(None)
                m.slack_index[("target_short", g)] = ("targets", g, 1.0)
            else:
                m.target_short[g].fix(0.0)
    _ = slack  # targets use their own shortfall variable as the slack
