"""Per-session state: the scenario being edited, the dataset in use, solved results.

Everything lives in ``st.session_state`` (sessions run concurrently in one
process); only the read-only default dataset is shared through
``st.cache_resource``. Results are cached per scenario fingerprint, so going
back to a scenario already solved in this session is instant.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.network.loaders import DEFAULT_DATASET, Dataset, load_dataset
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.views import names
from fleetplan.views.i18n import t

#: Environment variable naming a dataset folder to use instead of data/hk (tests use a tiny one).
DATASET_ENV = "FLEETPLAN_APP_DATASET"
#: Results kept per session (a HK plan is a few MB of tables).
MAX_CACHED_RESULTS = 8


@dataclass(frozen=True)
class Saved:
    """A solved scenario kept for comparison."""

    scenario: Scenario
    result: PlanResult


def default_dataset_path() -> Path:
    """The dataset folder the app starts with (env override, else data/hk)."""
    override = os.environ.get(DATASET_ENV)
    return Path(override) if override else DEFAULT_DATASET


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_shared(path: str, graph: str, mtime: float) -> Dataset:
    """The default dataset, shared read-only by all sessions (``mtime`` invalidates it)."""
    return load_dataset(path, graph=graph)


def _mtime(path: Path) -> float:
    try:
        return max((p.stat().st_mtime for p in path.glob("*.csv")), default=0.0)
    except OSError:
        return 0.0


def dataset_path() -> Path:
    """The folder of the dataset this session uses (user upload or default)."""
    user = st.session_state.get("user_dataset")
    return Path(user) if user else default_dataset_path()


def get_dataset(graph: str = "coarse") -> Dataset:
    """Load (cached) the session's dataset; raises InputError on bad tables."""
    path = dataset_path()
    return _load_shared(str(path), graph, _mtime(path))


#: Where a kept widget's value waits while its page is not drawn.
KEEP_PREFIX = "keep."


def keep(key: str, default: Any) -> str:
    """A widget key whose value survives visits to other pages and language switches.

    Streamlit forgets a widget's value at the end of a run that does not draw it (another
    page). :func:`init` copies every kept widget's value aside at the start of each run,
    while it is still there; drawing the widget again restores it (else ``default``). The
    widget must then be created without ``value=`` (its value comes from here).
    """
    ss = st.session_state
    kept: set[str] = ss.setdefault("kept_keys", set())
    kept.add(key)
    if key not in ss:
        ss[key] = ss.get(KEEP_PREFIX + key, default)
    return key


def keep_choice(key: str, default: Any, options: list[Any], *, many: bool = False) -> str:
    """:func:`keep` for a choice among ``options``: a kept value no longer offered (another
    plan's years, a saved scenario since replaced) falls back to ``default``."""
    ss = st.session_state
    for where in (key, KEEP_PREFIX + key):
        if where in ss:
            value = ss[where]
            if many:
                value = [v for v in value if v in options] if isinstance(value, list) else []
                if not value:
                    ss.pop(where, None)
                    continue
                ss[where] = value
            elif value not in options:
                ss.pop(where, None)
    return keep(key, default)


def forget(key: str) -> None:
    """Drop a kept widget's value (its next drawing starts from its default)."""
    st.session_state.pop(key, None)
    st.session_state.pop(KEEP_PREFIX + key, None)


def _keep_widget_values() -> None:
    ss = st.session_state
    for key in ss.get("kept_keys", ()):
        if key in ss:
            ss[KEEP_PREFIX + key] = ss[key]


def init() -> None:
    """Create the session's keys on first run; set aside the values of kept widgets."""
    ss = st.session_state
    _keep_widget_values()
    ss.setdefault("lang", "en")
    ss.setdefault("scenario", Scenario())
    ss.setdefault("results", OrderedDict())
    ss.setdefault("saved", {})
    ss.setdefault("last_fingerprint", None)
    ss.setdefault("solved_scenarios", {})
    if "scenario_origin" not in ss:
        set_origin(ss["scenario"])


def content_fingerprint(scenario: Scenario) -> str:
    """What a scenario plans, without its name or dataset folder: edits change it, renaming does not."""
    return scenario.model_copy(update={"name": "", "dataset": None}).fingerprint()


def set_origin(scenario: Scenario) -> None:
    """Remember the scenario as loaded (its name and content), to tell when it has been edited."""
    st.session_state["scenario_origin"] = (scenario.name, content_fingerprint(scenario))


def renamed_if_edited(scenario: Scenario) -> Scenario:
    """``scenario`` renamed ``NAME-edited`` when it is an edited copy still under its loaded name.

    A plan labelled with an example's name ("zero-subsidy-budget") must not come from an
    edited copy that spends money; a name the user chose is never changed.
    """
    origin = st.session_state.get("scenario_origin")
    if not origin or scenario.name != origin[0] or content_fingerprint(scenario) == origin[1]:
        return scenario
    renamed = scenario.model_copy(update={"name": f"{origin[0]}-edited"})
    st.session_state["renamed_notice"] = (origin[0], renamed.name)
    return renamed


def current_scenario() -> Scenario:
    """The scenario being edited, with its dataset field pointing at uploaded data if any."""
    scenario: Scenario = st.session_state["scenario"]
    user = st.session_state.get("user_dataset")
    wanted = str(user) if user else None
    if scenario.dataset != wanted:
        # The fingerprint must change with the data, or a cached result would be reused wrongly.
        scenario = scenario.model_copy(update={"dataset": wanted})
        st.session_state["scenario"] = scenario
    return scenario


def set_scenario(scenario: Scenario) -> None:
    st.session_state["scenario"] = scenario


def cached_result(scenario: Scenario) -> PlanResult | None:
    """The result of ``scenario`` if this session solved it already."""
    return st.session_state["results"].get(scenario.fingerprint())


def latest_result() -> PlanResult | None:
    """The result of the current scenario, else the last one solved."""
    found = cached_result(current_scenario())
    if found is not None:
        return found
    last = st.session_state.get("last_fingerprint")
    return st.session_state["results"].get(last) if last else None


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, float) and abs(value) >= 1000:
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _show_progress(line: Any, info: dict[str, float], started: float) -> None:
    gap = info.get("gap")
    line.write(
        t(
            "{elapsed:.0f} s elapsed · incumbent {incumbent} · bound {bound} · gap {gap}",
            elapsed=float(info.get("elapsed_s", time.perf_counter() - started)),
            incumbent=_fmt(info.get("incumbent")),
            bound=_fmt(info.get("best_bound")),
            gap=f"{gap:.1%}" if isinstance(gap, float) and math.isfinite(gap) else "–",
        )
    )


class Progress:
    """What a solve is doing, updated until it ends: HiGHS's own figures while it searches,
    and between its reports (preparing, then valuing limits and solving the no-policy plan,
    which report nothing) the stage and the seconds elapsed, so the line never stalls."""

    #: Seconds without a HiGHS report after which the search is taken to be over.
    QUIET_S = 4.0

    def __init__(self, line: Any, started: float) -> None:
        self.line, self.started = line, started
        self.last_report: float | None = None
        self.last_info: dict[str, float] = {}
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._context = get_script_run_ctx()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> Progress:
        self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._ticker.join(timeout=2.0)

    def _lend_context(self) -> None:
        if self._context is not None and get_script_run_ctx(suppress_warning=True) is None:
            add_script_run_ctx(threading.current_thread(), self._context)

    def on_progress(self, info: dict[str, float]) -> None:
        # HiGHS reports from its own thread; a display problem must never stop the solve.
        try:
            self._lend_context()
            with self._lock:
                self.last_report, self.last_info = time.perf_counter(), dict(info)
                _show_progress(self.line, info, self.started)
        except Exception:
            pass

    def _tick(self) -> None:
        try:
            self._lend_context()
        except Exception:
            return
        while not self._done.wait(1.0):
            try:
                with self._lock:
                    now = time.perf_counter()
                    elapsed = now - self.started
                    if self.last_report is None:
                        self.line.write(
                            t(
                                "{elapsed:.0f} s elapsed · preparing the model and finding what no plan can serve",
                                elapsed=elapsed,
                            )
                        )
                    elif now - self.last_report > self.QUIET_S:
                        gap = self.last_info.get("gap")
                        self.line.write(t("{elapsed:.0f} s elapsed · plan found (gap {gap}); now valuing each limit and solving the no-policy plan to compare against",
                                          elapsed=elapsed, gap=f"{gap:.1%}" if isinstance(gap, float) and math.isfinite(gap) else "–"))  # fmt: skip
            except Exception:
                return


def progress_callback(line: Any, started: float) -> Any:
    """A HiGHS progress callback that writes elapsed time, incumbent, bound and gap into ``line``."""
    context = get_script_run_ctx()

    def on_progress(info: dict[str, float]) -> None:
        # HiGHS reports from its own thread: lend it this session's context so the
        # placeholder can be updated, and never let a display problem stop the solve.
        try:
            if context is not None and get_script_run_ctx(suppress_warning=True) is None:
                add_script_run_ctx(threading.current_thread(), context)
            _show_progress(line, info, started)
        except Exception:
            pass

    return on_progress


def _warm_start_for(scenario: Scenario) -> PlanResult | None:
    """The last plan solved on the same dataset and graph: its decisions start the re-solve."""
    last = st.session_state.get("last_fingerprint")
    previous = st.session_state["results"].get(last) if last else None
    before = st.session_state["solved_scenarios"].get(last) if last else None
    if previous is None or before is None:
        return None
    return (
        previous if (before.dataset, before.graph) == (scenario.dataset, scenario.graph) else None
    )


def solve(scenario: Scenario) -> PlanResult | None:
    """Solve ``scenario`` with live progress; show a readable message on any failure.

    Returns the result (also cached per fingerprint), or None after an error.
    """
    key = scenario.fingerprint()
    results: OrderedDict[str, PlanResult] = st.session_state["results"]
    if key in results:
        results.move_to_end(key)
        st.session_state["last_fingerprint"] = key
        st.info(t("Result from cache (scenario `{fp}`)", fp=key))
        return results[key]
    started = time.perf_counter()
    with st.status(t("HiGHS is solving…"), expanded=True) as status:
        try:
            dataset = get_dataset(scenario.graph)
            with Progress(st.empty(), started) as progress:
                result = plan(
                    scenario,
                    dataset,
                    on_progress=progress.on_progress,
                    warm_start=_warm_start_for(scenario),
                )
        except InfeasibleError as error:
            status.update(state="error", expanded=True)
            st.error(
                infeasible_message(scenario, error, dataset if "dataset" in locals() else None)
            )
            return None
        except InputError as error:
            status.update(state="error", expanded=True)
            st.error(t("Input problem: {message}", message=str(error)))
            return None
        except Exception as error:
            # Never a traceback in front of a planner: name the kind and keep it short.
            status.update(state="error", expanded=True)
            st.error(
                t(
                    "Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.",
                    kind=type(error).__name__,
                    message=str(error)[:300],
                )
            )
            return None
        report = result.report
        # The gap beside its target, in % to 2 decimals.
        gap = f"{report.gap:.2%}" if report.gap is not None else "–"
        gap = t("{gap} (target {target})", gap=gap, target=f"{scenario.solver.mip_rel_gap:.2%}")
        if report.best_bound is not None and report.objective is not None:
            gap += f" (±{abs(report.objective - report.best_bound):,.1f} {result.objective_unit})"
        status.update(
            label=t(
                "Solved in {seconds:.1f} s (status {status}, gap {gap})",
                seconds=time.perf_counter() - started,
                status=names.status(report.status),
                gap=gap,
            ),
            state="complete",
            expanded=False,
        )
        if report.status != "optimal":
            # a stop on the clock or a node limit: its figures are certified only to its gap
            gap_m = (
                abs(report.objective - report.best_bound)
                if report.best_bound is not None and report.objective is not None
                else None
            )
            st.warning(
                t(
                    "the solve stopped on '{status}' before its gap was met: figures certified only within HK${plan}m",
                    status=names.status(report.status),
                    plan="–" if gap_m is None else f"{gap_m:,.1f}",
                )
            )
    results[key] = result
    st.session_state["solved_scenarios"][key] = scenario
    st.session_state["solved_scenarios"][result.fingerprint] = scenario
    while len(results) > MAX_CACHED_RESULTS:
        results.popitem(last=False)
    st.session_state["last_fingerprint"] = key
    return result


def infeasible_message(scenario: Scenario, error: InfeasibleError, dataset: Dataset | None) -> str:
    """No plan: what the model says conflicts, in the session's language (the model's words when
    the catalogue has no translation for a line)."""
    lines = error.diagnosis
    if not lines:
        return t("No feasible plan: {message}", message=str(error))
    named = names.Names.of(dataset)
    head = t(
        "No feasible plan for scenario “{name}”: what conflicts, found by relaxing each family of limits:",
        name=scenario.name,
    )
    return head + "".join(f"\n- {named.model_text(line)}" for line in lines)


def scenario_of(result: PlanResult) -> Scenario:
    """The scenario a cached result was solved from (else the current one)."""
    return st.session_state["solved_scenarios"].get(result.fingerprint, current_scenario())


def save(name: str, scenario: Scenario, result: PlanResult) -> None:
    """Keep a solved scenario under ``name`` for the compare page."""
    st.session_state["saved"][name] = Saved(scenario=scenario, result=result)


def saved() -> dict[str, Saved]:
    return st.session_state["saved"]
