"""fleetplan's FRLM against PySAL spopt's on the same instances, and ``fleetplan`` start-up (#17).

Run ``python -m bench.spopt_baseline`` (``make bench`` runs it after the other
baselines; ``--write`` puts the section into BENCHMARKS.md). spopt 0.8 needs
Python ≥ 3.12, so it lives in its own environment, ``.venv-spopt`` (``make
bench-spopt-env``), and is run as a subprocess there (:mod:`bench.spopt_runner`);
without that environment the spopt half is skipped with one line.

What is measured, on each instance, in the same run:

- fleetplan: ``fleetplan frlm --json`` as a subprocess (start-up, CSV reading,
  paths, rows, the highspy build, HiGHS at gap 0);
- spopt: ``.venv-spopt/bin/python bench/spopt_runner.py`` as a subprocess
  (start-up, the same CSVs, spopt's build, HiGHS through PuLP at gap 0);

each the median of 3 wall times. Both objectives are reported, and spopt's
stations are re-scored under fleetplan's refuelling rule (Kuby & Lim 2005,
:mod:`fleetplan.optimiser.frlm.rules`), because the two models do not refuel
the same flows: see :data:`SPOPT_RULE`. On the small instance the brute-force
optimum (``tests/frlm_oracle.py``) is computed as well.

Start-up: ``python -c pass``, ``fleetplan --help`` and ``fleetplan frlm`` on the
25-node instance, median of 5 wall times each, measured in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SPOPT_VENV = REPO / ".venv-spopt"
SPOPT_PYTHON = SPOPT_VENV / "bin" / "python"
RUNNER = REPO / "bench" / "spopt_runner.py"

#: What spopt 0.8.0's uncapacitated FRLM checks (read from spopt/locate/flow.py).
SPOPT_RULE = (
    "spopt (uncapacitated FRLM, `generate_path_refueling_combinations(method='ac_pc')`): "
    "a flow's path is split into its one-way arcs (u, v); a candidate node k can refuel arc (u, v) "
    "if its network shortest-path distance to u or to v is ≤ R/2 (k need not lie on the path); "
    "the flow counts (binary y_q) when every one-way arc has an open station in that set. "
    "The return trip, the tank carried between stations and the range between consecutive "
    "stations are not checked, so stations up to R + an arc apart, or off the route, count. "
    "fleetplan (Kuby & Lim 2005, Capar et al. 2013): only stations on the path count; around the "
    "round trip O→D→O every gap between consecutive station visits must be ≤ R (so an origin "
    "without a station is left on half a tank), checked per directed arc of the round trip."
)


@dataclass(frozen=True)
class InstanceSpec:
    """A random FRLM instance: ``nodes`` on a square of side ``side_km``, every unordered pair a flow."""

    name: str
    nodes: int
    side_km: float
    range_km: float
    stations: int
    seed: int

    @property
    def flows(self) -> int:
        return self.nodes * (self.nodes - 1) // 2


#: Sizes: a 25-node network; BE1-sized (83 nodes, 3,403 OD flows, range 150 km); two larger.
INSTANCES = (
    InstanceSpec("random-25", 25, 200.0, 150.0, 4, seed=25),
    InstanceSpec("be1-size-83", 83, 300.0, 150.0, 8, seed=83),
    InstanceSpec("be2-size-120", 120, 360.0, 150.0, 10, seed=120),
    InstanceSpec("be3-size-160", 160, 420.0, 150.0, 12, seed=160),
)
QUICK = INSTANCES[:2]


def random_network(
    spec: InstanceSpec,
) -> tuple[list[str], list[tuple[str, str, float]], list[tuple[str, str, float]]]:
    """Nodes, edges (km) and flows of a connected random road-like network.

    Points uniform on the square; each joins its 3 nearest neighbours, plus the
    minimum spanning tree so the graph is connected; an edge is 1.2 × the
    straight line (roads detour). Flows: every unordered pair, gravity volumes
    ``round(100·w_i·w_j / (d_ij/50 + 1)²)`` with weights w ~ U(0.2, 1), ≥ 1.
    """
    rng = random.Random(spec.seed)
    points = [
        (rng.uniform(0, spec.side_km), rng.uniform(0, spec.side_km)) for _ in range(spec.nodes)
    ]
    names = [f"n{i:03d}" for i in range(spec.nodes)]

    def dist(i: int, j: int) -> float:
        return math.dist(points[i], points[j])

    pairs: set[tuple[int, int]] = set()
    for i in range(spec.nodes):
        nearest = sorted((j for j in range(spec.nodes) if j != i), key=lambda j: dist(i, j))[:3]
        pairs.update((min(i, j), max(i, j)) for j in nearest)
    # Prim's minimum spanning tree: connectivity whatever the nearest-neighbour edges did.
    inside, best = {0}, {j: (dist(0, j), 0) for j in range(1, spec.nodes)}
    while best:
        j = min(best, key=lambda k: best[k][0])
        _, i = best.pop(j)
        inside.add(j)
        pairs.add((min(i, j), max(i, j)))
        for k in best:
            if dist(j, k) < best[k][0]:
                best[k] = (dist(j, k), j)
    edges = [(names[i], names[j], round(1.2 * dist(i, j), 3)) for i, j in sorted(pairs)]
    weight = [rng.uniform(0.2, 1.0) for _ in range(spec.nodes)]
    flows = [
        (
            names[i],
            names[j],
            float(max(1, round(100 * weight[i] * weight[j] / (dist(i, j) / 50 + 1) ** 2))),
        )
        for i, j in itertools.combinations(range(spec.nodes), 2)
    ]
    return names, edges, flows


def write_instance(spec: InstanceSpec, folder: Path) -> Path:
    """Write NODES.csv, EDGES.csv, FLOWS.csv of ``spec`` under ``folder/spec.name``."""
    nodes, edges, flows = random_network(spec)
    out = folder / spec.name
    out.mkdir(parents=True, exist_ok=True)
    (out / "NODES.csv").write_text("node\n" + "".join(f"{n}\n" for n in nodes), encoding="utf-8")
    (out / "EDGES.csv").write_text(
        "from,to,length\n" + "".join(f"{u},{v},{length}\n" for u, v, length in edges),
        encoding="utf-8",
    )
    (out / "FLOWS.csv").write_text(
        "origin,destination,flow\n" + "".join(f"{o},{d},{f:g}\n" for o, d, f in flows),
        encoding="utf-8",
    )
    return out


def _frlm_args(folder: Path, spec: InstanceSpec) -> list[str]:
    return [
        "frlm", "--nodes", str(folder / "NODES.csv"), "--edges", str(folder / "EDGES.csv"),
        "--flows", str(folder / "FLOWS.csv"), "--range", f"{spec.range_km:g}",
        "--stations", str(spec.stations), "--gap", "0", "--time-limit", "600", "--json",
    ]  # fmt: skip


def _timed(
    command: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time (s) of one subprocess, and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd, env=env)
    return time.perf_counter() - started, done


def _median_run(command: list[str], repeats: int) -> tuple[float, list[float], dict[str, Any]]:
    """Median wall time of ``repeats`` runs, all times, and the last run's JSON output."""
    times, payload = [], {}
    for _ in range(repeats):
        seconds, done = _timed(command)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:3])} failed ({done.returncode}): {done.stderr.strip()[-500:]}"
            )
        times.append(seconds)
        try:
            payload = json.loads(done.stdout)
        except json.JSONDecodeError:  # spopt may print before the runner's one JSON line
            payload = json.loads(done.stdout.strip().splitlines()[-1])
    return statistics.median(times), times, payload


def rescore(folder: Path, spec: InstanceSpec, stations: list[str]) -> float:
    """Flow volume that ``stations`` refuel under fleetplan's rule (the arc-cover rows, exact)."""
    from fleetplan.network.importers.csv_network import read_frlm_network
    from fleetplan.optimiser.frlm import arc_cover_rows, round_trip_paths

    graph, flows = read_frlm_network(
        folder / "NODES.csv", folder / "EDGES.csv", folder / "FLOWS.csv"
    )
    paths = round_trip_paths(graph, flows)
    volume = dict(zip(flows["flow_id"], flows["flow"], strict=True))
    open_set = set(stations)
    total = 0.0
    for flow_id, path in paths.items():
        rows = arc_cover_rows(path, spec.range_km)
        if rows and all(row & open_set for row in rows):
            total += volume[flow_id]
    return total


def spopt_rule_score(folder: Path, spec: InstanceSpec, stations: list[str]) -> float:
    """Flow volume that ``stations`` cover under spopt's rule (:data:`SPOPT_RULE`), recomputed here.

    Shortest paths are fleetplan's (ties aside, the same as spopt's scipy paths on
    real-valued lengths); distances to arc ends are network distances.
    """
    import networkx as nx

    from fleetplan.network.importers.csv_network import read_frlm_network
    from fleetplan.optimiser.frlm import round_trip_paths

    graph, flows = read_frlm_network(
        folder / "NODES.csv", folder / "EDGES.csv", folder / "FLOWS.csv"
    )
    paths = round_trip_paths(graph, flows)
    volume = dict(zip(flows["flow_id"], flows["flow"], strict=True))
    near = {
        s: nx.single_source_dijkstra_path_length(
            graph, s, cutoff=spec.range_km / 2, weight="length"
        )
        for s in stations
    }
    total = 0.0
    for flow_id, path in paths.items():
        arcs = itertools.pairwise(path.nodes)
        if all(any(u in near[s] or v in near[s] for s in stations) for u, v in arcs):
            total += volume[flow_id]
    return total


def brute_force(folder: Path, spec: InstanceSpec) -> float | None:
    """The exhaustive optimum (tests/frlm_oracle.py) when C(n, p) is small enough, else None."""
    if math.comb(spec.nodes, spec.stations) > 20_000:
        return None
    sys.path.insert(0, str(REPO))
    from fleetplan.network.importers.csv_network import read_frlm_csv
    from tests.frlm_oracle import brute_force_frlm

    graph, flows = read_frlm_csv(folder / "NODES.csv", folder / "EDGES.csv", folder / "FLOWS.csv")
    best, _ = brute_force_frlm(graph, flows, spec.range_km, spec.stations)
    return best


def compare(
    spec: InstanceSpec, folder: Path, repeats: int = 3, spopt_time_limit_s: float = 600.0
) -> dict[str, Any]:
    """fleetplan and (if ``.venv-spopt`` exists) spopt on one instance."""
    out: dict[str, Any] = {
        "name": spec.name,
        "nodes": spec.nodes,
        "flows": spec.flows,
        "range_km": spec.range_km,
        "stations": spec.stations,
    }
    fp_s, fp_times, fp = _median_run([*CLI, *_frlm_args(folder, spec)], repeats)
    out["fleetplan"] = {
        "wall_s": fp_s, "walls_s": fp_times, "status": fp["status"], "objective": fp["flow_refuelled"],
        "flow_total": fp["flow_total"], "stations": fp["stations"], "build_s": fp["build_seconds"], "solve_s": fp["solve_seconds"],
    }  # fmt: skip
    out["edges"] = fp["edges"]
    out["brute_force"] = brute_force(folder, spec)
    if SPOPT_PYTHON.exists():
        command = [
            str(SPOPT_PYTHON),
            str(RUNNER),
            str(folder),
            f"{spec.range_km:g}",
            str(spec.stations),
            f"{spopt_time_limit_s:g}",
        ]
        try:
            sp_s, sp_times, sp = _median_run(command, repeats)
        except (RuntimeError, json.JSONDecodeError, IndexError) as error:
            # A broken spopt environment must not fail `make bench`: say so and go on.
            print(f"  spopt failed on {spec.name}: {error}", flush=True)
            out["spopt"] = {"error": str(error)[-300:]}
            return out
        sp["wall_s"], sp["walls_s"] = sp_s, sp_times
        sp["rescored_kuby_lim"] = rescore(folder, spec, sp["stations"])
        out["spopt"] = sp
        out["fleetplan_under_spopt_rule"] = spopt_rule_score(folder, spec, fp["stations"])
        out["spopt_rule_check"] = spopt_rule_score(folder, spec, sp["stations"])
        out["ratio_wall"] = fp_s / sp_s
    return out


#: ``fleetplan`` as its console script runs it (the same for the tree measured before).
CLI = [sys.executable, "-c", "from fleetplan.cli import main; main()"]


def startup(
    folder: Path, spec: InstanceSpec, repeats: int = 5, before: Path | None = None
) -> dict[str, dict[str, float]]:
    """Median wall times (s) of ``python -c pass``, ``fleetplan --help``, ``fleetplan frlm``
    on ``spec``, and ``fleetplan frlm`` refusing a bad ``--range`` (an input error, exit 2).

    ``before``: a folder whose ``fleetplan`` package (an older tree) is put first on
    PYTHONPATH, measured in the same loop, so both columns share the machine's load.
    """
    commands = {
        "python -c pass": ["-c", "pass"],
        "fleetplan --help": ["--help"],
        f"fleetplan frlm ({spec.nodes} nodes, --json, gap 0)": _frlm_args(folder, spec),
        "fleetplan frlm, bad --range (exit 2)": [
            *_frlm_args(folder, spec)[:7],
            "--range",
            "-1",
            "--stations",
            "1",
        ],
    }
    trees = {"now": None} | ({"before": before} if before else {})
    times: dict[str, dict[str, list[float]]] = {
        tree: {label: [] for label in commands} for tree in trees
    }
    with (
        tempfile.TemporaryDirectory() as cwd
    ):  # not the repo: its fleetplan/ folder would shadow `before`
        for _ in range(repeats):
            for tree, path in trees.items():
                env = dict(os.environ) | ({"PYTHONPATH": str(path)} if path else {})
                for label, args in commands.items():
                    command = (
                        [sys.executable, *args] if label.startswith("python") else [*CLI, *args]
                    )
                    times[tree][label].append(_timed(command, cwd=Path(cwd), env=env)[0])
    return {
        tree: {label: statistics.median(v) for label, v in by.items()} for tree, by in times.items()
    }


def run(
    instances: tuple[InstanceSpec, ...],
    folder: Path | None = None,
    before: Path | None = None,
    repeats: int = 3,
    progress: Path | None = None,
) -> dict[str, Any]:
    """Write the instances, time start-up and both models; a JSON-ready dict.

    ``progress``: a JSON file rewritten after each instance, so a run stopped by a
    wall-clock limit still leaves the instances it finished.
    """
    folder = folder or Path(tempfile.mkdtemp(prefix="fleetplan-spopt-"))
    paths = {spec.name: write_instance(spec, folder) for spec in instances}
    # Start-up is timed on the small instance only; a run of the large ones alone skips it.
    small = next((spec for spec in instances if spec.name == QUICK[0].name), None)
    times = startup(paths[small.name], small, before=before) if small else {"now": {}}
    result: dict[str, Any] = {
        "folder": str(folder),
        "cpu_count": os.cpu_count(),
        "spopt_env": SPOPT_PYTHON.exists(),
        "spopt_rule": SPOPT_RULE,
        "startup": times["now"],
        "startup_before": times.get("before"),
        "instances": [],
    }
    if not SPOPT_PYTHON.exists():
        print("spopt baseline skipped: no .venv-spopt (make bench-spopt-env creates it)")
    for spec in instances:
        print(f"  {spec.name}: {spec.nodes} nodes, {spec.flows} flows ...", flush=True)
        result["instances"].append(compare(spec, paths[spec.name], repeats=repeats))
        if progress:
            progress.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full", action="store_true", help="all four instances (default: 25 and 83 nodes)"
    )
    parser.add_argument(
        "--only", help="comma-separated instance names (e.g. be2-size-120,be3-size-160)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs per side and instance (median)"
    )
    parser.add_argument(
        "--folder", type=Path, help="where to write the instances (default: a temp folder)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--write", action="store_true", help="put the section into BENCHMARKS.md")
    parser.add_argument(
        "--before",
        type=Path,
        help="a folder holding an older `fleetplan` package to time start-up against",
    )
    parser.add_argument("--before-label", help="how to name --before in the table (e.g. a commit)")
    parser.add_argument(
        "--render", type=Path, help="render a results JSON from --json instead of running"
    )
    args = parser.parse_args(argv)
    if args.render:
        result = json.loads(args.render.read_text(encoding="utf-8"))
    else:
        chosen = INSTANCES if args.full or args.only else QUICK
        if args.only:
            wanted = set(args.only.split(","))
            unknown = wanted - {spec.name for spec in INSTANCES}
            if unknown:
                parser.error(
                    f"--only: unknown instance(s) {sorted(unknown)}; known: {[spec.name for spec in INSTANCES]}"
                )
            chosen = tuple(spec for spec in INSTANCES if spec.name in wanted)
        result = run(chosen, args.folder, args.before, repeats=args.repeats, progress=args.json)
        result["before_label"] = args.before_label or (str(args.before) if args.before else None)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if args.only:
        print(json.dumps(result["instances"], indent=2))
        return
    from bench.spopt_report import render, write_section

    text = render(result, full=args.full)
    print(text)
    if args.write:
        write_section(REPO / "BENCHMARKS.md", text)


if __name__ == "__main__":
    main()
