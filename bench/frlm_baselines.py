"""FRLM baselines: Pyomo vs the direct highspy build of the arc-cover FRLM, and arc-cover vs path-combination.

Both are measured on synthetic road graphs (:func:`bench.synthetic.synthetic_tables`)
and assert that the two sides reach the same optimum.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd

from bench.measure import highs_run_time

#: FRLM overhead instances: (name, nodes, flows, candidates, stations, range km).
FRLM_QUICK = (("frlm-n1000-f2000-c200", 1000, 2000, 200, 10, 40.0),)
FRLM_FULL = (("frlm-n10000-f20000-c1000", 10_000, 20_000, 1000, 30, 40.0),)
#: Path-combination instances: (name, nodes, flows, candidates, stations, range km).
PATHCOMB = (
    ("pc-n100-f50-p2", 100, 50, 40, 2, 40.0),
    ("pc-n100-f50-p3", 100, 50, 40, 3, 40.0),
    ("pc-n200-f100-p3", 200, 100, 60, 3, 40.0),
)


def _frlm_instance(
    nodes: int, flows: int, candidates: int, seed: int
) -> tuple[Any, pd.DataFrame, list[str]]:
    """A synthetic road graph (edge ``length_m``), OD flows between its truck places, candidate nodes."""
    from bench.synthetic import METRIC_CRS, synthetic_tables
    from fleetplan.network.graph import build_graph, snap_to_nodes

    tables = synthetic_tables(
        nodes=nodes, sites=max(candidates, 4), flows=flows, depots=1, zones=3, seed=seed
    )
    graph = build_graph(tables["nodes"], tables["edges"], metric_crs=METRIC_CRS)
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
    """The arc-cover FRLM handed to highspy directly: now the library's default backend,
    :func:`fleetplan.optimiser.frlm.build_highs_frlm` (this name is kept for the tests)."""
    from fleetplan.optimiser.frlm import build_highs_frlm

    return build_highs_frlm(rows_by_group, volumes, candidates, stations)


def _solve_highspy(h: Any, options: Any) -> tuple[float, float]:
    """Run a highspy model with the same options the Pyomo path gets; (objective, HiGHS run s)."""
    from fleetplan.optimiser.highs_core import apply_options

    apply_options(h, options)
    h.run()
    return float(h.getInfo().objective_function_value), float(h.getRunTime())


def frlm_overhead(
    name: str, nodes: int, flows: int, candidates: int, stations: int, range_km: float
) -> dict[str, Any]:
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
    pyomo_highs_s = report.highs_run_s or highs_run_time(report.log) or float("nan")

    started = time.perf_counter()
    h = highspy_frlm(rows_by_group, group_volume, cands, stations)
    direct_build_s = time.perf_counter() - started
    started = time.perf_counter()
    direct_objective, direct_highs_s = _solve_highspy(h, options)
    direct_solve_s = time.perf_counter() - started
    agree = report.objective is not None and math.isclose(
        report.objective, direct_objective, rel_tol=1e-6, abs_tol=1e-6
    )
    if not agree:
        raise AssertionError(
            f"{name}: Pyomo optimum {report.objective} != highspy optimum {direct_objective}"
        )
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


def path_combination_vs_arc_cover(
    name: str, nodes: int, flows: int, candidates: int, stations: int, range_km: float
) -> dict[str, Any]:
    """Both FRLM formulations through :func:`fleetplan.optimiser.frlm.solve_frlm` (same optimum asserted)."""
    from fleetplan.optimiser.frlm import solve_frlm
    from fleetplan.optimiser.solver import SolverOptions

    graph, od, cands = _frlm_instance(nodes, flows, candidates, seed=11)
    options = SolverOptions(time_limit_s=120.0, mip_rel_gap=0.0, threads=1)
    out: dict[str, Any] = {
        "name": name,
        "nodes": nodes,
        "flows": len(od),
        "candidates": len(cands),
        "stations": stations,
        "range_km": range_km,
    }
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
            # Both through Pyomo, so the two formulations are compared on the same footing.
            backend="pyomo",
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
