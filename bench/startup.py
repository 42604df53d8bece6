"""``fleetplan --help`` start-up against ``python -c pass``, in one run (#28, item 4).

    python -m bench.startup [--repeats 15] [--before REV] [--json startup.json]

Each command is a fresh process of this interpreter; the commands alternate round by
round, so they share the machine's load, and each reports its median wall time. The
figure the issue asks for is the difference ``fleetplan --help`` − ``python -c pass``
(goal ≤ 0.3 s) and the ratio of the two. ``--before REV`` adds the same commands run on
the tree of a git revision (extracted with ``git archive`` and laid out as the wheel's
one ``fleetplan`` package, first on ``PYTHONPATH``), in the same loop.

Also reported: which heavy modules ``--help`` imports (rich, pandas, Pyomo, numpy,
networkx, importlib.metadata): none is expected.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = "from fleetplan.cli import main; main()"
COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import fleetplan": ["-c", "import fleetplan"],
    "fleetplan --help": ["-c", CLI, "--help"],
    "fleetplan --version": ["-c", CLI, "--version"],
}
HEAVY = ("rich", "pandas", "pyomo", "numpy", "networkx", "scipy", "importlib.metadata")
_PROBE = (
    "import sys, io, contextlib\n"
    "sys.argv = ['fleetplan', '--help']\n"
    "from fleetplan.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n        main()\n    except SystemExit:\n        pass\n"
    f"print(sorted({{h for h in {HEAVY!r} if h in sys.modules}}), sys.modules['fleetplan'].__file__)\n"
)


#: source folder -> subpackage of ``fleetplan``, as pyproject's package-dir lays them out
_PACKAGE_DIRS = {
    "cli": "cli",
    "network": "network",
    "optimiser": "optimiser",
    "views": "views",
    "data": "data",
}


def checkout_as_package(rev: str, into: Path) -> Path:
    """The tree of git revision ``rev`` laid out as the installed package; the folder to put on PYTHONPATH."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", rev], capture_output=True, check=True
    ).stdout
    source = into / "source"
    source.mkdir()
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    site = into / "site"
    site.mkdir()
    (site / "fleetplan").symlink_to(source / "fleetplan")
    for folder, sub in _PACKAGE_DIRS.items():
        link = source / "fleetplan" / sub
        if not link.exists():
            link.symlink_to(source / folder)
    return site


def _wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    # Run outside the source tree: `-c` puts the working folder first on sys.path.
    subprocess.run(
        [sys.executable, *args], env=env, cwd=tempfile.gettempdir(), capture_output=True, check=True
    )
    return time.perf_counter() - started


def measure(repeats: int = 15, before: Path | None = None) -> dict[str, Any]:
    """Median wall (s) of each command, alternating, with the ratios and differences to ``pass``."""
    envs = {"now": dict(os.environ)}
    if before is not None:
        envs["before"] = {**os.environ, "PYTHONPATH": str(before)}
    samples: dict[str, dict[str, list[float]]] = {
        tree: {name: [] for name in COMMANDS} for tree in envs
    }
    for args in COMMANDS.values():  # warm the file cache once
        for env in envs.values():
            _wall(args, env)
    for _ in range(repeats):
        for tree, env in envs.items():
            for name, args in COMMANDS.items():
                samples[tree][name].append(_wall(args, env))
    out: dict[str, Any] = {"repeats": repeats}
    for tree, by_name in samples.items():
        medians = {name: statistics.median(times) for name, times in by_name.items()}
        base = medians["python -c pass"]
        out[tree] = {
            "median_s": medians,
            "over_python_s": {name: m - base for name, m in medians.items()},
            "ratio_to_python": {name: m / base for name, m in medians.items()},
        }
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE],
            env=envs[tree],
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            check=True,
        )
        out[tree]["heavy_modules_after_help"] = probe.stdout.strip()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--before", help="a git revision whose tree is timed against this one (e.g. main)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        before = checkout_as_package(args.before, Path(scratch)) if args.before else None
        result = measure(args.repeats, before)
        result["before_rev"] = args.before
    for tree in ("before", "now"):
        if tree not in result:
            continue
        figures = result[tree]
        print(f"[{tree}] heavy modules imported by --help: {figures['heavy_modules_after_help']}")
        for name, median in figures["median_s"].items():
            print(
                f"[{tree}] {name:22s} median {median:6.3f} s   over python {figures['over_python_s'][name]:+6.3f} s"
                f"   ratio {figures['ratio_to_python'][name]:5.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
