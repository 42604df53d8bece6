"""Model against observation: the calibration table of a solved plan.

Each row of ``observed.csv`` (in the dataset folder) is one published figure with a
low-high range, its source and status, and whether it is a calibration *target*
(``checked``) or only reported (a scope mismatch, a figure before the model's first
year, an input compared with itself). :func:`calibration_table` reads the matching
model value off the plan's public result tables (``fleet``, ``emissions``,
``subsidy``, ``truck_coverage``) and the dataset, never off Pyomo, so it keeps
working while the formulation changes. Columns the tables do not have give an empty
model value with a note, not an error.

:func:`estimate_shares` counts how many rows of each dataset table are estimates.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.loaders import MAX_TABLE_BYTES, read_csv_table, read_csv_text
from fleetplan.network.schema import STATUSES, Column, TableSpec
from fleetplan.optimiser.inputs import zone_segment_ids

if TYPE_CHECKING:
    from fleetplan.network.loaders import Dataset
    from fleetplan.optimiser.results import PlanResult

OBSERVED_FILE = "observed.csv"
CALIBRATION_FILE = "calibration.csv"
ZEV = ("bev", "fcev")

#: What a model value can be compared on (the ``quantity`` column of observed.csv).
QUANTITIES = (
    "zev_in_service",
    "fleet_vehicles",
    "ttw_co2_t",
    "energy_per_km",
    "daily_km",
    "subsidised_vehicles",
    "subsidy_hkd",
    "subsidy_hkd_per_vehicle",
)

OBSERVED = TableSpec(
    "observed",
    OBSERVED_FILE,
    "Observed figures the default is calibrated against, each with a range, source and status.",
    (
        Column("observation_id", "str", "observation identifier"),
        Column("quantity", "str", "what is compared", choices=QUANTITIES),
        Column("vehicle_class", "str", "vehicle class, or classes joined by '+'"),
        Column(
            "vehicle_type",
            "str",
            "vehicle type (energy_per_km rows)",
            required=False,
            nullable=True,
        ),
        Column(
            "technology",
            "str",
            "technology; empty = all zero-emission (zev_in_service) or all",
            required=False,
            nullable=True,
        ),
        Column(
            "programme_id", "str", "subsidy programme (subsidy rows)", required=False, nullable=True
        ),
        Column(
            "year",
            "int",
            "model year compared; empty = all years (programme totals)",
            "year",
            min=1990,
            max=2100,
            nullable=True,
        ),
        Column(
            "observed_at", "str", "when the figure was observed (it may differ from the model year)"
        ),
        Column("value", "float", "observed value", min=0.0),
        Column("low", "float", "low end of the stated uncertainty", min=0.0),
        Column("high", "float", "high end of the stated uncertainty", min=0.0),
        Column("unit", "str", "unit of value, low and high"),
        Column("checked", "bool", "a calibration target the tests enforce (else reported only)"),
        Column("range_note", "str", "why the range is what it is"),
        Column("source", "str", "document and year, or why the figure is an estimate"),
        Column("status", "str", "verified / derived / estimate", choices=STATUSES),
    ),
    key=("observation_id",),
)

#: Columns of the calibration table, in order.
COLUMNS = [
    "observation_id",
    "quantity",
    "vehicle_class",
    "year",
    "model",
    "observed",
    "low",
    "high",
    "unit",
    "difference",
    "within_range",
    "checked",
    "observed_at",
    "source",
    "status",
    "note",
]

#: Files in a dataset folder that are not model inputs (left out of the estimate shares).
NOT_INPUTS = (OBSERVED_FILE, CALIBRATION_FILE)


def read_observed(folder: str | Path) -> pd.DataFrame:
    """The validated ``observed.csv`` of a dataset folder.

    Raises
    ------
    InputError
        If the file is missing or a row is malformed, or a row's range does not
        contain its value (the message names file, row and field).
    """
    path = Path(folder) / OBSERVED_FILE
    frame = read_csv_table(path, OBSERVED)
    for position, row in enumerate(frame.itertuples(index=False), start=1):
        if not row.low <= row.value <= row.high:
            raise InputError(
                f"value {row.value:g} is outside its range {row.low:g}-{row.high:g}; expected low <= value <= high",
                file=path,
                row=position,
                field="value",
            )
    return frame


def calibration_table(
    result: PlanResult, dataset: Dataset, observed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Model against observed, one row per observation, plus the share of estimates.

    ``within_range`` says whether the model value lies in [low, high];
    ``checked`` is True for calibration targets (the test requires them within
    range) and False for figures that are only reported.
    """
    observed = read_observed(dataset.path) if observed is None else observed
    model_years = _model_years(result)
    rows = []
    for obs in observed.itertuples(index=False):
        model, note = _model_value(obs, result, dataset, model_years)
        model = _rounded(model, obs.unit)
        within = None if model is None else bool(obs.low <= model <= obs.high)
        if within is False and obs.checked:
            note = _join(note, "OUT OF RANGE")
        rows.append(
            {
                "observation_id": obs.observation_id,
                "quantity": obs.quantity,
                "vehicle_class": obs.vehicle_class,
                "year": None if _missing(obs.year) else int(obs.year),
                "model": model,
                "observed": float(obs.value),
                "low": float(obs.low),
                "high": float(obs.high),
                "unit": obs.unit,
                "difference": None
                if model is None
                else _rounded(model - float(obs.value), obs.unit),
                "within_range": within,
                # A target without a model value (a year outside the horizon) cannot be checked.
                "checked": bool(obs.checked) and model is not None,
                "observed_at": obs.observed_at,
                "source": obs.source,
                "status": obs.status,
                "note": _join(note, obs.range_note),
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    shares = estimate_shares(dataset.path)
    table = pd.concat([table, _share_rows(shares)], ignore_index=True)
    table["year"] = table["year"].astype("Int64")
    return table


def estimate_shares(folder: str | Path) -> pd.DataFrame:
    """Rows per status in every dataset table of ``folder`` (observed and calibration files left out)."""
    records = []
    for path in sorted(Path(folder).glob("*.csv")):
        if path.name in NOT_INPUTS:
            continue
        text = read_csv_text(
            path, expected="a dataset table with a status column", max_bytes=MAX_TABLE_BYTES
        )
        frame = pd.read_csv(io.StringIO(text), dtype=str, usecols=lambda c: c == "status")
        if "status" not in frame.columns:
            continue
        counts = frame["status"].str.strip().value_counts()
        total = len(frame)
        record: dict[str, Any] = {"file": path.name, "rows": total}
        record.update({s: int(counts.get(s, 0)) for s in STATUSES})
        record["estimate_share"] = round(record["estimate"] / total, 3) if total else 0.0
        records.append(record)
    return pd.DataFrame(records, columns=["file", "rows", *STATUSES, "estimate_share"])


def out_of_range(table: pd.DataFrame) -> pd.DataFrame:
    """The checked rows whose model value is outside the observed range."""
    return table[table["checked"].astype(bool) & ~table["within_range"].fillna(True).astype(bool)]


def calibration_csv(table: pd.DataFrame) -> str:
    """The table as CSV text (fixed format, so a regenerated file differs only where values do).

    Ids, sources and notes come from ``observed.csv``: text a spreadsheet would run as a
    formula (``=HYPERLINK(...)``) is written with a leading apostrophe.
    """
    from fleetplan.network.spreadsheet_cells import inert_frame

    return inert_frame(table).to_csv(index=False, lineterminator="\n", float_format="%.10g")


def read_calibration(path: str | Path) -> pd.DataFrame:
    """A calibration table written by :func:`calibration_csv` (to compare with a regenerated one)."""
    text = read_csv_text(
        path,
        expected="a calibration table written by 'fleetplan calibrate'",
        max_bytes=MAX_TABLE_BYTES,
    )
    return pd.read_csv(io.StringIO(text), dtype={"observation_id": str, "year": "Int64"})


# --------------------------------------------------------------------------- model values


def _model_value(
    obs: Any, result: PlanResult, dataset: Dataset, model_years: list[int]
) -> tuple[float | None, str]:
    """(model value, note) for one observation; None when the model has no such figure."""
    year = None if _missing(obs.year) else int(obs.year)
    if year is not None and model_years and year not in model_years:
        where = (
            "before the model's first year"
            if year < min(model_years)
            else "after the model's last year"
        )
        return None, f"{where} ({min(model_years)}-{max(model_years)}): not compared"
    classes = [c.strip() for c in str(obs.vehicle_class).split("+")]
    try:
        if obs.quantity in ("zev_in_service", "fleet_vehicles"):
            return _fleet_vehicles(
                result.fleet,
                classes,
                year,
                _text(obs.technology),
                zev_only=obs.quantity == "zev_in_service",
            )
        if obs.quantity == "ttw_co2_t":
            return _emissions(result.emissions, classes, year)
        if obs.quantity == "energy_per_km":
            return _parameter(
                dataset.parameters,
                "energy_per_km",
                _text(obs.vehicle_type),
                _text(obs.technology),
                year,
            )
        if obs.quantity == "daily_km":
            return _daily_km(classes[0], result, dataset, year)
        if obs.quantity in ("subsidised_vehicles", "subsidy_hkd", "subsidy_hkd_per_vehicle"):
            return _subsidy(result.subsidy, obs.quantity, _text(obs.programme_id), year)
    except KeyError as error:
        # The result tables changed shape (a column renamed or gone): say which, do not fail.
        return None, f"not in this result (missing {error})"
    return None, f"quantity '{obs.quantity}' is not computed"


def _fleet_vehicles(
    fleet: pd.DataFrame,
    classes: list[str],
    year: int | None,
    technology: str | None,
    *,
    zev_only: bool,
) -> tuple[float, str]:
    rows = fleet[fleet["vehicle_class"].isin(classes)]
    if year is not None:
        rows = rows[rows["year"] == year]
    if technology:
        rows = rows[rows["technology"] == technology]
    elif zev_only:
        rows = rows[rows["technology"].isin(ZEV)]
    return float(rows["vehicles"].sum()), "fleet table: vehicles in service"


def _emissions(emissions: pd.DataFrame, classes: list[str], year: int | None) -> tuple[float, str]:
    rows = emissions[emissions["vehicle_class"].isin(classes)]
    if year is not None:
        rows = rows[rows["year"] == year]
    return float(rows["ttw_t"].sum()), "emissions table: tank-to-wheel t CO2 in the year"


def _parameter(
    parameters: pd.DataFrame,
    name: str,
    vehicle_type: str | None,
    technology: str | None,
    year: int | None,
) -> tuple[float | None, str]:
    rows = parameters[parameters["parameter"] == name]
    if vehicle_type:
        rows = rows[rows["vehicle_type"] == vehicle_type]
    if technology:
        rows = rows[rows["technology"] == technology]
    if rows.empty:
        return None, f"no '{name}' row in parameters.csv"
    rows = rows.sort_values("year")
    years = rows["year"].astype(float).to_numpy()
    values = rows["value"].astype(float).to_numpy()
    # Same reading as the model: linear between anchor years, flat outside them.
    at = float(year) if year is not None else float(years[0])
    return float(np.interp(at, years, values)), "model input (parameters.csv), not a result"


def _daily_km(
    vehicle_class: str, result: PlanResult, dataset: Dataset, year: int | None
) -> tuple[float | None, str]:
    """Vehicle-weighted mean km per vehicle per day in ``year``."""
    if vehicle_class == "truck":
        coverage = result.truck_coverage
        if year is not None:
            coverage = coverage[coverage["year"] == year]
        else:
            coverage = coverage[coverage["year"] == coverage["year"].min()]
        trucks = dataset.truck_flows.set_index("flow_id")["trucks"].astype(float)
        fleet = coverage["flow_id"].map(trucks).fillna(0.0)
        km = (
            2.0 * coverage["one_way_km"].astype(float) * coverage["daily_round_trips"].astype(float)
        )
        if fleet.sum() <= 0:
            return None, "no trucks on the modelled corridors"
        return float(km.sum() / fleet.sum()), "corridor round trips x road-graph path km / trucks"
    zone_fleets = dataset.taxi_classes[dataset.taxi_classes["vehicle_class"] == vehicle_class]
    if vehicle_class == "bus":
        km_of = dataset.bus_segments.set_index("segment_id")["daily_km"].astype(float)
        weights_of = dataset.bus_segments.set_index("segment_id")["buses"].astype(float)
    elif not zone_fleets.empty:
        ids = zone_segment_ids(zone_fleets).to_numpy()
        km_of = pd.Series(zone_fleets["daily_km"].astype(float).to_numpy(), index=ids)
        weights_of = pd.Series(zone_fleets["taxis"].astype(float).to_numpy(), index=ids)
    else:
        return None, f"no daily km for class '{vehicle_class}'"
    fleet = result.fleet[result.fleet["vehicle_class"] == vehicle_class]
    fleet = fleet[fleet["year"] == (year if year is not None else fleet["year"].min())]
    in_service = fleet.groupby("segment_id")["vehicles"].sum()
    if in_service.index.isin(km_of.index).all() and in_service.sum() > 0:
        weights, note = in_service, "dataset km per day weighted by the vehicles in service"
    else:
        # The plan's segments no longer match the dataset's (e.g. split by duty): weight by the dataset.
        weights, note = weights_of, "dataset km per day weighted by the dataset's fleet"
    km = km_of.reindex(weights.index)
    return float((km * weights).sum() / weights.sum()), note


def _subsidy(
    subsidy: pd.DataFrame, quantity: str, programme_id: str | None, year: int | None
) -> tuple[float, str]:
    rows = subsidy if programme_id is None else subsidy[subsidy["programme_id"] == programme_id]
    if year is not None:
        rows = rows[rows["year"] == year]
    vehicles = float(rows["vehicles"].sum())
    paid = float(rows["subsidy_hkd"].sum())
    span = (
        f"{int(rows['year'].min())}-{int(rows['year'].max())}" if not rows.empty else "no payments"
    )
    if quantity == "subsidised_vehicles":
        return vehicles, f"subsidy table: vehicles subsidised, {span}"
    if quantity == "subsidy_hkd":
        return paid, f"subsidy table: HK$ paid, {span}"
    # the money is paid on the model's own (continuous) count: per vehicle, divide by that count
    paid_on = float(rows["vehicles_model"].sum()) if "vehicles_model" in rows.columns else vehicles
    if paid_on <= 0:
        return 0.0, "no vehicles subsidised"
    return paid / paid_on, f"subsidy table: HK$ paid / vehicles, {span}"


# --------------------------------------------------------------------------- helpers


def _model_years(result: PlanResult) -> list[int]:
    try:
        return sorted(int(y) for y in result.fleet["year"].unique())
    except KeyError:
        return []


def _share_rows(shares: pd.DataFrame) -> pd.DataFrame:
    """Two report-only rows: the share of estimate rows in parameters.csv and in all tables."""
    rows = []
    parameters = shares[shares["file"] == "parameters.csv"]
    picks = [("parameters.csv", parameters)] if not parameters.empty else []
    picks.append(("all dataset tables", shares))
    for label, frame in picks:
        total = int(frame["rows"].sum())
        estimates = int(frame["estimate"].sum())
        rows.append(
            {
                "observation_id": "estimate_share_"
                + ("parameters" if label == "parameters.csv" else "all"),
                "quantity": "estimate_share",
                "vehicle_class": "-",
                "model": round(estimates / total, 3) if total else None,
                "unit": "share of rows",
                "checked": False,
                "observed_at": "-",
                "source": f"status column of {label}",
                "status": "derived",
                "note": f"{estimates} of {total} rows have status 'estimate' (the rest verified or derived); reported only",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _rounded(value: float | None, unit: str) -> float | None:
    """Round for the report: per-km inputs to 3 decimals, everything else to 0.1."""
    if value is None or not math.isfinite(value):
        return None
    digits = 3 if unit.startswith("L/") or unit.startswith("kWh/") else 1
    return round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def _text(value: Any) -> str | None:
    return None if _missing(value) or str(value).strip() == "" else str(value).strip()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _join(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)
