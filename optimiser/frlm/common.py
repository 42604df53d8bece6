"""The parts both FRLM formulations share: exactly ``p`` stations, maximise the refuelled flow."""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo


def _station_count(model: pyo.ConcreteModel) -> None:
    """Exactly p stations open: Σ_k x_k = p."""
    model.station_count = pyo.Constraint(expr=pyo.quicksum(model.x[k] for k in model.K) == model.p)


def _flow_objective(model: pyo.ConcreteModel, volume: Mapping[int, float]) -> None:
    """Maximise the flow volume refuelled: Σ_q f_q·y_q."""
    model.flow_refuelled = pyo.Objective(
        expr=pyo.quicksum(volume[q] * model.y[q] for q in model.Q), sense=pyo.maximize
    )
