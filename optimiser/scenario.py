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
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fleetplan.network.schema import (
    MAX_MAGNITUDE,
    PARAMETER_NAMES,
    TECHNOLOGIES,
    VEHICLE_CLASSES,
    VEHICLE_TYPES,
    parameter_label_problem,
    parameter_value_problem,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from fleetplan.errors import InputError

SCHEMA_VERSION = 1
MAX_SCENARIO_BYTES = 1_000_000
MAX_NESTING = 12

#: A value path over years: {year: value}, linear between anchors, flat outside.
YearPath = dict[int, float]
#: Finite and below an absurd magnitude: .inf, .nan or 1e308 would reach HiGHS.
NonNegative = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
#: Every calendar year a scenario names (the dataset's own bound): an unbounded year
#: such as 99999999 would make year loops run for ever.
Year = Annotated[int, Field(ge=2000, le=2100)]
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
    #: ``payment_levels``. [1.0] fixes the payment at the cap (the scheme as announced).
    payment_levels: list[Annotated[float, Field(ge=0, le=1)]] | None = Field(None, min_length=1, max_length=21)

    @model_validator(mode="after")
    def _ordered_years(self) -> ProgrammeOverride:
        if self.first_year is not None and self.last_year is not None and self.first_year > self.last_year:
            raise ValueError(f"first_year ({self.first_year}) is after last_year ({self.last_year})")
        return self

    @field_validator("per_vehicle_cap_hkd")
    @classmethod
    def _known_types(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for key in value or {}:
            if key not in VEHICLE_TYPES:
                raise ValueError(f"unknown vehicle type '{key}'; expected one of {', '.join(VEHICLE_TYPES)}")
        return value


class TargetOverride(_Strict):
    """Changes to one policy target of the dataset's ``targets.csv``."""

    enabled: bool = True
    hard: bool | None = None
    min_zev: NonNegative | None = None
    min_zev_share: Annotated[float, Field(ge=0, le=1)] | None = None
    year: Year | None = None


class NewTarget(_Strict):
    """A target the dataset does not have."""

    vehicle_class: Literal["bus", "taxi", "truck"]
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
    """An operator's own pledge: no incumbent (diesel) purchases from a year, optionally a technology mix.

    Behaviour, not a lever: it changes what that operator buys (every duty its
    chosen zero-emission technology can run), whatever the payment on offer.
    """

    #: operator code as in bus_segments.csv (kmb, ctb, lwb, nlb)
    operator: str
    #: first year with zero-emission purchases only
    zero_emission_purchases_from: int = Field(ge=2000, le=2100)
    #: share of zero-emission purchases per technology where the duty allows both (sums to 1)
    technology_mix: dict[Literal["bev", "fcev"], Annotated[float, Field(ge=0, le=1)]] | None = None
    source: str = ""

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> OperatorCommitment:
        if self.technology_mix is not None and abs(sum(self.technology_mix.values()) - 1.0) > 1e-6:
            raise ValueError(f"technology_mix shares sum to {sum(self.technology_mix.values()):g}; expected 1")
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
    """HiGHS options: time limit (s), relative MIP gap, threads."""

    time_limit_s: float = Field(120.0, gt=0, le=86_400)
    #: relative to the part of the objective that decisions change (the constant that no
    #: decision changes is taken out before HiGHS sees the objective; see optimiser.solver)
    mip_rel_gap: float = Field(0.005, ge=0, le=1)
    threads: int = Field(1, ge=1, le=64)
    #: how the model reaches HiGHS: "lp_file" (Pyomo writes an LP file, highspy reads it;
    #: measured faster for one-shot solves) or "pyomo_highs" (pyomo.contrib.solver's
    #: in-memory ``highs`` interface)
    interface: Literal["lp_file", "pyomo_highs"] = "lp_file"


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
    #: operators' own pledges (behaviour); see data/scenarios/operator_commitments.yaml
    operator_commitments: dict[str, OperatorCommitment] = Field(default_factory=dict)
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
    marginal_step_hkd: float = Field(100e6, gt=0, le=1e11)
    programmes: dict[str, ProgrammeOverride] = Field(default_factory=dict)
    targets: dict[str, TargetOverride] = Field(default_factory=dict)
    extra_targets: dict[str, NewTarget] = Field(default_factory=dict)
    #: HK$ per vehicle short of a soft target
    target_penalty_hkd_per_vehicle: NonNegative = 5e6
    #: zero-emission technologies each vehicle class may adopt
    technologies: dict[str, list[Literal["bev", "fcev"]]] = Field(
        default_factory=lambda: {"bus": ["bev", "fcev"], "taxi": ["bev"], "truck": ["fcev"]}
    )
    prices: Prices = Prices()
    parameters: list[ParameterOverride] = Field(default_factory=list)
    #: share of today's public fast chargers' capacity available to taxis (estimate:
    #: they are shared with ~149k private EVs, hk-facts §1e)
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

    @field_validator("technologies")
    @classmethod
    def _known_classes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key in value:
            if key not in VEHICLE_CLASSES:
                raise ValueError(f"unknown vehicle class '{key}'; expected one of {', '.join(VEHICLE_CLASSES)}")
        if "bev" in value.get("truck", []):
            # Their charging (depot or corridor) is not in the model: better refused than free.
            raise ValueError("battery heavy goods vehicles are not modelled (no truck charging); use [fcev] or []")
        return value

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
        for year in (self.budget.yearly_limit_hkd or {}):
            if year not in modelled:
                shown = ", ".join(str(y) for y in modelled[:6]) + (", ..." if len(modelled) > 6 else "")
                raise ValueError(
                    f"budget.yearly_limit_hkd has year {year}, which is not a modelled year; expected one of {shown}"
                )
        return self

    @property
    def year_list(self) -> list[int]:
        """Modelled years: every ``step`` years from start, and the end year."""
        return sorted(set(range(self.years.start, self.years.end + 1, self.years.step)) | {self.years.end})

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


#: Most values a scenario may expand to once anchors and aliases are resolved.
#: A real scenario holds hundreds; an alias bomb ("billion laughs") holds billions
#: of references to a few shared nodes and would hang any walk over the tree.
MAX_YAML_VALUES = 100_000

#: YAML tags a scenario may carry: the core schema only. Anything else
#: (``!!python/object/apply:...``, custom ``!tags``) is refused, not constructed.
_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
)


def _measure(node: Any, level: int, memo: dict[int, tuple[int, int]], active: set[int]) -> tuple[int, int]:
    """(depth, values) below ``node``, each capped just above its limit.

    Shared nodes (aliases) are measured once (``memo``), so the walk is linear
    in the size of the file, not of its expansion; a node that contains itself
    counts as too deep and too large.
    """
    if not isinstance(node, dict | list):
        return 0, 1
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        # A node that contains itself expands without end.
        return MAX_NESTING + 1, MAX_YAML_VALUES + 1
    if level > MAX_NESTING:
        # Already too deep: stop before Python's recursion limit does.
        return MAX_NESTING + 1, 1
    active.add(key)
    depth, values = 1, 1
    for child in node.values() if isinstance(node, dict) else node:
        child_depth, child_values = _measure(child, level + 1, memo, active)
        depth = max(depth, child_depth + 1)
        values += child_values
        if depth > MAX_NESTING or values > MAX_YAML_VALUES:
            break
    active.discard(key)
    memo[key] = (min(depth, MAX_NESTING + 1), min(values, MAX_YAML_VALUES + 1))
    return memo[key]


def _depth(node: Any, level: int = 0) -> int:
    """Nesting depth of ``node`` (a tree that expands past MAX_YAML_VALUES counts as too deep).

    Kept for callers that only compare the depth with MAX_NESTING
    (:mod:`fleetplan.optimiser.scenario_files`): a bomb must fail that test too.
    """
    depth, values = _measure(node, 0, {}, set())
    if values > MAX_YAML_VALUES:
        return level + MAX_NESTING + 1
    return level + depth


def _foreign_tag(node: Any, path: tuple[Any, ...] = ()) -> tuple[tuple[Any, ...], str] | None:
    """(location, tag) of the first value with a tag outside the YAML core schema, or None."""
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None and tag not in _CORE_TAGS:
        return path, tag
    if isinstance(node, dict):
        for key, value in node.items():
            found = _foreign_tag(value, (*path, key))
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _foreign_tag(value, (*path, index))
            if found:
                return found
    return None


def check_yaml_tree(tree: Any, *, file: str | Path) -> None:
    """Refuse a parsed scenario tree that is not a plain, small mapping.

    Raises
    ------
    InputError
        If the top level is not a mapping, the tree is nested deeper than
        :data:`MAX_NESTING`, expands (through anchors/aliases) to more than
        :data:`MAX_YAML_VALUES` values, or carries a non-core YAML tag.
    """
    if not isinstance(tree, dict):
        kind = "list" if isinstance(tree, list) else "single value"
        raise InputError(f"expected a mapping of scenario keys at the top level, got a {kind}", file=file)
    depth, values = _measure(tree, 0, {}, set())
    if values > MAX_YAML_VALUES:
        raise InputError(
            f"expands to more than {MAX_YAML_VALUES:,} values through anchors and aliases "
            "(an alias bomb or a self-referencing anchor); expected a plain scenario",
            file=file,
        )
    if depth > MAX_NESTING:
        raise InputError(f"nested deeper than {MAX_NESTING} levels", file=file)
    # Tags are checked after the size bound, so this walk is short.
    found = _foreign_tag(tree)
    if found is not None:
        location, tag = found
        line = _line_of(tree, location)
        raise InputError(
            f"YAML tag '{tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed; "
            "a scenario holds plain values only (nothing is constructed or run)",
            file=f"{file}, line {line}" if line else file,
            field=".".join(str(part) for part in location) or None,
        )


def _line_of(node: Any, location: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest key in ``location`` that the YAML tree knows."""
    line = None
    for key in location:
        if isinstance(node, CommentedMap) and key in node:
            position = node.lc.key(key)
            line = position[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            position = node.lc.item(key)
            line = position[0] + 1
            node = node[key]
        else:
            break
    return line


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def scenario_from_mapping(data: dict[str, Any], *, file: str | Path = "<scenario>", tree: Any = None) -> Scenario:
    """Validate a mapping into a :class:`Scenario`, naming the field (and line) on error."""
    try:
        return Scenario.model_validate(_plain(data))
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        field = ".".join(str(part) for part in location)
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see data/scenarios/ for examples)"
        elif first["type"] == "value_error":
            # Our own validators' messages already say what was given.
            message = message.removeprefix("Value error, ")
        elif first.get("input") is not None and first["type"] not in ("missing",):
            message = f"{message} (got {first['input']!r})"
        line = _line_of(tree, location) if tree is not None else None
        where = f"{file}, line {line}" if line else str(file)
        raise InputError(message, file=where, field=field) from None


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read a scenario YAML file (safe loading only) into a validated :class:`Scenario`.

    ``None`` gives the Hong Kong default. ``extends:`` chains and a relative
    ``dataset:`` folder resolve against the file that names them (see
    :mod:`fleetplan.optimiser.scenario_files`). Errors name the file, line and field.
    """
    if path is None:
        return Scenario()
    from fleetplan.optimiser.scenario_files import load_scenario_file  # it builds on this module

    return load_scenario_file(path)


def parse_scenario_tree(text: str, *, file: str | Path = "<scenario>") -> CommentedMap:
    """Parse scenario YAML text into a checked round-trip tree (line numbers kept, nothing constructed).

    Raises
    ------
    InputError
        For invalid YAML (with its line), pathological nesting, alias bombs,
        non-core tags or a top level that is not a mapping.
    """
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{file}, line {mark.line + 1}" if mark is not None else str(file)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"not valid YAML: {problem}", file=where) from None
    except RecursionError:
        # ruamel's parser recurses per level: thousands of brackets exhaust the stack.
        raise InputError(f"nested far deeper than {MAX_NESTING} levels", file=file) from None
    if tree is None:
        tree = CommentedMap()
    _refuse_self_aliases(text, file=file)
    check_yaml_tree(tree, file=file)
    return tree


def _refuse_self_aliases(text: str, *, file: str | Path) -> None:
    """Refuse an alias used inside the node its anchor names (``&b {x: *b}``).

    The round-trip loader would quietly load such an alias as null (a setting that
    silently vanishes); the events show it: an alias to an anchor still open.
    """
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

    open_anchors: list[str | None] = []
    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, CollectionStartEvent):
                open_anchors.append(event.anchor)
            elif isinstance(event, CollectionEndEvent):
                if open_anchors:
                    open_anchors.pop()
            elif isinstance(event, AliasEvent) and event.anchor in open_anchors:
                line = event.start_mark.line + 1 if event.start_mark is not None else None
                raise InputError(
                    f"alias '*{event.anchor}' is used inside the value its anchor names (it refers to itself); "
                    "expected a plain value",
                    file=f"{file}, line {line}" if line else file,
                )
    except YAMLError:
        return  # the loader above already reported malformed YAML


def scenario_from_yaml(text: str, *, file: str | Path = "<scenario>") -> Scenario:
    """Parse YAML text into a validated :class:`Scenario` (empty text is the default scenario)."""
    tree = parse_scenario_tree(text, file=file)
    return scenario_from_mapping(tree, file=file, tree=tree)
