"""The ``FRLM start-up and spopt baseline (#17)`` section of BENCHMARKS.md, from :mod:`bench.spopt_baseline`'s JSON."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.report import NOTES_MARKER

TITLE = "## FRLM start-up and spopt baseline (#17)"
#: The section sits between these markers, after the notes marker, so that
#: ``python -m bench.run`` (which re-renders everything above the notes) keeps it.
START = "<!-- spopt-baseline: start -->"
END = "<!-- spopt-baseline: end -->"


def _s(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _v(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _same(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "-"
    return "yes" if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6) else "**no**"


def render(result: dict[str, Any], *, full: bool) -> str:
    """The section's Markdown (title, how to reproduce, start-up, comparison, reading)."""
    command = "python -m bench.spopt_baseline" + (" --full" if full else "") + " --write"
    lines = [
        TITLE,
        "",
        f"Reproduce: `make bench-spopt-env` once (creates `.venv-spopt`: spopt 0.8.0, PuLP, highspy; "
        f"Python ≥ 3.12), then `{command}` (`make bench` runs the 25- and 83-node part). "
        f"Machine: {result.get('cpu_count')} cores, shared with other work while measured; "
        "wall times are medians (5 runs for start-up, 3 per model), each a fresh process.",
        "",
        "### Start-up (median wall, s, same run)",
        "",
        f"| command | before ({result.get('before_label') or 'not measured'}) | now |",
        "|---|---|---|",
    ]
    before = result.get("startup_before") or {}
    if before:
        lines[-2:-2] = [
            "'before': that tree extracted with `git archive` and put first on PYTHONPATH "
            "(`--before DIR`), timed in the same loop as 'now'; both run `python -c 'from "
            "fleetplan.cli import main; main()' ...` as the console script does.",
            "",
        ]
    for label, seconds in result["startup"].items():
        lines.append(f"| `{label}` | {_s(before.get(label))} | {_s(seconds)} |")
    small = result["instances"][0]["fleetplan"]
    lines += [
        "",
        f"`fleetplan frlm` on {result['instances'][0]['nodes']} nodes spends {_s(small['build_s'])} s "
        f"reading paths and building the model and {_s(small['solve_s'])} s in HiGHS (gap 0); the rest "
        "of its wall time is start-up: Python, typer, networkx (≈0.1 s) and highspy with numpy "
        "(≈0.12 s). The command no longer imports pandas (CSV files read with the csv module, "
        "errors unchanged) nor Pyomo (the arc-cover MIP goes to HiGHS through highspy; "
        '`solve_frlm(..., backend="pyomo")` keeps the Pyomo build). An input error on a flag '
        "exits before networkx and highspy are loaded.",
        "",
    ]
    if not result.get("spopt_env"):
        lines += ["spopt: **not run**: no `.venv-spopt` (run `make bench-spopt-env`).", ""]
    else:
        lines += [
            "### fleetplan vs spopt FRLM (same instances, same run)",
            "",
            "Instances: random road-like networks (points on a square, 3 nearest neighbours + "
            "spanning tree, edges 1.2 × straight line), every unordered pair a flow with gravity "
            "volumes (`bench.spopt_baseline.random_network`); written as CSV and read by both.",
            "",
            "| instance | nodes | edges | flows | R km | p | fleetplan optimum (Kuby–Lim) | brute force | spopt objective (its rule) | spopt's stations under Kuby–Lim | = fleetplan optimum? | fleetplan's stations under spopt's rule | fleetplan wall s | spopt wall s | wall fleetplan/spopt |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for item in result["instances"]:
            fp, sp = item["fleetplan"], item.get("spopt") or {}
            total = fp["flow_total"]

            def share(value: float | None, total: float = total) -> str:
                return "-" if value is None else f"{_v(value)} ({value / total:.1%})"

            brute = item.get("brute_force")
            brute_cell = "-" if brute is None else f"{_v(brute)} ({_same(brute, fp['objective'])})"
            lines.append(
                f"| {item['name']} | {item['nodes']} | {item.get('edges', '-')} | {item['flows']:,} | "
                f"{item['range_km']:g} | {item['stations']} | {share(fp['objective'])} | {brute_cell} | "
                f"{share(sp.get('objective'))} | {share(sp.get('rescored_kuby_lim'))} | "
                f"{_same(sp.get('rescored_kuby_lim'), fp['objective'])} | "
                f"{share(item.get('fleetplan_under_spopt_rule'))} | {_s(fp['wall_s'])} | "
                f"{_s(sp.get('wall_s'))} | {_s(item.get('ratio_wall'))} |"
            )
            if sp.get("error"):
                lines.append(f"| {item['name']}: spopt failed: {sp['error']} |")
        lines += [
            "",
            "Inside the processes (s): "
            + "; ".join(
                f"{i['name']}: fleetplan build {_s(i['fleetplan']['build_s'])} + solve "
                f"{_s(i['fleetplan']['solve_s'])}, spopt import {_s(i.get('spopt', {}).get('import_s'))} + "
                f"build {_s(i.get('spopt', {}).get('build_s'))} + solve {_s(i.get('spopt', {}).get('solve_s'))}"
                for i in result["instances"]
            )
            + ".",
            "",
            "**The two rules.** " + result["spopt_rule"],
            "",
            "So spopt's objective is flow it *covers* under its rule, not flow refuelled: "
            "its optimum is at least as large as ours and is not comparable with it. The "
            "comparable figure is its stations re-scored under Kuby–Lim (column "
            "'spopt's stations under Kuby–Lim'), which can only be ≤ fleetplan's exact "
            "optimum (cross-checked by brute force where C(n, p) is small). "
            "'spopt rule check' recomputes spopt's rule independently in fleetplan's "
            "environment on spopt's stations: "
            + "; ".join(
                f"{i['name']} {_v(i.get('spopt_rule_check'))} vs spopt's {_v((i.get('spopt') or {}).get('objective'))}"
                for i in result["instances"]
            )
            + ".",
            "",
        ]
    if not full:
        lines += [
            "Not in this table: the BE2/BE3-sized instances (120 and 160 nodes, 7,140 and 12,720 "
            "flows; `--full`). spopt's solve grew from 0.1 s at 25 nodes to ~50 s at 83 (binary "
            "y, every candidate in every arc row), so three timed runs each did not fit this "
            "run's time; fleetplan alone solves them with `fleetplan frlm` on the written CSVs.",
            "",
            "spopt quirk met on the way: `FRLM.from_flow_dataframe` with a dict of flows (or a "
            "numeric DataFrame) fails with float volumes, because `iterrows` turns the node "
            "indices into floats; the runner passes an object-typed DataFrame.",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def write_section(path: Path, text: str) -> None:
    """Put ``text`` between :data:`START` and :data:`END` in ``path``, replacing an older copy;
    the first time, right after the notes marker (or at the end without one)."""
    body = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{START}\n{text.rstrip()}\n{END}\n"
    if START in body and END in body:
        head, rest = body.split(START, 1)
        _, tail = rest.split(END, 1)
        body = head + block + tail.lstrip("\n")
    elif NOTES_MARKER in body:
        head, tail = body.split(NOTES_MARKER, 1)
        body = head + NOTES_MARKER + "\n" + block + "\n" + tail.lstrip("\n")
    else:
        body = body.rstrip("\n") + "\n\n" + block
    path.write_text(body, encoding="utf-8")
