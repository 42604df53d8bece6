"""Write a solved plan to a results folder, atomically.

A results folder holds the resolved scenario (``scenario.yaml``), the key
figures (``summary.json``), every tidy table as CSV and the sites as a
GeoPackage (``sites.gpkg``) and GeoJSON (``sites.geojson``, WGS84).

The folder is written into a temporary sibling and renamed over the target
only when complete, so an interrupted run (Ctrl-C, SIGTERM, an exception)
leaves the previous results untouched and no half-written folder behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.schema import WGS84
from fleetplan.optimiser.spreadsheet_cells import write_csv

if TYPE_CHECKING:
    from fleetplan.optimiser.results import PlanResult
    from fleetplan.optimiser.scenario import Scenario

#: Tables of :class:`~fleetplan.optimiser.results.PlanResult` written as ``<name>.csv``.
TABLE_NAMES = (
    "fleet",
    "purchases",
    "subsidy",
    "chargers",
    "stations",
    "station_reasons",
    "emissions",
    "costs",
    "truck_coverage",
    "taxi_charging",
    "targets",
    "early_retirements",
    "marginal_values",
)

#: Header of a table that came back without columns (e.g. ``--no-marginals``, no
#: hydrogen sites), so every CSV reads back with pandas.
EMPTY_COLUMNS = {
    "early_retirements": ["segment_id", "vehicle_class", "operator", "year", "cause", "retired_early_cumulative"],
    "marginal_values": ["name", "value", "unit", "meaning"],
    "stations": [
        "site_id", "name", "kind", "year", "built", "opened", "existing_or_committed", "modules",
        "capacity_kg_day", "demand_kg_day", "lon", "lat",
    ],
    "station_reasons": [
        "site_id", "name", "kind", "existing_or_committed", "first_year", "peak_year", "demand_kg_day", "capacity_kg_day",
        "utilisation", "bus_kg_day", "truck_kg_day", "mean_km_to_demand", "new_capex_hkd", "consumers", "alternatives", "reason",
    ],
    "truck_coverage": [
        "flow_id", "corridor", "origin", "destination", "year", "daily_round_trips", "one_way_km", "coverable", "refuelled", "fcev_trucks",
    ],
}  # fmt: skip

#: Written into every folder made by :func:`write_directory_atomic`; an existing
#: non-empty folder without it is never replaced (so ``--out ~`` cannot wipe a home folder).
MARKER = ".fleetplan-output"


# --------------------------------------------------------------------------- atomic writes


class _Terminated(BaseException):
    """SIGTERM turned into an exception so ``finally`` blocks clean up temporaries."""


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`_Terminated` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except _Terminated:
        # Leave with the conventional status of a process ended by SIGTERM.
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[list[int]]:
    """Hold SIGINT/SIGTERM for the few steps that must happen together; deliver them after.

    Python-level handlers, not ``pthread_sigmask``: a mask holds signals for the calling
    thread only, and once HiGHS has started its worker threads the kernel may hand a
    process signal to one of them, whose C handler still makes the main thread raise
    in the middle of the block (a ``.tmp`` folder was left behind that way).

    Yields the signals held so far (a list the block may read, e.g. to wait for one).
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def hold(signum: int, frame: Any) -> None:
        received.append(signum)

    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, hold) for signum in wanted}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            # Delivered now, after the block, to the handler that was in force before it.
            signal.raise_signal(received[0])


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` via a temporary sibling file and a rename.

    Readers see either the old file or the complete new one, never a partial
    file; on an interrupt the temporary file is removed.

    Parameters
    ----------
    path:
        Target file; its folder must exist.
    data:
        Bytes, or text (encoded as UTF-8).

    Returns
    -------
    Path
        The target path.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if not path.parent.is_dir():
        raise InputError("folder does not exist", file=path.parent)
    # The SIGTERM handler covers the whole write, and the temporary file is created with
    # signals held, so no signal can land between creating it and being able to remove it.
    with _sigterm_raises():
        tmp: Path | None = None
        try:
            with _signals_blocked():
                fd, tmp_name = tempfile.mkstemp(
                    dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
                )
                tmp = Path(tmp_name)
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            with _signals_blocked():
                os.replace(tmp, path)
        except BaseException:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            raise
    return path


def check_replaceable(target: str | Path) -> None:
    """Raise :class:`InputError` unless ``target`` can be written: absent, empty or an earlier fleetplan output.

    Called before a solve, so an unusable ``--out`` (a file, a folder inside a file,
    a read-only place) is found before the solve time is spent, not after.
    """
    target = Path(target)
    # The nearest folder that exists must be a folder we may create entries in.
    existing = target.absolute().parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(
            f"'{existing}' is a file, not a folder; choose another output folder", file=target
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"no permission to write in '{existing}'; choose another output folder", file=target
        )
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError("exists and is not a folder; choose another output folder", file=target)
    if any(target.iterdir()) and not (target / MARKER).exists():
        raise InputError(
            "folder exists and was not written by fleetplan; refusing to replace it (choose an empty or new folder)",
            file=target,
        )


def check_writable_file(target: str | Path, *, field: str = "--out") -> None:
    """Raise :class:`InputError` unless ``target`` can be written as a file: not a folder, in a folder we may write.

    Called before the work, like :func:`check_replaceable` for folders.
    """
    target = Path(target)
    if target.is_dir():
        raise InputError(
            "is a folder; expected the path of a file to write", file=target, field=field
        )
    existing = target.absolute().parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(
            f"'{existing}' is a file, not a folder; choose another path", file=target, field=field
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"no permission to write in '{existing}'; choose another path", file=target, field=field
        )


#: A temporary sibling without a process id (older versions) counts as stale after this.
STALE_TEMPORARY_S = 3600.0


def _temporary_prefix(target: Path) -> str:
    # The writer's process id in the name tells a later run whether the writer is still alive.
    return f".{target.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Remove temporary siblings of ``target`` left by a writer that was killed (``kill -9``).

    ``SIGKILL`` leaves no chance to clean up: ``.out.<pid>.XXXX.tmp`` would stay
    next to the results for ever. A sibling is stale when the process named in it
    has gone, or (no process id) when it is older than :data:`STALE_TEMPORARY_S`.
    """
    target = Path(target)
    parent = target.absolute().parent
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for sibling in parent.glob(f".{glob_escape(target.name)}.*"):
        if sibling.suffix not in (".tmp", ".old"):
            continue
        middle = sibling.name[len(target.name) + 2 :].split(".")[0]
        if middle.isdigit():
            stale = not _alive(int(middle))
        else:
            try:
                stale = time.time() - sibling.stat().st_mtime > STALE_TEMPORARY_S
            except OSError:
                continue
        if stale:
            if sibling.is_dir():
                shutil.rmtree(sibling, ignore_errors=True)
            else:
                sibling.unlink(missing_ok=True)
            removed.append(sibling)
    return removed


def write_directory_atomic(target_dir: str | Path, write_fn: Callable[[Path], object]) -> Path:
    """Fill a temporary sibling folder with ``write_fn`` and rename it over ``target_dir``.

    The previous contents of ``target_dir`` stay intact until the final
    rename; if ``write_fn`` raises or the process gets SIGINT/SIGTERM the
    temporary folder is removed and the target is unchanged. An existing
    non-empty target is replaced only if an earlier call made it (it holds
    :data:`MARKER`).

    Parameters
    ----------
    target_dir:
        Results folder to create or replace; its parent is created if needed.
    write_fn:
        Called with the temporary folder; writes every file into it.

    Returns
    -------
    Path
        The target folder.
    """
    target = Path(target_dir)
    check_replaceable(target)
    parent = target.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the folder ({error.strerror})", file=parent) from None
    remove_stale_temporaries(target)
    with _sigterm_raises():
        tmp: Path | None = None
        old: Path | None = None
        try:
            with _signals_blocked():
                tmp = Path(
                    tempfile.mkdtemp(dir=parent, prefix=_temporary_prefix(target), suffix=".tmp")
                )
            # mkdtemp makes a private (0700) folder; results are ordinary shared files.
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode) if target.is_dir() else 0o755)
            write_fn(tmp)
            (tmp / MARKER).write_text(
                "written by fleetplan; this folder may be replaced by the next run\n",
                encoding="utf-8",
            )
            with _signals_blocked():
                check_replaceable(target)  # it may have changed while we wrote
                if target.exists():
                    old = Path(
                        tempfile.mkdtemp(
                            dir=parent, prefix=_temporary_prefix(target), suffix=".old"
                        )
                    )
                    os.rmdir(old)
                    os.replace(target, old)
                try:
                    os.replace(tmp, target)
                except BaseException:
                    if old is not None:  # put the previous results back
                        os.replace(old, target)
                        old = None
                    raise
        except BaseException:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            # The previous results, once swapped out, are removed even if a held signal
            # is delivered right after the swap; with signals held, so that one arriving
            # now cannot stop the removal half-way and leave a '.old' folder behind.
            if old is not None:
                with _signals_blocked():
                    shutil.rmtree(old, ignore_errors=True)
    return target


# --------------------------------------------------------------------------- JSON


def json_safe(value: Any) -> Any:
    """``value`` with NaN/inf as None and numpy scalars as Python numbers (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def dumps_json(payload: Any) -> str:
    """Strict, indented JSON text of ``payload`` (see :func:`json_safe`)."""
    return json.dumps(json_safe(payload), indent=2, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- site layers


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84
    )


def charger_layer(chargers: pd.DataFrame) -> gpd.GeoDataFrame:
    """One point per site and charger kind with new chargers: opening year and final-year size."""
    columns = [
        "site_id",
        "name",
        "kind",
        "charger_kind",
        "opening_year",
        "final_year",
        "new_chargers",
        "new_kw",
        "existing_chargers",
        "lon",
        "lat",
    ]
    if chargers.empty:
        return _points(
            pd.DataFrame(
                {c: pd.Series(dtype=float if c in ("lon", "lat") else object) for c in columns}
            )
        )
    rows = []
    for (site, kind), group in chargers.groupby(["site_id", "charger_kind"], sort=True):
        group = group.sort_values("year")
        built = group[group["new_chargers"] > 0]
        if built.empty:
            continue  # committed chargers only: nothing the plan builds
        final = group.iloc[-1]
        rows.append(
            {
                "site_id": site,
                "name": final["name"],
                "kind": final["kind"],
                "charger_kind": kind,
                "opening_year": int(built["year"].iloc[0]) if not built.empty else None,
                "final_year": int(final["year"]),
                "new_chargers": float(final["new_chargers"]),
                "new_kw": float(final["new_kw"]),
                "existing_chargers": float(final["existing_chargers"]),
                "lon": float(final["lon"]),
                "lat": float(final["lat"]),
            }
        )
    return _points(pd.DataFrame(rows, columns=columns))


def station_layer(stations: pd.DataFrame) -> gpd.GeoDataFrame:
    """One point per hydrogen site built: opening year, final-year capacity (kg/day) and status."""
    columns = [
        "site_id", "name", "kind", "opening_year", "final_year", "open_final_year", "existing_or_committed",
        "modules", "capacity_kg_day", "demand_kg_day", "lon", "lat",
    ]  # fmt: skip
    if stations.empty:
        return _points(
            pd.DataFrame(
                {c: pd.Series(dtype=float if c in ("lon", "lat") else object) for c in columns}
            )
        )
    rows = []
    for site, group in stations.groupby("site_id", sort=True):
        group = group.sort_values("year")
        built = group[group["built"]]
        final = group.iloc[-1]
        rows.append(
            {
                "site_id": site,
                "name": final["name"],
                "kind": final["kind"],
                "opening_year": int(built["year"].iloc[0]) if not built.empty else None,
                "final_year": int(final["year"]),
                "open_final_year": bool(final["opened"]),
                "existing_or_committed": bool(group["existing_or_committed"].any()),
                "modules": int(final["modules"]),
                "capacity_kg_day": float(final["capacity_kg_day"]),
                "demand_kg_day": float(final["demand_kg_day"]),
                "lon": float(final["lon"]),
                "lat": float(final["lat"]),
            }
        )
    return _points(pd.DataFrame(rows, columns=columns))


def _plain_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Object columns as text (GeoPackage/GeoJSON hold no lists or mixed types)."""
    frame = frame.copy()
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype != object:
            continue
        frame[column] = frame[column].map(
            lambda v: (
                None
                if v is None or (isinstance(v, float) and math.isnan(v))
                else (v if isinstance(v, str) else json.dumps(json_safe(v)))
            )
        )
    return frame


def site_plan(result: PlanResult) -> gpd.GeoDataFrame:
    """Candidate sites with what the plan builds there (for ``sites.geojson``)."""
    sites = result.sites
    if sites is None:
        sites = gpd.GeoDataFrame(
            {"site_id": pd.Series(dtype=object)}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84
        )
    plan = sites.copy()
    chargers = charger_layer(result.chargers)
    stations = station_layer(result.stations)
    for kind in ("depot", "public"):
        part = chargers[chargers["charger_kind"] == kind].set_index("site_id")
        plan[f"{kind}_chargers_final"] = plan["site_id"].map(part["new_chargers"]).fillna(0.0)
        plan[f"{kind}_chargers_opening_year"] = plan["site_id"].map(part["opening_year"])
    by_site = stations.set_index("site_id")
    plan["h2_capacity_kg_day_final"] = plan["site_id"].map(by_site["capacity_kg_day"]).fillna(0.0)
    plan["h2_opening_year"] = plan["site_id"].map(by_site["opening_year"])
    return plan.to_crs(WGS84)


# --------------------------------------------------------------------------- results folder


def write_result_files(result: PlanResult, scenario: Scenario, folder: str | Path) -> None:
    """Write every results file into an existing ``folder`` (not atomic: see :func:`write_results`)."""
    folder = Path(folder)
    (folder / "scenario.yaml").write_text(scenario.to_yaml(), encoding="utf-8")
    (folder / "summary.json").write_text(dumps_json(result.figures.to_dict()), encoding="utf-8")
    for name in TABLE_NAMES:
        table = getattr(result, name)
        if table is None or len(table.columns) == 0:
            table = pd.DataFrame(columns=EMPTY_COLUMNS.get(name, ["empty"]))
        write_csv(table, folder / f"{name}.csv")
    gpkg = folder / "sites.gpkg"
    layers = {
        "candidate_sites": result.sites
        if result.sites is not None
        else site_plan(result).iloc[0:0],
        "chargers": charger_layer(result.chargers),
        "stations": station_layer(result.stations),
    }
    for layer, frame in layers.items():
        _plain_columns(frame.to_crs(WGS84)).to_file(
            gpkg, layer=layer, driver="GPKG", engine="pyogrio", geometry_type="Point"
        )
    _plain_columns(site_plan(result)).to_file(
        folder / "sites.geojson", driver="GeoJSON", engine="pyogrio"
    )


def write_results(result: PlanResult, scenario: Scenario, out_dir: str | Path) -> Path:
    """Write a solved plan to ``out_dir`` atomically.

    Files: ``scenario.yaml`` (resolved scenario), ``summary.json`` (key
    figures, HK$ and tonnes CO2), one CSV per table (:data:`TABLE_NAMES`),
    ``sites.gpkg`` (layers ``candidate_sites``, ``chargers``, ``stations``)
    and ``sites.geojson`` (candidate sites with the plan's chargers and
    stations, WGS84).

    Returns
    -------
    Path
        The results folder.
    """
    return write_directory_atomic(
        out_dir, lambda folder: write_result_files(result, scenario, folder)
    )


#: Largest summary.json read (bytes): a plan's summary is tens of kilobytes; JSON takes
#: ~20 times its size in memory once parsed, so a bound keeps a foreign file from
#: taking gigabytes before it is found wrong.
MAX_SUMMARY_BYTES = 20 * 1024 * 1024


def read_summary(directory: str | Path) -> dict[str, Any]:
    """Read ``summary.json`` of a results folder.

    Raises
    ------
    InputError
        If the folder or its summary is missing, larger than :data:`MAX_SUMMARY_BYTES`
        (checked before reading), not valid JSON or not shaped like a summary.
    """
    from fleetplan.network.csv_text import read_limited_bytes

    folder = Path(directory)
    path = folder / "summary.json" if folder.is_dir() or not folder.suffix else folder
    if not folder.exists():
        raise InputError("results folder not found", file=folder)
    if not path.is_file():
        raise InputError(
            "no summary.json here; expected a folder written by `fleetplan solve --out`",
            file=folder,
        )
    raw = read_limited_bytes(
        path,
        expected="summary.json written by `fleetplan solve --out`",
        max_bytes=MAX_SUMMARY_BYTES,
    )
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"not valid JSON: {error}", file=path) from None
    except RecursionError:
        raise InputError(
            "JSON nested far too deeply; expected a summary written by `fleetplan solve --out`",
            file=path,
        ) from None
    if not isinstance(payload, dict):
        raise InputError("expected a JSON object", file=path)
    _check_summary_shape(payload, path)
    return payload


#: Keys of summary.json that readers index into, and the shape each must have.
_SUMMARY_NUMBERS = (
    "gap",
    "objective",
    "system_cost_hkd",
    "budget_hkd",
    "subsidy_hkd_total",
    "co2_abated_t",
    "subsidy_hkd_per_t_abated",
)


def _check_summary_shape(payload: dict[str, Any], path: Path) -> None:
    """Refuse a summary.json whose figures are not where and what ``compare`` expects (hand-edited or foreign)."""

    def number(value: Any) -> bool:
        return value is None or (isinstance(value, int | float) and not isinstance(value, bool))

    for key in _SUMMARY_NUMBERS:
        if not number(payload.get(key)):
            raise InputError(f"{payload[key]!r} is not a number", file=path, field=key)
    programmes = payload.get("subsidy_hkd_by_programme", {})
    if not isinstance(programmes, dict) or not all(number(v) for v in programmes.values()):
        raise InputError(
            "expected an object of programme -> HK$", file=path, field="subsidy_hkd_by_programme"
        )
    zev = payload.get("zev_in_service", {})
    if not isinstance(zev, dict) or not all(
        isinstance(by_year, dict)
        and all(str(y).isdigit() and number(v) for y, v in by_year.items())
        for by_year in zev.values()
    ):
        raise InputError(
            "expected an object of vehicle class -> {year: vehicles}",
            file=path,
            field="zev_in_service",
        )
    stations = payload.get("stations", [])
    if not isinstance(stations, list) or not all(isinstance(st, dict) for st in stations):
        raise InputError("expected a list of site objects", file=path, field="stations")
