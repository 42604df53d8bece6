"""Input preparation of one synthetic city, this tree against a git revision, in one run (#28).

    python -m bench.prepare_time --nodes 10000 --sites 1000 --flows 20000 --years 20 --before a704d67

The city is written once; then each tree prepares it in a fresh process (load, then
``prepare_inputs``, and the round-trip paths with their arc-cover rows timed on their own as
``bench.fleet`` does), alternating trees when ``--repeats`` > 1. Reported: each phase's wall
time per tree and the ratio now / before.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_CHILD = r"""
import json, sys, time
from pathlib import Path
from fleetplan.network.loaders import load_dataset
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.parameters import ParameterTable
from fleetplan.optimiser.scenario import Scenario, Solver, Years
from bench.fleet import _graph_and_paths
folder, years = sys.argv[1], int(sys.argv[2])
scenario = Scenario(name="prepare", years=Years(start=2025, end=2025 + years - 1), solver=Solver(threads=1))
out = {}
t = time.perf_counter(); data = load_dataset(Path(folder)); out["load_s"] = time.perf_counter() - t
truck_range = ParameterTable(data.parameters, scenario.year_list, scenario).scalar("range_km", "truck", "fcev")
t = time.perf_counter(); _graph_and_paths(data, truck_range); out["graph_paths_s"] = time.perf_counter() - t
t = time.perf_counter(); prepare_inputs(scenario, data); out["prepare_s"] = time.perf_counter() - t
print(json.dumps(out))
"""


def _child(folder: Path, years: int, pythonpath: str | None) -> dict[str, float]:
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    # bench/ comes from this tree in both runs (it only times); fleetplan from the tree measured
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, str(root)) if p)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), str(years)],
        env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    from bench.startup import checkout_as_package
    from bench.synthetic import write_synthetic

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--flows", type=int, default=2000)
    parser.add_argument("--years", type=int, default=21)
    parser.add_argument("--depots", type=int, default=12)
    parser.add_argument("--zones", type=int, default=20)
    parser.add_argument("--before", help="git revision to time against (e.g. main)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        city = Path(scratch) / "city"
        write_synthetic(city, nodes=args.nodes, sites=args.sites, flows=args.flows, years=args.years,
                        depots=args.depots, zones=args.zones, seed=0)  # fmt: skip
        trees: dict[str, str | None] = {"now": None}
        if args.before:
            (Path(scratch) / "before").mkdir()
            trees = {
                "before": str(checkout_as_package(args.before, Path(scratch) / "before")),
                **trees,
            }
        runs: dict[str, list[dict[str, float]]] = {tree: [] for tree in trees}
        for _ in range(args.repeats):
            for tree, path in trees.items():
                runs[tree].append(_child(city, args.years, path))
                print(tree, runs[tree][-1], flush=True)
    result: dict[str, Any] = {"args": vars(args) | {"json": None}, "runs": runs}
    if args.before:
        best = {tree: {k: min(r[k] for r in rs) for k in rs[0]} for tree, rs in runs.items()}
        result["ratio_now_over_before"] = {
            k: best["now"][k] / best["before"][k] for k in best["now"]
        }
        print("now / before:", json.dumps(result["ratio_now_over_before"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
