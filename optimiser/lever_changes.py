"""Build once, solve many: a re-solve after a budget change takes the model it already has.

A plan keeps its prepared inputs, its Pyomo model, its HiGHS model (as handed over, before
any step changed it) and the marginal values' fixed-integer LP (a
:class:`~fleetplan.optimiser.highs_layer.HighsLayer`). When the next plan of the same dataset
differs from it only in the total budget (the app's most common lever), that plan skips the data preparation, the build and the
hand-over: the budget is a Param of the model (``budget_hkd_m``), the HiGHS model is put back
as it was handed over and the rows that read the budget are set again from the Pyomo model, as
a fresh hand-over would set them (``tests/test_lever_changes.py`` compares the two, array for
array); so are the marginal values' rows, and their LP then starts as a fresh one would. Any
other difference builds the model again.

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
from fleetplan.optimiser.highs_layer import HighsLayer, refresh_rows
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
    #: the marginal values' LP (None: the plan valued none, or through Pyomo)
    marginal_layer: HighsLayer | None = None
    #: the Params the servability step sets, as ``marginal_layer`` has them
    servability_values: dict[str, dict[Any, float]] | None = None


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
    marginal_layer: HighsLayer | None = None,
) -> None:
    """Keep this plan's models for the next plan (the one kept before is dropped)."""
    with _LOCK:
        _KEPT.clear()
        _KEPT.append(
            BuiltPlan(
                scenario, dataset, inputs, model, handed, handed_lp, marginal_layer,
                _servability_values(model) if marginal_layer is not None else None,
            )
        )  # fmt: skip


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
    refresh_rows(handed, _budget_rows(model), coefficients=True)
    handed.log.clear()
    handed.solved = False
    handed.seconds = time.perf_counter() - started
    return inputs, model, handed


def _budget_rows(model: pyo.ConcreteModel) -> list[Any]:
    """The rows that read the budget: its own, and the money-ran-out rows (as a coefficient)."""
    rows: list[Any] = [model.budget]
    for name in ("budget_spent_by", "unpaid_only_once_budget_reached"):
        if (found := model.find_component(name)) is not None:
            rows += list(found.values())
    return rows


#: Params the servability step sets before each solve (optimiser.servability), and the rows reading them
_SERVABILITY_PARAMS = (
    ("unservable", "blocked_beyond_unservable"),
    ("unservable_pledge", "pledge_short_beyond_unservable"),
)


def _servability_values(model: pyo.ConcreteModel) -> dict[str, dict[Any, float]]:
    return {
        name: {key: float(pyo.value(param[key])) for key in param}
        for name, _ in _SERVABILITY_PARAMS
        if (param := model.find_component(name)) is not None
    }


def marginal_layer(kept: BuiltPlan) -> HighsLayer | None:
    """``kept``'s marginal values' LP with the rows that read a changed Param set again (the
    budget's, and those whose servability Param moved since it was compiled), so that it is the
    LP a fresh compile of the model would give; None when there is none or it cannot take the
    change. Call it after the plan's solve (the servability step has set its Params then)."""
    layer = kept.marginal_layer
    if layer is None or kept.servability_values is None:
        return None
    model = kept.model
    moved = []
    now = _servability_values(model)
    for name, rows_name in _SERVABILITY_PARAMS:
        before, after = kept.servability_values.get(name, {}), now.get(name, {})
        rows = model.find_component(rows_name)
        moved += [rows[key] for key, value in after.items() if before.get(key) != value]
    try:
        layer.refresh_rows(_budget_rows(model))
        layer.refresh_rows(moved, coefficients=False)
    except LookupError:
        return None
    return layer
