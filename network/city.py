"""The city a dataset describes: its manifest ``city.yaml``.

A dataset folder names its city in ``city.yaml``::

    name: Hong Kong
    metric_crs: EPSG:2326          # projected CRS in metres: distances, snapping, clustering
    bounds: {lon_min: 113.80, lat_min: 22.13, lon_max: 114.45, lat_max: 22.58}  # WGS84 degrees
    currency: HKD                  # unit of every money column (they keep their _hkd names)
    licence: ...                   # terms of the data, as the sources grant them
    sources:
      - {name: ..., url: ..., licence: ...}

Coordinates in the tables stay WGS84 longitude/latitude; every metre the model
measures (road-graph node positions, snapping a depot to its node, clustering
stops, a feed's trip lengths) is measured in ``metric_crs``, and every coordinate
must lie inside ``bounds``.

A folder without ``city.yaml`` is Hong Kong (:data:`HONG_KONG`): the dataset
folders and uploads made before manifests existed keep loading as they did.
"""

from __future__ import annotations

import functools
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from fleetplan.errors import InputError

#: File name of the manifest in a dataset folder.
MANIFEST = "city.yaml"
#: A manifest is a few hundred bytes; refuse anything absurd before parsing it.
MAX_MANIFEST_BYTES = 256 * 1024

WGS84 = "EPSG:4326"
#: Hong Kong 1980 Grid: the metric CRS of a dataset folder without a manifest.
HK_METRIC_CRS = "EPSG:2326"
#: Box every Hong Kong coordinate falls into (lon_min, lat_min, lon_max, lat_max), WGS84 degrees.
HK_BOUNDS = (113.80, 22.13, 114.45, 22.58)

_KEYS = (
    "name",
    "metric_crs",
    "bounds",
    "currency",
    "licence",
    "sources",
    "utilities",
    "fleet_utility",
)
#: Hong Kong's two electricity utilities: CLP Power (Kowloon, the New Territories, Lantau) and
#: HK Electric (Hong Kong Island, Lamma). The utilities of a manifest that does not list its own.
HK_UTILITIES = ("clp", "hke")
#: A utility id: lower-case letters, digits and underscores (it labels parameter rows).
UTILITY_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
_BOUND_KEYS = ("lon_min", "lat_min", "lon_max", "lat_max")
_SOURCE_KEYS = ("name", "url", "licence")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Source:
    """Where part of a dataset comes from: name, address and the terms it is used under."""

    name: str
    url: str = ""
    licence: str = ""


@dataclass(frozen=True)
class City:
    """The city of a dataset: name, metric CRS, WGS84 bounds, currency and provenance.

    ``bounds`` is ``(lon_min, lat_min, lon_max, lat_max)`` in WGS84 degrees;
    ``metric_crs`` a projected CRS whose axes are metres (e.g. ``EPSG:2326``).
    """

    name: str
    metric_crs: str
    bounds: tuple[float, float, float, float]
    currency: str = "HKD"
    licence: str = ""
    sources: tuple[Source, ...] = field(default_factory=tuple)
    #: electricity utilities a site or depot may take (their tariffs and grid CO2 are parameter rows)
    utilities: tuple[str, ...] = HK_UTILITIES
    #: the utility whose tariff and grid CO2 apply to fleets charged away from a depot (taxis, trucks)
    fleet_utility: str = HK_UTILITIES[0]

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether each WGS84 point (degrees) lies inside :attr:`bounds` (edges included)."""
        lon_min, lat_min, lon_max, lat_max = self.bounds
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        return (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)

    def to_metric(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 longitude/latitude (degrees) to easting/northing in :attr:`metric_crs` (metres)."""
        return to_metric(lon, lat, self.metric_crs)

    def to_dict(self) -> dict[str, Any]:
        """The manifest as plain data (what :func:`write_city` writes)."""
        out: dict[str, Any] = {
            "name": self.name,
            "metric_crs": self.metric_crs,
            "bounds": dict(zip(_BOUND_KEYS, (float(b) for b in self.bounds), strict=True)),
            "currency": self.currency,
        }
        out["utilities"] = list(self.utilities)
        out["fleet_utility"] = self.fleet_utility
        if self.licence:
            out["licence"] = self.licence
        if self.sources:
            out["sources"] = [
                {k: v for k, v in (("name", s.name), ("url", s.url), ("licence", s.licence)) if v}
                for s in self.sources
            ]
        return out


#: The city of a dataset folder without ``city.yaml`` (the embedded default and older folders).
HONG_KONG = City(
    name="Hong Kong",
    metric_crs=HK_METRIC_CRS,
    bounds=HK_BOUNDS,
    currency="HKD",
    licence=(
        "DATA.GOV.HK open data: free for commercial and non-commercial use with acknowledgement "
        "of the source, provided as is"
    ),
    sources=(
        Source(
            "Source: DATA.GOV.HK (Transport Department; KMB/LWB, Citybus, NLB), compiled by HK Bus Crawling@2021",
            "https://github.com/hkbus/hk-bus-crawling",
            "DATA.GOV.HK terms of use",
        ),
    ),
)


@functools.lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_metric(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude/latitude (degrees) to easting/northing in ``crs`` (metres)."""
    x, y = _transformer(WGS84, crs).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_wgs84(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Easting/northing in ``crs`` (metres) back to WGS84 longitude/latitude (degrees)."""
    lon, lat = _transformer(crs, WGS84).transform(
        np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def check_metric_crs(
    value: object, *, file: str | Path | None = None, field: str = "metric_crs"
) -> str:
    """``value`` as an ``AUTHORITY:CODE`` string if it is a projected CRS in metres.

    Raises
    ------
    InputError
        If pyproj does not know the CRS, or it is geographic (degrees) or not in metres.
    """
    text = str(value).strip() if value is not None else ""
    if not text:
        raise InputError(
            "empty; expected a projected CRS in metres, e.g. EPSG:2326 or a UTM zone such as EPSG:32629",
            file=file,
            field=field,
        )
    try:
        crs = CRS.from_user_input(text)
    except CRSError:
        raise InputError(
            f"'{text}' is not a CRS pyproj knows; expected e.g. EPSG:2326 or a UTM zone such as EPSG:32629",
            file=file,
            field=field,
        ) from None
    if not crs.is_projected:
        raise InputError(
            f"'{text}' ({crs.name}) is not a projected CRS (its coordinates are degrees); "
            "expected a projected CRS in metres for distances, e.g. the city's UTM zone",
            file=file,
            field=field,
        )
    units = {axis.unit_name for axis in crs.axis_info}
    if units != {"metre"}:
        raise InputError(
            f"'{text}' ({crs.name}) measures in {', '.join(sorted(units))}; expected a projected CRS in metres",
            file=file,
            field=field,
        )
    authority = crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else text


def check_bounds(
    value: object, *, file: str | Path | None = None, field: str = "bounds"
) -> tuple[float, float, float, float]:
    """``value`` (a mapping lon_min/lat_min/lon_max/lat_max, or four numbers in that order) as a tuple.

    Raises
    ------
    InputError
        On a missing or non-numeric bound, a longitude outside -180..180, a latitude
        outside -90..90, or a minimum not below its maximum.
    """
    if isinstance(value, dict):
        unknown = [str(k) for k in value if k not in _BOUND_KEYS]
        if unknown:
            raise InputError(
                f"unknown key '{unknown[0]}'; expected {', '.join(_BOUND_KEYS)}",
                file=file,
                field=f"{field}.{unknown[0]}",
            )
        missing = [k for k in _BOUND_KEYS if k not in value]
        if missing:
            raise InputError(
                f"missing; expected {', '.join(_BOUND_KEYS)} in WGS84 degrees",
                file=file,
                field=f"{field}.{missing[0]}",
            )
        raw = [value[k] for k in _BOUND_KEYS]
    elif isinstance(value, list | tuple) and len(value) == 4:
        raw = list(value)
    else:
        raise InputError(
            f"expected a mapping with {', '.join(_BOUND_KEYS)} (WGS84 degrees)",
            file=file,
            field=field,
        )
    numbers = []
    for key, item in zip(_BOUND_KEYS, raw, strict=True):
        try:
            number = float(item)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(item, bool) or not math.isfinite(number):
            raise InputError(
                f"'{item}' is not a number; expected degrees", file=file, field=f"{field}.{key}"
            )
        limit = 180.0 if key.startswith("lon") else 90.0
        if abs(number) > limit:
            raise InputError(
                f"{number:g} is out of range; expected -{limit:g} to {limit:g} degrees",
                file=file,
                field=f"{field}.{key}",
            )
        numbers.append(number)
    lon_min, lat_min, lon_max, lat_max = numbers
    for low, high, axis in ((lon_min, lon_max, "lon"), (lat_min, lat_max, "lat")):
        if not low < high:
            raise InputError(
                f"{axis}_min {low:g} is not below {axis}_max {high:g}; expected {axis}_min < {axis}_max",
                file=file,
                field=f"{field}.{axis}_max",
            )
    return lon_min, lat_min, lon_max, lat_max


def _check_crs_covers(
    crs_text: str, bounds: tuple[float, float, float, float], file: str | Path | None
) -> None:
    """A CRS meant for another part of the world distorts distances: refuse one whose area misses the city."""
    area = CRS.from_user_input(crs_text).area_of_use
    if area is None:
        return
    lon_min, lat_min, lon_max, lat_max = bounds
    # Areas of use are drawn tight (Hong Kong's ends at 114.51); a little slack keeps a
    # city on the edge of its zone acceptable.
    slack = 1.0
    if (
        lon_max < area.west - slack
        or lon_min > area.east + slack
        or lat_max < area.south - slack
        or lat_min > area.north + slack
    ):
        raise InputError(
            f"{crs_text} is meant for {area.name} (lon {area.west:g}..{area.east:g}, lat {area.south:g}..{area.north:g}), "
            f"but the city's bounds are lon {lon_min:g}..{lon_max:g}, lat {lat_min:g}..{lat_max:g}; "
            "expected a metric CRS for the city's area (e.g. its UTM zone)",
            file=file,
            field="metric_crs",
        )


def _text(value: object, *, file: Path, field: str, required: bool) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError("missing or empty; expected text", file=file, field=field)
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InputError(f"expected text, got {type(value).__name__}", file=file, field=field)
    return str(value).strip()


def city_from_mapping(data: object, *, file: str | Path = MANIFEST) -> City:
    """Validate a parsed manifest (a mapping) into a :class:`City`.

    Raises
    ------
    InputError
        Naming the file and the field: an unknown key, a missing name, CRS or
        bounds, a CRS pyproj does not know or that is not metric, bounds out of
        order or outside the CRS's area of use, a currency not written as a
        three-letter ISO 4217 code, or a malformed source.
    """
    file = Path(file)
    if not isinstance(data, dict):
        raise InputError("expected a YAML mapping with name, metric_crs and bounds", file=file)
    unknown = [str(k) for k in data if k not in _KEYS]
    if unknown:
        raise InputError(
            f"unknown key '{unknown[0]}'; expected {', '.join(_KEYS)}", file=file, field=unknown[0]
        )
    name = _text(data.get("name"), file=file, field="name", required=True)
    if "metric_crs" not in data:
        raise InputError(
            "missing; expected a projected CRS in metres, e.g. EPSG:2326",
            file=file,
            field="metric_crs",
        )
    crs = check_metric_crs(data["metric_crs"], file=file)
    if "bounds" not in data:
        raise InputError(
            f"missing; expected {', '.join(_BOUND_KEYS)} in WGS84 degrees",
            file=file,
            field="bounds",
        )
    bounds = check_bounds(data["bounds"], file=file)
    _check_crs_covers(crs, bounds, file)
    currency = _text(data.get("currency", "HKD"), file=file, field="currency", required=True)
    if not _CURRENCY.fullmatch(currency):
        raise InputError(
            f"'{currency}' is not a currency code; expected three capital letters (ISO 4217), e.g. HKD",
            file=file,
            field="currency",
        )
    licence = _text(data.get("licence"), file=file, field="licence", required=False)
    raw_sources = data.get("sources") or []
    if not isinstance(raw_sources, list):
        raise InputError(
            "expected a list of sources (each with name, url, licence)", file=file, field="sources"
        )
    sources = []
    for i, item in enumerate(raw_sources):
        where = f"sources[{i}]"
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            raise InputError(
                "expected a mapping with name, url and licence", file=file, field=where
            )
        extra = [str(k) for k in item if k not in _SOURCE_KEYS]
        if extra:
            raise InputError(
                f"unknown key '{extra[0]}'; expected {', '.join(_SOURCE_KEYS)}",
                file=file,
                field=f"{where}.{extra[0]}",
            )
        sources.append(
            Source(
                name=_text(item.get("name"), file=file, field=f"{where}.name", required=True),
                url=_text(item.get("url"), file=file, field=f"{where}.url", required=False),
                licence=_text(
                    item.get("licence"), file=file, field=f"{where}.licence", required=False
                ),
            )
        )
    utilities = _utilities(data.get("utilities", list(HK_UTILITIES)), file)
    fleet_utility = _text(
        data.get("fleet_utility", utilities[0]), file=file, field="fleet_utility", required=True
    )
    if fleet_utility not in utilities:
        raise InputError(
            f"'{fleet_utility}' is not one of the utilities ({', '.join(utilities)})",
            file=file,
            field="fleet_utility",
        )
    return City(
        name=name, metric_crs=crs, bounds=bounds, currency=currency, licence=licence, sources=tuple(sources),
        utilities=utilities, fleet_utility=fleet_utility,
    )  # fmt: skip


def _utilities(value: object, file: Path) -> tuple[str, ...]:
    """The manifest's ``utilities``: a non-empty list of distinct utility ids."""
    if not isinstance(value, list) or not value:
        raise InputError(
            "expected a list of electricity utility ids, e.g. [clp, hke]",
            file=file,
            field="utilities",
        )
    ids = []
    for i, item in enumerate(value):
        text = str(item).strip() if isinstance(item, str) else ""
        if not UTILITY_ID.fullmatch(text):
            raise InputError(
                f"'{item}' is not a utility id; expected lower-case letters, digits or _ (e.g. clp)",
                file=file,
                field=f"utilities[{i}]",
            )
        if text in ids:
            raise InputError(f"'{text}' is listed twice", file=file, field=f"utilities[{i}]")
        ids.append(text)
    return tuple(ids)


def read_city(path: str | Path) -> City:
    """Read and validate one manifest file.

    Raises
    ------
    InputError
        If the file is missing, too large, not UTF-8, not YAML, or fails
        :func:`city_from_mapping`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            "city manifest not found; expected a city.yaml with name, metric_crs and bounds",
            file=path,
        )
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise InputError(
            f"file is over {MAX_MANIFEST_BYTES // 1024} KB; expected a short manifest", file=path
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the manifest as UTF-8", file=path) from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(
            f"not readable YAML{where}: {getattr(error, 'problem', None) or error}", file=path
        ) from None
    return city_from_mapping(data, file=path)


def load_city(folder: str | Path) -> City:
    """The city of a dataset folder: its ``city.yaml``, or :data:`HONG_KONG` if it has none."""
    path = Path(folder) / MANIFEST
    return read_city(path) if path.exists() else HONG_KONG


def write_city(city: City, folder: str | Path, *, comment: str = "") -> Path:
    """Write ``city`` as ``folder/city.yaml`` (with ``comment`` lines on top); return the path."""
    path = Path(folder) / MANIFEST
    buffer = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    # Keep the documented key order. ruamel.yaml declares this setting as None (its unset state) though it takes a bool.
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.dump(city.to_dict(), buffer)
    header = "".join(f"# {line}\n".replace("# \n", "#\n") for line in comment.splitlines())
    path.write_text(header + buffer.getvalue(), encoding="utf-8")
    return path
