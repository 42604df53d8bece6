"""Plan a scenario end to end: load → prepare → build → solve → extract → marginal values.

Each step is timed; the result holds tidy tables only (see :mod:`fleetplan.optimiser.results`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from fleetplan.errors import InfeasibleError
from fleetplan.network.loaders import DEFAULT_DATASET, Dataset, load_dataset
from fleetplan.optimiser import lever_changes
from fleetplan.optimiser.diagnosis import diagnose
from fleetplan.optimiser.formulation import HELD_IN_REPAIR, ROUND_UP_IN_START, build_model
from fleetplan.optimiser.formulation.expressions import HKD_M
from fleetplan.optimiser.formulation.subsidy import money_out_cuts_set_aside
from fleetplan.optimiser.formulation.targets import zev_in_service
from fleetplan.optimiser.highs_layer import HighsLayer
from fleetplan.optimiser.inputs import ModelInputs, prepare_inputs
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.results import PlanResult, extract_results, mip_start
from fleetplan.optimiser.scenario import Budget, Scenario, Solver
from fleetplan.optimiser.servability import find_unservable, unservable_note, unservable_pledge_note
from fleetplan.optimiser.solver import HandedOver, SolveReport, SolverOptions, hand_over, solve

#: Default absolute gap of a least-cost plan (HK$ million): the system cost of every plan is
#: certified within HK$30m, so a difference between two plans (a scenario and its no-policy
#: counterfactual, A against B) is known to within HK$60m.
DEFAULT_ABS_GAP_HKD_M = 30.0


def absolute_gap(scenario: Scenario) -> float | None:
    """The absolute gap ``scenario`` stops on, in its objective's unit (None: relative gap only)."""
    if scenario.solver.mip_abs_gap is not None:
        return scenario.solver.mip_abs_gap
    return DEFAULT_ABS_GAP_HKD_M if scenario.objective == "min_cost" else None


def solver_options(scenario: Scenario, inputs: ModelInputs | None = None) -> SolverOptions:
    """HiGHS options of ``scenario``; with ``inputs``, the objective's constant is taken out of the gap."""
    constant = 0.0
    if inputs is not None and scenario.objective == "min_cost":
        constant = inputs.reference_fleet_cost_hkd / HKD_M
    counted = (
        scenario.objective == "max_abatement" and scenario.max_abatement.infrastructure == "budget"
    )
    return SolverOptions(
        lp_guided_start=scenario.solver.lp_guided_start,
        round_up=() if counted else ROUND_UP_IN_START,
        held_in_repair=HELD_IN_REPAIR,
        time_limit_s=scenario.solver.time_limit_s,
        mip_rel_gap=scenario.solver.mip_rel_gap,
        mip_abs_gap=absolute_gap(scenario),
        node_limit=scenario.solver.node_limit,
        threads=scenario.solver.threads,
        interface=scenario.solver.interface,
        objective_constant=constant,
    )


def no_policy_scenario(scenario: Scenario, dataset: Dataset) -> Scenario:
    """The counterfactual of ``scenario``: the same behaviour, prices and infrastructure choices,
    with no subsidy programme and no target."""
    base = scenario.model_dump()
    counted = (
        scenario.objective == "max_abatement" and scenario.max_abatement.infrastructure == "budget"
    )
    return Scenario.model_validate(
        {
            **base,
            "name": f"{scenario.name} (no policy)",
            "programmes": {
                p: {"enabled": False} for p in dataset.programmes["programme_id"].unique()
            },
            "targets": {g: {"enabled": False} for g in dataset.targets["target_id"]},
            "extra_targets": {},
            # With no programme the budget limits nothing, unless public infrastructure counts
            # against it: then it stays, as the infrastructure choices must. Normalised, two
            # scenarios that differ only in their levers share one counterfactual.
            **({} if counted else {"budget": Budget().model_dump()}),
        }
    )


def plan(
    scenario: Scenario | None = None,
    dataset: Dataset | None = None,
    *,
    on_progress: Callable[[dict[str, float]], None] | None = None,
    marginals: bool = True,
    counterfactual: bool = True,
    warm_start: PlanResult | None = None,
    parallel: bool = False,
    hold: tuple[str, ...] = (),
) -> PlanResult:
    """Solve ``scenario`` (default: the Hong Kong default) and return its tidy results.

    Parameters
    ----------
    marginals:
        Value the money limits (budget, programme caps) and targets, each with the
        range in which its value holds.
    counterfactual:
        Also solve the no-policy counterfactual (no programme, no target) and report
        abatement, vehicles and cost against it.
    warm_start:
        A previous plan (of the same dataset, after a small change): HiGHS starts from
        its decisions, so the re-solve stops once the bound is within the gap of it.
        The plan found is the same kind of answer, to the same gap, only sooner.
    hold:
        Variable names (e.g. ``h2_built``) whose values are held at ``warm_start``'s: the
        re-solve changes everything else (used to check a marginal value over a step with
        the stations held).
    parallel:
        Solve the counterfactual in a second process while this one solves the plan
        (HiGHS's search is serial, so a second core halves the wait). The process is
        spawned: like any multiprocessing, the calling program's main module must be safe
        to import (``if __name__ == "__main__":``). ``fleetplan solve`` uses it.

    Raises
    ------
    InfeasibleError
        With a diagnosis naming the conflicting targets or families, when the
        scenario has no feasible plan, or when no plan was found in the time limit.
    """
    scenario = scenario or Scenario()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if dataset is None:
        dataset = load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    timings["load_s"] = time.perf_counter() - started

    # A re-solve after a budget change takes the previous plan's models (build once, solve many).
    # Only a plan as the user asks for one (with its counterfactual, nothing held) takes or keeps
    # them: the counterfactual's, the step check's and the target ladder's plans do neither.
    keeps_models = counterfactual and not hold
    kept = (
        lever_changes.take(scenario, dataset) if warm_start is not None and keeps_models else None
    )
    handed: HandedOver | None = None
    handed_lp = None
    if kept is not None:
        try:
            inputs, model, handed = lever_changes.with_budget(kept, scenario)
            handed_lp = kept.handed_lp
            timings["prepare_s"] = 0.0
            timings["build_s"] = 0.0  # the edits' time counts in the solve's, as a hand-over's does
        except LookupError:
            kept = handed = None
    if kept is None:
        started = time.perf_counter()
        inputs = prepare_inputs(scenario, dataset)
        timings["prepare_s"] = time.perf_counter() - started

        started = time.perf_counter()
        model = build_model(inputs)
        if hold and warm_start is not None:
            _hold(model, warm_start.decisions, hold)
        timings["build_s"] = time.perf_counter() - started

    needs_counterfactual = counterfactual and bool(len(model.P) or len(model.G))
    reference_scenario = no_policy_scenario(scenario, dataset) if needs_counterfactual else None
    with _counterfactual_apart(reference_scenario, dataset, parallel) as background:
        options = solver_options(scenario, inputs)
        # Build once, solve many: the servability LP runs on the HiGHS model the plan's solve
        # then takes (one hand-over, whose time counts in the solve's, as it did before).
        if handed is None and options.interface != "pyomo_highs":
            handed = hand_over(model, options)
            if keeps_models:
                handed_lp = handed.highs.getLp()  # as handed over, for a re-solve to start from
        started = time.perf_counter()
        unservable = find_unservable(
            model, inputs, options, handed=handed, reuse_basis=warm_start is not None
        )
        timings["servability_s"] = time.perf_counter() - started
        start = (
            mip_start(model, warm_start.decisions)
            if warm_start is not None and warm_start.decisions
            else None
        )
        report = solve(model, options, on_progress=on_progress, start=start, handed=handed)
        timings["solve_s"] = report.solve_time_s
        if not report.has_solution:
            if report.status in ("infeasible", "infeasible_or_unbounded"):
                raise InfeasibleError(
                    f"scenario '{scenario.name}' is infeasible", diagnose(inputs, options)
                )
            if report.status == "time_limit":
                raise InfeasibleError(
                    f"no feasible plan found for '{scenario.name}' within {options.time_limit_s:g} s; "
                    "raise solver.time_limit_s (or remove it: by default a solve stops on its gap only)"
                )
            if report.status == "node_limit":
                raise InfeasibleError(
                    f"no feasible plan found for '{scenario.name}' within {options.node_limit} nodes; raise solver.node_limit"
                )
            # Any other end without a solution (HiGHS may even call it optimal when it ran into
            # numerical trouble) says nothing about time: do not suggest more of it.
            raise InfeasibleError(
                f"HiGHS returned no usable plan for '{scenario.name}' (its status: {report.status}); this points to "
                "numerical trouble, e.g. extreme or badly scaled values in the dataset or scenario"
            )

        started = time.perf_counter()
        result = extract_results(model, inputs, report, timings)
        result.objective_constant = options.objective_constant
        if unservable:
            result.notes.append(unservable_note(unservable, inputs))
        pledge_note = unservable_pledge_note(model, inputs)
        if pledge_note:
            result.notes.append(pledge_note)
        timings["extract_s"] = time.perf_counter() - started

        marginal_layer = lever_changes.marginal_layer(kept) if kept is not None else None
        if marginals:
            started = time.perf_counter()
            if marginal_layer is None and options.interface != "pyomo_highs":
                with money_out_cuts_set_aside(model):
                    marginal_layer = HighsLayer.build(model, options)
            result.marginal_values = marginal_values(
                model, inputs, options, final_gap=report.gap, layer=marginal_layer
            )
            if scenario.objective == "min_cost":
                result.marginal_values = step_check(scenario, dataset, result)
            timings["marginals_s"] = time.perf_counter() - started
        if reference_scenario is not None:
            # With a background solve, this is only the time spent waiting for it.
            started = time.perf_counter()
            reference = _counterfactual_summary(reference_scenario, dataset, background)
            result.counterfactual = {
                key: reference.get(key)
                for key in (
                    "co2_abated_t",
                    "system_cost_hkd",
                    "zev_in_service",
                    "gap",
                    "gap_absolute",
                    "status",
                    "objective_unit",
                )
            }
            timings["counterfactual_s"] = time.perf_counter() - started
        result.timings_s = timings
        if handed is not None and handed_lp is not None:
            lever_changes.keep(scenario, dataset, inputs, model, handed, handed_lp, marginal_layer)
        return result


def _hold(
    model: pyo.ConcreteModel, decisions: dict[tuple[str, Any], float], names: tuple[str, ...]
) -> None:
    """Fix the variables named in ``names`` at a previous plan's values (integers rounded)."""
    for name in names:
        component = getattr(model, name)
        for index, var in component.items():
            value = decisions.get((name, index))
            if value is not None:
                var.fix(round(value) if var.is_integer() or var.is_binary() else value)


#: No-policy plans solved in this process: (scenario fingerprint, dataset id) -> (dataset, summary).
#: A change to a lever (budget, caps, payments, targets) leaves the no-policy scenario as it
#: was, so a re-solve reuses its counterfactual instead of solving it again. The dataset is
#: kept with the entry so its id cannot be reused by another dataset while the entry lives.
_COUNTERFACTUALS: OrderedDict[tuple[str, int], tuple[Dataset, dict[str, Any]]] = OrderedDict()
_COUNTERFACTUALS_KEPT = 4


def _counterfactual_key(reference: Scenario, dataset: Dataset) -> tuple[str, int]:
    # The name labels the plan and changes nothing in it.
    return (reference.model_copy(update={"name": ""}).fingerprint(), id(dataset))


def _cached_counterfactual(reference: Scenario, dataset: Dataset) -> dict[str, Any] | None:
    key = _counterfactual_key(reference, dataset)
    hit = _COUNTERFACTUALS.get(key)
    if hit is not None and hit[0] is dataset:
        _COUNTERFACTUALS.move_to_end(key)
        return hit[1]
    return None


def _counterfactual_summary(
    reference: Scenario, dataset: Dataset, background: _BackgroundCounterfactual | None = None
) -> dict[str, Any]:
    """The summary of the no-policy plan ``reference`` on ``dataset`` (solved once per process,
    here or by ``background``)."""
    cached = _cached_counterfactual(reference, dataset)
    if cached is not None:
        return cached
    summary = background.result() if background is not None else None
    if summary is None:  # serial, or the second process ended without a word: solve it here
        summary = plan(reference, dataset, marginals=False, counterfactual=False).summary()
    _COUNTERFACTUALS[_counterfactual_key(reference, dataset)] = (dataset, summary)
    while len(_COUNTERFACTUALS) > _COUNTERFACTUALS_KEPT:
        _COUNTERFACTUALS.popitem(last=False)
    return summary


def _counterfactual_worker(connection: Any, reference: Scenario, dataset: Dataset) -> None:
    """In the spawned process: solve the no-policy plan and send its summary (or the error)."""
    try:
        connection.send(
            ("summary", plan(reference, dataset, marginals=False, counterfactual=False).summary())
        )
    except Exception as error:  # sent back and raised there, as the serial path would
        try:
            connection.send(("error", error))
        except Exception:  # an error that cannot be pickled: its type and text cross instead
            connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
    finally:
        connection.close()


@contextlib.contextmanager
def _counterfactual_apart(
    reference: Scenario | None, dataset: Dataset, parallel: bool
) -> Iterator[_BackgroundCounterfactual | None]:
    """The counterfactual started in a second process when ``parallel`` and not cached yet
    (else None: it is solved here, when wanted), and ended however the plan ends."""
    if not parallel or reference is None or _cached_counterfactual(reference, dataset) is not None:
        yield None
        return
    background = _BackgroundCounterfactual.start(reference, dataset)
    try:
        yield background
    finally:
        background.stop()


class _BackgroundCounterfactual:
    """The counterfactual solved in a spawned process while the plan solves in this one."""

    def __init__(self, process: Any, connection: Any) -> None:
        self._process = process
        self._connection = connection

    @classmethod
    def start(cls, reference: Scenario, dataset: Dataset) -> _BackgroundCounterfactual:
        import multiprocessing

        # spawn, not fork: HiGHS may already run threads in this process.
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_counterfactual_worker, args=(sender, reference, dataset), daemon=True
        )
        process.start()
        sender.close()
        return cls(process, receiver)

    def result(self) -> dict[str, Any] | None:
        """The counterfactual's summary; its error, raised here; or None when the process
        ended without a word (killed, out of memory), so the caller solves it itself."""
        try:
            kind, payload = self._connection.recv()
        except EOFError:
            self._process.join(timeout=5)
            return None
        if kind == "error":
            raise payload
        return payload

    def stop(self) -> None:
        """End the process (at once if the plan failed before collecting it)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
        self._connection.close()


#: Above this final gap no marginal value is trusted (each is flagged).
MARGINAL_GAP_LIMIT = 0.01

MARGINAL_COLUMNS = [
    "name",
    "value",
    "unit",
    "valid_up_to",
    "system_cost_hkd_per_hkd",
    "penalty_hkd_per_hkd",
    "dual",
    "step_hkd",
    "step_system_cost_hkd_per_hkd",
    "step_penalty_hkd_per_hkd",
    "step_status",
    "step_agrees",
    "meaning",
    "flag",
]


def _fixed_integers(model: pyo.ConcreteModel) -> list[tuple[pyo.Var, object, bool]]:
    """Fix every integer at its (rounded) optimum as a continuous variable: HiGHS gives duals
    and ranging only for an LP. Returns what to restore."""
    relaxed = []
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.is_integer() or var.is_binary():
            relaxed.append((var, var.domain, var.fixed))
            value = round(var.value) if var.value is not None else 0
            var.domain = pyo.Reals
            var.fix(value)
    return relaxed


def _restore(relaxed: list[tuple[pyo.Var, object, bool]]) -> None:
    for var, domain, was_fixed in relaxed:
        var.domain = domain
        if not was_fixed:
            var.unfix()


def _outcome(model: pyo.ConcreteModel) -> dict[str, float]:
    return {
        "cost_hkd_m": float(pyo.value(model.cost_hkd_m)),
        "penalty_hkd_m": float(pyo.value(model.penalty_hkd_m)),
        "abated_t": float(pyo.value(model.abated_t)),
        "objective": float(
            pyo.value(next(model.component_data_objects(pyo.Objective, active=True)))
        ),
    }


def _spent_rows(model: pyo.ConcreteModel, name: str) -> list[Any]:
    """The rows of a scheme paid as announced that say its money ran out (``spend ≥ limit``, held
    on in the fixed-integer LP): raising the limit raises them too, or the extra money would look
    optional (first come, first served pays it out)."""
    if name == "budget" and model.component("budget_spent_by") is not None:
        return [
            model.budget_spent_by[t]
            for t in model.budget_spent_by
            if (model.budget_spent[t].value or 0) > 0.5
        ]
    if name.startswith("programme_cap:") and model.component("cap_spent_by") is not None:
        p = name.split(":", 1)[1]
        return [
            model.cap_spent_by[p, t]
            for (q, t) in model.cap_spent_by
            if q == p and (model.cap_spent[p, t].value or 0) > 0.5
        ]
    return []


def _raised(
    model: pyo.ConcreteModel,
    constraint: pyo.Constraint,
    options: SolverOptions,
    step_hkd_m: float,
    spent: Sequence[Any] = (),
    layer: HighsLayer | None = None,
) -> tuple[dict[str, float] | None, str]:
    """Outcome of the fixed-integer LP with ``constraint``'s bound raised by ``step_hkd_m`` (and
    the ``spent`` rows of a scheme whose money ran out with it), None without a solution; and
    HiGHS's status.

    With ``layer`` (the fixed-integer LP already in HiGHS), only those rows' bounds move and
    HiGHS re-solves from its last basis; they are put back afterwards.
    """
    if layer is not None:
        layer.replace_row(constraint, upper_by=step_hkd_m)
        for row in spent:
            if row.lower is not None:
                layer.replace_row(row, lower_by=step_hkd_m)
            else:
                layer.replace_row(row, upper_by=-step_hkd_m)
        try:
            report = layer.solve(time_limit_s=options.time_limit_s)
            return (_outcome(model) if report.has_solution else None), report.status
        finally:
            layer.restore_rows()
    constraint.deactivate()
    model._raised = pyo.Constraint(expr=constraint.body <= constraint.upper + step_hkd_m)
    model._raised_spent = pyo.ConstraintList()
    for row in spent:
        row.deactivate()
        if row.lower is not None:
            model._raised_spent.add(row.body >= row.lower + step_hkd_m)
        else:
            model._raised_spent.add(row.body <= row.upper - step_hkd_m)
    try:
        report = solve(model, options)
        return (_outcome(model) if report.has_solution else None), report.status
    finally:
        model.del_component(model._raised)
        model.del_component(model._raised_spent)
        for row in spent:
            row.activate()
        constraint.activate()


def marginal_values(
    model: pyo.ConcreteModel,
    inputs: ModelInputs,
    options: SolverOptions,
    *,
    final_gap: float | None = None,
    persistent: bool = True,
    layer: HighsLayer | None = None,
) -> pd.DataFrame:
    """What one more HK$ of each money limit is worth, and up to how far that holds.

    The model's integers (payment levels, stations, chargers) are held at their
    optimum; the LP's dual of the budget and of each programme cap gives the value per
    HK$, and HiGHS's ranging how far the limit may rise before that value changes
    (``valid_up_to``, HK$). A re-solve at the limit + min(step, range) splits the value
    into system cost and penalty (a penalty is never called a cost). Targets report
    whether they bind, are met anyway or are out of reach. Every value is flagged when
    the final MIP gap exceeds 1 %.

    ``persistent``: the LP and its raised-limit re-solves are one HiGHS model whose bounds
    move (:class:`~fleetplan.optimiser.highs_layer.HighsLayer`); False hands the model to
    HiGHS through Pyomo for each solve, as ``solver.interface`` says (same values).
    ``layer``: that HiGHS model, already compiled from ``model`` (a re-solve after a budget
    change keeps it: :mod:`fleetplan.optimiser.lever_changes`); its bounds are put back after.
    The money-ran-out cuts (:data:`~fleetplan.optimiser.formulation.subsidy.MONEY_OUT_CUTS`)
    are left out of this LP: with the integers held they add nothing, and a raised cap would
    leave them at the old one.
    """
    with money_out_cuts_set_aside(model):
        return _marginal_values(model, inputs, options, final_gap, persistent, layer)


def _marginal_values(
    model: pyo.ConcreteModel,
    inputs: ModelInputs,
    options: SolverOptions,
    final_gap: float | None,
    persistent: bool,
    layer: HighsLayer | None,
) -> pd.DataFrame:
    money_rows = []
    if model.budget.active and len(model.budget):
        money_rows.append(("budget", model.budget))
    money_rows += [
        (f"programme_cap:{p}", model.programme_cap[p]) for p in model.P if p in model.programme_cap
    ]
    # Build once, solve many: the fixed-integer LP and each raised limit are one HiGHS model
    # whose bounds move (Pyomo's in-memory interface, when asked for, keeps the old path).
    wanted = persistent and options.interface != "pyomo_highs"
    if layer is None and wanted:
        layer = HighsLayer.build(model, options)
    elif not wanted:
        layer = None
    relaxed = _fixed_integers(model) if layer is None else []
    try:
        lp_options = dataclasses.replace(
            options, ranging=tuple(row for _, row in money_rows), objective_constant=0.0
        )
        if layer is not None:
            layer.fix_integers()
            report: SolveReport = layer.solve(
                time_limit_s=options.time_limit_s, load_duals=True, ranging=lp_options.ranging
            )
        else:
            report = solve(model, lp_options, load_duals=True)
        if not report.has_solution:
            return pd.DataFrame(columns=MARGINAL_COLUMNS)
        base = _outcome(model)
        abatement = inputs.scenario.objective == "max_abatement"
        unit = "t CO2 per HK$1m" if abatement else "HK$ per HK$1 of limit"
        step = inputs.scenario.marginal_step_hkd / HKD_M
        rows = []
        for name, constraint in money_rows:
            dual = abs(report.duals.get(constraint, 0.0))
            spent = _spent_rows(model, name)
            if dual <= 1e-9 and not spent:
                rows.append({"name": name, "value": 0.0, "unit": unit, "valid_up_to": None, "system_cost_hkd_per_hkd": 0.0,
                             "penalty_hkd_per_hkd": 0.0, "dual": 0.0, "meaning": ModelText("mv_not_binding", name=name)})  # fmt: skip
                continue
            # the budget's bound is a Param (optimiser.lever_changes): its number, not the Param
            limit = float(pyo.value(constraint.upper))
            bound, upper = report.ranging.get(constraint, (limit, limit + step))
            room = max(upper - bound, 0.0) if upper is not None and upper < 1e20 else step
            if spent:
                # the money ran out under a scheme paid as announced: the cap row's ranging does not
                # see the rows that pay the extra money out, so the value holds over the probe only
                room = step
            probe = min(step, room) if room > 0 else step
            raised, raised_status = _raised(
                model,
                constraint,
                dataclasses.replace(options, objective_constant=0.0),
                probe,
                spent,
                layer,
            )
            valid = room * HKD_M
            if abatement:
                more_t = (raised["abated_t"] - base["abated_t"]) if raised else dual * probe
                rows.append(
                    {
                        "name": name,
                        "value": dual,
                        "unit": unit,
                        "valid_up_to": valid,
                        "meaning": ModelText(
                            "mv_abatement",
                            name=name,
                            value=f"{dual:,.1f}",
                            room=f"{room:,.1f}",
                            probe=f"{probe:,.1f}",
                            more=f"{more_t:,.0f}",
                        ),
                    }
                )
                continue
            saved_cost = (base["cost_hkd_m"] - raised["cost_hkd_m"]) if raised else float("nan")
            saved_penalty = (
                (base["penalty_hkd_m"] - raised["penalty_hkd_m"]) if raised else float("nan")
            )
            # Per HK$ of the limit, in real money apart from penalties: the two parts add up to
            # the value (the LP is linear over its range, so the probe's slope is the dual's split).
            cost_per_hkd = saved_cost / probe if raised else float("nan")
            penalty_per_hkd = saved_penalty / probe if raised else float("nan")
            rows.append(
                {
                    "name": name,
                    "value": cost_per_hkd + penalty_per_hkd if raised else dual,
                    "unit": unit,
                    "valid_up_to": valid,
                    "system_cost_hkd_per_hkd": cost_per_hkd,
                    "penalty_hkd_per_hkd": penalty_per_hkd,
                    "dual": dual,
                    "meaning": ModelText(
                        _probe_sentence(raised is not None, raised_status, saved_cost),
                        name=name,
                        status=raised_status,
                        room=f"{room:,.1f}",
                        value=f"{dual:,.2f}",
                        probe=f"{probe:,.1f}",
                        cost=f"{abs(saved_cost):,.1f}",
                        penalty=f"{saved_penalty:,.1f}",
                    ),
                }
            )
        rows += _target_rows(model, inputs, report)
    finally:
        _restore(relaxed)
    table = pd.DataFrame(rows, columns=MARGINAL_COLUMNS)
    # object, not pandas' str dtype: the sentences keep their template key for translation
    table["meaning"] = pd.Series([row["meaning"] for row in rows], index=table.index, dtype=object)
    table["flag"] = ""
    if final_gap is not None and final_gap > MARGINAL_GAP_LIMIT:
        table["flag"] = f"final gap {final_gap:.1%} > 1 %: not reliable"
    return table


def _probe_sentence(solved: bool, status: str, saved_cost_hkd_m: float) -> str:
    """The sentence of a money limit's value: its probe re-solve split it, found no plan of the
    raised limit, or ended without an answer (a time limit, numerical trouble)."""
    if solved:
        return "mv_cost_falls" if saved_cost_hkd_m >= 0 else "mv_cost_rises"
    if status in ("infeasible", "infeasible_or_unbounded"):
        return "mv_probe_no_plan"
    return "mv_probe_unsolved"


def _raised_limit(
    scenario: Scenario, name: str, step_hkd: float, caps_hkd: dict[str, float]
) -> Scenario:
    """``scenario`` with the money limit ``name`` (budget or programme_cap:<p>) raised by ``step_hkd``."""
    data = scenario.model_dump()
    if name == "budget":
        data["budget"]["total_hkd"] = scenario.budget.total_hkd + step_hkd
    else:
        programme = name.split(":", 1)[1]
        override = dict(data["programmes"].get(programme) or {})
        override["programme_cap_hkd"] = caps_hkd[programme] + step_hkd
        data["programmes"][programme] = override
    return Scenario.model_validate(data)


#: A marginal value agrees with the policy-sized step when they differ by at most this share
#: of the step's figure plus this many HK$ over the step.
STEP_AGREEMENT_SHARE = 0.25
STEP_AGREEMENT_HKD = 5e6
#: Each end of the step is certified to this share of the step (HK$1m for a HK$50m step).
STEP_GAP_SHARE = 0.02
#: Held at the plan's values at both ends of the step: where hydrogen stations stand. Payment
#: levels, quotas, chargers and every purchase move with the money; re-siting stations for
#: HK$50m is not what the question asks, and holding them keeps each end quick to certify.
STEP_HOLDS = ("h2_built", "h2_open")


def step_check(scenario: Scenario, dataset: Dataset, result: PlanResult) -> pd.DataFrame:
    """Check each binding money limit's marginal value over a policy-sized step.

    LP ranging says how far a value holds with every integer decision fixed, often only a
    fraction of a million. Officials ask about tens of millions: so the plan (payment levels,
    quotas, chargers and purchases free; hydrogen stations where they stand) is solved again
    with the limit raised by ``marginal_step_hkd``, both ends to a gap of 2 % of the step,
    warm-started from this plan, and the change in system cost and in penalties per HK$ is
    reported beside the LP value. Where the two disagree (by more than 25 % of the step's
    figure plus HK$5m over the step), the step's figure is the one to quote and the row says so.
    """
    table = result.marginal_values.copy()
    if table.empty:
        return table
    for column in ("step_status", "step_agrees", "meaning"):
        table[column] = table[column].astype(object)
    step_hkd = scenario.marginal_step_hkd
    # Both ends of the step solved tighter than a plan's own gap: a HK$30m gap would swallow the
    # few HK$m a HK$50m step moves, so each end is certified to a small share of the step.
    tight_m = min(absolute_gap(scenario) or math.inf, STEP_GAP_SHARE * step_hkd / HKD_M)
    tight = {**scenario.solver.model_dump(), "mip_abs_gap": tight_m}
    base = None
    for index, row in table.iterrows():
        name = str(row["name"])
        # a negative value (more money, more cost: a scheme paid as announced buys more) is checked too
        if (
            not (name == "budget" or name.startswith("programme_cap:"))
            or not row["value"]
            or abs(row["value"]) <= 1e-9
        ):
            continue
        raised = _raised_limit(scenario, name, step_hkd, result.programme_caps_hkd).model_copy(
            update={"solver": Solver.model_validate(tight)}
        )
        try:
            if base is None:
                base_scenario = scenario.model_copy(update={"solver": Solver.model_validate(tight)})
                base = plan(
                    base_scenario,
                    dataset,
                    marginals=False,
                    counterfactual=False,
                    warm_start=result,
                    hold=STEP_HOLDS,
                ).summary()
                base_penalty = sum((base.get("penalties_hkd") or {}).values())
            stepped = plan(
                raised,
                dataset,
                marginals=False,
                counterfactual=False,
                warm_start=result,
                hold=STEP_HOLDS,
            ).summary()
        except InfeasibleError:
            table.loc[index, "step_status"] = "no_solution"
            continue
        cost_per_hkd = (base["system_cost_hkd"] - stepped["system_cost_hkd"]) / step_hkd
        penalty_per_hkd = (
            base_penalty - sum((stepped.get("penalties_hkd") or {}).values())
        ) / step_hkd
        step_value = cost_per_hkd + penalty_per_hkd
        agrees = (
            abs(float(row["value"]) - step_value)
            <= STEP_AGREEMENT_SHARE * abs(step_value) + STEP_AGREEMENT_HKD / step_hkd
        )
        table.loc[
            index, ["step_hkd", "step_system_cost_hkd_per_hkd", "step_penalty_hkd_per_hkd"]
        ] = [
            step_hkd,
            cost_per_hkd,
            penalty_per_hkd,
        ]
        table.loc[index, "step_status"] = stepped["status"]
        table.loc[index, "step_agrees"] = bool(agrees)
        meaning = ModelText(
            "mv_step_agrees" if agrees else "mv_step_differs",
            name=name,
            step=f"{step_hkd / 1e6:,.0f}",
            value=f"{step_value:,.2f}",
            cost=f"{cost_per_hkd:,.2f}",
            penalty=f"{penalty_per_hkd:,.2f}",
            error=f"{(base.get('gap_absolute') or 0) + (stepped.get('gap_absolute') or 0):,.0f}",
        )
        table.at[index, "meaning"] = meaning
    return table


def _target_rows(
    model: pyo.ConcreteModel, inputs: ModelInputs, report: SolveReport
) -> list[dict[str, object]]:
    rows = []
    abatement = inputs.scenario.objective == "max_abatement"
    for g in model.G:
        value = abs(report.duals.get(model.target[g], 0.0)) if g in model.target else 0.0
        unit = "t CO2 per vehicle" if abatement else "HK$m per vehicle"
        short = pyo.value(model.target_short[g])
        if g not in model.target:
            row = inputs.targets.loc[g]
            short = float(row["min_zev"]) - float(
                pyo.value(zev_in_service(model, inputs, row["vehicle_class"], int(row["year"])))
            )
            meaning = (
                ModelText("target_reported_short", target=g, short=f"{short:,.0f}")
                if short > 0.5
                else ModelText("target_slack", target=g)
            )
        elif short is not None and short > 0.5:
            meaning = ModelText("target_short", target=g, short=f"{short:,.0f}")
        elif value <= 1e-9:
            meaning = ModelText("target_slack", target=g)
        else:
            meaning = ModelText(
                "target_binds_tonnes" if abatement else "target_binds_cost",
                target=g,
                value=f"{value:,.3f}",
            )
        rows.append(
            {
                "name": f"target:{g}",
                "value": value,
                "unit": unit,
                "valid_up_to": None,
                "meaning": meaning,
            }
        )
    return rows
