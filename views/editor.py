"""Scenario editor: the loaded Scenario is the truth; a widget changes only the field it shows.

The session's :class:`~fleetplan.optimiser.scenario.Scenario` is never rebuilt from the
widgets. Each widget is seeded from it and, only when the user changes that
widget, its callback writes that one field and re-validates the scenario. So a
scenario loaded here keeps every value it had (price paths with many anchors,
yearly limits that differ by year, parameters no widget shows) and solves with
the same fingerprint as ``fleetplan solve`` on the same file.

A value a widget cannot show exactly (a path with anchors between the first and
last year, a limit that differs by year, a value outside the widget's range) is
shown read-only instead, with everything else no widget covers, and the whole
scenario is editable as YAML.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from fleetplan.errors import InputError
from fleetplan.network.loaders import Dataset
from fleetplan.network.schema import PARAMETER_RANGES
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.scenario_files import scenario_from_mapping
from fleetplan.views import names as nm
from fleetplan.views import scenario_io, state
from fleetplan.views.data_uploads import render_dataset_uploads
from fleetplan.views.i18n import N_, t
from fleetplan.views.names import Names

PREFIX = "ed."
OBJECTIVES = {"min_cost": N_("least system cost"), "max_abatement": N_("most CO2 abated")}
MB = 1024 * 1024

PRICE_FIELDS: dict[str, tuple[str, str]] = {
    # scenario price field -> (parameters.csv name, label key)
    "electricity_hkd_per_kwh": ("electricity_price_hkd_per_kwh", N_("electricity HK$/kWh")),
    "hydrogen_hkd_per_kg": ("hydrogen_price_hkd_per_kg", N_("hydrogen HK$/kg")),
    "diesel_hkd_per_l": ("diesel_price_hkd_per_l", N_("diesel HK$/L")),
    "lpg_hkd_per_l": ("lpg_price_hkd_per_l", N_("LPG HK$/L")),
}
Path_ = tuple[str, ...]


def _seed(key: str, value: Any) -> str:
    """Seed a widget key from the scenario once (Streamlit drops keys of widgets not drawn; re-seed then)."""
    full = PREFIX + key
    if full not in st.session_state:
        st.session_state[full] = value
    return full


def reset_widgets() -> None:
    """Forget editor widget values so they are re-seeded from the session's scenario."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(PREFIX)]:
        del st.session_state[key]


def _set(data: dict[str, Any], path: Path_, value: Any) -> None:
    node = data
    for key in path[:-1]:
        if node.get(key) is None:
            node[key] = {}
        node = node[key]
    node[path[-1]] = value


def apply_change(mutate: Callable[[dict[str, Any]], None]) -> None:
    """Change the session's scenario by ``mutate`` on its fields; refused if it no longer validates."""
    data = state.current_scenario().model_dump(mode="python")
    mutate(data)
    try:
        changed = scenario_from_mapping(data, file=t("editor"))
    except InputError as error:
        st.session_state["editor_problem"] = str(error)
        return
    state.set_scenario(state.renamed_if_edited(changed))
    # Every widget re-seeds from the changed scenario (a year change moves price widgets too),
    # once all of this run's callbacks have read their widgets.
    st.session_state["editor_reseed"] = True


def _on_change(
    path: Path_, key: str, convert: Callable[[Any], Any] = lambda v: v
) -> Callable[[], None]:
    """A widget callback that writes the widget's value (converted) at ``path``."""
    return lambda: apply_change(lambda data: _set(data, path, convert(st.session_state[key])))


def _read_only(label: str, value: Any) -> None:
    st.markdown(
        f"{label}: `{value}` — "
        + t("no widget can show this exactly; kept as loaded (edit it as YAML below)")
    )


def _number(
    container: Any,
    label: str,
    key: str,
    value: float,
    path: Path_,
    covered: set[Path_],
    *,
    lo: float = 0.0,
    hi: float | None = None,
    scale: float = 1.0,
    step: float = 1.0,
    fmt: str | None = None,
    integer: bool = False,
) -> None:
    """A number input for one field, or read-only text when the value is outside the widget's range."""
    shown = value / scale
    if shown < lo or (hi is not None and shown > hi):
        with container:
            _read_only(label, value)
        return
    full = _seed(key, int(shown) if integer else float(shown))
    convert = (lambda v: int(v)) if integer else (lambda v: float(v) * scale)
    container.number_input(
        label,
        min_value=int(lo) if integer else lo,
        max_value=(int(hi) if integer else hi) if hi is not None else None,
        step=int(step) if integer else step,
        format=fmt,
        key=full,
        on_change=_on_change(path, full, convert),
    )
    covered.add(path)


def _path_value(path: dict[int, float] | None, year: int, fallback: float) -> float:
    """Value of a {year: value} path at ``year`` (linear between anchors, flat outside)."""
    if not path:
        return fallback
    years = sorted(path)
    if year <= years[0]:
        return float(path[years[0]])
    if year >= years[-1]:
        return float(path[years[-1]])
    for a, b in itertools.pairwise(years):
        if a <= year <= b:
            return float(path[a] + (path[b] - path[a]) * (year - a) / (b - a))
    return fallback


def _parameter_value(dataset: Dataset, name: str, year: int) -> float:
    """Mean over utilities/types of a parameter at ``year`` (editor default only)."""
    rows = dataset.parameters[dataset.parameters["parameter"] == name]
    if rows.empty:
        return 0.0
    values = []
    for _, group in rows.groupby(["vehicle_type", "technology"]):
        path = dict(zip(group["year"].astype(int), group["value"].astype(float), strict=True))
        values.append(_path_value(path, year, 0.0))
    return float(sum(values) / len(values))


def _path_text(path: dict[int, float]) -> str:
    return ", ".join(f"{year}: {value:,.4g}" for year, value in sorted(path.items()))


def _two_point_path(
    container_a: Any,
    container_b: Any,
    label: str,
    key: str,
    path: dict[int, float],
    scenario: Scenario,
    field: Path_,
    covered: set[Path_],
    step: float,
) -> None:
    """First- and last-year values of a path; read-only when it has anchors in between."""
    start, end = scenario.years.start, scenario.years.end
    if not set(path) <= {start, end}:
        with container_a:
            _read_only(label, _path_text(path))
        return
    a_key = _seed(f"{key}.a", _path_value(path, start, 0.0))
    b_key = _seed(f"{key}.b", _path_value(path, end, 0.0))

    def write() -> None:
        values = {start: float(st.session_state[a_key]), end: float(st.session_state[b_key])}
        apply_change(lambda data: _set(data, field, values))

    container_a.number_input(
        t("{what} in {year}", what=label, year=start),
        min_value=0.0,
        step=step,
        key=a_key,
        on_change=write,
    )
    container_b.number_input(
        t("{what} in {year}", what=label, year=end),
        min_value=0.0,
        step=step,
        key=b_key,
        on_change=write,
    )
    covered.add(field)


def _general(scenario: Scenario, covered: set[Path_]) -> None:
    c1, c2 = st.columns(2)
    name_key = _seed("name", scenario.name)
    c1.text_input(
        t("Scenario name"),
        key=name_key,
        on_change=_on_change(("name",), name_key, lambda v: v.strip() or scenario.name),
    )
    objectives = ["min_cost", "max_abatement"]
    labels = {o: t(OBJECTIVES[o]) for o in objectives}
    objective_key = _seed("objective", scenario.objective)
    c2.radio(
        t("Objective"),
        objectives,
        format_func=labels.__getitem__,
        horizontal=True,
        key=objective_key,
        on_change=_on_change(("objective",), objective_key),
    )
    description_key = _seed("description", scenario.description)
    st.text_input(
        t("Description"),
        key=description_key,
        on_change=_on_change(("description",), description_key),
    )
    covered |= {("name",), ("objective",), ("description",)}

    c1, c2, c3 = st.columns(3)
    _number(
        c1,
        t("First year"),
        "years.start",
        scenario.years.start,
        ("years", "start"),
        covered,
        lo=2000,
        hi=2100,
        integer=True,
    )
    _number(
        c2,
        t("Last year"),
        "years.end",
        scenario.years.end,
        ("years", "end"),
        covered,
        lo=2000,
        hi=2100,
        integer=True,
    )
    _number(
        c3,
        t("Years between modelled years"),
        "years.step",
        scenario.years.step,
        ("years", "step"),
        covered,
        lo=1,
        hi=10,
        integer=True,
    )

    c1, c2, c3 = st.columns(3)
    _number(
        c1,
        t("Total subsidy budget (HK$m)"),
        "budget",
        scenario.budget.total_hkd,
        ("budget", "total_hkd"),
        covered,
        scale=1e6,
        step=50.0,
    )
    limits = scenario.budget.yearly_limit_hkd
    if limits is None or (
        set(limits) == set(scenario.year_list) and len(set(limits.values())) == 1
    ):
        years = scenario.year_list
        yearly_key = _seed("yearly", (next(iter(limits.values())) if limits else 0.0) / 1e6)
        c2.number_input(
            t("Limit per year (HK$m, 0 = none)"),
            min_value=0.0,
            step=10.0,
            key=yearly_key,
            on_change=_on_change(
                ("budget", "yearly_limit_hkd"),
                yearly_key,
                lambda v: {y: float(v) * 1e6 for y in years} if v > 0 else None,
            ),
        )
        covered.add(("budget", "yearly_limit_hkd"))
    else:
        with c2:
            _read_only(t("Limit per year (HK$m, 0 = none)"), _path_text(limits))
    # 0 = no wall-clock limit (the default): a solve then stops on its gap only, the same on any machine
    limit_key = _seed("time_limit", float(scenario.solver.time_limit_s or 0.0))
    c3.number_input(t("Solver time limit (s; 0 = none, stop on the gap only)"), min_value=0.0, max_value=86_400.0, step=10.0, key=limit_key,
                    on_change=_on_change(("solver", "time_limit_s"), limit_key, lambda v: float(v) if v > 0 else None))  # fmt: skip
    covered.add(("solver", "time_limit_s"))


def _programmes(dataset: Dataset, scenario: Scenario, covered: set[Path_]) -> None:
    names = Names.of(dataset)
    for pid, rows in dataset.programmes.groupby("programme_id", sort=False):
        pid = str(pid)
        current = scenario.programmes.get(pid)
        base = ("programmes", pid)
        with st.expander(names.programme(pid)):
            enabled_key = _seed(f"prog.{pid}.enabled", current.enabled if current else True)
            st.checkbox(
                t("enabled"), key=enabled_key, on_change=_on_change((*base, "enabled"), enabled_key)
            )
            covered.add((*base, "enabled"))
            cap = (
                current.programme_cap_hkd
                if current and current.programme_cap_hkd is not None
                else float(rows["programme_cap_hkd"].max())
            )
            _number(
                st.container(),
                t("programme cap (HK$m)"),
                f"prog.{pid}.cap",
                cap,
                (*base, "programme_cap_hkd"),
                covered,
                scale=1e6,
                step=10.0,
            )
            for vtype, vrows in rows.groupby("vehicle_type", sort=False):
                vtype = str(vtype)
                default = float(vrows["per_vehicle_cap_hkd"].max())
                if current and current.per_vehicle_cap_hkd and vtype in current.per_vehicle_cap_hkd:
                    default = current.per_vehicle_cap_hkd[vtype]
                _number(
                    st.container(),
                    t("per-vehicle cap, {vtype} (HK$)", vtype=nm.vehicle_type(vtype)),
                    f"prog.{pid}.pv.{vtype}",
                    default,
                    (*base, "per_vehicle_cap_hkd", vtype),
                    covered,
                    step=10_000.0,
                )
            left, right = st.columns(2)
            first = (
                current.first_year
                if current and current.first_year
                else int(rows["first_year"].min())
            )
            last = (
                current.last_year if current and current.last_year else int(rows["last_year"].max())
            )
            _number(
                left,
                t("first year"),
                f"prog.{pid}.first",
                first,
                (*base, "first_year"),
                covered,
                lo=2000,
                hi=2100,
                integer=True,
            )
            _number(
                right,
                t("last year"),
                f"prog.{pid}.last",
                last,
                (*base, "last_year"),
                covered,
                lo=2000,
                hi=2100,
                integer=True,
            )


def _targets(dataset: Dataset, scenario: Scenario, covered: set[Path_]) -> None:
    names = Names.of(dataset)
    for row in dataset.targets.itertuples(index=False):
        tid = str(row.target_id)
        current = scenario.targets.get(tid)
        base = ("targets", tid)
        by_share = pd.isna(row.min_zev) and not pd.isna(row.min_zev_share)
        with st.expander(names.target(tid)):
            cols = st.columns(3)
            enabled_key = _seed(f"tgt.{tid}.enabled", current.enabled if current else True)
            cols[0].checkbox(
                t("enabled"), key=enabled_key, on_change=_on_change((*base, "enabled"), enabled_key)
            )
            hard_key = _seed(
                f"tgt.{tid}.hard",
                bool(current.hard) if current and current.hard is not None else bool(row.hard),
            )
            cols[1].checkbox(
                t("hard (must hold)"), key=hard_key, on_change=_on_change((*base, "hard"), hard_key)
            )
            covered |= {(*base, "enabled"), (*base, "hard")}
            year = current.year if current and current.year else int(row.year)
            _number(
                cols[2],
                t("by year"),
                f"tgt.{tid}.year",
                year,
                (*base, "year"),
                covered,
                lo=2000,
                hi=2100,
                integer=True,
            )
            if by_share:
                share = (
                    current.min_zev_share
                    if current and current.min_zev_share is not None
                    else float(row.min_zev_share)
                )
                _number(
                    st.container(),
                    t("minimum zero-emission share"),
                    f"tgt.{tid}.share",
                    share,
                    (*base, "min_zev_share"),
                    covered,
                    hi=1.0,
                    step=0.05,
                    fmt="%.3f",
                )
            else:
                count = (
                    current.min_zev
                    if current and current.min_zev is not None
                    else float(row.min_zev)
                )
                _number(
                    st.container(),
                    t("minimum zero-emission vehicles"),
                    f"tgt.{tid}.min",
                    count,
                    (*base, "min_zev"),
                    covered,
                    step=50.0,
                    fmt="%.0f",
                )


def _prices(dataset: Dataset, scenario: Scenario, covered: set[Path_]) -> None:
    start, end = scenario.years.start, scenario.years.end
    for field, (parameter, label) in PRICE_FIELDS.items():
        current = getattr(scenario.prices, field)
        path = ("prices", field)
        if current is not None and not set(current) <= {start, end}:
            _read_only(t(label), _path_text(current))
            continue
        defaults = {
            start: _parameter_value(dataset, parameter, start),
            end: _parameter_value(dataset, parameter, end),
        }
        on_key = _seed(f"price.{field}.on", current is not None)

        def path_or_none(on: bool, d: dict[int, float] = defaults) -> dict[int, float] | None:
            return dict(d) if on else None

        st.checkbox(
            t("override {what}", what=t(label)),
            key=on_key,
            on_change=_on_change(path, on_key, path_or_none),
        )
        covered.add(path)
        if current is not None:
            left, right = st.columns(2)
            _two_point_path(
                left, right, t(label), f"price.{field}", current, scenario, path, covered, step=0.1
            )


def _carbon_and_discount(dataset: Dataset, scenario: Scenario, covered: set[Path_]) -> None:
    c1, c2, c3 = st.columns(3)
    _two_point_path(
        c1,
        c2,
        t("Carbon price (HK$/t CO2)"),
        "carbon",
        scenario.carbon_price_hkd_per_t,
        scenario,
        ("carbon_price_hkd_per_t",),
        covered,
        step=50.0,
    )
    overrides = [p for p in scenario.parameters if p.parameter == "discount_rate"]
    plain = len(overrides) == 1 and overrides[0].value is not None and overrides[0].path is None
    if overrides and not plain:
        with c3:
            _read_only(
                t("Social discount rate (per year)"),
                "; ".join(str(o.path or o.value) for o in overrides),
            )
        return
    given = overrides[0].value if plain else None
    value = (
        float(given)
        if given is not None
        else _parameter_value(dataset, "discount_rate", scenario.years.start)
    )
    bounds = PARAMETER_RANGES["discount_rate"]
    if not bounds.low <= value <= bounds.high:
        with c3:
            _read_only(t("Social discount rate (per year)"), value)
        return
    key = _seed("discount", value)

    def write(data: dict[str, Any]) -> None:
        entry = {
            "parameter": "discount_rate",
            "vehicle_type": "-",
            "technology": "-",
            "value": float(st.session_state[key]),
            "path": None,
        }
        listed = data["parameters"]
        # Replace in place: the order of overrides is part of the fingerprint.
        at = next((i for i, p in enumerate(listed) if p["parameter"] == "discount_rate"), None)
        if at is None:
            listed.append(entry)
        else:
            listed[at] = entry

    c3.number_input(
        t("Social discount rate (per year)"),
        min_value=bounds.low,
        max_value=bounds.high,
        step=0.005,
        format="%.3f",
        key=key,
        on_change=lambda: apply_change(write),
    )
    if len(scenario.parameters) == len(overrides):
        # The discount rate is the only parameter override: the widget shows all of them.
        covered.add(("parameters",))


def render_widgets(dataset: Dataset, scenario: Scenario) -> set[Path_]:
    """Draw the editor's widgets; return the scenario fields they show."""
    covered: set[Path_] = set()
    _general(scenario, covered)
    st.markdown("**" + t("Subsidy programmes") + "**")
    _programmes(dataset, scenario, covered)
    st.markdown("**" + t("Targets") + "**")
    _targets(dataset, scenario, covered)
    st.markdown("**" + t("Energy prices (HK$, linear from first to last year)") + "**")
    _prices(dataset, scenario, covered)
    _carbon_and_discount(dataset, scenario, covered)
    return covered


def _adopt(scenario: Scenario, notice: str) -> None:
    state.set_scenario(scenario)
    state.set_origin(scenario)
    reset_widgets()
    st.session_state["yaml_notice"] = notice
    if scenario.dataset is not None and scenario.dataset != st.session_state.get("user_dataset"):
        # The app plans with its own dataset (default or uploaded); say so rather than differ silently.
        st.session_state["dataset_notice"] = t(
            "This scenario names the dataset folder {folder}; the app plans with its own dataset (default or uploaded), so its fingerprint differs from the command line's.",
            folder=scenario.dataset,
        )
    st.rerun()


def _load_text(text: str, file: str) -> None:
    try:
        loaded = scenario_io.scenario_from_text(text, file)
    except InputError as error:
        st.error(t("Input problem: {message}", message=str(error)))
    except Exception as error:
        st.error(
            t(
                "Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.",
                kind=type(error).__name__,
                message=str(error)[:300],
            )
        )
    else:
        _adopt(loaded, t("Loaded scenario “{name}”.", name=loaded.name))


def _examples() -> None:
    names = list(scenario_io.example_files())
    if not names:
        return
    left, right = st.columns([3, 1])
    picked = left.selectbox(
        t("Example scenarios (data/scenarios)"),
        names,
        key=state.keep_choice("example_pick", names[0], names),
    )
    right.write("")  # aligns the button with the select box
    if right.button(t("Load example"), key="example_load"):
        try:
            loaded = scenario_io.load_example(picked)
        except InputError as error:
            st.error(t("Input problem: {message}", message=str(error)))
        else:
            _adopt(loaded, t("Loaded example “{name}” from {file}.", name=loaded.name, file=picked))


def _upload() -> None:
    upload = st.file_uploader(
        t("Upload a scenario (.yaml/.yml, up to 1 MB)"), type=["yaml", "yml"], key="upload_yaml"
    )
    if upload is None or st.session_state.get("upload_yaml_seen") == upload.file_id:
        return
    st.session_state["upload_yaml_seen"] = upload.file_id
    if not upload.name.lower().endswith((".yaml", ".yml")):
        st.error(t("{file}: expected one of {types}", file=upload.name, types=".yaml, .yml"))
    elif upload.size > scenario_io.MAX_SCENARIO_BYTES:
        st.error(
            t(
                "{file} is {size:.1f} MB; the limit is {limit:.0f} MB",
                file=upload.name,
                size=upload.size / MB,
                limit=scenario_io.MAX_SCENARIO_BYTES / MB,
            )
        )
    else:
        try:
            text = upload.getvalue().decode("utf-8")
        except UnicodeDecodeError:
            st.error(
                t("Input problem: {message}", message=t("{file}: not UTF-8 text", file=upload.name))
            )
        else:
            _load_text(text, upload.name)


def _other_settings(scenario: Scenario, covered: set[Path_]) -> None:
    """What no widget shows, read-only, and the whole scenario as editable YAML."""
    rest = scenario_io.without(scenario_io.overrides(scenario), covered)
    st.markdown("**" + t("Settings without a widget above") + "**")
    if rest:
        st.caption(t("Kept exactly as loaded; change them as YAML."))
        st.code(scenario_io.to_yaml(rest), language="yaml")
    else:
        st.caption(t("None: every setting of this scenario has a widget above."))
    # The YAML box follows the scenario until the user edits it.
    fingerprint = scenario.fingerprint()
    if st.session_state.get("yaml_text_for") != fingerprint:
        state.forget("yaml_text")
        st.session_state["yaml_text_for"] = fingerprint
    with st.expander(t("Edit the whole scenario as YAML")):
        st.caption(
            t("What this scenario changes from the default. `extends:` may name a shipped example.")
        )
        text = st.text_area(
            t("Edit the whole scenario as YAML"),
            key=state.keep("yaml_text", scenario_io.overrides_yaml(scenario)),
            height=220,
            label_visibility="collapsed",
        )
        if st.button(t("Apply this YAML"), key="yaml_apply") and text.strip():
            _load_text(text, t("edited YAML"))


def render() -> None:
    """The editor page."""
    st.caption(t("Change the scenario here; the plan page solves what you set."))
    for slot, show in (
        ("yaml_notice", st.success),
        ("dataset_notice", st.warning),
        ("editor_problem", st.error),
    ):
        message = st.session_state.pop(slot, None)
        if message:
            show(
                t("Not applied; the scenario is unchanged: {message}", message=message)
                if slot == "editor_problem"
                else message
            )
    _examples()
    _upload()
    try:
        dataset = state.get_dataset()
    except InputError as error:
        st.error(t("Input problem: {message}", message=str(error)))
        render_dataset_uploads()
        return
    if st.session_state.pop("editor_reseed", False):
        reset_widgets()
    scenario = state.current_scenario()
    renamed = st.session_state.get("renamed_notice")
    if renamed and renamed[1] == scenario.name:
        st.info(t("Edited from “{origin}”, so renamed “{name}”: its plans are not the original's. Change the name below if you like.",
                  origin=renamed[0], name=renamed[1]))  # fmt: skip
    st.caption(
        t("Editing “{name}” (fingerprint `{fp}`).", name=scenario.name, fp=scenario.fingerprint())
    )
    covered = render_widgets(dataset, scenario)
    st.divider()
    _other_settings(scenario, covered)
    st.download_button(
        t("Download scenario as YAML"),
        scenario_io.overrides_yaml(scenario),
        file_name=f"{scenario.name}.yaml",
        mime="application/x-yaml",
        key="download_yaml",
    )
    st.divider()
    render_dataset_uploads()
