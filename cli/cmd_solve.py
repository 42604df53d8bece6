"""``fleetplan solve``, ``validate``, ``compare`` and ``data info``.

The scenario/dataset loading and the solver-output helpers other commands
share live in :mod:`fleetplan.cli.common`.

Exit codes follow :mod:`fleetplan.cli.common`: 0 solved (optimal, or an incumbent at the
time limit with its gap); 1 infeasible or no plan within the limit (message and
diagnosis on stderr); 2 bad input (one line naming file, line and field).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli.app import CommandGroup, app
from fleetplan.cli.common import (
    SolveProgress,
    guarded,
    load_scenario_arg,
    load_scenario_dataset,
    plain_console,
    plain_float,
    print_json,
    stdout_to_stderr,
)
from fleetplan.errors import InputError
from fleetplan.optimiser.certainty import difference_error_hkd, measurable, status_warning

data_app = typer.Typer(help="Inspect datasets.", no_args_is_help=True, cls=CommandGroup)
app.add_typer(data_app, name="data")


# --------------------------------------------------------------------------- helpers


def with_solver_flags(scenario: Any, time_limit: float | None, gap: float | None) -> Any:
    """``scenario`` with ``--time-limit`` (s) and ``--gap`` applied and validated."""
    from fleetplan.optimiser.scenario_files import scenario_from_mapping

    if time_limit is None and gap is None:
        return scenario
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise InputError(f"{time_limit:g}; expected seconds > 0", field="--time-limit")
    if gap is not None and not (math.isfinite(gap) and 0 <= gap <= 1):
        raise InputError(f"{gap:g}; expected a relative gap between 0 and 1", field="--gap")
    data = scenario.model_dump()
    if time_limit is not None:
        data["solver"]["time_limit_s"] = time_limit
    if gap is not None:
        data["solver"]["mip_rel_gap"] = gap
    return scenario_from_mapping(data, file="command line")


def _money(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"HK${float(value) / 1e6:,.1f}m"


def _number(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{float(value):,.{digits}f}"


def _zev(summary: dict[str, Any], vclass: str, year: int) -> Any:
    by_year = summary.get("zev_in_service", {}).get(vclass, {})
    return by_year.get(str(year), by_year.get(year))


def _free_riders(summary: dict[str, Any], programme: str) -> str:
    share = (summary.get("free_rider_share_by_programme") or {}).get(programme)
    return "-" if share is None else f"{share:.0%}"


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    console = plain_console()
    table = Table(title=f"Plan: {summary.get('scenario', '')}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    gap = summary.get("gap")
    rows = [
        ("status", str(summary.get("status"))),
        (
            "MIP gap (of what decisions change)",
            "-"
            if gap is None
            else f"{gap:.2%} ({_number(summary.get('gap_absolute'), 1)} {summary.get('objective_unit', '')})",
        ),
        ("objective", _number(summary.get("objective"), 2)),
        ("system cost (discounted)", _money(summary.get("system_cost_hkd"))),
        *[
            (f"  penalty: {name} (not a cost)", _money(value))
            for name, value in (summary.get("penalties_hkd") or {}).items()
            if value
        ],
        ("subsidy budget (nominal)", _money(summary.get("budget_hkd"))),
        ("subsidy spent (nominal)", _money(summary.get("subsidy_hkd_total"))),
        *[
            (
                f"  {name}",
                f"{_money(value)}: {_number((summary.get('subsidy_vehicles_by_programme') or {}).get(name))} vehicles paid, "
                f"{_free_riders(summary, name)} free riders",
            )
            for name, value in summary.get("subsidy_hkd_by_programme", {}).items()
        ],
        (
            "binding limits",
            ", ".join(
                b for b in summary.get("binding_limits", []) if not b.startswith("blocked_uptake:")
            )
            or "-",
        ),
        (
            "CO2 abated vs all-incumbent (total)",
            f"{_number(summary.get('co2_abated_t'))} t ({summary.get('co2_abated_basis', '')})",
        ),
        (
            "CO2 abated vs no policy",
            "-"
            if summary.get("co2_abated_vs_no_policy_t") is None
            else f"{_number(summary['co2_abated_vs_no_policy_t'])} t",
        ),
        ("system cost vs no policy (discounted)", _cost_difference(summary)),
        ("no-policy plan", _no_policy_status(summary)),
        (
            summary.get("co2_t_per_hkd_m_definition") or "t CO2 per HK$1m subsidy (vs no policy)",
            _number(summary.get("co2_t_per_hkd_m_subsidy_vs_no_policy"), 1),
        ),
    ]
    blocked = [
        b.split(":", 1)[1]
        for b in summary.get("binding_limits", [])
        if b.startswith("blocked_uptake:")
    ]
    if blocked:
        rows.append(
            (
                "uptake not served (segments)",
                f"{len(blocked)}: " + ", ".join(blocked[:5]) + (" ..." if len(blocked) > 5 else ""),
            )
        )
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)

    zev = summary.get("zev_in_service", {})
    years = sorted({int(y) for by_year in zev.values() for y in by_year})
    if years:
        shown = [y for y in (2027, 2030, 2035, 2040, 2045, years[-1]) if y in years]
        shown = sorted(set(shown)) or years[-1:]
        fleet = Table(title="Zero-emission vehicles in service")
        fleet.add_column("class")
        for year in shown:
            fleet.add_column(str(year), justify="right")
        for vclass in zev:
            fleet.add_row(vclass, *[_number(_zev(summary, vclass, y)) for y in shown])
        console.print(fleet)

    stations = summary.get("stations", [])
    if stations:
        sites = Table(title="Sites built")
        for column in ("site", "kind", "opening year", "capacity"):
            sites.add_column(column, justify="right" if column == "capacity" else "left")
        for item in stations:
            sites.add_row(
                str(item.get("site")),
                str(item.get("kind")),
                str(item.get("year")),
                f"{_number(item.get('capacity'))} {item.get('capacity_unit', '')}",
            )
        console.print(sites)
    targets = summary.get("targets", [])
    if targets:
        tab = Table(title="Targets")
        for column in ("target", "year", "min ZEV", "achieved", "short", "hard", "met"):
            tab.add_column(column)
        for item in targets:
            tab.add_row(
                str(item["target_id"]),
                str(item["year"]),
                _number(item["min_zev"]),
                _number(item["achieved_zev"]),
                _number(item["short"]),
                str(item["hard"]),
                "yes" if item["met"] else "NO",
            )
        console.print(tab)


# --------------------------------------------------------------------------- commands


@app.command("solve")
@guarded
def solve_command(
    scenario_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[SCENARIO.yaml]", help="Scenario file (default: the Hong Kong default)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (the plan's summary).")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write all results to this folder (atomically).")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", parser=plain_float, help="HiGHS time limit, s (overrides the scenario)."
        ),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option(
            "--gap",
            parser=plain_float,
            help="Relative MIP gap to stop at (overrides the scenario).",
        ),
    ] = None,
    no_marginals: Annotated[
        bool, typer.Option("--no-marginals", help="Skip the marginal values (one LP re-solve).")
    ] = False,
) -> None:
    """Solve a scenario and print its key figures (HK$, vehicles, t CO2)."""
    from fleetplan.optimiser.outputs import json_safe, write_results
    from fleetplan.optimiser.plan import plan

    scenario = with_solver_flags(load_scenario_arg(scenario_file), time_limit, gap)
    dataset = load_scenario_dataset(scenario)
    if out is not None:
        from fleetplan.optimiser.outputs import check_replaceable

        check_replaceable(out)  # refuse a foreign folder before spending the solve time
    show_progress = not as_json and sys.stderr.isatty()
    # The no-policy counterfactual solves on the second core meanwhile (a one-shot command:
    # nothing else wants it).
    if show_progress:
        with SolveProgress(f"solving {scenario.name}") as progress:
            result = plan(
                scenario,
                dataset,
                on_progress=progress.update,
                marginals=not no_marginals,
                parallel=True,
            )
    else:
        with stdout_to_stderr(as_json):
            result = plan(scenario, dataset, marginals=not no_marginals, parallel=True)
    if out is not None:
        write_results(result, scenario, out)
    summary = json_safe(result.figures.to_dict())  # the typed summary (fleetplan schema)
    if as_json:
        print_json(summary)
        return
    _print_summary(summary)
    if result.report.status != "optimal":
        print(
            f"warning: stopped with status {result.report.status}; the plan is the best found (gap above)",
            file=sys.stderr,
        )
    if out is not None:
        print(f"results written to {out}")


@app.command("validate")
@guarded
def validate_command(
    scenario_file: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file to check.")
    ],
) -> None:
    """Check a scenario and its dataset without solving; print OK with counts."""
    from fleetplan.network.schema import TABLES
    from fleetplan.optimiser.inputs import prepare_inputs

    started = time.perf_counter()
    scenario = load_scenario_arg(scenario_file)
    dataset = load_scenario_dataset(scenario)
    # Preparing the inputs catches what single tables cannot: unknown programme
    # or target ids, missing parameters, sites far from the road graph.
    inputs = prepare_inputs(scenario, dataset)
    counts = ", ".join(f"{name} {len(dataset.table(name))}" for name in TABLES)
    print(
        f"OK: scenario '{scenario.name}' ({scenario.objective}, {scenario.years.start}-{scenario.years.end}, budget {_money(scenario.budget.total_hkd)})"
    )
    print(f"dataset {dataset.path}: {counts}")
    print(
        f"model: {len(inputs.segments)} fleet segments, {len(inputs.buy_allowed)} purchase options, "
        f"{len(inputs.public_sites)} public charging sites, {len(inputs.h2_sites)} hydrogen sites, "
        f"{len(inputs.targets)} targets ({time.perf_counter() - started:.1f} s)"
    )


def _cost_difference(summary: dict[str, Any]) -> str:
    """The system cost against no policy with its error bound, or 'no measurable difference'."""
    difference = summary.get("system_cost_hkd_vs_no_policy")
    if difference is None:
        return "-"
    error = summary.get("system_cost_hkd_vs_no_policy_error_hkd")
    if summary.get("system_cost_vs_no_policy_measurable") is False:
        return f"no measurable difference (within ±{_money(error)}, both solves' certified error)"
    return _money(difference) + ("" if error is None else f" ± {_money(error)}")


def _no_policy_status(summary: dict[str, Any]) -> str:
    no_policy = summary.get("no_policy") or {}
    if not no_policy:
        return "-"
    gap = no_policy.get("gap_absolute")
    return f"{no_policy.get('status', '?')}, certified within {'-' if gap is None else _number(gap, 1)} {summary.get('objective_unit', '')}"


#: (label, unit, how to read it off a summary) for ``compare``.
def _figures(summaries: list[dict[str, Any]]) -> list[tuple[str, str, list[Any]]]:
    def get(key: str) -> list[Any]:
        return [s.get(key) for s in summaries]

    figures: list[tuple[str, str, list[Any]]] = [
        ("status", "", get("status")),
        ("gap", "", get("gap")),
        ("gap_absolute", "objective unit", get("gap_absolute")),
        ("objective", "", get("objective")),
        ("system_cost_hkd", "HK$", get("system_cost_hkd")),
        ("budget_hkd", "HK$", get("budget_hkd")),
        ("subsidy_hkd_total", "HK$", get("subsidy_hkd_total")),
    ]
    programmes = sorted({p for s in summaries for p in s.get("subsidy_hkd_by_programme", {})})
    figures += [
        (
            f"subsidy_hkd:{p}",
            "HK$",
            [s.get("subsidy_hkd_by_programme", {}).get(p, 0.0) for s in summaries],
        )
        for p in programmes
    ]
    figures += [
        ("co2_abated_t", "t CO2", get("co2_abated_t")),
        ("co2_abated_vs_no_policy_t", "t CO2", get("co2_abated_vs_no_policy_t")),
        (
            "co2_t_per_hkd_m_subsidy_vs_no_policy",
            "t CO2 per HK$1m",
            get("co2_t_per_hkd_m_subsidy_vs_no_policy"),
        ),
    ]
    years = sorted(
        {
            int(y)
            for s in summaries
            for by_year in s.get("zev_in_service", {}).values()
            for y in by_year
        }
    )
    shown = sorted({y for y in (2027, 2035, years[-1] if years else None) if y in years})
    classes = list(dict.fromkeys(c for s in summaries for c in s.get("zev_in_service", {})))
    for vclass in classes:
        figures += [
            (f"zev_{vclass}_{y}", "vehicles", [_zev(s, vclass, y) for s in summaries])
            for y in shown
        ]
    for kind in ("hydrogen", "public_charging", "depot_charging"):
        figures.append(
            (
                f"sites_{kind}",
                "sites",
                [
                    sum(1 for st in s.get("stations", []) if st.get("kind") == kind)
                    for s in summaries
                ],
            )
        )
    return figures


def _compare_warnings(
    folders: list[Path], summaries: list[dict[str, Any]], errors: list[float | None]
) -> list[str]:
    """Plans not solved to their gap, and system-cost differences inside their error bound."""
    warnings = [
        w
        for f, s in zip(folders, summaries, strict=True)
        if (w := status_warning(s, str(f))) is not None
    ]
    base = summaries[0].get("system_cost_hkd")
    for folder, summary, error in zip(folders[1:], summaries[1:], errors[1:], strict=True):
        delta = _delta(summary.get("system_cost_hkd"), base)
        if measurable(delta, error) is False:
            warnings.append(
                f"{folder} against {folders[0]}: no measurable difference in system cost "
                f"(|{_money(delta)}| is within ±{_money(error)}, the sum of both plans' certified errors)"
            )
    return warnings


def _delta(value: Any, base: Any) -> float | None:
    if isinstance(value, bool) or isinstance(base, bool):
        return None
    if (
        isinstance(value, int | float)
        and isinstance(base, int | float)
        and math.isfinite(value)
        and math.isfinite(base)
    ):
        return float(value) - float(base)
    return None


@app.command("compare")
@guarded
def compare_command(
    folders: Annotated[
        list[Path],
        typer.Argument(
            metavar="DIR_A DIR_B [DIR_C ...]", help="Results folders written by `solve --out`."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Key figures of two or more results side by side, with deltas from the first."""
    from fleetplan.optimiser.outputs import json_safe, read_summary

    if len(folders) < 2:
        raise InputError(
            f"got {len(folders)} folder; expected at least two results folders to compare",
            field="DIR",
        )
    summaries = [read_summary(folder) for folder in folders]
    figures = _figures(summaries)
    errors = [difference_error_hkd(summaries[0], other) for other in summaries]
    warnings = _compare_warnings(folders, summaries, errors)
    if as_json:
        print_json(
            json_safe(
                {
                    "runs": [
                        {
                            "dir": str(f),
                            "scenario": s.get("scenario"),
                            "fingerprint": s.get("fingerprint"),
                        }
                        for f, s in zip(folders, summaries, strict=True)
                    ],
                    "baseline": str(folders[0]),
                    "figures": [
                        {
                            "name": name,
                            "unit": unit,
                            "values": values,
                            "deltas": [_delta(v, values[0]) for v in values],
                            # money the objective certifies: each delta's error bound (both solves' gaps)
                            **(
                                {
                                    "delta_errors": errors,
                                    "measurable": [
                                        measurable(_delta(v, values[0]), e)
                                        for v, e in zip(values, errors, strict=True)
                                    ],
                                }
                                if name == "system_cost_hkd"
                                else {}
                            ),
                        }
                        for name, unit, values in figures
                    ],
                    "warnings": warnings,
                }
            )
        )
        return
    from rich.table import Table

    table = Table(title=f"Compared with {folders[0]}")
    table.add_column("figure", style="bold")
    table.add_column("unit")
    for folder, summary in zip(folders, summaries, strict=True):
        table.add_column(f"{summary.get('scenario', '')}\n{folder}", justify="right")

    def show(value: Any) -> str:
        if isinstance(value, float) and abs(value) < 1 and value != 0:
            return f"{value:.4g}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number(value)
        return "-" if value is None else str(value)

    for name, unit, values in figures:
        cells = [show(values[0])]
        for value, error in zip(values[1:], errors[1:], strict=True):
            delta = _delta(value, values[0])
            cell = show(value)
            if name == "system_cost_hkd" and measurable(delta, error) is False:
                cell += " (no measurable difference)"
            elif delta:
                cell += f" ({'+' if delta > 0 else ''}{show(delta)})"
                if name == "system_cost_hkd" and error is not None:
                    cell += f" ± {show(error)}"
            cells.append(cell)
        table.add_row(name, unit, *cells)
    from rich.text import Text

    console = plain_console()
    console.print(table)
    for warning in warnings:
        console.print(
            Text.assemble(("warning:", "yellow"), f" {warning}")
        )  # the warning as text, never markup


@data_app.command("info")
@guarded
def data_info_command(
    dataset: Annotated[
        Path | None, typer.Option("--dataset", help="Dataset folder (default: data/hk).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """What a dataset holds: each table's rows, status counts and distinct sources; what its road distances rest on."""
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset, read_csv_table
    from fleetplan.network.road_distances import describe, read_road_distances
    from fleetplan.network.schema import STATUSES, TABLES

    folder = dataset or DEFAULT_DATASET
    data = load_dataset(folder)
    tables: dict[str, Any] = {}
    frames = {name: (spec.file, data.table(name)) for name, spec in TABLES.items()}
    for name in ("nodes", "edges"):  # the fine road graph, when the folder has it
        fine = TABLES[name].file.replace(".csv", "_fine.csv")
        if (Path(folder) / fine).is_file():
            frames[f"{name}_fine"] = (
                fine,
                read_csv_table(Path(folder) / fine, TABLES[name], city=data.city),
            )
    for name, (file, frame) in frames.items():
        counts = frame["status"].value_counts()
        tables[name] = {
            "file": file,
            "rows": len(frame),
            "status": {s: int(counts.get(s, 0)) for s in STATUSES},
            "sources": sorted(frame["source"].dropna().astype(str).unique().tolist()),
        }
    distances = read_road_distances(folder)
    payload: dict[str, Any] = {"dataset": str(Path(folder)), "tables": tables}
    if distances is not None:
        # Blank figures (not measured) become null.
        payload["road_distances"] = [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in distances.to_dict("records")
        ]
    if as_json:
        print_json(payload)
        return
    from rich.table import Table

    table = Table(title=f"Dataset {folder}")
    table.add_column("table", no_wrap=True)
    for column in ("rows", *STATUSES, "sources"):
        table.add_column(column, justify="right")
    for name, info in tables.items():
        table.add_row(
            name,
            str(info["rows"]),
            *[str(info["status"][s]) for s in STATUSES],
            str(len(info["sources"])),
        )
    console = plain_console()
    console.print(table)
    from rich.text import Text

    if distances is None:
        console.print(
            Text(
                "road distances: the folder has no road_distances.csv (basis and error not recorded)"
            )
        )
    for _, row in distances.iterrows() if distances is not None else []:
        console.print(Text(f"road distances, {describe(row)}"))  # text, never markup
