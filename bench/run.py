"""Benchmarks of fleetplan: phases of the fleet model at several scales, and baselines.

Usage (from the repository root)::

    python -m bench.run --quick   # make bench: small points, a few minutes
    python -m bench.run --full    # make bench-full: adds 2k- and 10k-node cities

Each scale point runs in its own child process (``--point``) so that its peak
resident memory (``ru_maxrss``, which includes HiGHS's C++ memory) is its own,
and so that a point that runs too long can be stopped while the phases it did
finish are kept (the child rewrites its JSON after every phase).

Measured per point (seconds unless stated): data load, graph and path
preparation (road graph, snapping, round-trip paths, arc-cover rows; a part
of ``prepare_inputs`` timed on its own), the rest of input preparation, Pyomo
model build, solve wall time and HiGHS's own run time (from its log), result
extraction, peak RSS (MiB), Python peak allocation from ``tracemalloc`` (MiB,
in a separate pass that stops before the solve, because tracing slows Pyomo
down severalfold and would spoil the timings), final gap, time to a 1 % gap
and the gap after 60 s (both from HiGHS's progress lines).

Baselines, measured in the same run and reported as ratios because the
machine is shared and absolute times are noisy:

- the Pyomo build of the standalone arc-cover FRLM vs handing the same matrix
  to highspy directly (same instance; the optima must agree);
- arc-cover vs path-combination FRLM on instances small enough for the latter;
- HiGHS with 1 vs 2 threads on the Hong Kong default.

Results go to ``bench/results/<mode>.json`` and are rendered into ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
MARKDOWN = REPO / "BENCHMARKS.md"
#: Hand-written analysis below this line in BENCHMARKS.md survives re-rendering.
NOTES_MARKER = "<!-- notes: kept when the tables are re-rendered -->"


def write_markdown(text: str) -> None:
    """Write the rendered tables, keeping the hand-written notes after :data:`NOTES_MARKER`."""
    notes = ""
    if MARKDOWN.exists() and NOTES_MARKER in MARKDOWN.read_text(encoding="utf-8"):
        notes = MARKDOWN.read_text(encoding="utf-8").split(NOTES_MARKER, 1)[1]
    MARKDOWN.write_text(text.rstrip("\n") + "\n\n" + NOTES_MARKER + notes, encoding="utf-8")
MIB = 1024.0 * 1024.0

#: Targets stated in the brief (seconds, shares, MiB).
HK_GAP_TARGET = 0.01
HK_TIME_TARGET_S = 30.0
PYOMO_SHARE_TARGET = 0.30
LARGEST_TIME_TARGET_S = 600.0
LARGEST_MEMORY_TARGET_MIB = 8 * 1024.0


@dataclass(frozen=True)
class Point:
    """One scale point: a synthetic city (or the Hong Kong default when ``kind == 'hk'``).

    ``time_limit_s`` is HiGHS's limit; ``wall_limit_s`` stops the child process
    (whatever phases it finished are kept). ``sweep`` names the fits it is part of.
    """

    name: str
    kind: str = "synthetic"
    nodes: int = 400
    sites: int = 40
    flows: int = 100
    years: int = 21
    depots: int = 4
    zones: int = 8
    seed: int = 0
    time_limit_s: float = 120.0
    mip_rel_gap: float = 0.01
    wall_limit_s: float = 900.0
    memory_pass: bool = True
    sweep: tuple[str, ...] = ()
    #: model every ``year_step``-th year (scenario ``years.step``)
    year_step: int = 1


#: Quick points: a flows sweep at fixed sites and a sites sweep at fixed flows (log-log fits).
QUICK_POINTS = (
    Point("hk-default", kind="hk", time_limit_s=120.0, wall_limit_s=600.0),
    Point("syn-n400-s40-f100", sweep=("flows", "sites")),
    Point("syn-n400-s40-f200", flows=200, memory_pass=False, sweep=("flows",)),
    Point("syn-n400-s40-f400", flows=400, memory_pass=False, sweep=("flows",)),
    Point("syn-n400-s80-f100", sites=80, memory_pass=False, sweep=("sites",)),
    Point("syn-n400-s160-f100", sites=160, memory_pass=False, sweep=("sites",)),
)

#: Added by --full: the mid-size and the largest synthetic cities.
FULL_POINTS = (
    Point("syn-n400-s40-f800", flows=800, memory_pass=False, sweep=("flows",)),
    Point(
        "syn-n2000-s200-f2000",
        nodes=2000,
        sites=200,
        flows=2000,
        depots=12,
        zones=20,
        time_limit_s=300.0,
        wall_limit_s=3600.0,
        memory_pass=False,
        sweep=("scale",),
    ),
    Point(
        "syn-n10000-s1000-f20000-y20",
        nodes=10_000,
        sites=1000,
        flows=20_000,
        years=20,
        depots=30,
        zones=40,
        time_limit_s=600.0,
        wall_limit_s=5400.0,
        memory_pass=False,
        sweep=("scale",),
    ),
    # The same city modelled every 5th year (plus target years): the setting a planner
    # uses at this size (scenario years.step).
    Point(
        "syn-n10000-s1000-f20000-y20-step5",
        nodes=10_000,
        sites=1000,
        flows=20_000,
        years=20,
        depots=30,
        zones=40,
        time_limit_s=600.0,
        wall_limit_s=3600.0,
        memory_pass=False,
        year_step=5,
    ),
)

#: FRLM overhead instances: (name, nodes, flows, candidates, stations, range km).
FRLM_QUICK = (("frlm-n1000-f2000-c200", 1000, 2000, 200, 10, 40.0),)
FRLM_FULL = (("frlm-n10000-f20000-c1000", 10_000, 20_000, 1000, 30, 40.0),)
#: Path-combination instances: (name, nodes, flows, candidates, stations, range km).
PATHCOMB = (
    ("pc-n100-f50-p2", 100, 50, 40, 2, 40.0),
    ("pc-n100-f50-p3", 100, 50, 40, 3, 40.0),
    ("pc-n200-f100-p3", 200, 100, 60, 3, 40.0),
)


# ------------------------------------------------------------------ measuring


def rss_mib() -> float:
    """Peak resident set size of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


_HIGHS_TIME = (
    re.compile(r"HiGHS run time\s*:\s*([0-9.eE+-]+)"),
    # HiGHS ≥ 1.12 prints the MIP solving report's "Timing <s>" instead.
    re.compile(r"^\s*Timing\s+([0-9.eE+-]+)\s*$", re.MULTILINE),
)


def highs_run_time(log: str) -> float | None:
    """HiGHS's own run time (s) from its log: the last 'HiGHS run time' or MIP 'Timing' line."""
    for pattern in _HIGHS_TIME:
        found = pattern.findall(log)
        if found:
            return float(found[-1])
    return None


def gap_milestones(progress: list[dict[str, float]], report: Any) -> dict[str, float | None]:
    """Time (s from the start of the solve call) to a ≤ 1 % gap, and the gap after 60 s."""
    to_1pct = next((p["elapsed_s"] for p in progress if math.isfinite(p["gap"]) and p["gap"] <= 0.01), None)
    if to_1pct is None and report.gap is not None and report.gap <= 0.01:
        to_1pct = report.solve_time_s  # reached at the very end (e.g. solved at the root)
    within = [p["gap"] for p in progress if p["elapsed_s"] <= 60.0 and math.isfinite(p["gap"])]
    # A solve that ended within 60 s keeps its final gap from then on.
    gap_60 = report.gap if report.solve_time_s <= 60.0 else (within[-1] if within else None)
    return {"time_to_1pct_gap_s": to_1pct, "gap_after_60s": gap_60}


class Recorder:
    """Collects one point's figures and rewrites its JSON file after every phase."""

    def __init__(self, out: Path, meta: dict[str, Any]):
        self.out = out
        self.data: dict[str, Any] = {**meta, "phases_s": {}, "rss_mib": {}, "status": "running"}
        self.flush()

    def phase(self, name: str, func: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = func()
        self.data["phases_s"][name] = time.perf_counter() - started
        self.data["rss_mib"][name] = rss_mib()
        self.flush()
        return value

    def flush(self) -> None:
        self.out.write_text(json.dumps(self.data, indent=1, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer | np.floating):
        return value.item()
    return str(value)


# ------------------------------------------------------------ one fleet point


def _scenario(point: Point) -> Any:
    from fleetplan.optimiser.scenario import Scenario, Solver, Years

    solver = Solver(time_limit_s=point.time_limit_s, mip_rel_gap=point.mip_rel_gap, threads=1)
    if point.kind == "hk":
        return Scenario(solver=solver)
    return Scenario(
        name=point.name, years=Years(start=2025, end=2025 + point.years - 1, step=point.year_step), solver=solver
    )


def _load(point: Point, workdir: Path) -> Any:
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset

    if point.kind == "hk":
        return load_dataset(DEFAULT_DATASET)
    return load_dataset(workdir / "city")


def _graph_and_paths(dataset: Any, truck_range_km: float) -> dict[str, int]:
    """The road-graph part of input preparation, on its own: graph, snapping, paths, rows.

    Mirrors what :func:`fleetplan.optimiser.inputs.prepare_inputs` does first, so its time
    can be split off from the pandas/parameter work that follows.
    """
    from fleetplan.network.graph import build_graph, snap_to_nodes
    from fleetplan.optimiser.frlm import arc_cover_rows, round_trip_paths

    graph = build_graph(dataset.nodes, dataset.edges)
    places = snap_to_nodes(graph, dataset.truck_places, id_column="place_id")
    sites = snap_to_nodes(graph, dataset.candidate_sites, id_column="site_id")
    node_of = dict(zip(places["place_id"], places["node_id"], strict=True))
    flows = pd.DataFrame(
        {
            "flow_id": dataset.truck_flows["flow_id"],
            "origin": dataset.truck_flows["origin"].map(node_of),
            "destination": dataset.truck_flows["destination"].map(node_of),
        }
    )
    flows = flows[flows["origin"] != flows["destination"]]
    paths = round_trip_paths(graph, flows, weight="length_m", km_per_unit=0.001)
    h2 = sorted(set(sites.loc[dataset.candidate_sites["can_hydrogen"].to_numpy(), "node_id"]))
    rows = sum(len(arc_cover_rows(path, truck_range_km, h2)) for path in paths.values())
    return {"graph_nodes": graph.number_of_nodes(), "paths": len(paths), "arc_cover_rows": rows}


def run_point(point: Point, out: Path, *, memory_pass: bool) -> None:
    """Run one point's phases in this process and write its JSON to ``out``."""
    workdir = Path(tempfile.mkdtemp(prefix="fleetplan-bench-"))
    try:
        _run_point(point, out, workdir, memory_pass=memory_pass)
    finally:
        # The 10k-node city's CSVs are tens of MB: do not leave them in /tmp.
        shutil.rmtree(workdir, ignore_errors=True)


def _run_point(point: Point, out: Path, workdir: Path, *, memory_pass: bool) -> None:
    import pyomo.environ as pyo
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.parameters import ParameterTable
    from fleetplan.optimiser.results import extract_results
    from fleetplan.optimiser.solver import SolverOptions, solve

    rec = Recorder(out, {"point": asdict(point), "pass": "memory" if memory_pass else "timing"})
    if point.kind != "hk":
        from bench.synthetic import write_synthetic

        rec.phase(
            "generate",
            lambda: write_synthetic(
                workdir / "city",
                nodes=point.nodes,
                sites=point.sites,
                flows=point.flows,
                years=point.years,
                depots=point.depots,
                zones=point.zones,
                seed=point.seed,
            ),
        )
    if memory_pass:
        tracemalloc.start()
    scenario = _scenario(point)
    dataset = rec.phase("load", lambda: _load(point, workdir))
    rec.data["size"] = {
        "nodes": len(dataset.nodes),
        "edges": len(dataset.edges),
        "sites": len(dataset.candidate_sites),
        "flows": len(dataset.truck_flows),
        "depots": len(dataset.depots),
        "zones": len(dataset.taxi_zones),
        "years": len(scenario.year_list),
    }
    truck_range = ParameterTable(dataset.parameters, scenario.year_list, scenario).scalar("range_km", "truck", "fcev")
    rec.data["size"].update(rec.phase("graph_paths", lambda: _graph_and_paths(dataset, truck_range)))
    inputs = rec.phase("prepare", lambda: prepare_inputs(scenario, dataset))
    model = rec.phase("build", lambda: build_model(inputs))
    rec.data["size"]["variables"] = sum(1 for _ in model.component_data_objects(pyo.Var, descend_into=True))
    rec.data["size"]["constraints"] = sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    if memory_pass:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rec.data["tracemalloc_peak_mib"] = peak / MIB
        rec.data["status"] = "done"
        rec.flush()
        return

    progress: list[dict[str, float]] = []
    options = SolverOptions(time_limit_s=point.time_limit_s, mip_rel_gap=point.mip_rel_gap, threads=1)
    report = rec.phase("solve", lambda: solve(model, options, on_progress=progress.append))
    highs_s = highs_run_time(report.log)
    rec.data["solve"] = {
        "status": report.status,
        "objective": report.objective,
        "best_bound": report.best_bound,
        "gap": report.gap,
        "highs_run_s": highs_s,
        "matrix": next((line for line in report.log.splitlines() if " rows; " in line), ""),
        **gap_milestones(progress, report),
    }
    if report.has_solution:
        timings = dict(rec.data["phases_s"])
        rec.phase("extract", lambda: extract_results(model, inputs, report, timings))
    rec.data["status"] = "done" if report.has_solution else f"no solution ({report.status})"
    rec.flush()


# ---------------------------------------------------------------- FRLM baselines


def _frlm_instance(nodes: int, flows: int, candidates: int, seed: int) -> tuple[Any, pd.DataFrame, list[str]]:
    """A synthetic road graph (edge ``length_m``), OD flows between its truck places, candidate nodes."""
    from fleetplan.network.graph import build_graph, snap_to_nodes

    from bench.synthetic import synthetic_tables

    tables = synthetic_tables(nodes=nodes, sites=max(candidates, 4), flows=flows, depots=1, zones=3, seed=seed)
    graph = build_graph(tables["nodes"], tables["edges"])
    places = snap_to_nodes(graph, tables["truck_places"], id_column="place_id")
    node_of = dict(zip(places["place_id"], places["node_id"], strict=True))
    frame = tables["truck_flows"]
    od = pd.DataFrame(
        {
            "flow_id": frame["flow_id"],
            "origin": frame["origin"].map(node_of),
            "destination": frame["destination"].map(node_of),
            "flow": frame["daily_round_trips"].astype(float),
        }
    )
    od = od[od["origin"] != od["destination"]].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    all_nodes = sorted(graph.nodes)
    chosen = sorted(rng.choice(len(all_nodes), size=min(candidates, len(all_nodes)), replace=False))
    return graph, od, [all_nodes[i] for i in chosen]


def highspy_frlm(
    rows_by_group: dict[int, tuple[frozenset, ...]],
    volumes: dict[int, float],
    candidates: list[Any],
    stations: int,
) -> Any:
    """The arc-cover FRLM handed to highspy directly as one row-wise sparse matrix.

    Columns: ``x_k`` (binary, one per candidate) then ``y_q`` (continuous in
    [0, 1], one per flow group). Rows: ``y_q − Σ_{k∈K_a} x_k ≤ 0`` per arc row,
    then ``Σ_k x_k = p``. Objective: maximise ``Σ_q f_q·y_q``. The same model as
    :func:`fleetplan.optimiser.frlm.build_frlm_model`, without Pyomo.
    """
    import highspy

    n_k = len(candidates)
    position = {node: k for k, node in enumerate(candidates)}
    groups = list(rows_by_group)
    starts, index = [0], []
    values: list[float] = []
    for q, group in enumerate(groups):
        for row in rows_by_group[group]:
            ks = sorted(position[n] for n in row if n in position)
            index.append(n_k + q)
            index.extend(ks)
            values.append(1.0)
            values.extend([-1.0] * len(ks))
            starts.append(len(index))
    n_cover = len(starts) - 1
    index.extend(range(n_k))
    values.extend([1.0] * n_k)
    starts.append(len(index))
    n_cols, n_rows = n_k + len(groups), n_cover + 1

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = np.concatenate([np.zeros(n_k), np.array([volumes[g] for g in groups], dtype=float)])
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.ones(n_cols)
    lp.row_lower_ = np.concatenate([np.full(n_cover, -highspy.kHighsInf), [float(stations)]])
    lp.row_upper_ = np.concatenate([np.zeros(n_cover), [float(stations)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(values, dtype=float)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_k + [highspy.HighsVarType.kContinuous] * len(groups)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def _solve_highspy(h: Any, options: Any) -> tuple[float, float]:
    """Run a highspy model with the same options the Pyomo path gets; (objective, HiGHS run s)."""
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    if options.threads > 1:
        # HiGHS's thread pool is process-wide (see optimiser/solver.py): set it only when wanted.
        h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.seed))
    h.run()
    return float(h.getInfo().objective_function_value), float(h.getRunTime())


def frlm_overhead(name: str, nodes: int, flows: int, candidates: int, stations: int, range_km: float) -> dict[str, Any]:
    """Pyomo vs direct highspy build of one arc-cover FRLM instance (same optimum asserted)."""
    from fleetplan.optimiser.frlm import (
        arc_cover_rows,
        build_frlm_model,
        merge_identical_flows,
        round_trip_paths,
    )
    from fleetplan.optimiser.solver import SolverOptions, solve

    graph, od, cands = _frlm_instance(nodes, flows, candidates, seed=7)
    started = time.perf_counter()
    paths = round_trip_paths(graph, od, weight="length_m", km_per_unit=0.001)
    volumes = dict(zip(od["flow_id"], od["flow"], strict=True))
    rows = {f: arc_cover_rows(p, range_km, cands) for f, p in paths.items() if volumes[f] > 0}
    rows_by_group, group_volume, _ = merge_identical_flows(rows, volumes)
    rows_s = time.perf_counter() - started

    started = time.perf_counter()
    model = build_frlm_model(rows_by_group, group_volume, cands, stations)
    pyomo_build_s = time.perf_counter() - started
    options = SolverOptions(time_limit_s=300.0, mip_rel_gap=0.0, threads=1)
    report = solve(model, options)
    pyomo_highs_s = highs_run_time(report.log) or float("nan")

    started = time.perf_counter()
    h = highspy_frlm(rows_by_group, group_volume, cands, stations)
    direct_build_s = time.perf_counter() - started
    started = time.perf_counter()
    direct_objective, direct_highs_s = _solve_highspy(h, options)
    direct_solve_s = time.perf_counter() - started
    agree = report.objective is not None and math.isclose(report.objective, direct_objective, rel_tol=1e-6, abs_tol=1e-6)
    if not agree:
        raise AssertionError(f"{name}: Pyomo optimum {report.objective} != highspy optimum {direct_objective}")
    translate_s = report.solve_time_s - pyomo_highs_s
    return {
        "name": name,
        "nodes": nodes,
        "flows": len(od),
        "groups": len(rows_by_group),
        "rows": sum(len(r) for r in rows_by_group.values()),
        "candidates": len(cands),
        "stations": stations,
        "range_km": range_km,
        "rows_prep_s": rows_s,
        "pyomo_build_s": pyomo_build_s,
        "pyomo_solve_wall_s": report.solve_time_s,
        "pyomo_highs_s": pyomo_highs_s,
        "pyomo_translate_s": translate_s,
        "direct_build_s": direct_build_s,
        "direct_solve_wall_s": direct_solve_s,
        "direct_highs_s": direct_highs_s,
        "objective": report.objective,
        "direct_objective": direct_objective,
        "build_ratio": pyomo_build_s / direct_build_s,
        "build_plus_translate_ratio": (pyomo_build_s + translate_s) / direct_build_s,
    }


def path_combination_vs_arc_cover(name: str, nodes: int, flows: int, candidates: int, stations: int, range_km: float) -> dict[str, Any]:
    """Both FRLM formulations through :func:`fleetplan.optimiser.frlm.solve_frlm` (same optimum asserted)."""
    from fleetplan.optimiser.frlm import solve_frlm
    from fleetplan.optimiser.solver import SolverOptions

    graph, od, cands = _frlm_instance(nodes, flows, candidates, seed=11)
    options = SolverOptions(time_limit_s=120.0, mip_rel_gap=0.0, threads=1)
    out: dict[str, Any] = {"name": name, "nodes": nodes, "flows": len(od), "candidates": len(cands), "stations": stations, "range_km": range_km}
    for formulation in ("arc_cover", "path_combination"):
        result = solve_frlm(
            graph,
            od,
            range_km=range_km,
            stations=stations,
            candidate_nodes=cands,
            options=options,
            formulation=formulation,
            weight="length_m",
            km_per_unit=0.001,
        )
        out[formulation] = {
            "build_s": result.build_seconds,
            "solve_s": result.solve_seconds,
            "rows_or_combinations": result.n_rows,
            "objective": result.objective,
            "flow_refuelled": result.flow_refuelled,
            "status": result.status,
        }
    a, b = out["arc_cover"]["flow_refuelled"], out["path_combination"]["flow_refuelled"]
    if a is None or b is None or not math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6):
        raise AssertionError(f"{name}: arc-cover refuels {a}, path-combination {b}")
    total = lambda f: out[f]["build_s"] + out[f]["solve_s"]  # noqa: E731
    out["total_ratio"] = total("path_combination") / total("arc_cover")
    return out


def threads_solve(threads: int, gap: float, time_limit_s: float) -> dict[str, Any]:
    """Solve the Hong Kong default with ``threads`` HiGHS threads.

    One thread count per process: HiGHS sets up its global task scheduler
    once, and a later solve asking for a different count in the same process
    ends without a solution.
    """
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.optimiser.solver import SolverOptions, solve

    model = build_model(prepare_inputs(Scenario()))
    report = solve(model, SolverOptions(time_limit_s=time_limit_s, mip_rel_gap=gap, threads=threads))
    return {
        "threads": threads,
        "mip_rel_gap": gap,
        "time_limit_s": time_limit_s,
        "solve_wall_s": report.solve_time_s,
        "highs_run_s": highs_run_time(report.log),
        "status": report.status,
        "gap": report.gap,
        "objective": report.objective,
    }


def combine_threads(one: dict[str, Any], two: dict[str, Any]) -> dict[str, Any]:
    """The 1- and 2-thread solves side by side with the ratio of HiGHS run times."""
    a, b = one.get("highs_run_s"), two.get("highs_run_s")
    return {
        "mip_rel_gap": one["mip_rel_gap"],
        "time_limit_s": one["time_limit_s"],
        "threads_1": one,
        "threads_2": two,
        "ratio_2_over_1": (b / a) if a and b else None,
    }


def run_baselines(kind: str, full: bool, out: Path, threads: int = 1) -> None:
    """One baseline family in this process; JSON list of results to ``out``."""
    results: list[dict[str, Any]] = []
    if kind == "frlm":
        for spec in FRLM_QUICK + (FRLM_FULL if full else ()):
            results.append(frlm_overhead(*spec))
            out.write_text(json.dumps(results, indent=1, default=_json_default))
    elif kind == "pathcomb":
        for spec in PATHCOMB:
            results.append(path_combination_vs_arc_cover(*spec))
            out.write_text(json.dumps(results, indent=1, default=_json_default))
    elif kind == "threads":
        results.append(threads_solve(threads, 1e-4 if full else 1e-3, 120.0 if full else 30.0))
    out.write_text(json.dumps(results, indent=1, default=_json_default))


# ------------------------------------------------------------------- driver


def _child(args: list[str], out: Path, wall_limit_s: float) -> tuple[Any, str | None]:
    """Run ``python -m bench.run <args>`` with a wall-clock limit; (its JSON or None, error)."""
    command = [sys.executable, "-m", "bench.run", *args, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    error = None
    try:
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=wall_limit_s, check=False)
        if done.returncode != 0:
            error = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    except subprocess.TimeoutExpired:
        error = f"stopped after the {wall_limit_s:.0f} s wall-clock limit"
    data = json.loads(out.read_text()) if out.is_file() and out.stat().st_size else None
    return data, error


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM and the versions of Python, Pyomo and HiGHS."""
    import highspy
    import psutil
    import pyomo

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    version = highspy.Highs().version() if hasattr(highspy.Highs, "version") else "unknown"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": psutil.virtual_memory().total / 1024**3,
        "python": platform.python_version(),
        "pyomo": pyomo.__version__,
        "highs": version,
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


@dataclass
class Run:
    """Everything one ``--quick``/``--full`` run measured."""

    mode: str
    machine: dict[str, Any]
    started: str
    points: list[dict[str, Any]] = field(default_factory=list)
    baselines: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    total_s: float = 0.0


def main_run(full: bool) -> Run:
    """Run every point and baseline of the mode, write the JSON and BENCHMARKS.md."""
    mode = "full" if full else "quick"
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run = Run(mode=mode, machine=machine(), started=time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    scratch = Path(tempfile.mkdtemp(prefix="fleetplan-bench-"))
    points = QUICK_POINTS + (FULL_POINTS if full else ())
    for point in points:
        print(f"[bench] {point.name} ...", flush=True)
        spec = json.dumps(asdict(point))
        data, error = _child(["--point", spec], scratch / f"{point.name}.json", point.wall_limit_s)
        data = data or {"point": asdict(point), "phases_s": {}, "rss_mib": {}, "status": "did not start"}
        if error:
            data["error"] = error
            run.errors.append(f"{point.name}: {error}")
        if point.memory_pass and not error:
            mem, mem_error = _child(["--point", spec, "--memory"], scratch / f"{point.name}-mem.json", point.wall_limit_s)
            data["tracemalloc_peak_mib"] = (mem or {}).get("tracemalloc_peak_mib")
            if mem_error:
                run.errors.append(f"{point.name} (memory pass): {mem_error}")
        run.points.append(data)
        _print_point(data)
    for kind, limit in (("frlm", 3600.0 if full else 600.0), ("pathcomb", 900.0), ("threads-1", 900.0), ("threads-2", 900.0)):
        print(f"[bench] baseline {kind} ...", flush=True)
        name, _, threads = kind.partition("-")
        args = ["--baseline", name, "--threads", threads or "1"] + (["--full"] if full else [])
        data, error = _child(args, scratch / f"baseline-{kind}.json", limit)
        run.baselines[kind] = data or []
        if error:
            run.errors.append(f"baseline {kind}: {error}")
            print(f"[bench]   error: {error}", flush=True)
    one, two = run.baselines.pop("threads-1"), run.baselines.pop("threads-2")
    run.baselines["threads"] = [combine_threads(one[0], two[0])] if one and two else []
    run.total_s = time.perf_counter() - started
    payload = asdict(run)
    (RESULTS / f"{mode}.json").write_text(json.dumps(payload, indent=1, default=_json_default))
    write_markdown(render(payload))
    print(f"[bench] done in {run.total_s:.0f} s; wrote {RESULTS / (mode + '.json')} and {MARKDOWN}", flush=True)
    return run


def _print_point(data: dict[str, Any]) -> None:
    phases = ", ".join(f"{k} {v:.2f}" for k, v in data.get("phases_s", {}).items())
    solve = data.get("solve", {})
    print(f"[bench]   {phases}; gap {solve.get('gap')}; {data.get('status')} {data.get('error', '')}", flush=True)


# ------------------------------------------------------------------ reporting


MODEL_PHASES = ("load", "graph_paths", "prepare", "build", "solve", "extract")


def derived(point: dict[str, Any]) -> dict[str, float | None]:
    """Pyomo-side time and its share of the total for one point (s, share).

    Pyomo side = build + extraction + (solve wall − HiGHS run time), the last
    being the translation of the model into HiGHS and the loading of values.
    Total = load + prepare + build + solve + extract (``graph_paths`` is a
    separately timed part of prepare, so it is not added again).
    """
    phases = point.get("phases_s", {})
    solve = point.get("solve", {})
    highs = solve.get("highs_run_s")
    if "solve" not in phases or highs is None:
        return {"pyomo_s": None, "total_s": None, "pyomo_share": None, "highs_s": highs}
    pyomo_s = phases.get("build", 0.0) + phases.get("extract", 0.0) + max(phases["solve"] - highs, 0.0)
    total = sum(phases.get(k, 0.0) for k in ("load", "prepare", "build", "solve", "extract"))
    return {"pyomo_s": pyomo_s, "total_s": total, "pyomo_share": pyomo_s / total if total else None, "highs_s": highs}


def loglog_slopes(points: list[dict[str, Any]], sweep: str, key: str) -> dict[str, float]:
    """Slope of log(phase time) against log(size[key]) over the points of one sweep."""
    chosen = [p for p in points if sweep in p.get("point", {}).get("sweep", ()) and p.get("size")]
    slopes: dict[str, float] = {}
    if len(chosen) < 2:
        return slopes
    xs = np.log([p["size"][key] for p in chosen])
    if np.ptp(xs) == 0:
        return slopes
    for phase in ("load", "graph_paths", "prepare", "build", "solve", "extract"):
        ys = [p["phases_s"].get(phase) for p in chosen]
        if any(y is None or y <= 0 for y in ys):
            continue
        slopes[phase] = float(np.polyfit(xs, np.log(ys), 1)[0])
    hs = [derived(p)["highs_s"] for p in chosen]
    if all(h is not None and h > 0 for h in hs):
        slopes["highs_run"] = float(np.polyfit(xs, np.log(hs), 1)[0])
    return slopes


def _f(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.2f} %"


def render(run: dict[str, Any]) -> str:
    """BENCHMARKS.md from one run's JSON."""
    m = run["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `python -m bench.run --{run['mode']}` on {run['started']} "
        f"(whole run {run['total_s']:.0f} s). Raw figures: `bench/results/{run['mode']}.json` (not committed).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores (shared with other work during the run: "
        f"load average at start {', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}), RAM {m['ram_gib']:.1f} GiB",
        f"- Python {m['python']}, Pyomo {m['pyomo']}, HiGHS {m['highs']} ({m['platform']})",
        "",
        "Absolute times are noisy on a shared machine; compare the **ratios**, which are measured in the same run.",
        "",
        "## Reproduce",
        "",
        "```",
        "make bench        # = .venv/bin/python -m bench.run --quick  (small points, a few minutes)",
        "make bench-full   # = .venv/bin/python -m bench.run --full   (adds the 2k- and 10k-node cities)",
        "```",
        "",
        "A synthetic city of the tables below is `bench.synthetic.write_synthetic(folder, nodes=…, sites=…, "
        "flows=…, years=…, depots=…, zones=…, seed=0)`; one point alone: "
        "`python -m bench.run --point '<json of bench.run.Point>' --out point.json`.",
        "",
        "## Fleet model: phases per scale point (seconds)",
        "",
        "`graph+paths` is the road-graph part of `prepare` (graph, snapping, round-trip paths, arc-cover rows), "
        "timed on its own; `prepare` includes it. `HiGHS` is HiGHS's own run time from its log; "
        "`Pyomo share` = (build + extract + solve − HiGHS) / (load + prepare + build + solve + extract).",
        "",
        "| point | nodes | sites | flows | years | vars | cons | load | graph+paths | prepare | build | solve | HiGHS | extract | Pyomo share | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in run["points"]:
        s, ph, d = p.get("size", {}), p.get("phases_s", {}), derived(p)
        status = p.get("status", "")
        if p.get("error"):
            status += f"; {p['error']}"
        lines.append(
            f"| {p['point']['name']} | {s.get('nodes', '–')} | {s.get('sites', '–')} | {s.get('flows', '–')} | "
            f"{s.get('years', '–')} | {s.get('variables', '–')} | {s.get('constraints', '–')} | "
            + " | ".join(_f(ph.get(k)) for k in ("load", "graph_paths", "prepare", "build", "solve"))
            + f" | {_f(d['highs_s'])} | {_f(ph.get('extract'))} | {_pct(d['pyomo_share'])} | {status} |"
        )
    lines += [
        "",
        "## Fleet model: solution quality and memory",
        "",
        "| point | HiGHS limit (s) | final gap | time to 1 % gap (s from solve start) | gap after 60 s | objective | peak RSS (MiB) | Python peak, tracemalloc, load→build (MiB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in run["points"]:
        sv = p.get("solve", {})
        rss = max(p.get("rss_mib", {}).values(), default=None)
        lines.append(
            f"| {p['point']['name']} | {p['point']['time_limit_s']:.0f} | {_pct(sv.get('gap'))} | {_f(sv.get('time_to_1pct_gap_s'))} | "
            f"{_pct(sv.get('gap_after_60s'))} | {_f(sv.get('objective'), 1)} | {_f(rss, 0)} | {_f(p.get('tracemalloc_peak_mib'), 0)} |"
        )
    lines += ["", "## Growth (log-log slopes of phase time against size)", ""]
    for sweep, key, what in (
        ("flows", "flows", "flows, at 400 nodes / 40 sites / 21 years"),
        ("sites", "sites", "candidate sites, at 400 nodes / 100 flows / 21 years"),
        ("scale", "flows", "flows, over the 2k and 10k cities (sites, nodes and flows grow together)"),
    ):
        slopes = loglog_slopes(run["points"], sweep, key)
        if slopes:
            lines.append(f"- against {what}: " + ", ".join(f"{k} {v:.2f}" for k, v in slopes.items()))
    lines += [
        "",
        "A slope of 1 is linear growth, 2 quadratic. Few points over a small range: read them as a guide to which phase "
        "grows fastest, not as exponents.",
        "",
    ]
    lines += _render_baselines(run)
    lines += _render_targets(run)
    if run.get("errors"):
        lines += ["", "## Errors during the run", ""] + [f"- {e}" for e in run["errors"]]
    return "\n".join(lines) + "\n"


def _render_baselines(run: dict[str, Any]) -> list[str]:
    b = run.get("baselines", {})
    lines = [
        "## Baselines (ratios in the same run)",
        "",
        "### Modelling overhead floor: Pyomo vs direct highspy build of the standalone arc-cover FRLM",
        "",
        "Same rows (after dropping dominated rows and merging identical flows), same HiGHS options "
        "(gap 0, 1 thread); the optima are asserted equal. `translate` = Pyomo solve wall − HiGHS run time.",
        "",
        "| instance | flow groups | arc rows | candidates | p | rows prep (s) | Pyomo build (s) | Pyomo translate (s) | highspy build (s) | HiGHS via Pyomo (s) | HiGHS direct (s) | build ratio | build+translate ratio | optimum |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {r['name']} | {r['groups']} | {r['rows']} | {r['candidates']} | {r['stations']} | {_f(r['rows_prep_s'])} | "
            f"{_f(r['pyomo_build_s'])} | {_f(r['pyomo_translate_s'])} | {_f(r['direct_build_s'], 3)} | {_f(r['pyomo_highs_s'])} | "
        f"{_f(r['direct_highs_s'])} | **{_f(r['build_ratio'], 1)}×** | **{_f(r['build_plus_translate_ratio'], 1)}×** | {_f(r['objective'], 1)} |"
        for r in b.get("frlm", [])
    )
    lines += [
        "",
        "### Arc-cover vs path-combination FRLM (`solve_frlm`, gap 0)",
        "",
        "| instance | flows | candidates | p | arc-cover rows | arc-cover build+solve (s) | combinations | path-comb. build+solve (s) | path-comb. / arc-cover | same refuelled flow |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in b.get("pathcomb", []):
        a, c = r["arc_cover"], r["path_combination"]
        lines.append(
            f"| {r['name']} | {r['flows']} | {r['candidates']} | {r['stations']} | {a['rows_or_combinations']} | "
            f"{_f(a['build_s'] + a['solve_s'])} | {c['rows_or_combinations']} | {_f(c['build_s'] + c['solve_s'])} | "
            f"**{_f(r['total_ratio'], 1)}×** | yes ({_f(a['flow_refuelled'], 1)}) |"
        )
    lines += ["", "### HiGHS threads on the Hong Kong default", ""]
    for r in b.get("threads", []):
        one, two = r["threads_1"], r["threads_2"]
        lines += [
            f"Gap {r['mip_rel_gap']:g}, limit {r['time_limit_s']:.0f} s, fresh model per solve.",
            "",
            "| threads | HiGHS run (s) | solve wall (s) | status | gap |",
            "|---|---|---|---|---|",
            f"| 1 | {_f(one['highs_run_s'])} | {_f(one['solve_wall_s'])} | {one['status']} | {_pct(one['gap'])} |",
            f"| 2 | {_f(two['highs_run_s'])} | {_f(two['solve_wall_s'])} | {two['status']} | {_pct(two['gap'])} |",
            "",
            f"HiGHS time with 2 threads / 1 thread: **{_f(r['ratio_2_over_1'])}** (the machine has 2 cores shared with other work).",
        ]
    return lines


def _render_targets(run: dict[str, Any]) -> list[str]:
    points = {p["point"]["name"]: p for p in run["points"]}
    lines = ["", "## Targets", ""]
    hk = points.get("hk-default")
    if hk and hk.get("solve"):
        t = hk["solve"].get("time_to_1pct_gap_s")
        end_to_end = None
        if t is not None:
            end_to_end = sum(hk["phases_s"].get(k, 0.0) for k in ("load", "prepare", "build")) + t
        met = end_to_end is not None and end_to_end <= HK_TIME_TARGET_S
        lines.append(
            f"- Hong Kong default to ≤ 1 % gap within 30 s: **{'met' if met else 'not met'}** — "
            f"load + prepare + build + solve to 1 % = {_f(end_to_end)} s (solve alone {_f(t)} s), final gap {_pct(hk['solve'].get('gap'))}."
        )
    else:
        lines.append(f"- Hong Kong default to ≤ 1 % gap within 30 s: **not measured** ({(hk or {}).get('error', 'no result')}).")
    synthetic = [p for p in run["points"] if p["point"]["kind"] == "synthetic"]
    # the largest city; of equal sizes, one that finished (e.g. the multi-year-step run)
    largest = max(synthetic, key=lambda p: (p["point"]["flows"], p["point"]["sites"], p.get("status") == "done"), default=None)
    if largest is None:
        return lines
    name = largest["point"]["name"]
    d = derived(largest)
    rss = max(largest.get("rss_mib", {}).values(), default=None)
    if d["pyomo_share"] is not None:
        ok = d["pyomo_share"] <= PYOMO_SHARE_TARGET
        lines.append(
            f"- Pyomo-side time ≤ 30 % of total at the largest point run ({name}): **{'met' if ok else 'not met'}** — "
            f"{_pct(d['pyomo_share'])} ({_f(d['pyomo_s'])} s of {_f(d['total_s'])} s)."
        )
    else:
        lines.append(f"- Pyomo-side time ≤ 30 % of total at the largest point run ({name}): **not measured** (the solve did not run: {largest.get('error', largest.get('status'))}).")
    sv = largest.get("solve", {})
    t = sv.get("time_to_1pct_gap_s")
    phases = largest.get("phases_s", {})
    end_to_end = None if t is None else sum(phases.get(k, 0.0) for k in ("load", "prepare", "build")) + t
    ok_time = end_to_end is not None and end_to_end <= LARGEST_TIME_TARGET_S
    ok_mem = rss is not None and rss <= LARGEST_MEMORY_TARGET_MIB and "solve" in phases
    lines.append(
        f"- Largest point run ({name}) to ≤ 1 % gap within 10 minutes: **{'met' if ok_time else 'not met'}** "
        f"(load + prepare + build + solve to 1 % = {_f(end_to_end)} s; phases finished: {', '.join(phases) or 'none'}"
        + (f"; {largest['error']}" if largest.get("error") else "")
        + f"); under 8 GiB: **{'met' if ok_mem else ('not met' if rss and rss > LARGEST_MEMORY_TARGET_MIB else 'not shown')}** (peak RSS {_f(rss, 0)} MiB)."
    )
    if run["mode"] == "quick":
        lines.append(
            "- This is a `--quick` run: its largest point is small. The 2k- and 10k-node targets need `make bench-full`."
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small points only (default)")
    mode.add_argument("--full", action="store_true", help="every point, up to 10k nodes / 20k flows")
    parser.add_argument("--point", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", choices=("frlm", "pathcomb", "threads"), help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--render", type=Path, help="re-render BENCHMARKS.md from a results JSON")
    args = parser.parse_args(argv)
    if args.point:
        run_point(Point(**{**json.loads(args.point), "sweep": tuple(json.loads(args.point).get("sweep", ()))}), args.out, memory_pass=args.memory)
        return 0
    if args.baseline:
        run_baselines(args.baseline, args.full, args.out, args.threads)
        return 0
    if args.render:
        write_markdown(render(json.loads(args.render.read_text())))
        return 0
    main_run(full=args.full)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
