"""Certified figures of the Hong Kong default (#23): two runs, one while another process keeps a
core busy, must give identical headline figures; each stops on its gap, never on the clock.

    python -m bench.certified [--scenario S.yaml] [--json]

Reports the wall time of each run and their ratio (loaded / quiet), the status and certified
error of the plan and of the no-policy plan, penalties as a share of system cost, and whether
the headline figures (system cost, subsidy by programme, tonnes against no policy, vehicles in
service) are identical.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HEADLINE = (
    "system_cost_hkd",
    "subsidy_hkd_by_programme",
    "co2_abated_vs_no_policy_t",
    "zev_in_service",
)


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _solve(scenario: str | None) -> tuple[dict[str, Any], float]:
    command = [
        sys.executable,
        "-c",
        "from fleetplan.cli import main; main()",
        "solve",
        *([scenario] if scenario else []),
        "--json",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout), time.perf_counter() - started


def run(scenario: str | None) -> dict[str, Any]:
    quiet, quiet_s = _solve(scenario)
    busy = multiprocessing.get_context("spawn").Process(target=_spin, args=(3600.0,), daemon=True)
    busy.start()
    try:
        loaded, loaded_s = _solve(scenario)
    finally:
        busy.terminate()
        busy.join()
    penalties = sum((quiet.get("penalties_hkd") or {}).values())
    return {
        "scenario": scenario or "hong-kong-default",
        "quiet_wall_s": round(quiet_s, 1),
        "loaded_wall_s": round(loaded_s, 1),
        "loaded_over_quiet": round(loaded_s / quiet_s, 2),
        "identical": {key: quiet.get(key) == loaded.get(key) for key in HEADLINE},
        "status": quiet["status"],
        "gap_absolute_hkd_m": quiet["gap_absolute"],
        "no_policy_status": (quiet.get("no_policy") or {}).get("status"),
        "no_policy_gap_absolute_hkd_m": (quiet.get("no_policy") or {}).get("gap_absolute"),
        "penalties_share_of_system_cost": penalties / quiet["system_cost_hkd"],
        "system_cost_hkd": quiet["system_cost_hkd"],
        "co2_abated_vs_no_policy_t": quiet.get("co2_abated_vs_no_policy_t"),
        "system_cost_hkd_vs_no_policy": quiet.get("system_cost_hkd_vs_no_policy"),
        "system_cost_vs_no_policy_measurable": quiet.get("system_cost_vs_no_policy_measurable"),
        "timings_s": quiet.get("timings_s"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", default=None, help="scenario YAML (default: the Hong Kong default)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(str(Path(args.scenario)) if args.scenario else None)
    print(
        json.dumps(report, indent=1)
        if args.json
        else "\n".join(f"{k}: {v}" for k, v in report.items())
    )


if __name__ == "__main__":
    main()
