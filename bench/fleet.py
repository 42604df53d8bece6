"""Fleet-model scale points: what a point is, the points of ``--quick`` and ``--full``, running one.

A point runs in its own child process (``python -m bench.run --point``) so
that its peak resident memory is its own; :func:`run_point` is that child's
work. Each phase (generate, load, graph+paths, prepare, build, solve,
extract) is timed and written to the point's JSON as soon as it finishes.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import tracemalloc
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.measure import MIB, Recorder, gap_milestones, highs_run_time


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
    #: the scenario's ``solver.lp_guided_start`` (compare the two with the same point)
    lp_guided_start: bool = True


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


def _scenario(point: Point) -> Any:
    from fleetplan.optimiser.scenario import Scenario, Solver, Years

    solver = Solver(
        time_limit_s=point.time_limit_s,
        mip_rel_gap=point.mip_rel_gap,
        threads=1,
        lp_guided_start=point.lp_guided_start,
    )
    if point.kind == "hk":
        return Scenario(solver=solver)
    return Scenario(
        name=point.name,
        years=Years(start=2025, end=2025 + point.years - 1, step=point.year_step),
        solver=solver,
    )


def write_city(point: Point, workdir: Path) -> None:
    """Write ``point``'s synthetic city to ``workdir/city`` (nothing for the Hong Kong default)."""
    if point.kind == "hk":
        return
    from bench.synthetic import write_synthetic

    write_synthetic(
        workdir / "city",
        nodes=point.nodes,
        sites=point.sites,
        flows=point.flows,
        years=point.years,
        depots=point.depots,
        zones=point.zones,
        seed=point.seed,
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

    graph = build_graph(dataset.nodes, dataset.edges, metric_crs=dataset.city.metric_crs)
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
    from fleetplan.optimiser.plan import solver_options
    from fleetplan.optimiser.results import extract_results
    from fleetplan.optimiser.solver import solve

    rec = Recorder(out, {"point": asdict(point), "pass": "memory" if memory_pass else "timing"})
    if point.kind != "hk":
        rec.phase("generate", lambda: write_city(point, workdir))
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
    truck_range = ParameterTable(dataset.parameters, scenario.year_list, scenario).scalar(
        "range_km", "truck", "fcev"
    )
    rec.data["size"].update(
        rec.phase("graph_paths", lambda: _graph_and_paths(dataset, truck_range))
    )
    inputs = rec.phase("prepare", lambda: prepare_inputs(scenario, dataset))
    model = rec.phase("build", lambda: build_model(inputs))
    rec.data["size"]["variables"] = sum(
        1 for _ in model.component_data_objects(pyo.Var, descend_into=True)
    )
    rec.data["size"]["constraints"] = sum(
        1 for _ in model.component_data_objects(pyo.Constraint, active=True, descend_into=True)
    )
    if memory_pass:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rec.data["tracemalloc_peak_mib"] = peak / MIB
        rec.data["status"] = "done"
        rec.flush()
        return

    progress: list[dict[str, float]] = []
    # The options a plan gets (gap of what decisions change, the LP-guided start rounding
    # public chargers up), with the point's limit and gap.
    options = dataclasses.replace(
        solver_options(scenario, inputs),
        time_limit_s=point.time_limit_s,
        mip_rel_gap=point.mip_rel_gap,
        threads=1,
    )
    report = rec.phase("solve", lambda: solve(model, options, on_progress=progress.append))
    # every HiGHS run of the solve (LP-guided start included), else what the log says
    highs_s = report.highs_run_s if report.highs_run_s is not None else highs_run_time(report.log)
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
