"""The Hong Kong default end to end, with and without the LP-guided start, in one run (#17).

    python -m bench.hk_default [--gap 0.01] [--repeats 3] [--out hk_default.json]

Each run is a fresh ``fleetplan solve --json --no-marginals --gap G`` process (start-up,
loading, preparation, build, solve, extraction and the no-policy counterfactual), on the
embedded default with ``solver.lp_guided_start`` true and false; the two
alternate so both see the same machine load. Reported: median wall, the plan's own
phases (wall minus the counterfactual is the plan "end to end"), final gaps, and the
ratio guided / unguided.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-c", "from fleetplan.cli import main; main()"]


def one_run(gap: float, scenario: Path | None) -> dict[str, Any]:
    command = [
        *CLI,
        "solve",
        *([str(scenario)] if scenario else []),
        "--json",
        "--no-marginals",
        "--gap",
        f"{gap:g}",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    summary = json.loads(done.stdout)
    timings = summary.get("timings_s", {})
    return {
        "wall_s": wall,
        "plan_s": wall - float(timings.get("counterfactual_s", 0.0)),
        "timings_s": timings,
        "gap": summary.get("gap"),
        "objective": summary.get("objective"),
    }


def run(gap: float, repeats: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"guided": [], "unguided": []}
    with tempfile.TemporaryDirectory() as folder:
        # Both spelled out: the scenario's default has changed once already (true until 2026-12-07).
        guided, unguided = Path(folder) / "guided.yaml", Path(folder) / "unguided.yaml"
        guided.write_text("solver:\n  lp_guided_start: true\n", encoding="utf-8")
        unguided.write_text("solver:\n  lp_guided_start: false\n", encoding="utf-8")
        for _ in range(repeats):
            runs["guided"].append(one_run(gap, guided))
            runs["unguided"].append(one_run(gap, unguided))
    medians = {
        name: {key: statistics.median(r[key] for r in rs) for key in ("wall_s", "plan_s")}
        for name, rs in runs.items()
    }
    return {
        "gap_target": gap,
        "repeats": repeats,
        "runs": runs,
        "medians": medians,
        "ratio_wall": medians["guided"]["wall_s"] / medians["unguided"]["wall_s"],
        "ratio_plan": medians["guided"]["plan_s"] / medians["unguided"]["plan_s"],
    }


def markdown(figures: dict[str, Any]) -> str:
    lines = [
        f"Target gap {figures['gap_target']:.1%}; medians of {figures['repeats']} fresh processes each, alternating.",
        "",
        "| start | wall s (with counterfactual) | plan s (wall − counterfactual) | prepare s | build s | solve s | extract s | counterfactual s | final gaps |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rs in figures["runs"].items():
        med = figures["medians"][name]

        def phase(key: str, rs: list[dict[str, Any]] = rs) -> str:
            values = [float(r["timings_s"].get(key, 0.0)) for r in rs]
            return f"{statistics.median(values):.1f}"

        gaps = ", ".join(f"{r['gap']:.2%}" if r["gap"] is not None else "–" for r in rs)
        lines.append(
            f"| {name} | {med['wall_s']:.1f} | {med['plan_s']:.1f} | {phase('prepare_s')} | {phase('build_s')} | "
            f"{phase('solve_s')} | {phase('extract_s')} | {phase('counterfactual_s')} | {gaps} |"
        )
    lines += [
        "",
        f"guided / unguided: wall **{figures['ratio_wall']:.2f}**, plan **{figures['ratio_plan']:.2f}**.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    figures = run(args.gap, args.repeats)
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(markdown(figures))


if __name__ == "__main__":
    main()
