"""Times of day and reported numbers of the depot sizing.

Times are ``HH:MM`` at the edges (files, tables) and minutes after midnight
inside the code; every figure reported is rounded so solver noise (−1e-12)
does not show.
"""

from __future__ import annotations

import re
from typing import Any

MINUTES_PER_DAY = 1440

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_hhmm(text: Any) -> int:
    """Minutes after midnight of ``HH:MM`` (``HH:MM:00`` accepted; ``24:00`` means 0).

    Raises
    ------
    ValueError
        When ``text`` is not a time of day.
    """
    match = _HHMM.match(str(text))
    if not match:
        raise ValueError(text)
    hours, minutes = int(match[1]), int(match[2])
    seconds = int(match[3] or 0)
    if seconds != 0 or minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(text)
    return (hours * 60 + minutes) % MINUTES_PER_DAY


def format_hhmm(minutes: int) -> str:
    """``HH:MM`` of a minute count (taken modulo a day)."""
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clean(value: float | None, digits: int = 6) -> float:
    """Round solver noise away (−1e-12 -> 0.0)."""
    value = float(value or 0.0)
    value = round(value, digits)
    return 0.0 if value == 0 else value
