"""A small budget sweep inside the app: a few budgets solved one after another, a Pareto plot.

Points are solved in the Streamlit process, in order (as ``run_sweep(...,
scheduler="synchronous")`` does), on the dataset the session has loaded already,
without marginal values or the no-policy counterfactual. Each point's progress is
shown as it runs; the finished sweep is kept per scenario fingerprint and budgets,
so coming back to the page shows it without solving again.
"""

from __future__ import annotations

import math
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.plan import plan
from fleetplan.optimiser.results import PlanResult
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.spreadsheet_cells import csv_text
from fleetplan.optimiser.sweep import grid, pareto_mask, point_scenarios
from fleetplan.views import names as nm
from fleetplan.views import state
from fleetplan.views.i18n import t
from fleetplan.views.results import _md, chart

#: More points than this belong on the command line (`fleetplan sweep`, on Dask).
MAX_POINTS = 6
#: Finished sweeps kept per session.
MAX_CACHED_SWEEPS = 4
#: What one Hong Kong default point takes when this session has not timed a solve yet (s).
DEFAULT_POINT_S = 60.0

RESULT_COLUMNS = (
    "budget_hkd",
    "subsidy_hkd_total",
    "co2_abated_t",
    "system_cost_hkd",
    "gap",
    "solve_time_s",
)


def parse_budgets_m(text: str) -> list[float]:
    """``"0, 375, 750"`` (HK$ million) -> budgets in HK$: each a number ≥ 0, at most MAX_POINTS, no repeats."""
    values: list[float] = []
    for part in [p.strip() for p in str(text).replace("，", ",").split(",") if p.strip()]:
        try:
            value = float(part.replace("_", ""))
        except ValueError:
            raise InputError(
                t("'{text}' is not a budget; expected HK$ million like 0, 375, 750", text=part),
                field="budgets",
            ) from None
        if not math.isfinite(value) or value < 0:
            raise InputError(
                t("'{text}' is not a budget; expected HK$ million like 0, 375, 750", text=part),
                field="budgets",
            )
        if value * 1e6 not in values:
            values.append(value * 1e6)
    if not values:
        raise InputError(
            t("no budgets given; expected HK$ million like 0, 375, 750"), field="budgets"
        )
    if len(values) > MAX_POINTS:
        raise InputError(
            t(
                "{n} budgets; the app solves at most {most} (use fleetplan sweep for more)",
                n=len(values),
                most=MAX_POINTS,
            ),
            field="budgets",
        )
    return sorted(values)


def sweep_key(scenario: Scenario, budgets: list[float]) -> str:
    """Cache key: the scenario's fingerprint and the budgets (HK$)."""
    return scenario.fingerprint() + "|" + ",".join(f"{b:.0f}" for b in budgets)


def default_budgets_text(scenario: Scenario) -> str:
    """Three points: no subsidy, half the scenario's budget, all of it (HK$ million)."""
    total = float(scenario.budget.total_hkd) / 1e6
    return ", ".join(f"{v:g}" for v in dict.fromkeys([0.0, round(total / 2, 1), round(total, 1)]))


def _row(index: int, point: dict[str, Any], result: PlanResult) -> dict[str, Any]:
    summary = result.summary()
    return {
        "point": index, **point, "status": summary["status"], "error": "",
        "budget_hkd": summary["budget_hkd"], "subsidy_hkd_total": summary["subsidy_hkd_total"],
        "co2_abated_t": summary["co2_abated_t"], "system_cost_hkd": summary["system_cost_hkd"],
        "gap": summary["gap"], "gap_absolute": summary["gap_absolute"], "solve_time_s": result.timings_s.get("solve_s"),
        "co2_abated_vs_no_policy_t": summary.get("co2_abated_vs_no_policy_t"),
        "co2_t_per_hkd_m_subsidy_vs_no_policy": summary.get("co2_t_per_hkd_m_subsidy_vs_no_policy"),
        "scenario_fingerprint": result.fingerprint,
    }  # fmt: skip


def run_budget_sweep(
    scenario: Scenario,
    dataset: Dataset,
    budgets: list[float],
    *,
    on_start: Callable[[int, float], None] | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    on_progress: Callable[[dict[str, float]], None] | None = None,
) -> pd.DataFrame:
    """Solve ``scenario`` at each budget, in order, on ``dataset``; one row per point with
    ``pareto_efficient`` (money *spent*, tonnes, system cost). A failed point keeps its budget,
    status and error; the sweep goes on."""
    points = grid(budgets, [])
    scenarios = point_scenarios(scenario, points)  # every point validated before the first solve
    rows: list[dict[str, Any]] = []
    for i, (point, point_scenario) in enumerate(zip(points, scenarios, strict=True)):
        if on_start:
            on_start(i, float(point["budget_total_hkd"]))
        started = time.perf_counter()
        row: dict[str, Any] = {
            "point": i,
            **point,
            "status": "error",
            "error": "",
            "budget_hkd": float(point["budget_total_hkd"]),
        }
        try:
            row = _row(
                i,
                point,
                plan(
                    point_scenario,
                    dataset,
                    marginals=False,
                    counterfactual=True,
                    on_progress=on_progress,
                ),
            )
            if row["status"] != "optimal":
                row["error"] = f"stopped at {row['status']} with gap {row['gap']}"
        except InfeasibleError as error:
            row.update(status="infeasible", error="; ".join([str(error), *error.diagnosis]))
        except InputError as error:
            row.update(status="bad_input", error=str(error))
        except Exception as error:  # a failed point must not end the sweep
            row.update(
                status="error",
                error=f"{type(error).__name__}: {error} | {traceback.format_exc(limit=2).splitlines()[-1]}",
            )
        row["wall_time_s"] = round(time.perf_counter() - started, 3)
        rows.append(row)
        if on_done:
            on_done(row)
    frame = pd.DataFrame(rows)
    for column in RESULT_COLUMNS:
        if column not in frame.columns:
            frame[column] = math.nan
    frame["pareto_efficient"] = pareto_mask(frame)
    return frame


def sweep_figure(frame: pd.DataFrame) -> go.Figure:
    """Subsidy *spent* (HK$m) against CO2 abated (kt), colour = system cost (HK$m); Pareto-efficient
    points as stars joined by the front; each point's budget in its hover text."""
    solved = frame[frame["co2_abated_t"].notna()].copy()
    fig = go.Figure()
    for efficient, name, symbol, size in (
        (False, t("dominated"), "circle-open", 11),
        (True, t("Pareto-efficient"), "star", 15),
    ):
        part = solved[solved["pareto_efficient"] == efficient]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["subsidy_hkd_total"] / 1e6,
            y=part["co2_abated_t"] / 1e3,
            mode="markers",
            name=name,
            customdata=list(
                zip(part["budget_hkd"] / 1e6, part["system_cost_hkd"] / 1e6, strict=True)
            ),
            hovertemplate=t(
                "budget HK$%{customdata[0]:,.0f}m<br>spent HK$%{x:,.0f}m<br>abated %{y:,.1f} kt<br>system cost HK$%{customdata[1]:,.0f}m"
            )
            + "<extra></extra>",
            marker={
                "symbol": symbol,
                "size": size,
                "color": part["system_cost_hkd"] / 1e6,
                "coloraxis": "coloraxis",
                "line": {"width": 1.5},
            },
        )
    front = solved[solved["pareto_efficient"]].sort_values("subsidy_hkd_total")
    if len(front) > 1:
        fig.add_scatter(x=front["subsidy_hkd_total"] / 1e6, y=front["co2_abated_t"] / 1e3, mode="lines", name=t("Pareto front"),
                        line={"dash": "dot", "color": "grey"}, hoverinfo="skip")  # fmt: skip
    failed = int(frame["co2_abated_t"].isna().sum())
    fig.update_layout(
        title=t("Subsidy spent against CO2 abated (colour: system cost)")
        + (t(" — {n} point(s) without a plan", n=failed) if failed else ""),
        xaxis_title=t("subsidy spent (HK$ million)"),
        yaxis_title=t("CO2 abated over the horizon (kt)"),
        coloraxis={
            "colorscale": "Viridis",
            "colorbar": {"title": t("system cost<br>(HK$ million)")},
        },
        height=440,
        margin={"t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        template="plotly_white",
    )
    return fig


def _kt(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value) / 1e3:,.1f}"


def _whole(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def sweep_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The sweep as the official reads it: budget, spent, tonnes, cost, status (formatted)."""

    def m(value: Any) -> str:
        return "–" if value is None or pd.isna(value) else f"{float(value) / 1e6:,.0f}"

    return pd.DataFrame(
        [
            {
                t("budget (HK$m)"): m(r.budget_hkd),
                t("spent (HK$m)"): m(r.subsidy_hkd_total),
                t("abated (kt)"): "–"
                if pd.isna(r.co2_abated_t)
                else f"{float(r.co2_abated_t) / 1e3:,.1f}",
                t("CO2 abated against no policy (kt)"): _kt(
                    getattr(r, "co2_abated_vs_no_policy_t", None)
                ),
                t("t CO2 against no policy per HK$1m paid"): _whole(
                    getattr(r, "co2_t_per_hkd_m_subsidy_vs_no_policy", None)
                ),
                t("system cost (HK$m)"): m(r.system_cost_hkd),
                t("certified error (± HK$m)"): _whole(getattr(r, "gap_absolute", None)),
                t("status"): nm.status(r.status),
                t("Pareto-efficient"): "★" if r.pareto_efficient else "",
            }
            for r in frame.itertuples(index=False)
        ]
    )


def _estimate_s(scenario: Scenario) -> float | None:
    """Seconds one point took when this session solved the scenario (prepare + build + solve)."""
    result = state.cached_result(scenario)
    if result is None:
        return None
    return (
        sum(float(result.timings_s.get(k, 0.0)) for k in ("prepare_s", "build_s", "solve_s"))
        or None
    )


def _sweeps() -> OrderedDict[str, pd.DataFrame]:
    return st.session_state.setdefault("sweeps", OrderedDict())


def cached_sweep(scenario: Scenario) -> pd.DataFrame | None:
    """The last sweep this session ran on ``scenario`` (any budgets), for the HTML report."""
    prefix = scenario.fingerprint() + "|"
    found = [frame for key, frame in _sweeps().items() if key.startswith(prefix)]
    return found[-1] if found else None


def render_budget_sweep(scenario: Scenario, dataset: Dataset) -> None:
    """Budgets in, progress per point, then the Pareto plot (against money spent) and its table."""
    st.subheader(t("Budget sweep"))
    st.caption(
        _md(
            t(
                "Solves the scenario being edited, “{name}” (`{fp}`), once per budget, one after another, without marginal values or the no-policy plan. For many points use `fleetplan sweep` on the command line.",
                name=scenario.name,
                fp=scenario.fingerprint(),
            )
        )
    )
    # The field follows the scenario until the user changes it.
    if st.session_state.get("sweep_budgets_for") != scenario.fingerprint():
        state.forget("sweep_budgets")
        st.session_state["sweep_budgets_for"] = scenario.fingerprint()
    text = st.text_input(
        t("Budgets to solve (HK$ million, comma separated)"),
        key=state.keep("sweep_budgets", default_budgets_text(scenario)),
        help=t("At most {most} budgets; each is a full solve.", most=MAX_POINTS),
    )
    try:
        budgets = parse_budgets_m(text)
    except InputError as error:
        st.error(t("Input problem: {message}", message=str(error)))
        return
    each = _estimate_s(scenario)
    if each is None:
        st.warning(
            _md(
                t(
                    "{n} solves, one after another: about {each} s each on the Hong Kong default, so roughly {total} min. The page waits until all are done.",
                    n=len(budgets),
                    each=f"{DEFAULT_POINT_S:.0f}",
                    total=f"{len(budgets) * DEFAULT_POINT_S / 60:.0f}",
                )
            )
        )
    else:
        st.warning(_md(t("{n} solves, one after another: this scenario took {each} s to solve, so roughly {total} min. The page waits until all are done.", n=len(budgets), each=f"{each:,.0f}" if each >= 10 else f"{each:.1f}",
                         total=f"{len(budgets) * each / 60:,.1f}")))  # fmt: skip
    key = sweep_key(scenario, budgets)
    sweeps = _sweeps()
    if st.button(t("Run the budget sweep"), key="sweep_run") and key not in sweeps:
        with st.status(t("Solving {n} budgets…", n=len(budgets)), expanded=True) as status:
            bar = st.progress(0.0, text=t("Preparing the points…"))
            line = st.empty()
            log = st.container()
            started = time.perf_counter()

            def on_start(i: int, budget: float) -> None:
                bar.progress(
                    i / len(budgets),
                    text=t(
                        "Point {i} of {n}: budget HK${budget}m, solving…",
                        i=i + 1,
                        n=len(budgets),
                        budget=f"{budget / 1e6:,.0f}",
                    ),
                )

            def on_done(row: dict[str, Any]) -> None:
                i = int(row["point"])
                bar.progress(
                    (i + 1) / len(budgets), text=t("Point {i} of {n} done", i=i + 1, n=len(budgets))
                )
                spent = row.get("subsidy_hkd_total")
                abated = row.get("co2_abated_t")
                log.write(_md(t("Point {i} (budget HK${budget}m): {status}, spent HK${spent}m, abated {abated} kt, {seconds} s", i=i + 1, budget=f"{float(row['budget_hkd']) / 1e6:,.0f}", status=nm.status(row["status"]),
                            spent="–" if spent is None else f"{float(spent) / 1e6:,.0f}",
                            abated="–" if abated is None else f"{float(abated) / 1e3:,.1f}", seconds=f"{row['wall_time_s']:.0f}")))  # fmt: skip

            try:
                frame = run_budget_sweep(scenario, dataset, budgets, on_start=on_start, on_done=on_done,
                                         on_progress=state.progress_callback(line, started))  # fmt: skip
            except InputError as error:
                status.update(state="error")
                st.error(t("Input problem: {message}", message=str(error)))
                return
            status.update(
                label=t(
                    "{n} budgets solved in {seconds} s",
                    n=len(budgets),
                    seconds=f"{time.perf_counter() - started:,.0f}",
                ),
                state="complete",
                expanded=False,
            )
        sweeps[key] = frame
        while len(sweeps) > MAX_CACHED_SWEEPS:
            sweeps.popitem(last=False)
    frame = sweeps.get(key)
    if frame is None:
        return
    chart(sweep_figure(frame), "sweep_chart")
    failed = frame[frame["co2_abated_t"].isna()]
    if not failed.empty:
        st.warning(
            _md(t("{n} point(s) without a plan: see the status column and the CSV.", n=len(failed)))
        )
    unspent = frame[
        (frame["subsidy_hkd_total"] + 1e5 < frame["budget_hkd"]) & frame["co2_abated_t"].notna()
    ]
    if not unspent.empty:
        st.caption(
            _md(
                t(
                    "Budgets the plan does not spend in full (HK$m): {budgets}. A limit other than the budget binds there.",
                    budgets=", ".join(f"{b / 1e6:,.0f}" for b in unspent["budget_hkd"]),
                )
            )
        )
    st.dataframe(sweep_table(frame), hide_index=True, key="sweep_table")
    st.download_button(
        t("Download the sweep as CSV"),
        csv_text(frame),
        file_name=f"{scenario.name}-sweep.csv",
        mime="text/csv",
        key="sweep_csv",
    )
