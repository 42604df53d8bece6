"""A GeoJSON upload read as JSON text, never by a GIS library's driver detection.

An upload named ``.geojson`` is only what its bytes say it is. Handed to GDAL
(``geopandas.read_file``, pyogrio, fiona), bytes that are really a GDAL VRT, a
GeoPackage, a zipped shapefile or a ``/vsi`` path are opened by whatever driver
recognises them, and a VRT can name any file the server can read as its source:
the upload comes back as that file's rows. So an upload is parsed here with the
standard library's JSON parser, which follows no references, opens no files and
makes no network calls; anything that is not a GeoJSON FeatureCollection of
points (RFC 7946: WGS84 longitude/latitude) is refused with what was expected.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.csv_text import plain_number

#: Most features an uploaded table may hold (a dataset table has thousands at most).
MAX_FEATURES = 1_000_000
#: The only coordinate reference systems a GeoJSON may name (RFC 7946 allows WGS84 only;
#: the 2008 draft's ``crs`` member is accepted when it names WGS84 longitude/latitude).
_WGS84_NAMES = frozenset(
    {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:epsg::4326", "epsg:4326", "ogc:crs84"}
)


class _Duplicate(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            # json keeps the last silently: one of the two values would vanish.
            raise _Duplicate(key)
        out[key] = value
    return out


def _refuse_constant(name: str) -> float:
    raise ValueError(f"'{name}' is not a JSON number")


def _number(value: Any) -> float | None:
    """``value`` as a finite float if it is a JSON number (not true/false), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _cell(value: Any) -> str:
    """A property value as the CSV text the dataset reader expects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_geojson_points(data: bytes, *, name: str, max_bytes: int) -> pd.DataFrame:
    """The features of a GeoJSON FeatureCollection as a table of text cells, ``lon``/``lat`` from Point geometry.

    Parameters
    ----------
    data:
        The upload's bytes (UTF-8 JSON).
    name:
        The upload's name, for messages.
    max_bytes:
        Largest upload accepted; checked before anything is parsed.

    Returns
    -------
    pandas.DataFrame
        One row per feature (row 1 = the first feature), a column per property in
        the order they first appear, every cell text ('' for null); ``lon`` and
        ``lat`` from the Point geometry when the feature has one.

    Raises
    ------
    InputError
        If the upload is too large, not UTF-8 JSON (a VRT, GeoPackage, zip or any
        other format is refused here, never opened), not a FeatureCollection, names
        a CRS other than WGS84, or a feature has a geometry other than a Point, a
        position that is not two or three finite numbers, a nested property value,
        or ``lon``/``lat`` properties that disagree with its geometry.
    """
    if len(data) > max_bytes:
        raise InputError(
            f"file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB", file=name
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); expected GeoJSON (JSON text)",
            file=name,
        ) from None
    head = text.lstrip()[:1]
    if head != "{":
        shown = (
            "XML (e.g. a GDAL VRT)"
            if head == "<"
            else "empty"
            if not head
            else f"text starting with {head!r}"
        )
        raise InputError(
            f"not GeoJSON: the file is {shown}; expected a JSON FeatureCollection", file=name
        )
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant
        )
    except _Duplicate as error:
        raise InputError(
            f"key '{error}' appears twice in one object; expected each key once", file=name
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}", file=name
        ) from None
    except ValueError as error:
        raise InputError(f"not valid JSON: {error}", file=name) from None
    except RecursionError:
        raise InputError(
            "JSON nested far too deeply; expected a flat FeatureCollection", file=name
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise InputError(
            f"GeoJSON of type {kind!r}; expected a FeatureCollection", file=name, field="type"
        )
    _check_crs(document.get("crs"), name)
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError(
            "no 'features' list; expected a FeatureCollection with a list of features",
            file=name,
            field="features",
        )
    if len(features) > MAX_FEATURES:
        raise InputError(f"{len(features):,} features; the limit is {MAX_FEATURES:,}", file=name)
    rows = [_feature_row(feature, pos + 1, name) for pos, feature in enumerate(features)]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return pd.DataFrame(
        [[row.get(column, "") for column in columns] for row in rows],
        columns=list(columns),
        dtype=object,
    )


def _check_crs(crs: Any, name: str) -> None:
    if crs is None:
        return
    label = (
        crs.get("properties", {}).get("name")
        if isinstance(crs, dict) and isinstance(crs.get("properties"), dict)
        else None
    )
    if not isinstance(label, str) or label.strip().lower() not in _WGS84_NAMES:
        raise InputError(
            f"coordinate reference system {label or crs!r}; expected WGS84 longitude/latitude (RFC 7946: leave 'crs' out)",
            file=name,
            field="crs",
        )


def _feature_row(feature: Any, row: int, name: str) -> dict[str, str]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InputError(
            'not a GeoJSON Feature; expected an object with "type": "Feature"',
            file=name,
            row=row,
            field="type",
        )
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InputError(
            "properties is not an object; expected a mapping of column to value",
            file=name,
            row=row,
            field="properties",
        )
    cells: dict[str, str] = {}
    for key, value in properties.items():
        if isinstance(value, dict | list):
            raise InputError(
                "a nested value; expected text, a number, true/false or null",
                file=name,
                row=row,
                field=key,
            )
        cells[key] = _cell(value)
    geometry = feature.get("geometry")
    if geometry is None:
        return cells
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise InputError(
            f"geometry of type {kind!r}; expected a Point (or null)",
            file=name,
            row=row,
            field="geometry",
        )
    position = geometry.get("coordinates")
    parsed = [_number(v) for v in position] if isinstance(position, list) else []
    numbers = [v for v in parsed if v is not None]
    if len(parsed) not in (2, 3) or len(numbers) < len(parsed):
        raise InputError(
            f"Point coordinates {position!r}; expected [longitude, latitude] as finite numbers (WGS84)",
            file=name,
            row=row,
            field="geometry",
        )
    for column, value in zip(("lon", "lat"), numbers[:2], strict=True):
        stated = properties.get(column)
        given = plain_number(stated) if isinstance(stated, str) else _number(stated)
        if stated not in (None, "") and (given is None or abs(given - value) > 1e-9):
            raise InputError(
                f"{column} {stated!r} differs from the Point geometry's {value!r}; expected one position",
                file=name,
                row=row,
                field=column,
            )
        cells[column] = repr(value)
    return cells
