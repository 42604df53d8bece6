"""The HiGHS-threads baseline: the Hong Kong default solved with 1 and with 2 threads."""

from __future__ import annotations

from typing import Any

from bench.measure import highs_run_time


def threads_solve(threads: int, gap: float, time_limit_s: float) -> dict[str, Any]:
    """Solve the Hong Kong default with ``threads`` HiGHS threads.

    One thread count per process: HiGHS sets up its global task scheduler
    once, and a later solve asking for a different count in the same process
    ends without a solution.
    """
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.optimiser.solver import SolverOptions, solve

    model = build_model(prepare_inputs(Scenario()))
    report = solve(
        model, SolverOptions(time_limit_s=time_limit_s, mip_rel_gap=gap, threads=threads)
    )
    return {
        "threads": threads,
        "mip_rel_gap": gap,
        "time_limit_s": time_limit_s,
        "solve_wall_s": report.solve_time_s,
        "highs_run_s": report.highs_run_s
        if report.highs_run_s is not None
        else highs_run_time(report.log),
        "status": report.status,
        "gap": report.gap,
        "objective": report.objective,
    }


def combine_threads(one: dict[str, Any], two: dict[str, Any]) -> dict[str, Any]:
    """The 1- and 2-thread solves side by side with the ratio of HiGHS run times."""
    a, b = one.get("highs_run_s"), two.get("highs_run_s")
    return {
        "mip_rel_gap": one["mip_rel_gap"],
        "time_limit_s": one["time_limit_s"],
        "threads_1": one,
        "threads_2": two,
        "ratio_2_over_1": (b / a) if a and b else None,
    }
