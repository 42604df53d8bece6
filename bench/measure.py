"""Measuring one benchmark: peak memory, HiGHS's own run time and gap milestones, a JSON recorder."""

from __future__ import annotations

import json
import math
import re
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

MIB = 1024.0 * 1024.0


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
    to_1pct = next(
        (p["elapsed_s"] for p in progress if math.isfinite(p["gap"]) and p["gap"] <= 0.01), None
    )
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
        self.out.write_text(json.dumps(self.data, indent=1, default=json_default))


def json_default(value: Any) -> Any:
    """JSON form of what ``json`` cannot write: numpy scalars as numbers, the rest as text."""
    if isinstance(value, np.integer | np.floating):
        return value.item()
    return str(value)
