"""Scenarios: plain YAML files validated into typed objects.

A scenario file holds only its overrides of the Hong Kong default (the
defaults below plus the dataset's own tables). ``Scenario`` is frozen, so a
scenario plus its dataset reproduces a result exactly; ``fingerprint()`` is the
cache key the app and the sweeps use.

Example::

    schema_version: 1
    name: double-budget
    objective: max_abatement
    budget:
      total_hkd: 1.5e9
    prices:
      hydrogen_hkd_per_kg: {2025: 108, 2030: 40}
"""

from __future__ import annotations

import hashlib
import inspect
import json
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from ruamel.yaml import YAML

from fleetplan.network.catalogue import Catalogue
from fleetplan.network.schema import (
    MAX_MAGNITUDE,
    PARAMETER_NAMES,
    TECHNOLOGIES,
    parameter_label_problem,
    parameter_value_problem,
)
from fleetplan.optimiser.highs_core import HighsOptions

SCHEMA_VERSION = 1

#: A value path over years: {year: value}, linear between anchors, flat outside.
YearPath = dict[int, float]
#: Finite and below an absurd magnitude: .inf, .nan or 1e308 would reach HiGHS.
NonNegative = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
#: Every calendar year a scenario names (the dataset's own bound): an unbounded year
#: such as 99999999 would make year loops run for ever.
Year = Annotated[int, Field(ge=2000, le=2100)]
#: A vehicle class or type name; whether the dataset has it is checked against its catalogue.
ClassName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
#: A path needs at least one anchor year to interpolate from.
MoneyPath = Annotated[dict[Year, NonNegative], Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Years(_Strict):
    """Planning horizon (inclusive) and the step between modelled years.

    With ``step`` > 1 each modelled year stands for the years up to the next one
    (purchases happen at its start, costs and emissions count every year it
    represents); target years inside the horizon are always modelled.
    """

    start: int = Field(2025, ge=2000, le=2100)
    #: 2050: the roadmap's goal year (all buses and taxis zero-emission) is modelled
    end: int = Field(2050, ge=2000, le=2100)
    step: int = Field(1, ge=1, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> Years:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if self.end - self.start > 60:
            raise ValueError("horizon longer than 60 years")
        return self


class Budget(_Strict):
    """Subsidy budget: total over the horizon and optional limits per year (HK$)."""

    total_hkd: NonNegative = 750e6
    yearly_limit_hkd: dict[Year, NonNegative] | None = None


class ProgrammeOverride(_Strict):
    """Changes to one subsidy programme of the dataset's ``programmes.csv``."""

    enabled: bool = True
    programme_cap_hkd: NonNegative | None = None
    #: vehicle_type -> HK$ per vehicle
    per_vehicle_cap_hkd: dict[str, NonNegative] | None = None
    price_share_cap: Annotated[float, Field(ge=0, le=1)] | None = None
    first_year: Year | None = None
    last_year: Year | None = None
    #: payments the programme may offer per vehicle, as shares of its per-vehicle cap
    #: (min of the HK$ cap and the price-share cap); None takes the scenario's
    #: ``payment_levels``. Giving levels makes the payment a choice of the plan
    #: (``payment_rule: chosen``) unless ``payment_rule: announced`` is also given, with one
    #: level above zero: the share of the cap the scheme pays.
    payment_levels: list[Annotated[float, Field(ge=0, le=1)]] | None = Field(
        None, min_length=1, max_length=21
    )
    #: how the scheme pays (None: the dataset's ``payment_rule`` column, unless payment_levels
    #: are given): "announced" pays its amount to every eligible purchase, first come, first
    #: served, until its cap or the budget runs out (the scheme as run); "chosen" lets the
    #: plan choose the payment level of each year (a policy lever to optimise)
    payment_rule: Literal["announced", "chosen"] | None = None

    @model_validator(mode="after")
    def _ordered_years(self) -> ProgrammeOverride:
        if (
            self.first_year is not None
            and self.last_year is not None
            and self.first_year > self.last_year
        ):
            raise ValueError(
                f"first_year ({self.first_year}) is after last_year ({self.last_year})"
            )
        return self


class TargetOverride(_Strict):
    """Changes to one policy target of the dataset's ``targets.csv``."""

    enabled: bool = True
    hard: bool | None = None
    min_zev: NonNegative | None = None
    min_zev_share: Annotated[float, Field(ge=0, le=1)] | None = None
    year: Year | None = None


class NewTarget(_Strict):
    """A target the dataset does not have."""

    vehicle_class: ClassName
    year: Year
    min_zev: NonNegative | None = None
    min_zev_share: Annotated[float, Field(ge=0, le=1)] | None = None
    hard: bool = False

    @model_validator(mode="after")
    def _one_bound(self) -> NewTarget:
        if self.min_zev is None and self.min_zev_share is None:
            raise ValueError("a target needs min_zev or min_zev_share")
        return self


class Prices(_Strict):
    """Energy price paths that override ``parameters.csv`` for every utility/vehicle type."""

    electricity_hkd_per_kwh: MoneyPath | None = None
    hydrogen_hkd_per_kg: MoneyPath | None = None
    diesel_hkd_per_l: MoneyPath | None = None
    lpg_hkd_per_l: MoneyPath | None = None


class ParameterOverride(_Strict):
    """Override one parameter of ``parameters.csv`` (all its years, or a path)."""

    parameter: str
    vehicle_type: str = "-"
    technology: str = "-"
    value: float | None = None
    path: Annotated[dict[Year, float], Field(min_length=1)] | None = None

    @field_validator("parameter")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in PARAMETER_NAMES:
            raise ValueError(f"unknown parameter '{value}'; see data/README.md for the list")
        return value

    @model_validator(mode="after")
    def _one_value(self) -> ParameterOverride:
        if (self.value is None) == (self.path is None):
            raise ValueError("give exactly one of value or path")
        # The dataset's own checks (schema.py): a misspelt label would be ignored silently
        # and a value out of range (a share of 5, a lifetime of 0) would break the model.
        label = parameter_label_problem(self.parameter, self.vehicle_type, self.technology)
        if label is not None:
            raise ValueError(f"{label[0]}: {label[1]}")
        for value in [self.value] if self.path is None else list(self.path.values()):
            problem = parameter_value_problem(self.parameter, value)  # type: ignore[arg-type]
            if problem is not None:
                raise ValueError(problem)
        return self


class OperatorCommitment(_Strict):
    """An operator's own commitment: a pledge (no incumbent purchases from a year), a fleet
    pledge (a zero-emission fleet by a year) or an order.

    Behaviour, not a lever: it changes what that operator buys whatever the payment on
    offer, and it stays in the no-policy counterfactual. The dataset's
    ``operator_commitments.csv`` holds the announced ones (applied by default). A scenario
    entry whose key is a row's ``commitment_id`` changes only the fields it gives, or
    switches the row off (``enabled: false``); any other key adds a commitment, which must
    then be complete (operator, and a pledge's ``zero_emission_purchases_from`` or an
    order's ``technology``, ``vehicles`` and ``year``).
    """

    enabled: bool = True
    #: operator code as in depots.csv (kmb, ctb, lwb, nlb)
    operator: str | None = None
    #: None: the dataset row's kind; for a new key, "order" when it names technology,
    #: vehicles or year, else "pledge"
    kind: Literal["pledge", "order", "fleet"] | None = None
    #: fleet: the year by whose end every vehicle of the operator on a duty some zero-emission
    #: technology can run is zero-emission (incumbents still in service then retire early)
    zero_emission_fleet_by: Year | None = None
    #: pledge: first year with zero-emission purchases only
    zero_emission_purchases_from: Year | None = None
    #: pledge: share of zero-emission purchases per technology where the duty allows both (sums to 1)
    technology_mix: dict[Literal["bev", "fcev"], Annotated[float, Field(ge=0, le=1)]] | None = None
    #: order: the zero-emission technology ordered
    technology: Literal["bev", "fcev"] | None = None
    #: order: vehicles of ``technology`` the operator buys from the first modelled year to ``year``
    vehicles: NonNegative | None = None
    #: order: the year by whose end they are bought
    year: Year | None = None
    source: str = ""

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> OperatorCommitment:
        if self.technology_mix is not None and abs(sum(self.technology_mix.values()) - 1.0) > 1e-6:
            raise ValueError(
                f"technology_mix shares sum to {sum(self.technology_mix.values()):g}; expected 1"
            )
        return self

    @model_validator(mode="after")
    def _one_kind(self) -> OperatorCommitment:
        pledge = [
            k
            for k in ("zero_emission_purchases_from", "technology_mix")
            if getattr(self, k) is not None
        ]
        order = [k for k in ("technology", "vehicles", "year") if getattr(self, k) is not None]
        if self.zero_emission_fleet_by is not None and (
            pledge or order or self.kind not in (None, "fleet")
        ):
            stray = (pledge + order)[0] if pledge or order else f"kind: {self.kind}"
            raise ValueError(
                f"zero_emission_fleet_by (a fleet pledge's) and '{stray}' in one commitment; expected one kind"
            )
        if self.kind == "fleet" and (pledge or order):
            raise ValueError(
                f"a fleet pledge takes zero_emission_fleet_by, not '{(pledge + order)[0]}'"
            )
        if pledge and order:
            raise ValueError(
                f"'{pledge[0]}' (a pledge's) and '{order[0]}' (an order's) in one commitment; expected one kind"
            )
        if self.kind == "pledge" and order:
            raise ValueError(
                f"a pledge takes zero_emission_purchases_from and technology_mix, not '{order[0]}'"
            )
        if self.kind == "order" and pledge:
            raise ValueError(f"an order takes technology, vehicles and year, not '{pledge[0]}'")
        return self


class MaxAbatement(_Strict):
    """How the most-abatement objective treats money outside the subsidy budget.

    ``cutoff``: system cost (vehicles, energy, chargers, stations, grid) is traded
    against tonnes at ``cutoff_hkd_per_t``: the plan spends HK$ only where each
    tonne costs less than that. ``budget``: public infrastructure the government
    would pay (public chargers, hydrogen stations, their grid upgrades) counts
    against the subsidy budget as well; other system cost is a tie-break only.
    """

    infrastructure: Literal["cutoff", "budget"] = "cutoff"
    #: HK$ a tonne is worth in the trade-off (default: US EPA 2023 social cost of
    #: carbon at a 2 % discount rate, US$190/t x 7.8 = ~HK$1,480/t)
    cutoff_hkd_per_t: float = Field(1_480.0, gt=0, le=1e6)


class Solver(_Strict):
    """HiGHS options: when to stop (gap, optional node or time limit), threads.

    The default stops on the gap only, never on the clock: the same scenario gives the
    same plan and the same figures on any machine, loaded or not. A wall-clock limit is
    an explicit choice; when it ends a solve, every output says so (status ``time_limit``).
    """

    #: wall-clock limit (s); None (default): none
    time_limit_s: float | None = Field(HighsOptions.time_limit_s, gt=0, le=86_400)
    #: relative gap, of the part of the objective that decisions change (the constant that no
    #: decision changes is taken out before HiGHS sees the objective; see optimiser.solver)
    mip_rel_gap: float = Field(HighsOptions.mip_rel_gap, ge=0, le=1)
    #: absolute gap in the objective's unit: HK$ million for least cost (default 30: every
    #: plan's system cost certified within HK$30m), tonnes for most abatement (default none).
    #: HiGHS stops when either gap is met.
    mip_abs_gap: float | None = Field(HighsOptions.mip_abs_gap, ge=0, le=1e12)
    #: branch-and-bound nodes after which the solve stops (a deterministic work limit; status
    #: ``node_limit``); None: none
    node_limit: int | None = Field(HighsOptions.node_limit, ge=1, le=10**9)
    threads: int = Field(HighsOptions.threads, ge=1, le=64)
    #: how the model reaches HiGHS: "lp_file" (Pyomo writes an LP file, highspy reads it),
    #: "arrays" (Pyomo compiles it to sparse arrays that highspy takes: 0.5 s less hand-over,
    #: but on the default at 0.5 % HiGHS took a slower path from its column order, 66 s
    #: against 36 s end to end; see BENCHMARKS.md) or "pyomo_highs" (pyomo.contrib.solver's
    #: in-memory ``highs`` interface)
    interface: Literal["lp_file", "arrays", "pyomo_highs"] = "lp_file"
    #: before the branch and bound, solve the LP relaxation (a bound) and search the integers
    #: next to its values for a plan within the gap of that bound; the reported gap is exact
    #: either way (see optimiser.lp_guided_start). On by default: at 1 % HiGHS alone was
    #: faster on 2026-12-07 (BENCHMARKS.md), but at the default gap on the road-measured graph
    #: it ran past 13 minutes where the guided start took 4 to 11, so the default stayed. A
    #: re-solve's start is completed either way. Through highspy only ("lp_file", "arrays").
    lp_guided_start: bool = True


class Scenario(_Strict):
    """A validated scenario: the Hong Kong default plus overrides.

    Units: HK$ for money, tonnes CO2 for emissions, years as calendar years.
    """

    schema_version: Literal[1] = 1
    name: str = "hong-kong-default"
    description: str = ""
    #: dataset folder; None means the embedded Hong Kong default (data/hk)
    dataset: str | None = None
    graph: Literal["coarse", "fine"] = "coarse"
    years: Years = Years()
    objective: Literal["min_cost", "max_abatement"] = "min_cost"
    #: tonnes counted as abated: tank-to-wheel or well-to-wheel
    abatement_basis: Literal["wtw", "ttw"] = "wtw"
    carbon_price_hkd_per_t: MoneyPath = Field(default_factory=lambda: {2025: 0.0})
    budget: Budget = Budget()
    #: 'fixed': a programme pays every eligible purchase the same amount per vehicle, a
    #: chosen share (``payment_levels``) of min(per-vehicle cap, share cap x price), as the
    #: real schemes do. ('gap', paying each operator its own gap, is not how any scheme is
    #: run and is refused.)
    subsidy_rule: Literal["fixed", "gap"] = "fixed"
    #: payments a programme may offer, as shares of its per-vehicle cap (a policy lever)
    payment_levels: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0], min_length=1, max_length=21
    )
    #: operators' own pledges and orders (behaviour): changes to the dataset's rows
    #: (operator_commitments.csv, by commitment_id) and new ones; see OperatorCommitment
    operator_commitments: dict[str, OperatorCommitment] = Field(default_factory=dict)
    #: false: leave out every row of the dataset's operator_commitments.csv (the operators'
    #: announced pledges and orders; data/scenarios/no_operator_pledges.yaml); the scenario's
    #: own operator_commitments still apply
    operator_commitments_from_dataset: bool = True
    #: public fast chargers of committed_chargers.csv counted as capacity from their year:
    #: "programmes" (funded programmes), "programmes_and_targets" (also announced targets
    #: without a funded programme) or "none"
    committed_public_chargers: Literal["programmes", "programmes_and_targets", "none"] = (
        "programmes"
    )
    #: battery buses may top up at termini during the day (opportunity charging): longer
    #: duties become possible at an extra cost per bus (parameters.csv)
    #: (on by default: Citybus already gives long or hilly e-DD duties 2.5-3 h of midday
    #: charging, asiabusinessalert / SCMP Jun 2024)
    bus_opportunity_charging: bool = True
    #: penalty (not a cost) per zero-emission bus or truck purchase operators would make but
    #: the plan does not serve (no charger space, grid or hydrogen station). The pump price
    #: already pays for stations, so willing buyers are served unless a site is out of reach or
    #: full; the penalty (about three times a fuel-cell bus's share of a small station) makes
    #: that so, and what stays unserved is reported as a binding limit.
    blocked_uptake_penalty_hkd_per_vehicle: NonNegative = 10e6
    #: penalty (not a cost) per kWh of taxi fast charging no site within reach can serve
    unserved_charging_penalty_hkd_per_kwh: NonNegative = 20.0
    max_abatement: MaxAbatement = MaxAbatement()
    #: how far a money limit (budget, programme cap) is raised to measure its marginal value
    marginal_step_hkd: float = Field(50e6, gt=0, le=1e11)
    programmes: dict[str, ProgrammeOverride] = Field(default_factory=dict)
    targets: dict[str, TargetOverride] = Field(default_factory=dict)
    extra_targets: dict[str, NewTarget] = Field(default_factory=dict)
    #: HK$ per vehicle short of a soft (not hard) target: a penalty, not a cost, reported apart
    #: from the system cost. 0 (the default): soft targets are reported only (met, or how
    #: far short and what stops them; ``fleetplan target-cost`` prices each), so the objective
    #: is money alone. A positive value asks for penalised soft targets.
    target_penalty_hkd_per_vehicle: NonNegative = 0.0
    #: zero-emission technologies a vehicle class may adopt; a class not named here takes
    #: its catalogue's (``vehicle_classes.csv``: bus bev+fcev, taxi and minibus bev, truck fcev)
    technologies: dict[ClassName, list[Literal["bev", "fcev"]]] = Field(default_factory=dict)
    prices: Prices = Prices()
    parameters: list[ParameterOverride] = Field(default_factory=list)
    #: share of today's and committed public fast chargers' capacity available to taxis
    #: (estimate: they are shared with ~149k private EVs, hk-facts §1e)
    existing_charger_taxi_share: Annotated[float, Field(ge=0, le=1)] = 0.25
    #: hydrogen stations may be mothballed (closed) to save O&M once built
    #: (off by default: mothballing is rare in practice and makes the station MIP much harder)
    allow_station_closure: bool = False
    #: 0 keeps one fleet segment per truck corridor (exact). A positive width w merges
    #: corridors whose arc-cover rows are identical and whose km per truck per day lie in
    #: the same band of relative width w (e.g. 0.1): costs, fuel and emissions stay exact
    #: (they are linear in km); only the operator's cost gap is taken at the band's mean.
    #: For very large cities (tens of thousands of corridors).
    truck_corridor_km_band: Annotated[float, Field(ge=0, le=1)] = 0.0
    #: today's diesel/LPG vehicles may be retired before the end of their life (a mandate or
    #: buy-back scheme); otherwise conversion waits for natural retirement
    allow_early_retirement: bool = False
    solver: Solver = Solver()

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, data: Any) -> Any:
        # A backstop for mappings validated directly: files and sweeps are checked before,
        # with the line (fleetplan.optimiser.scenario_files).
        location = bool_where_number(data) if isinstance(data, dict) else None
        if location is not None:
            raise ValueError(f"{'.'.join(str(p) for p in location)}: {BOOL_NOT_NUMBER}")
        return data

    @field_validator("subsidy_rule")
    @classmethod
    def _fixed_payments_only(cls, value: str) -> str:
        if value == "gap":
            raise ValueError(
                "'gap' (paying each operator its own cost gap) is no longer modelled: programmes pay every "
                "eligible purchase a fixed amount; choose it with payment_levels instead"
            )
        return value

    @field_validator("dataset")
    @classmethod
    def _dataset_named(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            # '' would otherwise mean the Hong Kong default without saying so.
            raise ValueError("empty dataset folder; leave the key out for the Hong Kong default")
        return value

    @model_validator(mode="after")
    def _limits_on_modelled_years(self) -> Scenario:
        # A limit on a year the model does not have would be dropped silently.
        modelled = self.year_list
        for year in self.budget.yearly_limit_hkd or {}:
            if year not in modelled:
                shown = ", ".join(str(y) for y in modelled[:6]) + (
                    ", ..." if len(modelled) > 6 else ""
                )
                raise ValueError(
                    f"budget.yearly_limit_hkd has year {year}, which is not a modelled year; expected one of {shown}"
                )
        return self

    @property
    def year_list(self) -> list[int]:
        """Modelled years: every ``step`` years from start, and the end year."""
        return sorted(
            set(range(self.years.start, self.years.end + 1, self.years.step)) | {self.years.end}
        )

    def fingerprint(self) -> str:
        """Stable hash of the resolved scenario (cache key)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        """The resolved scenario as YAML (every field, defaults included)."""
        import io

        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        stream = io.StringIO()
        yaml.dump(self.model_dump(mode="json"), stream)
        return stream.getvalue()


_ = TECHNOLOGIES  # the Literal above spells the zero-emission subset


def _takes_number(annotation: Any) -> bool:
    """Whether ``annotation`` is a number type (int, float, or an int Literal) and not bool."""
    if get_origin(annotation) is Annotated:
        return _takes_number(get_args(annotation)[0])
    if get_origin(annotation) is Literal:
        return any(
            isinstance(v, int | float) and not isinstance(v, bool) for v in get_args(annotation)
        )
    return annotation in (int, float)


def _bool_where_number(
    annotation: Any, value: Any, location: tuple[Any, ...]
) -> tuple[Any, ...] | None:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _bool_where_number(get_args(annotation)[0], value, location)
    if origin in (Union, types.UnionType):
        arms = [a for a in get_args(annotation) if a is not type(None)]
        if isinstance(value, bool):
            return location if bool not in arms and any(_takes_number(a) for a in arms) else None
        for arm in arms:
            found = _bool_where_number(arm, value, location)
            if found is not None:
                return found
        return None
    if isinstance(value, bool):
        return location if _takes_number(annotation) else None
    if origin is dict and isinstance(value, dict):
        key_type, value_type = get_args(annotation)
        for key, item in value.items():
            found = _bool_where_number(key_type, key, (*location, key)) or _bool_where_number(
                value_type, item, (*location, key)
            )
            if found is not None:
                return found
        return None
    if origin is list and isinstance(value, list):
        for i, item in enumerate(value):
            found = _bool_where_number(get_args(annotation)[0], item, (*location, i))
            if found is not None:
                return found
        return None
    if (
        inspect.isclass(annotation)
        and issubclass(annotation, BaseModel)
        and isinstance(value, dict)
    ):
        for name, info in annotation.model_fields.items():
            key = info.alias or name
            if key in value:
                found = _bool_where_number(info.annotation, value[key], (*location, key))
                if found is not None:
                    return found
    return None


def bool_where_number(data: Any) -> tuple[Any, ...] | None:
    """Where in a scenario mapping a true/false stands where a number is meant, or None.

    YAML's ``true`` would otherwise be read as 1 (a HK$1 budget, a carbon price of
    HK$1/t) and ``false`` as 0. The location is the path of keys, e.g.
    ``('budget', 'total_hkd')``; a year key given as true/false is found too.
    """
    return _bool_where_number(Scenario, data, ())


BOOL_NOT_NUMBER = "true/false where a number is expected; give the number (YAML reads yes/no/on/off as true/false too)"


def catalogue_problems(
    scenario: Scenario, catalogue: Catalogue, utilities: tuple[str, ...] | None = None
) -> list[tuple[tuple[str | int, ...], str]]:
    """(location in the scenario, what is wrong) for every class, vehicle type or utility the dataset lacks.

    Classes are data (the dataset's ``vehicle_classes.csv``), so a scenario is checked
    against them once its dataset is known: by :mod:`fleetplan.optimiser.scenario_files`
    (with the file's line) and again when inputs are prepared.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    classes = ", ".join(catalogue.names)
    types = ", ".join(catalogue.vehicle_types)
    for name, chosen in scenario.technologies.items():
        if name not in catalogue:
            problems.append(
                (
                    ("technologies", name),
                    f"unknown vehicle class '{name}'; expected one of {classes}",
                )
            )
        elif catalogue[name].refuelling == "corridor" and "bev" in chosen:
            # Their charging (depot or corridor) is not in the model: better refused than free.
            problems.append(
                (
                    ("technologies", name),
                    f"battery vehicles of '{name}' are not modelled (no corridor charging); use [fcev] or []",
                )
            )
    for target_id, target in scenario.extra_targets.items():
        if target.vehicle_class not in catalogue:
            problems.append(
                (
                    ("extra_targets", target_id, "vehicle_class"),
                    f"unknown vehicle class '{target.vehicle_class}'; expected one of {classes}",
                )
            )
    problems.extend(
        (
            ("programmes", programme_id, "per_vehicle_cap_hkd", vehicle_type),
            f"unknown vehicle type '{vehicle_type}'; expected one of {types}",
        )
        for programme_id, override in scenario.programmes.items()
        for vehicle_type in override.per_vehicle_cap_hkd or {}
        if vehicle_type not in catalogue.vehicle_types
    )
    for i, row in enumerate(scenario.parameters):
        label = parameter_label_problem(
            row.parameter,
            row.vehicle_type,
            row.technology,
            catalogue.vehicle_types,
            utilities=utilities,
        )
        if label is not None:
            problems.append((("parameters", i, label[0]), label[1]))
    return problems
