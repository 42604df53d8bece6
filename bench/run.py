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
and the gap after 60 s (both from HiGHS's progress events: its MIP logging callback).

Baselines, measured in the same run and reported as ratios because the
machine is shared and absolute times are noisy:

- the Pyomo build of the standalone arc-cover FRLM vs handing the same matrix
  to highspy directly (same instance; the optima must agree);
- arc-cover vs path-combination FRLM on instances small enough for the latter;
- HiGHS with 1 vs 2 threads on the Hong Kong default.

Results go to ``bench/results/<mode>.json`` and are rendered into ``BENCHMARKS.md``.

The modules of ``bench``, one job each: ``fleet`` (the scale points and one
point's run), ``frlm_baselines`` and ``threads`` (the baselines), ``measure``
(memory, HiGHS times, the JSON recorder), ``report`` (BENCHMARKS.md), ``synthetic``
(the synthetic city); this module is the command line and the driver that runs
each point and baseline in a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.fleet import FULL_POINTS, QUICK_POINTS, Point, run_point
from bench.frlm_baselines import (
    FRLM_FULL,
    FRLM_QUICK,
    PATHCOMB,
    frlm_overhead,
    path_combination_vs_arc_cover,
)
from bench.measure import json_default
from bench.report import MARKDOWN, render, write_markdown
from bench.threads import combine_threads, threads_solve

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def run_baselines(kind: str, full: bool, out: Path, threads: int = 1) -> None:
    """One baseline family in this process; JSON list of results to ``out``."""
    results: list[dict[str, Any]] = []
    if kind == "frlm":
        for spec in FRLM_QUICK + (FRLM_FULL if full else ()):
            results.append(frlm_overhead(*spec))
            out.write_text(json.dumps(results, indent=1, default=json_default))
    elif kind == "pathcomb":
        for spec in PATHCOMB:
            results.append(path_combination_vs_arc_cover(*spec))
            out.write_text(json.dumps(results, indent=1, default=json_default))
    elif kind == "threads":
        results.append(threads_solve(threads, 1e-4 if full else 1e-3, 120.0 if full else 30.0))
    out.write_text(json.dumps(results, indent=1, default=json_default))


# ------------------------------------------------------------------- driver


def _child(args: list[str], out: Path, wall_limit_s: float) -> tuple[Any, str | None]:
    """Run ``python -m bench.run <args>`` with a wall-clock limit; (its JSON or None, error)."""
    command = [sys.executable, "-m", "bench.run", *args, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    error = None
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=wall_limit_s,
            check=False,
        )
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
        data = data or {
            "point": asdict(point),
            "phases_s": {},
            "rss_mib": {},
            "status": "did not start",
        }
        if error:
            data["error"] = error
            run.errors.append(f"{point.name}: {error}")
        if point.memory_pass and not error:
            mem, mem_error = _child(
                ["--point", spec, "--memory"],
                scratch / f"{point.name}-mem.json",
                point.wall_limit_s,
            )
            data["tracemalloc_peak_mib"] = (mem or {}).get("tracemalloc_peak_mib")
            if mem_error:
                run.errors.append(f"{point.name} (memory pass): {mem_error}")
        run.points.append(data)
        _print_point(data)
    for kind, limit in (
        ("frlm", 3600.0 if full else 600.0),
        ("pathcomb", 900.0),
        ("threads-1", 900.0),
        ("threads-2", 900.0),
    ):
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
    (RESULTS / f"{mode}.json").write_text(json.dumps(payload, indent=1, default=json_default))
    write_markdown(render(payload))
    print(
        f"[bench] done in {run.total_s:.0f} s; wrote {RESULTS / (mode + '.json')} and {MARKDOWN}",
        flush=True,
    )
    return run


def _print_point(data: dict[str, Any]) -> None:
    phases = ", ".join(f"{k} {v:.2f}" for k, v in data.get("phases_s", {}).items())
    solve = data.get("solve", {})
    print(
        f"[bench]   {phases}; gap {solve.get('gap')}; {data.get('status')} {data.get('error', '')}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0]
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small points only (default)")
    mode.add_argument(
        "--full", action="store_true", help="every point, up to 10k nodes / 20k flows"
    )
    parser.add_argument("--point", help=argparse.SUPPRESS)
    parser.add_argument(
        "--baseline", choices=("frlm", "pathcomb", "threads"), help=argparse.SUPPRESS
    )
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--render", type=Path, help="re-render BENCHMARKS.md from a results JSON")
    args = parser.parse_args(argv)
    if args.point:
        run_point(
            Point(
                **{
                    **json.loads(args.point),
                    "sweep": tuple(json.loads(args.point).get("sweep", ())),
                }
            ),
            args.out,
            memory_pass=args.memory,
        )
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
