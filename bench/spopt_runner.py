"""Solve one FRLM instance with PySAL spopt (``spopt.locate.FRLM``); runs inside ``.venv-spopt``.

Usage (what :mod:`bench.spopt_baseline` runs)::

    .venv-spopt/bin/python bench/spopt_runner.py FOLDER RANGE_KM STATIONS TIME_LIMIT_S

``FOLDER`` holds ``NODES.csv``, ``EDGES.csv``, ``FLOWS.csv`` in the format of
``fleetplan frlm`` (km). Prints one JSON object: status, objective (spopt's
MIP objective, flow volume), stations (node ids), and the seconds spent
building and solving inside this process. Kept free of fleetplan imports:
spopt 0.8 needs Python ≥ 3.12 and its own environment.

spopt's FRLM is solved as spopt builds it (uncapacitated: its arc-cover
path-cover form, ``FRLM._build_pulp_model``) with PuLP's HiGHS interface at a
relative gap of 0.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path


def main(folder: str, range_km: float, stations: int, time_limit_s: float) -> dict:
    """Read the instance, build spopt's FRLM, solve it with HiGHS; a JSON-ready dict."""
    started = time.perf_counter()
    import numpy as np
    import pulp
    import scipy.sparse as sp
    from spopt.locate import FRLM

    imported = time.perf_counter()
    base = Path(folder)
    with open(base / "NODES.csv", newline="", encoding="utf-8") as handle:
        nodes = [row["node"] for row in csv.DictReader(handle)]
    index = {node: i for i, node in enumerate(nodes)}
    rows, cols, lengths = [], [], []
    with open(base / "EDGES.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            u, v, length = index[row["from"]], index[row["to"]], float(row["length"])
            rows += [u, v]
            cols += [v, u]
            lengths += [length, length]
    network = sp.csr_matrix((np.array(lengths), (rows, cols)), shape=(len(nodes), len(nodes)))
    flows: dict[tuple[int, int], float] = {}
    with open(base / "FLOWS.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            flows[index[row["origin"]], index[row["destination"]]] = float(row["flow"])

    import pandas as pd

    # spopt reads flows with DataFrame.iterrows, which turns a row of int node indices and a
    # float volume into floats (then scipy refuses 0.0 as an index): object columns keep ints.
    frame = pd.DataFrame(
        {
            "origin": [o for o, _ in flows],
            "destination": [d for _, d in flows],
            "volume": list(flows.values()),
        }
    ).astype(object)
    model = FRLM.from_flow_dataframe(network, frame, vehicle_range=range_km, p_facilities=stations)
    built = time.perf_counter()
    solver = pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=time_limit_s, threads=1)
    result = model.solve(solver)
    solved = time.perf_counter()
    return {
        "status": result["status"],
        # model.objective_value is the unrounded MIP objective (result's is rounded).
        "objective": float(model.objective_value) if model.objective_value is not None else None,
        "stations": sorted(nodes[k] for k in result["selected_facilities"]),
        "import_s": imported - started,
        "build_s": built - imported,
        "solve_s": solved - built,
        "spopt_version": __import__("spopt").__version__,
        "pulp_version": pulp.__version__,
    }


if __name__ == "__main__":
    folder, range_km, stations, time_limit = sys.argv[1:5]
    payload = main(folder, float(range_km), int(stations), float(time_limit))
    print(json.dumps(payload))
