"""The LP relaxation of a point's model, solved alone by each of HiGHS's LP solvers.

Usage (from the repository root)::

    python -m bench.lp_solvers --point '<json of bench.fleet.Point>' [--solvers simplex,ipx]
        [--time-limit 600] [--drop FAMILY,...] [--out lp.json]

Builds the point's model as a plan does (``prepare_inputs``, ``build_model``, the plan's
hand-over), writes it once as MPS to a scratch folder, and for each solver reads it into a
fresh HiGHS and solves its LP relaxation (``solve_relaxation``, one thread, the time limit
given), in a child process each so one solver's memory never counts against the next.
``--drop`` deletes the rows of the named constraint families first (a weaker LP: what
leaving them out would buy). Prints per solver: HiGHS's status, the LP value, seconds, and the
last progress line of its log (how far it got when the clock stopped it).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.fleet import Point, _load, _scenario, write_city


def write_model(point: Point, folder: Path, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """Build ``point``'s model as a plan hands it to HiGHS and write it to ``folder/model.mps``."""
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.plan import solver_options
    from fleetplan.optimiser.solver import hand_over

    write_city(point, folder)
    scenario = _scenario(point)
    inputs = prepare_inputs(scenario, _load(point, folder))
    model = build_model(inputs)
    handed = hand_over(model, solver_options(scenario, inputs))
    lp = handed.highs.getLp()
    dropped = 0
    if drop:
        rows = np.array(
            [
                i
                for i, name in enumerate(lp.row_names_)
                if (row := handed.symbols.get(name)) is not None
                and row.parent_component().name in drop
            ],
            dtype=np.int32,
        )
        dropped = len(rows)
        handed.highs.deleteRows(dropped, rows)
    handed.highs.writeModel(str(folder / "model.mps"))
    return {"rows": lp.num_row_ - dropped, "columns": lp.num_col_, "rows_dropped": dropped}


def _solve_lp(path: str, solver: str, time_limit_s: float, log_file: str, out: Any) -> None:
    import highspy

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.readModel(path)
    highs.setOptionValue("output_flag", True)
    highs.setOptionValue("log_to_console", False)
    highs.setOptionValue("log_file", log_file)
    for name, value in (
        ("solve_relaxation", True),
        ("solver", solver),
        ("threads", 1),
        ("time_limit", time_limit_s),
    ):
        highs.setOptionValue(name, value)
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    status = highs.modelStatusToString(highs.getModelStatus())
    value = highs.getInfo().objective_function_value if status == "Optimal" else None
    out.put({"status": status, "objective": value, "seconds": round(seconds, 1)})


def solve_each(folder: Path, solvers: list[str], time_limit_s: float) -> dict[str, Any]:
    """Each solver on ``folder/model.mps`` in its own process; its status, value, time, last log line."""
    context = multiprocessing.get_context("spawn")
    results: dict[str, Any] = {}
    for solver in solvers:
        log_file = folder / f"{solver}.log"
        queue = context.Queue()
        child = context.Process(
            target=_solve_lp,
            args=(str(folder / "model.mps"), solver, time_limit_s, str(log_file), queue),
        )
        child.start()
        child.join()
        result = queue.get() if not queue.empty() else {"status": f"exit {child.exitcode}"}
        lines = [line for line in log_file.read_text().splitlines() if line.strip()]
        chose = [line for line in lines if line.startswith(("Using", "Choosing", "ERROR"))]
        # the last progress line (iteration count first) says how far a stopped solver got
        progress = [line.strip() for line in lines if line.split()[0].isdigit()]
        result["last_line"] = progress[-1] if progress else ""
        result["chose"] = list(dict.fromkeys(chose))
        results[solver] = result
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.lp_solvers", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--point", required=True, help="JSON of bench.fleet.Point")
    parser.add_argument("--solvers", default="simplex,ipx", help="HiGHS 'solver' values")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per solver")
    parser.add_argument("--drop", default="", help="constraint families to delete first")
    parser.add_argument("--out", type=Path, help="write the result JSON here")
    args = parser.parse_args(argv)
    spec = json.loads(args.point)
    point = Point(**{**spec, "sweep": tuple(spec.get("sweep", ()))})
    folder = Path(tempfile.mkdtemp(prefix="fleetplan-lp-"))
    try:
        size = write_model(point, folder, tuple(f for f in args.drop.split(",") if f))
        results = solve_each(folder, args.solvers.split(","), args.time_limit)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = {"point": spec, **size, "time_limit_s": args.time_limit, "solvers": results}
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(
        f"{point.name}: {size['rows']:,} rows ({size['rows_dropped']:,} dropped), {size['columns']:,} columns"
    )
    for solver, found in results.items():
        print(
            f"  {solver:8s} {found['status']}, LP {found.get('objective')}, {found.get('seconds')} s"
        )
        print(f"           {'; '.join(found['chose'])} | last: {found['last_line']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
