"""Modelling to generate alternatives (MGA): different site plans at near-optimal cost.

The least-cost plan is rarely the only good one. After solving the scenario
at least cost (optimum C*, in HK$), each alternative is found by

1. keeping the system cost within the slack: ``cost_hkd_m ≤ C* + slack·|C*|``
   (and the least-cost objective, which adds soft-target penalties, within
   the same slack, so an alternative cannot buy its difference by dropping a
   target);
2. replacing the objective by the Hamming distance to every earlier plan
   (maximised), over the site decisions of the last model year:
   ``h2_built[h, last]`` for each hydrogen site and an indicator
   ``has_chargers[c]`` for each public charging site.

With earlier plans x¹..xᴷ, Σ_k Hamming(x, xᵏ) = const + Σ_i x_i·(K − 2·n_i),
where n_i counts the earlier plans that open site i: the model minimises
Σ_i (2·n_i − K)·x_i — sites used before are discouraged, unused ones favoured.

The indicator and the MGA rows are added on the built model here; the
formulation package is not changed.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyomo.environ as pyo

from fleetplan.errors import InfeasibleError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.solver import SolveReport, SolverOptions

HKD_M = 1e6
#: Site kinds in a plan's site set.
HYDROGEN = "hydrogen"
CHARGING = "public_charging"


@dataclass
class SitePlan:
    """One plan: its cost, status and the sites it opens by the last model year."""

    label: str
    status: str
    gap: float | None
    cost_hkd: float | None
    cost_vs_optimum: float | None
    co2_abated_t: float | None
    hydrogen_sites: list[str] = field(default_factory=list)
    charging_sites: list[str] = field(default_factory=list)
    result: Any = None  # PlanResult, when the plan was solved

    @property
    def sites(self) -> set[tuple[str, str]]:
        return {(HYDROGEN, h) for h in self.hydrogen_sites} | {
            (CHARGING, c) for c in self.charging_sites
        }

    def as_dict(self, optimum: SitePlan | None = None) -> dict[str, Any]:
        """JSON-able figures (HK$, fraction, t CO2) with the sites that differ from ``optimum``."""
        out: dict[str, Any] = {
            "plan": self.label,
            "status": self.status,
            "gap": self.gap,
            "cost_hkd": None if self.cost_hkd is None else round(self.cost_hkd, 0),
            "cost_vs_optimum": self.cost_vs_optimum,
            "co2_abated_t": None if self.co2_abated_t is None else round(self.co2_abated_t, 1),
            "hydrogen_sites": self.hydrogen_sites,
            "charging_sites": self.charging_sites,
        }
        if optimum is not None and self is not optimum:
            added = sorted(self.sites - optimum.sites)
            removed = sorted(optimum.sites - self.sites)
            out["sites_added"] = [f"{kind}:{site}" for kind, site in added]
            out["sites_removed"] = [f"{kind}:{site}" for kind, site in removed]
            out["hamming_to_optimum"] = len(added) + len(removed)
            out["differs_from_optimum"] = bool(added or removed)
        return out


@dataclass
class Alternatives:
    """The least-cost plan and its near-optimal alternatives."""

    scenario: Scenario
    slack: float
    optimum: SitePlan
    alternatives: list[SitePlan]
    notes: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` object of ``fleetplan alternatives``."""
        return {
            "scenario": self.scenario.name,
            "fingerprint": self.scenario.fingerprint(),
            "slack": self.slack,
            "optimal_cost_hkd": None
            if self.optimum.cost_hkd is None
            else round(self.optimum.cost_hkd, 0),
            "cost_limit_hkd": None
            if self.optimum.cost_hkd is None
            else round(self.optimum.cost_hkd + self.slack * abs(self.optimum.cost_hkd), 0),
            "plans": [
                self.optimum.as_dict(),
                *[a.as_dict(self.optimum) for a in self.alternatives],
            ],
            "notes": self.notes,
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
        }


def _site_plan(
    model: pyo.ConcreteModel, label: str, report: SolveReport, optimal_cost: float | None
) -> SitePlan:
    last = model.T.last()
    cost = pyo.value(model.cost_hkd_m) * HKD_M
    return SitePlan(
        label=label,
        status=report.status,
        gap=report.gap,
        cost_hkd=cost,
        cost_vs_optimum=None if not optimal_cost else cost / optimal_cost - 1.0,
        co2_abated_t=float(pyo.value(model.abated_t)),
        hydrogen_sites=[
            h for h in model.H if (pyo.value(model.h2_built[h, last], exception=False) or 0) > 0.5
        ],
        charging_sites=[
            c
            for c in model.C
            if (pyo.value(model.public_chargers[c, last], exception=False) or 0) > 0.5
        ],
    )


def _add_indicators(model: pyo.ConcreteModel, inputs: Any) -> None:
    """Binary ``mga_has_chargers[c]`` = 1 iff public site c has new chargers in the last year."""
    m = model
    last = m.T.last()
    sites = inputs.sites
    # Upper bound of new chargers at c: its spaces less the chargers already there
    # (the same room the formulation's public_space row allows).
    room = {
        c: max(
            float(sites.at[c, "max_chargers"]) - float(sites.at[c, "existing_fast_chargers"]), 0.0
        )
        for c in m.C
    }
    m.mga_has_chargers = pyo.Var(m.C, within=pyo.Binary)
    m.mga_chargers_only_if = pyo.Constraint(
        m.C, rule=lambda m, c: m.public_chargers[c, last] <= room[c] * m.mga_has_chargers[c]
    )
    m.mga_indicator_if_chargers = pyo.Constraint(
        m.C, rule=lambda m, c: m.mga_has_chargers[c] <= m.public_chargers[c, last]
    )


def _site_vars(model: pyo.ConcreteModel) -> dict[tuple[str, str], Any]:
    last = model.T.last()
    out: dict[tuple[str, str], Any] = {(HYDROGEN, h): model.h2_built[h, last] for h in model.H}
    out.update({(CHARGING, c): model.mga_has_chargers[c] for c in model.C})
    return out


def generate_alternatives(
    scenario: Scenario,
    dataset: Dataset | None = None,
    *,
    count: int = 3,
    slack: float = 0.05,
    options: SolverOptions | None = None,
    with_results: bool = False,
) -> Alternatives:
    """Least-cost plan plus ``count`` maximally different plans within ``slack`` of its cost.

    Parameters
    ----------
    scenario:
        Solved at least cost (a ``max_abatement`` scenario is switched to ``min_cost``).
    dataset:
        Default: the scenario's dataset folder.
    count:
        Number of alternatives (each one more MIP solve).
    slack:
        Allowed cost increase over the optimum, as a fraction (0.05 = 5 %).
    options:
        Solver options for every solve (default: the scenario's).
    with_results:
        Also extract each plan's tidy tables (``SitePlan.result``) for writing.

    Raises
    ------
    InfeasibleError
        When the least-cost problem has no solution (with a diagnosis).
    """
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
    from fleetplan.optimiser.diagnosis import diagnose
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.plan import solver_options
    from fleetplan.optimiser.results import extract_results
    from fleetplan.optimiser.solver import solve

    if count < 0:
        raise ValueError("count must be >= 0")
    if slack < 0:
        raise ValueError("slack must be >= 0")
    notes: list[str] = []
    if scenario.objective != "min_cost":
        scenario = Scenario.model_validate({**scenario.model_dump(), "objective": "min_cost"})
        notes.append(
            "the scenario's objective was switched to min_cost: alternatives are defined by a cost slack"
        )
    options = options or solver_options(scenario)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    data = dataset or load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    inputs = prepare_inputs(scenario, data)
    model = build_model(inputs)
    timings["build_s"] = time.perf_counter() - started

    report = solve(model, options)
    timings["optimum_s"] = report.solve_time_s
    if not report.has_solution:
        if report.status in ("infeasible", "infeasible_or_unbounded"):
            raise InfeasibleError(
                f"scenario '{scenario.name}' is infeasible", diagnose(inputs, options)
            )
        raise InfeasibleError(
            f"no feasible plan found for '{scenario.name}' within {options.time_limit_s:g} s (status {report.status})"
        )

    def tidy(label: str, rep: SolveReport) -> Any:
        if not with_results:
            return None
        # The report's objective is the MGA distance for alternatives: show the
        # least-cost objective's value instead, and no bound.
        shown = (
            dataclasses.replace(rep, objective=float(pyo.value(model.objective)), best_bound=None)
            if label != "optimum"
            else rep
        )
        result = extract_results(model, inputs, shown, {"solve_s": rep.solve_time_s})
        result.notes.append(
            f"{label} of a modelling-to-generate-alternatives run (cost slack {slack:.1%})"
        )
        return result

    optimum = _site_plan(model, "optimum", report, None)
    optimum.cost_vs_optimum = 0.0
    optimum.result = tidy("optimum", report)
    optimal_cost = optimum.cost_hkd or 0.0
    objective_value = float(pyo.value(model.objective))

    _add_indicators(model, inputs)
    model.mga_cost_cap = pyo.Constraint(
        expr=model.cost_hkd_m <= (optimal_cost + slack * abs(optimal_cost)) / HKD_M
    )
    model.mga_objective_cap = pyo.Constraint(
        expr=model.objective.expr <= objective_value + slack * abs(objective_value)
    )
    model.objective.deactivate()
    site_vars = _site_vars(model)
    model.mga_not_again = pyo.ConstraintList()
    if not site_vars:
        notes.append("the scenario has no hydrogen or public charging sites to vary")
        count = 0

    plans = [optimum]
    alternatives: list[SitePlan] = []
    for k in range(1, count + 1):
        previous = len(plans)
        used = {key: sum(key in p.sites for p in plans) for key in site_vars}
        if model.component("mga_distance") is not None:
            model.del_component("mga_distance")
        model.mga_distance = pyo.Objective(
            expr=sum((2 * used[key] - previous) * var for key, var in site_vars.items()),
            sense=pyo.minimize,
        )
        # No-good cut: the plan just found may not come back (ties in the
        # distance objective would otherwise allow exact repeats).
        last_plan = plans[-1].sites
        model.mga_not_again.add(
            sum(1 - var for key, var in site_vars.items() if key in last_plan)
            + sum(var for key, var in site_vars.items() if key not in last_plan)
            >= 1
        )
        rep = solve(model, options)
        timings[f"alternative_{k}_s"] = rep.solve_time_s
        label = f"alternative_{k}"
        if not rep.has_solution:
            if rep.status in ("infeasible", "infeasible_or_unbounded"):
                notes.append(
                    f"{label}: no other site plan fits within the cost slack; stopped after {k - 1}"
                )
                break
            alternatives.append(SitePlan(label, rep.status, rep.gap, None, None, None))
            notes.append(f"{label}: no plan found (status {rep.status}); stopped")
            break
        alt = _site_plan(model, label, rep, optimal_cost)
        alt.result = tidy(label, rep)
        alternatives.append(alt)
        plans.append(alt)
    return Alternatives(scenario, slack, optimum, alternatives, notes, timings)


def write_alternatives(found: Alternatives, folder: str | Path) -> list[str]:
    """Write ``alternatives.json``, ``alternatives.csv`` and one results folder per plan.

    Each plan's folder (``optimum/``, ``alternative_1/``...) has the files of
    :func:`fleetplan.optimiser.outputs.write_result_files` when tidy results were kept.
    """
    import pandas as pd

    from fleetplan.optimiser.outputs import dumps_json, write_result_files
    from fleetplan.optimiser.spreadsheet_cells import write_csv

    folder = Path(folder)
    (folder / "alternatives.json").write_text(dumps_json(found.as_dict()), encoding="utf-8")
    rows = []
    for plan in [found.optimum, *found.alternatives]:
        for kind, site in sorted(plan.sites):
            rows.append(
                {
                    "plan": plan.label,
                    "kind": kind,
                    "site_id": site,
                    "in_optimum": (kind, site) in found.optimum.sites,
                }
            )
    write_csv(
        pd.DataFrame(rows, columns=["plan", "kind", "site_id", "in_optimum"]),
        folder / "alternatives.csv",
    )
    written = ["alternatives.json", "alternatives.csv"]
    for plan in [found.optimum, *found.alternatives]:
        if plan.result is None:
            continue
        sub = folder / plan.label
        sub.mkdir()
        write_result_files(plan.result, found.scenario, sub)
        written.append(f"{plan.label}/")
    return written
