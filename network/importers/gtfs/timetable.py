"""GTFS clock times, and how many times a day each trip runs (frequencies.txt).

GTFS times are ``H:MM:SS`` after the start of the service day; hours pass 24
for trips after midnight (``25:10:00`` is 01:10 the next morning).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.importers.gtfs.tables import VettedFeed

_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")
#: Shortest plausible headway of a frequency-based service (s).
MIN_HEADWAY_S = 60
#: Latest time of a service day (s): GTFS times pass 24:00 for trips after midnight.
MAX_SERVICE_DAY_S = 48 * 3600


def seconds(
    values: pd.Series, *, file: str, field: str, rows: np.ndarray | None = None
) -> np.ndarray:
    """GTFS 'H:MM:SS' times (hours may pass 24) to seconds after the service day's start.

    Empty cells give NaN. ``rows`` are the file rows of ``values`` for error
    messages (default: their positions). Each distinct text is parsed once:
    a timetable repeats the same few thousand times across millions of rows.

    Raises
    ------
    InputError
        On a text that is not a time, naming ``file``, its row and ``field``.
    """
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    parsed = np.full(len(uniques) + 1, np.nan)
    for i, text in enumerate(uniques):
        match = _TIME.match(str(text))
        if match:
            hours, minutes, secs = (int(g) for g in match.groups())
            parsed[i] = hours * 3600 + minutes * 60 + secs
        elif str(text).strip():
            pos = int(np.flatnonzero(codes == i)[0])
            raise InputError(
                f"'{text}' is not a time; expected HH:MM:SS (hours may exceed 24)",
                file=file,
                row=int(rows[pos]) if rows is not None else pos + 1,
                field=field,
            )
    # codes == -1 (missing) picks the trailing NaN.
    return parsed[codes]


def trip_runs(feed: VettedFeed) -> pd.Series:
    """Runs per service day of each trip (index ``trip_id``): 1, or the departures its frequencies.txt windows give.

    Raises
    ------
    InputError
        On a frequency window that ends before it starts, ends after
        :data:`MAX_SERVICE_DAY_S`, or has a headway under :data:`MIN_HEADWAY_S`.
    """
    trips = feed.required("trips.txt")
    weights = pd.Series(1.0, index=pd.Index(trips["trip_id"].astype(str), name="trip_id"))
    freq = feed.table("frequencies.txt")
    if freq is not None:
        file = f"{feed.name} (frequencies.txt)"
        start = seconds(freq["start_time"], file=file, field="start_time")
        end = seconds(freq["end_time"], file=file, field="end_time")
        headway = pd.to_numeric(freq["headway_secs"], errors="coerce").to_numpy(dtype=float)
        # A bus every few seconds, or a window past two days, is a typing error that
        # would turn one row into millions of trips.
        bad = ~(headway >= MIN_HEADWAY_S) | ~(end > start) | ~(end <= MAX_SERVICE_DAY_S)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"a frequency window needs end_time after start_time, at most {MAX_SERVICE_DAY_S // 3600}:00:00, "
                f"and headway_secs of at least {MIN_HEADWAY_S}",
                file=file,
                row=pos + 1,
                field="headway_secs",
            )
        runs = pd.Series(np.ceil((end - start) / headway), index=freq["trip_id"].astype(str))
        runs = runs.groupby(level=0).sum()
        weights.loc[runs.index.intersection(weights.index)] = runs
    return weights
