"""What each policy target costs on its own (the officials' question, ``fleetplan target-cost``).

One plan with no target is solved once. Then, target by target:

1. **met**: the plan without targets already has the target's zero-emission vehicles;
2. **out of reach**: before any hard solve, linear programmes over the prepared model
   maximise the zero-emission stock of the target's class in its year, adding one
   constraint family at a time (natural replacement, operators' uptake at the payments
   on offer, infrastructure, money). The first step whose maximum falls short names
   what stops the target, with its numbers. Each maximum is that of the LP relaxation,
   an upper bound on any plan, so a target above it is out of reach without a solve.
   Where the same maximum with early retirement allowed reaches the target, a solve
   with ``allow_early_retirement: true`` prices that route when the time budget allows.
   The switch is the scenario's, for every class: that plan also retires early wherever
   it pays, and its figures (against the plan without targets) include that;
3. **met at cost**: otherwise the plan with that target hard (every other target
   disabled) is solved, warm-started from the plan without targets; the differences
   in system cost and subsidy are the target's price. Should that solve still be
   infeasible (the relaxation reached the target, whole numbers do not), the target is
   out of reach and the row carries the diagnosis.

Every row carries both plans' status and absolute gap (HK$ million of the objective):
a difference smaller than the two gaps together is flagged as within them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pyomo.environ as pyo

from fleetplan.errors import InfeasibleError
from fleetplan.network.loaders import DEFAULT_DATASET, Dataset, load_dataset
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.formulation.subsidy import MONEY_OUT_CUTS
from fleetplan.optimiser.formulation.targets import zev_in_service
from fleetplan.optimiser.inputs import ModelInputs, prepare_inputs
from fleetplan.optimiser.inputs.targets import target_table
from fleetplan.optimiser.messages import ModelText
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.results import ZEV, PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.solver import SolverOptions, solve

#: Seconds the optional solves (early retirement, all targets together) may take the whole
#: run to; the plan without targets and each target's own plan are always solved.
DEFAULT_TIME_BUDGET_S = 300.0

#: The ladder of constraint families, in the order they are added to the maximum-ZEV LP.
#: Constraints are named by their Pyomo components (optimiser/formulation); any other
#: component (chargers, grid, hydrogen, flow refuelling, a new family) is infrastructure.
FLEET_ROWS = frozenset(
    {
        "stock_flow",
        "fleet_requirement",
        "early_retirement_only",
        "fleet_pledge",
        "pledge_short_beyond_unservable",
        "zev_on_runnable_duties",
        "zev_fleet_on_runnable_duties",
    }
)
UPTAKE_ROWS = frozenset(
    {
        "uptake",
        "regime_total",
        "one_level",
        "regime_follows_level",
        "announced_amount",
        "unpaid_only_when_money_out",
    }
)
MONEY_ROWS = frozenset(
    {
        "programme_cap",
        "budget",
        "yearly_limit",
        "cap_spent_by",
        "budget_spent_by",
        "year_spent_by",
        *MONEY_OUT_CUTS,
    }
)
LADDER = ("natural_replacement", "uptake", "infrastructure", "money")

#: A maximum (vehicles) within this of the target counts as reaching it (LP round-off).
VEHICLE_TOLERANCE = 1e-4


def _family(name: str) -> str:
    if name in FLEET_ROWS:
        return "natural_replacement"
    if name in UPTAKE_ROWS:
        return "uptake"
    if name in MONEY_ROWS:
        return "money"
    return "infrastructure"


class _MaxZev:
    """The most zero-emission vehicles of a class in a year the prepared model allows, as LPs.

    One relaxed model (integers made continuous within their bounds, objective swapped) is
    built per early-retirement setting and reused; answers are cached by (class, year, step).
    """

    def __init__(self, inputs: ModelInputs) -> None:
        self._inputs = {False: inputs}
        self._models: dict[bool, pyo.ConcreteModel] = {}
        self._cache: dict[tuple[str, int, str, bool], float] = {}
        self._binding: dict[tuple[str, int, str, bool], list[dict[str, Any]]] = {}
        self.seconds = 0.0

    def _model(self, early_retirement: bool) -> pyo.ConcreteModel:
        if early_retirement not in self._models:
            inputs = self._inputs[False]
            if early_retirement:
                inputs = inputs.allowing_early_retirement()
                self._inputs[True] = inputs
            model = build_model(inputs)
            for var in model.component_data_objects(pyo.Var, descend_into=True):
                if var.is_integer() or var.is_binary():
                    lower, upper = var.bounds
                    var.domain = pyo.Reals
                    var.setlb(lower)
                    var.setub(upper)
            for objective in model.component_objects(pyo.Objective, active=True):
                objective.deactivate()
            self._models[early_retirement] = model
        return self._models[early_retirement]

    def most(
        self, vehicle_class: str, year: int, step: str = "money", *, early_retirement: bool = False
    ) -> float:
        """Most zero-emission ``vehicle_class`` in service in ``year`` with the families up to
        ``step`` of :data:`LADDER` (``money``: the whole model)."""
        key = (vehicle_class, year, step, early_retirement)
        if key in self._cache:
            return self._cache[key]
        started = time.perf_counter()
        model = self._model(early_retirement)
        inputs = self._inputs[early_retirement]
        kept = set(LADDER[: LADDER.index(step) + 1])
        for constraint in model.component_objects(pyo.Constraint, descend_into=True):
            if _family(constraint.local_name) in kept:
                constraint.activate()
            else:
                constraint.deactivate()
        model._most_zev = pyo.Objective(
            expr=zev_in_service(model, inputs, vehicle_class, year), sense=pyo.maximize
        )
        try:
            report = solve(
                model, SolverOptions(time_limit_s=600.0, lp_guided_start=False), load_duals=True
            )
        finally:
            model.del_component(model._most_zev)
        if not report.has_solution or report.objective is None:
            raise InfeasibleError(
                f"the most zero-emission {vehicle_class} in {year} could not be computed (HiGHS status {report.status})"
            )
        self._cache[key] = float(report.objective)
        self._binding[key] = _binding_rows(report.duals, kept)
        self.seconds += time.perf_counter() - started
        return self._cache[key]

    def binding(
        self, vehicle_class: str, year: int, step: str = "money", *, early_retirement: bool = False
    ) -> list[dict[str, Any]]:
        """The rows that hold :meth:`most` down at ``step``, by constraint family (see :func:`_binding_rows`)."""
        self.most(vehicle_class, year, step, early_retirement=early_retirement)
        return self._binding[(vehicle_class, year, step, early_retirement)]


#: A row whose dual (zero-emission vehicles per unit of its bound) is below this does not bind.
DUAL_TOLERANCE = 1e-6


def _binding_rows(duals: dict[Any, float], families: set[str]) -> list[dict[str, Any]]:
    """The binding rows of a maximum-ZEV LP, grouped by constraint family: ``constraint`` (the
    Pyomo component), ``where`` (the site, depot, programme or segment ids in their index, most
    binding first) and ``rows``. Only families of the ladder steps in ``families`` count: at
    the step that falls short, its own rows (and those before it) are what stop the target.
    Ordered by how many places bind (the duals of different families are in different units),
    then by the largest dual."""
    grouped: dict[str, dict[str, Any]] = {}
    for constraint, value in duals.items():
        if abs(value) <= DUAL_TOLERANCE:
            continue
        name = constraint.parent_component().local_name
        if _family(name) not in families:
            continue
        entry = grouped.setdefault(
            name, {"constraint": name, "places": {}, "rows": 0, "largest": 0.0}
        )
        entry["rows"] += 1
        entry["largest"] = max(entry["largest"], abs(value))
        index = constraint.index()
        place = next(
            (
                str(part)
                for part in (index if isinstance(index, tuple) else (index,))
                if isinstance(part, str)
            ),
            None,
        )
        if place is not None:
            entry["places"][place] = max(entry["places"].get(place, 0.0), abs(value))
    ordered = sorted(
        grouped.values(),
        key=lambda e: (-len(e["places"]), -e["rows"], -e["largest"], e["constraint"]),
    )
    return [
        {
            "constraint": e["constraint"],
            "where": [
                p for p, _ in sorted(e["places"].items(), key=lambda item: (-item[1], item[0]))
            ],
            "rows": e["rows"],
        }
        for e in ordered
    ]


def _binding_text(binding: list[dict[str, Any]], shown: int = 3) -> str:
    """``depot_space (S_D1), grid_connection (S-KMB-L, S-KMB-K, +3 more)``: each family with its first places."""
    parts = []
    for entry in binding:
        where = entry["where"][:shown]
        more = len(entry["where"]) - len(where)
        places = ", ".join(where) + (f", +{more} more" if more else "")
        parts.append(f"{entry['constraint']} ({places})" if places else entry["constraint"])
    return "; ".join(parts)


def _whole(vehicles: float) -> int:
    """A continuous vehicle count as the plan's tables report it (whole vehicles, halves up)."""
    return math.floor(vehicles + 0.5)


def _plan_figures(result: PlanResult, wall_s: float) -> dict[str, Any]:
    summary = result.summary()
    return {
        "status": summary["status"],
        "gap_absolute": summary["gap_absolute"],
        "objective_unit": summary["objective_unit"],
        "system_cost_hkd": summary["system_cost_hkd"],
        "subsidy_hkd_total": summary["subsidy_hkd_total"],
        "co2_abated_t": summary["co2_abated_t"],
        "wall_s": round(wall_s, 1),
    }


def _zev_of(result: PlanResult, inputs: ModelInputs, vehicle_class: str, year: int) -> float:
    """Zero-emission vehicles of a class in service in ``year`` in a solved plan (model values,
    before any rounding of the tables)."""
    segments = inputs.segments.index[inputs.segments["vehicle_class"] == vehicle_class]
    return sum(
        result.decisions.get(("stock", (s, k, year)), 0.0)
        for s in segments
        for k in inputs.techs[s]
        if k in ZEV
    )


def _early_retired(result: PlanResult, vehicle_class: str, year: int) -> int:
    """Today's vehicles of a class retired early by ``year`` in a solved plan (whole vehicles)."""
    table = result.early_retirements
    if table.empty:
        return 0
    # the pledges' retirements happen in the plan without targets too: not the route's
    chosen = table[
        (table["vehicle_class"] == vehicle_class)
        & (table["year"] == year)
        & (table["cause"] == "early_retirement")
    ]
    return round(float(chosen["retired_early_cumulative"].sum()))


def _early_retired_all(result: PlanResult) -> int:
    """Today's vehicles of every class retired early by the end of the horizon (whole vehicles)."""
    table = result.early_retirements
    if table.empty:
        return 0
    last = (
        table[table["cause"] == "early_retirement"]
        .groupby("segment_id")["retired_early_cumulative"]
        .max()
    )
    return round(float(last.sum()))


def _without_targets(scenario: Scenario, dataset: Dataset) -> Scenario:
    """``scenario`` with no target: the dataset's disabled; the scenario's own kept at zero
    vehicles, so the plans model the same years (target years are always modelled)."""
    base = scenario.model_dump()
    return Scenario.model_validate(
        {
            **base,
            "targets": {g: {"enabled": False} for g in dataset.targets["target_id"]},
            "extra_targets": {g: _zeroed(t) for g, t in base["extra_targets"].items()},
        }
    )


def _zeroed(target: dict[str, Any]) -> dict[str, Any]:
    return {**target, "min_zev": 0.0, "min_zev_share": None, "hard": False}


def _only(
    scenario: Scenario, dataset: Dataset, target_id: str, *, early_retirement: bool = False
) -> Scenario:
    """``scenario`` with ``target_id`` hard and every other target disabled (or, the
    scenario's own, at zero vehicles)."""
    base = scenario.model_dump()
    targets = {g: {"enabled": False} for g in dataset.targets["target_id"] if g != target_id}
    if target_id in set(dataset.targets["target_id"]):
        targets[target_id] = {**base["targets"].get(target_id, {}), "enabled": True, "hard": True}
    extra = {
        g: ({**t, "hard": True} if g == target_id else _zeroed(t))
        for g, t in base["extra_targets"].items()
    }
    fields: dict[str, Any] = {**base, "targets": targets, "extra_targets": extra}
    if early_retirement:
        fields["allow_early_retirement"] = True
    return Scenario.model_validate(fields)


def _all_hard(scenario: Scenario, dataset: Dataset, target_ids: list[str]) -> Scenario:
    base = scenario.model_dump()
    chosen = set(target_ids)
    targets = {
        g: ({**base["targets"].get(g, {}), "hard": True} if g in chosen else {"enabled": False})
        for g in dataset.targets["target_id"]
    }
    extra = {
        g: ({**t, "hard": True} if g in chosen else _zeroed(t))
        for g, t in base["extra_targets"].items()
    }
    return Scenario.model_validate({**base, "targets": targets, "extra_targets": extra})


def _within_gaps(difference_hkd: float, *plans: dict[str, Any]) -> bool:
    """Whether a system-cost difference is smaller than the plans' absolute gaps together
    (their objective is in HK$ million; None when a gap is unknown counts as not within)."""
    gaps = [p.get("gap_absolute") for p in plans]
    known = [g for g in gaps if g is not None]
    if len(known) < len(gaps):
        return False
    return abs(difference_hkd) <= sum(known) * 1e6 + 1.0


def target_cost(
    scenario: Scenario | None = None,
    dataset: Dataset | None = None,
    *,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """What each of the scenario's enabled targets costs on its own.

    Returns ``by_target``, one row per target in the horizon: ``verdict`` (``met``,
    ``met_at_cost`` or ``out_of_reach``), ``extra_cost_hkd`` and ``extra_subsidy_hkd``
    (system cost and subsidy with that target hard minus without any target, HK$),
    ``limit`` where out of reach (what stops it, with numbers), and both plans' status and
    absolute gap. The top-level keys of the earlier joint answer stay: ``targets``,
    ``feasible`` (every target reachable on its own), ``system_cost_hkd_delta``,
    ``subsidy_hkd_delta`` and ``co2_abated_t_delta`` (all targets together, where known),
    ``diagnosis`` (one line per target out of reach) and ``without_targets`` (that plan's
    summary).

    ``time_budget_s`` bounds the optional solves (pricing early retirement, all targets
    together): each starts only if the run is expected to end within it.
    """
    started = time.perf_counter()
    say = on_step or (lambda _text: None)
    scenario = scenario or Scenario()
    if dataset is None:
        dataset = load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)

    base_scenario = _without_targets(scenario, dataset)
    inputs = prepare_inputs(base_scenario, dataset)
    notes: list[str] = []
    table = target_table(dataset, scenario, inputs.segments, inputs.years, notes)
    target_ids = list(table.index)

    say("solving the plan without targets")
    clock = time.perf_counter()
    base = plan(base_scenario, dataset, marginals=False, counterfactual=False)
    base_figures = _plan_figures(base, time.perf_counter() - clock)
    longest_solve_s = base_figures["wall_s"]
    most = _MaxZev(inputs)

    def affordable() -> bool:
        return time.perf_counter() - started + 1.5 * longest_solve_s <= time_budget_s

    rows: list[dict[str, Any]] = []
    priced: dict[str, PlanResult] = {}
    for g in target_ids:
        spec = table.loc[g]
        vclass, year, required = (
            str(spec["vehicle_class"]),
            int(spec["year"]),
            float(spec["min_zev"]),
        )
        row: dict[str, Any] = {
            "target_id": g,
            "vehicle_class": vclass,
            "year": year,
            "required_zev": math.ceil(required - VEHICLE_TOLERANCE),
            "zev_without_targets": _whole(_zev_of(base, inputs, vclass, year)),
            "without_targets": {k: base_figures[k] for k in ("status", "gap_absolute")},
        }
        rows.append(row)
        if _zev_of(base, inputs, vclass, year) >= required - VEHICLE_TOLERANCE:
            row.update(
                verdict="met",
                extra_cost_hkd=0.0,
                extra_subsidy_hkd=0.0,
                extra_co2_abated_t=0.0,
                # the plan without targets meets it: it is also the plan with it
                with_target={k: base_figures[k] for k in ("status", "gap_absolute")},
            )
            continue
        say(f"{g}: the most zero-emission {vclass} in {year} the model allows")
        reachable = most.most(vclass, year)
        if reachable < required - VEHICLE_TOLERANCE:
            row.update(
                verdict="out_of_reach",
                limit=_limit(most, vclass, year, required, reachable),
                with_target=None,
            )
            continue
        say(f"{g}: solving with the target hard")
        clock = time.perf_counter()
        try:
            result = plan(
                _only(scenario, dataset, g),
                dataset,
                marginals=False,
                counterfactual=False,
                warm_start=base,
            )
        except InfeasibleError as error:
            row.update(
                verdict="out_of_reach",
                with_target=None,
                limit={
                    "kind": "whole_numbers",
                    "max_zev": _whole(reachable),
                    "required": row["required_zev"],
                    "diagnosis": list(error.diagnosis),
                    "text": ModelText(
                        "tc_whole_numbers",
                        max_zev=f"{_whole(reachable):,}",
                        vclass=vclass,
                        year=year,
                        required=f"{row['required_zev']:,}",
                        reason="; ".join(error.diagnosis) or str(error),
                    ),
                },
            )
            longest_solve_s = max(longest_solve_s, time.perf_counter() - clock)
            continue
        figures = _plan_figures(result, time.perf_counter() - clock)
        longest_solve_s = max(longest_solve_s, figures["wall_s"])
        priced[g] = result
        extra = figures["system_cost_hkd"] - base_figures["system_cost_hkd"]
        row.update(
            verdict="met_at_cost",
            extra_cost_hkd=round(extra, 0),
            extra_subsidy_hkd=round(
                figures["subsidy_hkd_total"] - base_figures["subsidy_hkd_total"], 0
            ),
            extra_co2_abated_t=round(figures["co2_abated_t"] - base_figures["co2_abated_t"], 1),
            extra_cost_within_gaps=_within_gaps(extra, figures, base_figures),
            with_target={k: figures[k] for k in ("status", "gap_absolute", "wall_s")},
        )

    # Early retirement, where the maximum with it allowed reaches an out-of-reach target.
    for row in rows:
        limit = row.get("limit")
        if row["verdict"] != "out_of_reach" or limit is None or "early_retirement" not in limit:
            continue
        route = limit["early_retirement"]
        if not route["closes_gap"]:
            continue
        if not affordable():
            route["priced"] = False
            route["text"] = ModelText(
                "tc_er_not_priced", max_zev=f"{route['max_zev']:,}", budget=f"{time_budget_s:,.0f}"
            )
            continue
        g, vclass, year = row["target_id"], row["vehicle_class"], row["year"]
        say(f"{g}: pricing early retirement")
        clock = time.perf_counter()
        try:
            result = plan(
                _only(scenario, dataset, g, early_retirement=True),
                dataset,
                marginals=False,
                counterfactual=False,
                warm_start=base,
            )
        except InfeasibleError as error:
            longest_solve_s = max(longest_solve_s, time.perf_counter() - clock)
            route.update(priced=False, diagnosis=list(error.diagnosis))
            route["text"] = ModelText(
                "tc_er_infeasible", reason="; ".join(error.diagnosis) or str(error)
            )
            continue
        figures = _plan_figures(result, time.perf_counter() - clock)
        longest_solve_s = max(longest_solve_s, figures["wall_s"])
        extra = figures["system_cost_hkd"] - base_figures["system_cost_hkd"]
        retired = _early_retired(result, vclass, year)
        route.update(
            priced=True,
            extra_cost_hkd=round(extra, 0),
            extra_subsidy_hkd=round(
                figures["subsidy_hkd_total"] - base_figures["subsidy_hkd_total"], 0
            ),
            retired_early=retired,
            # every class may retire early in that plan, where it saves cost
            retired_early_all_classes=_early_retired_all(result),
            status=figures["status"],
            gap_absolute=figures["gap_absolute"],
            wall_s=figures["wall_s"],
        )
        route["text"] = ModelText(
            "tc_er_priced", retired=f"{retired:,}", vclass=vclass, year=year, retired_all=f"{route['retired_early_all_classes']:,}",
            cost=f"{extra / 1e6:+,.1f}", subsidy=f"{route['extra_subsidy_hkd'] / 1e6:+,.1f}",
        )  # fmt: skip

    feasible = all(row["verdict"] != "out_of_reach" for row in rows)
    together = _together(scenario, dataset, rows, priced, base, base_figures, affordable, say)
    outcome: dict[str, Any] = {
        "targets": target_ids,
        "feasible": feasible,
        "by_target": rows,
        "base": base_figures,
        **together,
        "outside_horizon": list(table.attrs.get("outside_horizon", [])),
        "notes": [str(n) for n in notes],
        "without_targets": base.summary(),
        "lp_s": round(most.seconds, 1),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    if not feasible:
        outcome["diagnosis"] = [
            _diagnosis_line(row) for row in rows if row["verdict"] == "out_of_reach"
        ]
    return outcome


def _limit(
    most: _MaxZev, vehicle_class: str, year: int, required: float, reachable: float
) -> dict[str, Any]:
    """What stops a target the whole model cannot reach (at most ``reachable``): the first family
    of :data:`LADDER` whose maximum falls short, with the maxima up to it and the early-retirement route."""
    needed = math.ceil(required - VEHICLE_TOLERANCE)

    def short_of(value: float) -> int:
        # as the tables round, but never shown as reaching a target it falls short of
        return (
            min(_whole(value), needed - 1)
            if value < required - VEHICLE_TOLERANCE
            else _whole(value)
        )

    maxima: dict[str, int] = {}
    kind = "money"
    for step in LADDER:
        value = most.most(vehicle_class, year, step)
        maxima[step] = short_of(value)
        if value < required - VEHICLE_TOLERANCE:
            kind = step
            break
    values = {
        "max_zev": f"{maxima[kind]:,}", "required": f"{needed:,}", "vclass": vehicle_class, "year": year,
        "natural": f"{maxima.get('natural_replacement', 0):,}", "uptake": f"{maxima.get('uptake', 0):,}",
        "infrastructure": f"{maxima.get('infrastructure', 0):,}", "retire": f"{needed - maxima[kind]:,}",
    }  # fmt: skip
    with_retirement = most.most(vehicle_class, year, "money", early_retirement=True)
    route: dict[str, Any] = {
        "max_zev": short_of(with_retirement),
        "closes_gap": with_retirement >= required - VEHICLE_TOLERANCE,
    }
    if not route["closes_gap"]:
        route["text"] = ModelText("tc_er_not_enough", max_zev=f"{route['max_zev']:,}")
    text = ModelText(f"tc_{kind}", **{k: values[k] for k in _FIELDS[kind]})
    binding = [
        entry
        for entry in most.binding(vehicle_class, year, kind)
        if _family(entry["constraint"]) == kind
    ]
    return {
        "kind": kind,
        # the rows of the family that falls short which hold the maximum down (LP duals)
        "binding": binding,
        "binding_text": ModelText("tc_binding", rows=_binding_text(binding)) if binding else None,
        "max_zev": maxima[kind],
        "required": needed,
        "max_zev_by_step": maxima,
        "max_zev_whole_model": short_of(reachable),
        "early_retirement": route,
        "text": text,
    }


_FIELDS = {
    "natural_replacement": ("max_zev", "vclass", "year", "required", "retire"),
    "uptake": ("max_zev", "vclass", "year", "required", "natural"),
    "infrastructure": ("max_zev", "vclass", "year", "required", "uptake"),
    "money": ("max_zev", "vclass", "year", "required", "infrastructure"),
}


def _together(
    scenario: Scenario,
    dataset: Dataset,
    rows: list[dict[str, Any]],
    priced: dict[str, PlanResult],
    base: PlanResult,
    base_figures: dict[str, Any],
    affordable: Callable[[], bool],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """All targets together (the earlier joint answer): zero when the plan without targets
    meets them all, one target's own plan when it is the only one with a cost, else a solve
    with every target hard, when time allows. None where not known."""
    unknown: dict[str, Any] = {
        "system_cost_hkd_delta": None, "subsidy_hkd_delta": None, "co2_abated_t_delta": None,
    }  # fmt: skip
    if any(row["verdict"] == "out_of_reach" for row in rows):
        return {**unknown, "together": "some target is out of reach on its own"}
    costly = [row for row in rows if row["verdict"] == "met_at_cost"]
    if not costly:
        return {"system_cost_hkd_delta": 0.0, "subsidy_hkd_delta": 0.0, "co2_abated_t_delta": 0.0,
                "together": "the plan without targets meets them all"}  # fmt: skip
    if len(costly) == 1:
        row = costly[0]
        result = priced[row["target_id"]]
        return {
            "system_cost_hkd_delta": row["extra_cost_hkd"],
            "subsidy_hkd_delta": row["extra_subsidy_hkd"],
            "co2_abated_t_delta": row["extra_co2_abated_t"],
            "together": f"only {row['target_id']} has a cost: its own plan",
            "with_targets": result.summary(),
        }
    if not affordable():
        return {**unknown, "together": "not solved: beyond the time budget"}
    say("solving with every target hard")
    clock = time.perf_counter()
    try:
        result = plan(
            _all_hard(scenario, dataset, [row["target_id"] for row in rows]), dataset,
            marginals=False, counterfactual=False, warm_start=base,
        )  # fmt: skip
    except InfeasibleError as error:
        return {
            **unknown,
            "together": "the targets cannot all be met at once",
            "together_diagnosis": list(error.diagnosis),
        }
    figures = _plan_figures(result, time.perf_counter() - clock)
    return {
        "system_cost_hkd_delta": round(
            figures["system_cost_hkd"] - base_figures["system_cost_hkd"], 0
        ),
        "subsidy_hkd_delta": round(
            figures["subsidy_hkd_total"] - base_figures["subsidy_hkd_total"], 0
        ),
        "co2_abated_t_delta": round(figures["co2_abated_t"] - base_figures["co2_abated_t"], 1),
        "together": "every target hard in one plan",
        "together_plan": {k: figures[k] for k in ("status", "gap_absolute", "wall_s")},
        "with_targets": result.summary(),
    }


def _diagnosis_line(row: dict[str, Any]) -> str:
    """One line of the joint answer's diagnosis: the target, what stops it and the early-retirement route."""
    limit = row["limit"]
    route = limit.get("early_retirement") or {}
    binding = f" ({limit['binding_text']})" if limit.get("binding_text") else ""
    extra = f"; {route['text']}" if route.get("text") else ""
    return f"{row['target_id']}: {limit['text']}{binding}{extra}"
