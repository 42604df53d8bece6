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
from fleetplan.optimiser.highs_layer import refresh_rows
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
    refresh_rows(handed, rows, coefficients=True)
    handed.log.clear()
    handed.solved = False
    handed.seconds = time.perf_counter() - started
    return inputs, model, handed
