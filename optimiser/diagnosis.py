"""Explain an infeasible scenario: which targets or constraint families conflict.

The scenario is re-solved as an elastic model (non-negative slacks on every
family that can bind: hard targets, budget and caps, depot space and energy,
grid connections, taxi charging, hydrogen capacity) minimising the total
slack. The families whose slacks stay positive are the ones in conflict; the
message says by how much, in the family's own units.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.inputs import ModelInputs
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.solver import SolverOptions, solve

_UNITS = {
    "targets": "vehicles short",
    "budget": "HK$ million over",
    "programme_caps": "HK$ million over",
    "yearly_limits": "HK$ million over",
    "depot_charging_energy": "MWh/day or buses short of charging",
    "depot_space": "chargers more than the spaces",
    "grid_connection": "MVA over the connection",
    "taxi_charging": "MWh/day of taxi charging unserved",
    "public_charger_space": "chargers more than the spaces",
    "hydrogen_capacity": "t H2/day over capacity",
}


def diagnose(inputs: ModelInputs, options: SolverOptions | None = None) -> list[str]:
    """Plain-language lines naming the families (and rows) that make ``inputs`` infeasible."""
    model = build_model(inputs, elastic=True)
    report = solve(model, options or SolverOptions(time_limit_s=60, mip_rel_gap=0.05))
    if not report.has_solution:
        return [ModelText("infeasible_unsolvable", status=report.status)]
    totals: dict[str, float] = defaultdict(float)
    worst: dict[str, tuple[float, object]] = {}
    for index, (family, key, _scale) in model.slack_index.items():
        if isinstance(index, tuple) and index[0] == "target_short":
            value = pyo.value(model.target_short[index[1]])
        else:
            value = pyo.value(model.slacks[index])
        if value is None or value <= 1e-6:
            continue
        totals[family] += value
        if value > worst.get(family, (0.0, None))[0]:
            worst[family] = (value, key)
    lines: list[str] = []
    for family in sorted(totals, key=lambda f: -totals[f]):
        value, key = worst[family]
        where = _describe(inputs, family, key)
        total, largest = f"{totals[family]:,.1f}", f"{value:,.1f}"
        lines.append(
            ModelText(
                "infeasible_family",
                family=family,
                total=total,
                unit=_UNITS.get(family, ""),
                where=where,
                largest=largest,
                code=str(key),
            )
        )
    if not lines:
        lines.append(ModelText("infeasible_numerical"))
    return lines


def _describe(inputs: ModelInputs, family: str, key: object) -> str:
    if family == "targets" and key in inputs.targets.index:
        row = inputs.targets.loc[key]
        return ModelText(
            "infeasible_target",
            target=key,
            required=f"{row['min_zev']:,.0f}",
            vclass=row["vehicle_class"],
            year=int(row["year"]),
        )
    return str(key)
