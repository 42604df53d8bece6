"""Scenario sweeps: a grid of independent solves run on Dask.

A sweep takes one base scenario and varies the subsidy budget and any number
of other settings (``--param NAME=v1,v2``); each grid point is an independent
solve. Points run on a ``dask.distributed`` cluster: a ``LocalCluster`` of
worker processes by default, an existing scheduler when given its address,
or in this process one after another (``scheduler="synchronous"``, for tests
and debugging). A point that fails (infeasible, time limit without a plan, an
exception) is recorded in its row with ``status`` and ``error``; the sweep
goes on.

Parameters a point may set (``NAME``):

- ``hydrogen_hkd_per_kg``, ``electricity_hkd_per_kwh``, ``diesel_hkd_per_l``,
  ``lpg_hkd_per_l``: a flat price over the horizon (HK$ per unit);
- ``carbon_price_hkd_per_t``: a flat carbon price (HK$/t CO2);
- ``target.<target_id>``: ``on``/``off`` (enable or disable a dataset target);
  ``target.<target_id>.hard``: ``true``/``false``;
- ``programme.<programme_id>``: ``on``/``off``;
- any other dotted scenario field, e.g. ``objective``, ``subsidy_rule``,
  ``target_penalty_hkd_per_vehicle``, ``budget.yearly_limit_hkd``... (values
  read as YAML scalars, safely).

Outputs: ``sweep.csv`` (one row per point) and ``pareto.html`` (plotly;
``pareto.png`` too when kaleido is installed).
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import itertools
import math
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.scenario_files import scenario_from_mapping
from fleetplan.optimiser.spreadsheet_cells import write_csv

#: Flat price paths a point may set (name -> field of ``Scenario.prices``).
PRICE_PARAMS = (
    "hydrogen_hkd_per_kg",
    "electricity_hkd_per_kwh",
    "diesel_hkd_per_l",
    "lpg_hkd_per_l",
)
#: Years whose zero-emission fleets are reported in ``sweep.csv``.
ZEV_YEARS = (2027, 2035)
#: Default number of local worker processes (the planning machines have 2 cores).
DEFAULT_WORKERS = 2
SYNCHRONOUS = "synchronous"

_ON = {"on", "true", "yes", "1", "enabled"}
_OFF = {"off", "false", "no", "0", "disabled"}


# --------------------------------------------------------------------------- grid


def parse_budgets(text: str) -> list[float]:
    """``"0,375e6,1.5e9"`` -> budgets in HK$ (each finite and ≥ 0)."""
    values = []
    from fleetplan.network.csv_text import plain_number

    for part in [p.strip() for p in text.split(",") if p.strip()]:
        value = plain_number(part)
        if value is None:
            # Strict: no '1_000', no Arabic-Indic or full-width digits, no inf or subnormals.
            raise InputError(
                f"'{part}' is not a plain number; expected HK$ amounts written with digits 0-9 like 0,375e6,1.5e9",
                field="--budgets",
            )
        if value < 0:
            raise InputError(f"{part}; expected a budget ≥ 0 HK$", field="--budgets")
        values.append(value)
    if not values:
        raise InputError("no budgets given; expected e.g. 0,375e6,750e6", field="--budgets")
    return values


def _scalar(text: str, name: str) -> Any:
    try:
        value = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        raise InputError(f"'{text}' is not a value", field=f"--param {name}") from None
    if isinstance(value, dict | list):
        raise InputError(
            f"'{text}': give plain values separated by commas", field=f"--param {name}"
        )
    return value


def parse_param(text: str) -> tuple[str, list[Any]]:
    """``"NAME=v1,v2"`` -> (NAME, [v1, v2]) with each value read as a YAML scalar."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise InputError(f"'{text}'; expected NAME=v1,v2,...", field="--param")
    return name, [_scalar(v.strip(), name) for v in values.split(",") if v.strip()]


def _switch(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise InputError(f"'{value}'; expected on or off", field=f"--param {name}")


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"'{value}'; expected a number", field=f"--param {name}")
    return float(value)


def apply_point(base: dict[str, Any], point: dict[str, Any], first_year: int) -> dict[str, Any]:
    """The scenario mapping ``base`` with one grid point's settings applied."""
    data = copy.deepcopy(base)
    for name, value in point.items():
        if name == "budget_total_hkd":
            data.setdefault("budget", {})["total_hkd"] = value
        elif name in PRICE_PARAMS:
            data.setdefault("prices", {})[name] = {first_year: _number(value, name)}
        elif name == "carbon_price_hkd_per_t":
            data["carbon_price_hkd_per_t"] = {first_year: _number(value, name)}
        elif name.startswith("target.") and name.count(".") == 1:
            data.setdefault("targets", {}).setdefault(name.split(".", 1)[1], {})["enabled"] = (
                _switch(value, name)
            )
        elif name.startswith("target.") and name.endswith(".hard"):
            data.setdefault("targets", {}).setdefault(name.split(".")[1], {})["hard"] = _switch(
                value, name
            )
        elif name.startswith("programme.") and name.count(".") == 1:
            data.setdefault("programmes", {}).setdefault(name.split(".", 1)[1], {})["enabled"] = (
                _switch(value, name)
            )
        else:
            node = data
            *parents, leaf = name.split(".")
            for key in parents:
                child = node.get(key)
                if child is None:
                    child = node[key] = {}
                if not isinstance(child, dict):
                    raise InputError(f"'{key}' is not a group of settings", field=f"--param {name}")
                node = child
            node[leaf] = value
    return data


def grid(
    budgets: Sequence[float] | None, params: Sequence[tuple[str, list[Any]]]
) -> list[dict[str, Any]]:
    """Every combination of the budgets and parameter values (budgets vary slowest)."""
    axes: list[tuple[str, list[Any]]] = []
    if budgets:
        axes.append(("budget_total_hkd", list(budgets)))
    names = [name for name, _ in params]
    if len(set(names)) != len(names):
        raise InputError("the same parameter is given twice", field="--param")
    axes += list(params)
    if not axes:
        return [{}]
    return [
        dict(zip([a for a, _ in axes], combo, strict=True))
        for combo in itertools.product(*[v for _, v in axes])
    ]


def point_scenarios(scenario: Scenario, points: list[dict[str, Any]]) -> list[Scenario]:
    """Validate every point's scenario up front, so a typo fails before any solve."""
    base = scenario.model_dump(mode="json")
    out = []
    for i, point in enumerate(points):
        label = ", ".join(f"{k}={v}" for k, v in point.items()) or "base"
        data = apply_point(base, point, scenario.years.start)
        data["name"] = f"{scenario.name}[{i}]"
        out.append(scenario_from_mapping(data, file=f"sweep point {i} ({label})"))
    return out


# --------------------------------------------------------------------------- one point


@functools.lru_cache(maxsize=4)
def _dataset(path: str | None, graph: str) -> Any:
    # Every point of a sweep reads the same tables: load them once per worker.
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset

    return load_dataset(path or DEFAULT_DATASET, graph=graph)


def solve_point(index: int, point: dict[str, Any], scenario_data: dict[str, Any]) -> dict[str, Any]:
    """Solve one grid point and return its ``sweep.csv`` row; never raises.

    Runs on a Dask worker: the scenario arrives as its JSON-able mapping and is
    validated again there.
    """
    from fleetplan.optimiser.plan import plan

    started = time.perf_counter()
    row: dict[str, Any] = {"point": index, **point, "status": "error", "error": ""}
    # The budget is known before solving: a failed point keeps it, so the row still says
    # which budget failed.
    row["budget_hkd"] = (scenario_data.get("budget") or {}).get("total_hkd")
    try:
        scenario = Scenario.model_validate(scenario_data)
        row["scenario_fingerprint"] = scenario.fingerprint()
        row["budget_hkd"] = float(scenario.budget.total_hkd)
        # The no-policy counterfactual is the same for every budget point (levers are normalised
        # out of it): solved once per process and reused, so each point is also read against it.
        result = plan(
            scenario,
            _dataset(scenario.dataset, scenario.graph),
            marginals=False,
            counterfactual=True,
        )
        summary = result.summary()
        row.update(
            status=summary["status"],
            gap=summary["gap"],
            gap_absolute=summary["gap_absolute"],
            co2_abated_vs_no_policy_t=summary.get("co2_abated_vs_no_policy_t"),
            co2_t_per_hkd_m_subsidy_vs_no_policy=summary.get(
                "co2_t_per_hkd_m_subsidy_vs_no_policy"
            ),
            objective=summary["objective"],
            budget_hkd=summary["budget_hkd"],
            subsidy_hkd_total=summary["subsidy_hkd_total"],
            co2_abated_t=summary["co2_abated_t"],
            system_cost_hkd=summary["system_cost_hkd"],
            solve_time_s=result.timings_s.get("solve_s"),
        )
        for vclass, by_year in summary["zev_in_service"].items():
            for year in ZEV_YEARS:
                row[f"zev_{vclass}_{year}"] = by_year.get(year)
        if summary["status"] != "optimal":
            row["error"] = f"stopped at {summary['status']} with gap {summary['gap']}"
    except InfeasibleError as error:
        message = str(error)
        row["status"] = (
            "infeasible"
            if "is infeasible" in message
            else "time_limit"
            if "time_limit" in message
            else "no_solution"
        )
        row["error"] = "; ".join([message, *error.diagnosis])
    except InputError as error:
        row["status"] = "bad_input"
        row["error"] = str(error)
    except Exception as error:  # a failed point must not end the sweep
        row["status"] = "error"
        row["error"] = (
            f"{type(error).__name__}: {error} | {traceback.format_exc(limit=3).splitlines()[-1]}"
        )
    row["wall_time_s"] = round(time.perf_counter() - started, 3)
    return row


# --------------------------------------------------------------------------- running


def run_sweep(
    scenario: Scenario,
    points: list[dict[str, Any]],
    *,
    workers: int = DEFAULT_WORKERS,
    scheduler: str | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Solve every point and return one row per point (in grid order).

    Parameters
    ----------
    workers:
        Worker processes of the local cluster (one thread each: HiGHS's MIP
        search is serial, so processes give the parallelism).
    scheduler:
        ``None``: start a ``LocalCluster(processes=True, n_workers=workers)``;
        ``"synchronous"``: solve in this process one after another; otherwise
        the address of a running Dask scheduler (``tcp://host:8786``).
    on_done:
        Called with each row as its point completes (progress display).
    """
    scenarios = point_scenarios(scenario, points)
    payloads = [s.model_dump(mode="json") for s in scenarios]
    rows: list[dict[str, Any]] = []
    if scheduler == SYNCHRONOUS:
        for i, (point, payload) in enumerate(zip(points, payloads, strict=True)):
            row = solve_point(i, point, payload)
            rows.append(row)
            if on_done:
                on_done(row)
    else:
        rows = _run_dask(points, payloads, workers=workers, scheduler=scheduler, on_done=on_done)
    frame = pd.DataFrame(rows).sort_values("point").reset_index(drop=True)
    for column in (
        "gap",
        "budget_hkd",
        "subsidy_hkd_total",
        "co2_abated_t",
        "system_cost_hkd",
        "solve_time_s",
    ):
        if column not in frame.columns:
            frame[column] = math.nan
    frame["pareto_efficient"] = pareto_mask(frame)
    return frame


def _run_dask(
    points: list[dict[str, Any]],
    payloads: list[dict[str, Any]],
    *,
    workers: int,
    scheduler: str | None,
    on_done: Callable[[dict[str, Any]], None] | None,
) -> list[dict[str, Any]]:
    from dask.distributed import Client, LocalCluster, as_completed

    if workers < 1:
        raise InputError(f"{workers}; expected at least 1 worker", field="--workers")
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,  # logging.ERROR: keep the terminal for the progress bar
            )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except OSError as error:
                raise InputError(
                    f"cannot reach the Dask scheduler: {error}", field="--scheduler"
                ) from None
        with client:
            futures = {
                client.submit(
                    solve_point,
                    i,
                    point,
                    payload,
                    pure=False,
                    key=f"fleetplan-point-{i}-{time.time_ns()}",
                ): (i, point)
                for i, (point, payload) in enumerate(zip(points, payloads, strict=True))
            }
            rows = []
            for future in as_completed(futures):
                i, point = futures[future]
                try:
                    row = future.result()
                except Exception as error:  # the worker died or the task was lost
                    row = {
                        "point": i,
                        **point,
                        "status": "error",
                        "error": f"{type(error).__name__}: {error}",
                    }
                rows.append(row)
                if on_done:
                    on_done(row)
            return rows
    finally:
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- Pareto front


def pareto_mask(frame: pd.DataFrame) -> pd.Series:
    """Points not dominated on (subsidy spent ↓, tonnes abated ↑, system cost ↓).

    Money *spent*, not the budget: a budget the plan cannot spend buys nothing.

    Only points with a plan take part; a point is dominated when another is
    at least as good on all three and better on one.
    """
    budget = frame["subsidy_hkd_total"].astype(float)
    abated = frame["co2_abated_t"].astype(float)
    cost = frame["system_cost_hkd"].astype(float)
    ok = budget.notna() & abated.notna() & cost.notna()
    mask = pd.Series(False, index=frame.index)
    rows = list(frame.index[ok])
    for i in rows:
        dominated = False
        for j in rows:
            if i == j:
                continue
            no_worse = budget[j] <= budget[i] and abated[j] >= abated[i] and cost[j] <= cost[i]
            better = budget[j] < budget[i] or abated[j] > abated[i] or cost[j] < cost[i]
            if no_worse and better:
                dominated = True
                break
        mask[i] = not dominated
    return mask


def pareto_figure(frame: pd.DataFrame, title: str = "Sweep") -> Any:
    """Plotly figure: subsidy spent (HK$m) vs tonnes abated, colour = system cost (HK$m);
    the budget of each point is in its hover text."""
    import plotly.graph_objects as go

    solved = frame[frame["co2_abated_t"].notna()].copy()
    params = [c for c in frame.columns if not _is_result_column(c) and c != "point"]
    solved["label"] = [
        "<br>".join(
            [
                f"point {int(r['point'])}",
                *[f"{p} = {r[p]}" for p in params],
                f"budget HK${float(r['budget_hkd']) / 1e6:,.0f}m",
                f"status {r['status']}",
            ]
        )
        for _, r in solved.iterrows()
    ]
    figure = go.Figure()
    for efficient, name, symbol, size in (
        (False, "dominated", "circle-open", 9),
        (True, "Pareto-efficient", "star", 14),
    ):
        part = solved[solved["pareto_efficient"] == efficient]
        if part.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=part["subsidy_hkd_total"] / 1e6,
                y=part["co2_abated_t"],
                mode="markers",
                name=name,
                text=part["label"],
                customdata=part["system_cost_hkd"] / 1e6,
                hovertemplate="%{text}<br>spent HK$%{x:,.0f}m<br>abated %{y:,.0f} t<br>system cost HK$%{customdata:,.1f}m<extra></extra>",
                marker={
                    "symbol": symbol,
                    "size": size,
                    "color": part["system_cost_hkd"] / 1e6,
                    "coloraxis": "coloraxis",
                    "line": {"width": 1.5},
                },
            )
        )
    front = solved[solved["pareto_efficient"]].sort_values("subsidy_hkd_total")
    if len(front) > 1:
        figure.add_trace(
            go.Scatter(
                x=front["subsidy_hkd_total"] / 1e6,
                y=front["co2_abated_t"],
                mode="lines",
                name="front",
                line={"dash": "dot", "color": "grey"},
                hoverinfo="skip",
            )
        )
    failed = int((frame["co2_abated_t"].isna()).sum())
    figure.update_layout(
        title=f"{title}: subsidy spent vs CO2 abated (colour: system cost)"
        + (f" — {failed} point(s) without a plan" if failed else ""),
        xaxis_title="subsidy spent (HK$ million; each point's budget in its label)",
        yaxis_title="CO2 abated over the horizon (t)",
        coloraxis={"colorscale": "Viridis", "colorbar": {"title": "system cost<br>(HK$ million)"}},
        template="plotly_white",
    )
    return figure


_RESULT_COLUMNS = {
    "status", "error", "gap", "gap_absolute", "objective", "budget_hkd", "subsidy_hkd_total", "co2_abated_t", "system_cost_hkd",
    "co2_abated_vs_no_policy_t", "co2_t_per_hkd_m_subsidy_vs_no_policy", "solve_time_s", "wall_time_s", "scenario_fingerprint", "pareto_efficient",
}  # fmt: skip


def _is_result_column(column: str) -> bool:
    """A column the sweep computed (the rest are the swept parameters)."""
    return column in _RESULT_COLUMNS or (
        column.startswith("zev_") and column.rsplit("_", 1)[-1].isdigit()
    )


def write_sweep(frame: pd.DataFrame, scenario: Scenario, folder: str | Path) -> list[str]:
    """Write ``sweep.csv``, ``scenario.yaml`` (the base), ``pareto.html`` and maybe ``pareto.png``.

    Returns
    -------
    list of str
        Names of the files written.
    """
    folder = Path(folder)
    order = ["point", *[c for c in frame.columns if not _is_result_column(c) and c != "point"]]
    order += [c for c in frame.columns if c not in order]
    write_csv(frame[order], folder / "sweep.csv")  # scenario names are user text
    (folder / "scenario.yaml").write_text(scenario.to_yaml(), encoding="utf-8")
    figure = pareto_figure(frame, scenario.name)
    # Self-contained HTML: planners open it offline.
    figure.write_html(folder / "pareto.html", include_plotlyjs=True, full_html=True)
    written = ["sweep.csv", "scenario.yaml", "pareto.html"]
    if importlib.util.find_spec("kaleido") is not None:
        try:
            figure.write_image(folder / "pareto.png", width=1000, height=650)
            written.append("pareto.png")
        except Exception:  # kaleido present but not working (e.g. no Chrome): the HTML is enough
            pass
    return written
