"""fleetplan: a hydrogen and EV fleet transition planner (Pyomo + HiGHS over a road graph).

The public API, for scripts and notebooks::

    import fleetplan
    scenario = fleetplan.load_scenario("data/scenarios/half_budget.yaml")
    result = fleetplan.plan(scenario)          # the Hong Kong default dataset
    result.figures.co2_abated_vs_no_policy_t   # typed key figures (fleetplan.PlanSummary)

Names are imported when first used, so ``import fleetplan`` (and the CLI's
start-up) does not pay for Pyomo, pandas or geopandas until a plan is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fleetplan.errors import (
    FleetplanError,
    InfeasibleError,
    InputError,
    SolverMissingError,
    TooManyCombinationsError,
)

#: public name -> module that defines it (imported on first use)
_LAZY = {
    "plan": "fleetplan.optimiser.plan",
    "PlanResult": "fleetplan.optimiser.results",
    "PlanSummary": "fleetplan.optimiser.summary",
    "Scenario": "fleetplan.optimiser.scenario",
    "load_scenario": "fleetplan.optimiser.scenario_files",
    "Dataset": "fleetplan.network.loaders",
    "load_dataset": "fleetplan.network.loaders",
    "DEFAULT_DATASET": "fleetplan.network.loaders",
}

__all__ = [
    "DEFAULT_DATASET",
    "Dataset",
    "FleetplanError",
    "InfeasibleError",
    "InputError",
    "PlanResult",
    "PlanSummary",
    "Scenario",
    "SolverMissingError",
    "TooManyCombinationsError",
    "__version__",
    "load_dataset",
    "load_scenario",
    "plan",
]

if TYPE_CHECKING:
    from fleetplan.network.loaders import DEFAULT_DATASET, Dataset, load_dataset
    from fleetplan.optimiser.plan import plan
    from fleetplan.optimiser.results import PlanResult
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.optimiser.scenario_files import load_scenario
    from fleetplan.optimiser.summary import PlanSummary


def _installed_version() -> str:
    # importlib.metadata scans every distribution on sys.path: ~40-70 ms, most of
    # `import fleetplan`, so it runs only when the version is asked for.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fleetplan")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value = _installed_version()
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fleetplan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
