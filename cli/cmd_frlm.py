"""``fleetplan frlm``: the standalone flow refuelling location model on CSV files.

Exit codes follow :mod:`fleetplan.cli.common`: 0 solved (optimal or an incumbent at the
time limit, with its gap); 1 no solution; 2 bad input.

Start-up is kept light (#17): the CSV files are read with the csv module and the
arc-cover model goes to HiGHS through highspy, so neither pandas nor Pyomo is
imported on this path.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import guarded, plain_console, plain_float, plain_int, print_json
from fleetplan.errors import InfeasibleError, InputError
from fleetplan.optimiser.highs_core import HighsOptions


def _payload(
    result: Any, graph: Any, flows: dict[str, list], range_km: float, stations: int
) -> dict[str, Any]:
    """The ``--json`` object (its keys are read by other tools: keep them)."""
    row_of = {flow_id: i for i, flow_id in enumerate(flows["flow_id"])}
    refuelled = [
        {
            "origin": flows["origin"][row_of[f]],
            "destination": flows["destination"][row_of[f]],
            "flow": float(flows["flow"][row_of[f]]),
        }
        for f in result.refuelled_flows
    ]

    def finite(value: float | None) -> float | None:
        return value if value is not None and math.isfinite(value) else None

    return {
        "status": result.status,
        "stations": [str(n) for n in result.stations],
        "flow_refuelled": result.flow_refuelled,
        "flow_total": result.flow_total,
        "gap": finite(result.gap),
        "share_refuelled": result.share_refuelled,
        "objective": finite(result.objective),
        "best_bound": finite(result.best_bound),
        "range_km": range_km,
        "p": stations,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "flows": len(flows["flow_id"]),
        "refuelled_flows": refuelled,
        "uncoverable_flows": len(result.uncoverable_flows),
        "formulation": result.formulation,
        "arc_cover_rows": result.n_rows,
        "flow_groups": result.n_groups,
        "build_seconds": result.build_seconds,
        "solve_seconds": result.solve_seconds,
    }


def _print_table(payload: dict[str, Any]) -> None:
    from rich.table import Table

    console = plain_console()
    summary = Table(title="Flow refuelling location model (arc-cover)", show_header=False)
    summary.add_column("", style="bold")
    summary.add_column("")
    share = payload["share_refuelled"]
    gap = payload["gap"]
    rows = [
        ("status", payload["status"]),
        ("stations (p)", f"{payload['p']}: {', '.join(payload['stations']) or '-'}"),
        ("range", f"{payload['range_km']:g} km"),
        ("flow refuelled", f"{payload['flow_refuelled']:g} of {payload['flow_total']:g}"),
        ("share refuelled", "-" if share is None else f"{share:.1%}"),
        ("MIP gap", "-" if gap is None else f"{gap:.2%}"),
        (
            "network",
            f"{payload['nodes']} nodes, {payload['edges']} edges, {payload['flows']} flows",
        ),
        ("uncoverable flows", f"{payload['uncoverable_flows']} (an arc longer than the range)"),
        (
            "model",
            f"{payload['arc_cover_rows']} arc-cover rows, {payload['flow_groups']} flow groups",
        ),
        ("time", f"build {payload['build_seconds']:.2f} s, solve {payload['solve_seconds']:.2f} s"),
    ]
    for name, value in rows:
        summary.add_row(name, str(value))
    console.print(summary)
    if payload["refuelled_flows"]:
        flows = Table(title="Refuelled flows")
        flows.add_column("origin")
        flows.add_column("destination")
        flows.add_column("flow", justify="right")
        for item in payload["refuelled_flows"]:
            flows.add_row(str(item["origin"]), str(item["destination"]), f"{item['flow']:g}")
        console.print(flows)


@app.command("frlm")
@guarded
def frlm(
    nodes: Annotated[Path, typer.Option("--nodes", help="NODES.csv with a 'node' column.")],
    edges: Annotated[Path, typer.Option("--edges", help="EDGES.csv: from,to,length (km).")],
    flows: Annotated[Path, typer.Option("--flows", help="FLOWS.csv: origin,destination,flow.")],
    range_km: Annotated[
        float, typer.Option("--range", parser=plain_float, help="Vehicle range on a full tank, km.")
    ],
    stations: Annotated[
        int, typer.Option("--stations", parser=plain_int, help="Number of stations to open (p).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", parser=plain_float, help="HiGHS time limit, s.")
    ] = 60.0,
    gap: Annotated[
        float, typer.Option("--gap", parser=plain_float, help="Relative MIP gap to stop at.")
    ] = HighsOptions.mip_rel_gap,
) -> None:
    """Place P stations to maximise the round-trip flow refuelled with range R (Kuby & Lim 2005)."""
    if not (math.isfinite(range_km) and range_km > 0):
        raise InputError(f"{range_km:g}; expected a range > 0 km", field="--range")
    if stations < 1:
        raise InputError(f"{stations}; expected a number of stations ≥ 1", field="--stations")
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise InputError(f"{time_limit:g}; expected seconds > 0", field="--time-limit")
    if not (math.isfinite(gap) and gap >= 0):
        raise InputError(f"{gap:g}; expected a relative gap ≥ 0", field="--gap")
    from fleetplan.optimiser.deadline import Deadline

    # --time-limit bounds the whole command (reading, paths, rows, build and solve): the clock starts here.
    deadline = Deadline(time_limit, what="station plan", hint="cut the network or the flows")
    # Imported after the flags are checked (a mistyped flag is refused without loading them),
    # on the clock but never interrupted: an alarm inside an import can leave a half-imported
    # module that a library's own "except Exception" then hides.
    from fleetplan.network.importers.csv_network import read_frlm_network
    from fleetplan.optimiser.frlm import solve_frlm

    deadline.check("loading the solver's libraries")
    with deadline.watch("reading the network"):
        graph, table = read_frlm_network(nodes, edges, flows)
    if stations > graph.number_of_nodes():
        raise InputError(
            f"{stations} stations but only {graph.number_of_nodes()} nodes in {nodes}",
            field="--stations",
        )
    result = solve_frlm(
        graph,
        table,
        range_km=range_km,
        stations=stations,
        options=HighsOptions(time_limit_s=time_limit, mip_rel_gap=gap),
        deadline=deadline,
    )
    if not result.has_solution:
        raise InfeasibleError(f"no station plan found (status: {result.status})")
    payload = _payload(result, graph, table, range_km, stations)
    if as_json:
        print_json(payload)
    else:
        _print_table(payload)
