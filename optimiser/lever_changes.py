"""Build once, solve many: a re-solve after a budget change takes the model it already has.

A plan keeps its prepared inputs, its Pyomo model and its HiGHS model (as handed over, before
any step changed it). When the next plan of the same dataset differs from it only in the total
budget (the app's most common lever), that plan skips the data preparation, the build and the
hand-over: the budget is a Param of the model (``budget_hkd_m``), the HiGHS model is put back
as it was handed over and the rows that read the budget are set again from the Pyomo model, as
a fresh hand-over would set them (``tests/test_lever_changes.py`` compares the two, array for
array). Any other difference builds the model again.

Only one model is kept (the last plan's), and only in this process.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.formulation.expressions import HKD_M
from fleetplan.optimiser.inputs import ModelInputs
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.solver import HandedOver


@dataclass
class BuiltPlan:
    """A plan's inputs and models, kept for the next plan of the same dataset."""

    scenario: Scenario
    dataset: Dataset
    inputs: ModelInputs
    model: pyo.ConcreteModel
    handed: HandedOver
    #: the HiGHS model as handed over, before the servability LP and the solve changed it
    handed_lp: Any


_KEPT: list[BuiltPlan] = []
#: the app solves each session's plans in its own thread: one plan at a time takes the models
_LOCK = threading.Lock()


def _without_budget_total(scenario: Scenario) -> str:
    # the name and description label a plan and change nothing in it
    return scenario.model_copy(
        update={
            "name": "",
            "description": "",
            "budget": scenario.budget.model_copy(update={"total_hkd": 0.0}),
        }
    ).fingerprint()


def keep(
    scenario: Scenario,
    dataset: Dataset,
    inputs: ModelInputs,
    model: pyo.ConcreteModel,
    handed: HandedOver,
    handed_lp: Any,
) -> None:
    """Keep this plan's models for the next plan (the one kept before is dropped)."""
    with _LOCK:
        _KEPT.clear()
        _KEPT.append(BuiltPlan(scenario, dataset, inputs, model, handed, handed_lp))


def forget() -> None:
    """Drop the kept models (the next plan builds its own)."""
    with _LOCK:
        _KEPT.clear()


def take(scenario: Scenario, dataset: Dataset) -> BuiltPlan | None:
    """The kept plan whose model ``scenario`` can take by a budget change, if there is one; it
    is no longer kept (its models now belong to the caller)."""
    with _LOCK:
        if not _KEPT:
            return None
        kept = _KEPT[0]
        if kept.dataset is not dataset or _without_budget_total(
            kept.scenario
        ) != _without_budget_total(scenario):
            return None
        _KEPT.clear()
        return kept


def with_budget(
    kept: BuiltPlan, scenario: Scenario
) -> tuple[ModelInputs, pyo.ConcreteModel, HandedOver]:
    """``kept``'s inputs and models set to ``scenario``'s budget, ready for the servability LP
    and the solve, as a fresh preparation, build and hand-over of ``scenario`` would leave them
    (``kept`` from :func:`take`)."""
    started = time.perf_counter()
    inputs = dataclasses.replace(
        kept.inputs, scenario=scenario, budget_hkd=float(scenario.budget.total_hkd)
    )
    model = kept.model
    model.budget_hkd_m.set_value(inputs.budget_hkd / HKD_M)
    handed = kept.handed
    highs = handed.highs
    highs.passModel(kept.handed_lp)
    highs.clearSolver()
    # the previous plan's progress listener would report this solve to its (finished) caller
    highs.cbMipLogging.clear()
    rows = [model.budget]
    if model.find_component("budget_spent_by") is not None:
        rows += list(model.budget_spent_by.values())
    set_rows(handed, rows)
    handed.log.clear()
    handed.solved = False
    handed.seconds = time.perf_counter() - started
    return inputs, model, handed


def set_rows(handed: HandedOver, constraints: list[Any]) -> None:
    """Set the coefficients and bounds of ``constraints``' rows in ``handed`` from the Pyomo
    model, as a fresh hand-over would: each linear coefficient (one that became 0 leaves the
    row, as a hand-over leaves it out), and the bounds less the constant.

    Raises ``LookupError`` when a row reads a variable the hand-over left out: that model
    cannot take the change, and the plan is built again.
    """
    from pyomo.repn import generate_standard_repn

    from fleetplan.optimiser.highs_layer import _infinity

    highs = handed.highs
    lp = highs.getLp()
    lower_now, upper_now = lp.row_lower_, lp.row_upper_
    infinity = _infinity()
    rows_of = handed.rows_of()
    columns_of = handed.columns_of()
    for constraint in constraints:
        rows = rows_of.get(id(constraint), [])
        if not rows:
            continue
        repn = generate_standard_repn(constraint.body, compute_values=True, quadratic=False)
        coefficients: dict[int, float] = {}
        for var, coefficient in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            column = columns_of.get(id(var))
            if column is None:
                raise LookupError(f"{constraint.name} reads {var.name}, which was not handed over")
            coefficients[column] = coefficients.get(column, 0.0) + float(coefficient)
        constant = float(repn.constant)
        lower = None if constraint.lower is None else float(pyo.value(constraint.lower)) - constant
        upper = None if constraint.upper is None else float(pyo.value(constraint.upper)) - constant
        for i in rows:
            _, columns_now, _ = highs.getRowEntries(i)
            for column in columns_now:
                if int(column) not in coefficients:
                    highs.changeCoeff(i, int(column), 0.0)
            for column, coefficient in coefficients.items():
                highs.changeCoeff(i, column, coefficient)
            new_lower = -infinity if lower_now[i] <= -infinity or lower is None else lower
            new_upper = infinity if upper_now[i] >= infinity or upper is None else upper
            highs.changeRowBounds(i, new_lower, new_upper)
