"""Dual bounds of earlier solves, carried to a re-solve whose change only tightens the model.

A MIP's dual bound holds for every plan of its model. A re-solve after a lever moved the
other way (a smaller budget, a lower cap, a higher target) has fewer plans: the same rows,
columns, costs and matrix, with no bound of a row or column looser than before. Its optimum
can then only be worse, so the earlier bound still holds, and often already certifies the
previous plan, completed, within the gap: the branch and bound's root (presolve, root LP,
cut rounds) is then not needed to prove it again.

Whether the new model tightens the earlier one is checked on the arrays handed to HiGHS,
exactly (no tolerance): the same structure (size, row and column names), sense, offset,
costs, integrality and matrix, and every lower bound at least and every upper bound at
most the earlier one. A change that loosens anything (a bigger budget) never takes an
earlier bound.

Like :mod:`.basis_memory`, only a re-solve that already depends on a previous plan (a warm
start) asks for one: a solve without a start never depends on what this process solved
before.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Model structures kept, and solves kept per structure (the most recent): each solve keeps
#: its four bound arrays, ~2 MB on the Hong Kong default, ~18 MB on a 2,000-node city.
_STRUCTURES_KEPT = 4
_SOLVES_KEPT = 2


@dataclass(frozen=True)
class _Solved:
    """What a solved model's bound holds for: its fixed part (digest) and its bounds."""

    fixed: str
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    #: dual bound, in HiGHS's objective units (offset included)
    bound: float


_SOLVED: OrderedDict[str, list[_Solved]] = OrderedDict()
#: The app may solve for two sessions at once (Streamlit runs each in its own thread).
_LOCK = threading.Lock()


def _fixed_part(lp: Any) -> str:
    """Digest of what must be equal for one model's bound to carry to the other: sense,
    offset, costs, integrality and the matrix (bounds are compared apart)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{int(lp.sense_)} {float(lp.offset_)!r} {int(lp.a_matrix_.format_)}\n".encode())
    for array in (
        np.asarray(lp.col_cost_, dtype=float),
        np.asarray(
            lp.integrality_ if len(lp.integrality_) else np.zeros(lp.num_col_), dtype=np.int64
        ),
        np.asarray(lp.a_matrix_.start_, dtype=np.int64),
        np.asarray(lp.a_matrix_.index_, dtype=np.int64),
        np.asarray(lp.a_matrix_.value_, dtype=float),
    ):
        digest.update(array.tobytes())
        digest.update(b"|")
    return digest.hexdigest()


def _arrays(lp: Any) -> tuple[np.ndarray, ...]:
    return tuple(
        np.array(values, dtype=float)
        for values in (lp.col_lower_, lp.col_upper_, lp.row_lower_, lp.row_upper_)
    )


def remember(fingerprint: str | None, lp: Any, bound: float | None) -> None:
    """Keep ``bound``, the dual bound of a solve of ``lp`` (HiGHS objective units)."""
    if fingerprint is None or bound is None or not math.isfinite(bound):
        return
    col_lower, col_upper, row_lower, row_upper = _arrays(lp)
    solved = _Solved(_fixed_part(lp), col_lower, col_upper, row_lower, row_upper, float(bound))
    with _LOCK:
        kept = _SOLVED.setdefault(fingerprint, [])
        kept.append(solved)
        del kept[:-_SOLVES_KEPT]
        _SOLVED.move_to_end(fingerprint)
        while len(_SOLVED) > _STRUCTURES_KEPT:
            _SOLVED.popitem(last=False)


def tightens(lp: Any, earlier: _Solved, fixed: str | None = None) -> bool:
    """True when every plan of ``lp`` is a plan of the ``earlier`` model (same fixed part,
    no bound looser), so the earlier dual bound holds for ``lp``."""
    if (fixed if fixed is not None else _fixed_part(lp)) != earlier.fixed:
        return False
    col_lower, col_upper, row_lower, row_upper = _arrays(lp)
    return bool(
        col_lower.shape == earlier.col_lower.shape
        and row_lower.shape == earlier.row_lower.shape
        and np.all(col_lower >= earlier.col_lower)
        and np.all(col_upper <= earlier.col_upper)
        and np.all(row_lower >= earlier.row_lower)
        and np.all(row_upper <= earlier.row_upper)
    )


def bound_for(fingerprint: str | None, lp: Any) -> float | None:
    """The best dual bound an earlier solve left that holds for ``lp`` (see :func:`tightens`);
    None when no earlier solve's model contains this one's plans."""
    if fingerprint is None:
        return None
    with _LOCK:
        kept = list(_SOLVED.get(fingerprint, ()))
    if not kept:
        return None
    fixed = _fixed_part(lp)
    sense = 1.0 if int(lp.sense_) >= 0 else -1.0  # HiGHS: 1 minimise, -1 maximise
    holding = [s.bound for s in kept if tightens(lp, s, fixed)]
    if not holding:
        return None
    return max(holding) if sense > 0 else min(holding)


def forget() -> None:
    """Drop every kept bound (tests; a process that wants independent solves only)."""
    with _LOCK:
        _SOLVED.clear()
