"""Model size per family, without solving: rows, columns and non-zeros as HiGHS would get them.

Usage (from the repository root)::

    python -m bench.model_size --point '<json of bench.fleet.Point>' [--out size.json]

Builds the point's model (a synthetic city, or the Hong Kong default with ``"kind": "hk"``),
compiles it to the linear standard form the solver hands to HiGHS
(:func:`fleetplan.optimiser.solver.compile_arrays`: fixed variables are constants, a ranged
row counts twice) and counts rows and non-zeros per constraint family and columns per
variable family. Cheap next to a solve, so a reduction's effect on size can be measured on
the largest points; compare two trees by running this command in each.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.fleet import Point, _load, _scenario


def model_size(model: Any) -> dict[str, Any]:
    """Rows, columns and non-zeros of ``model``'s compiled form, in total and per family."""
    from fleetplan.optimiser.solver import compile_arrays

    compiled = compile_arrays(model)
    if compiled is None:
        raise RuntimeError("Pyomo could not compile the model to arrays")
    lp, columns, rows = compiled
    row_nnz = np.bincount(np.asarray(lp.a_matrix_.index_, dtype=np.int64), minlength=len(rows))
    rows_by: Counter[str] = Counter()
    nnz_by: Counter[str] = Counter()
    for j, (constraint, _) in enumerate(rows):
        family = constraint.parent_component().name
        rows_by[family] += 1
        nnz_by[family] += int(row_nnz[j])
    cols_by = Counter(var.parent_component().name for var in columns)
    return {
        "rows": len(rows),
        "columns": len(columns),
        "nonzeros": len(lp.a_matrix_.index_),
        "rows_by_family": dict(rows_by.most_common()),
        "nonzeros_by_family": dict(nnz_by.most_common()),
        "columns_by_family": dict(cols_by.most_common()),
    }


def measure(point: Point, *, unreduced: bool = True) -> dict[str, Any]:
    """Prepare and build ``point``'s model and return its size (and the phase times); with
    ``unreduced`` also the size of the model built without the exact reductions
    (``build_model(reduced=False)``) from the same inputs, and the ratios."""
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs

    workdir = Path(tempfile.mkdtemp(prefix="fleetplan-size-"))
    try:
        if point.kind != "hk":
            from bench.synthetic import write_synthetic

            write_synthetic(
                workdir / "city",
                nodes=point.nodes,
                sites=point.sites,
                flows=point.flows,
                years=point.years,
                depots=point.depots,
                zones=point.zones,
                seed=point.seed,
            )
        times: dict[str, float] = {}
        started = time.perf_counter()
        dataset = _load(point, workdir)
        inputs = prepare_inputs(_scenario(point), dataset)
        times["prepare_s"] = time.perf_counter() - started
        started = time.perf_counter()
        model = build_model(inputs)
        times["build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        size = model_size(model)
        times["compile_s"] = time.perf_counter() - started
        result = {"point": asdict(point), **size, "times": times}
        if unreduced:
            del model
            before = model_size(build_model(inputs, reduced=False))
            result["unreduced"] = before
            result["ratio_to_unreduced"] = {key: size[key] / max(before[key], 1) for key in ("rows", "columns", "nonzeros")}
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_size", description=__doc__.splitlines()[0])
    parser.add_argument("--point", required=True, help="JSON of bench.fleet.Point")
    parser.add_argument("--out", type=Path, help="write the result JSON here")
    parser.add_argument("--top", type=int, default=12, help="families to print")
    parser.add_argument("--reduced-only", action="store_true", help="skip the unreduced build")
    args = parser.parse_args(argv)
    spec = json.loads(args.point)
    point = Point(**{**spec, "sweep": tuple(spec.get("sweep", ()))})
    result = measure(point, unreduced=not args.reduced_only)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(f"{point.name}: {result['rows']:,} rows, {result['columns']:,} columns, {result['nonzeros']:,} non-zeros")
    for family, count in list(result["rows_by_family"].items())[: args.top]:
        print(f"  rows {family:40s} {count:>9,}  nnz {result['nonzeros_by_family'][family]:>10,}")
    for family, count in list(result["columns_by_family"].items())[: args.top]:
        print(f"  cols {family:40s} {count:>9,}")
    if "unreduced" in result:
        before = result["unreduced"]
        ratio = result["ratio_to_unreduced"]
        print(
            f"unreduced: {before['rows']:,} rows, {before['columns']:,} columns, {before['nonzeros']:,} non-zeros; "
            f"reduced / unreduced: rows {ratio['rows']:.3f}, columns {ratio['columns']:.3f}, non-zeros {ratio['nonzeros']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
