"""Optimal simplex bases kept for re-solves of the same model (build once, solve many).

A lever change (a budget, a cap) moves a right-hand side or a bound; the optimal basis of
the LP solved before is then an excellent start, and the dual simplex needs few iterations
where a cold start needs ~19,000 (the Hong Kong default's relaxation). Bases are kept per
purpose ("relaxation", "servability") and per model *structure*: the size and the row and
column names, so a basis is only offered to a model whose columns mean the same.

Only a re-solve that already depends on a previous plan (a warm start) takes a basis: a
solve without one never depends on what this process solved before, so the same input gives
the same figures on any machine.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

#: (purpose, structure fingerprint) -> HiGHS basis; the most recent few only.
_BASES: OrderedDict[tuple[str, str], Any] = OrderedDict()
_KEPT = 8


def structure_fingerprint(lp: Any) -> str | None:
    """A digest of a HiGHS model's size and row and column names: two models with the same
    fingerprint have bases of the same shape, meaning the same thing. None for a model
    without names (nothing says what its columns are)."""
    if not len(lp.col_names_) or not len(lp.row_names_):
        return None
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{lp.num_col_} {lp.num_row_}\n".encode())
    digest.update("\n".join(lp.col_names_).encode())
    digest.update(b"\n--\n")
    digest.update("\n".join(lp.row_names_).encode())
    return digest.hexdigest()


def remember(purpose: str, fingerprint: str | None, highs: Any) -> None:
    """Keep the basis ``highs`` holds (after an optimal LP solve) for ``purpose``."""
    if fingerprint is None:
        return
    key = (purpose, fingerprint)
    _BASES[key] = highs.getBasis()
    _BASES.move_to_end(key)
    while len(_BASES) > _KEPT:
        _BASES.popitem(last=False)


def start_from_earlier(purpose: str, fingerprint: str | None, highs: Any) -> bool:
    """Give ``highs`` the basis kept for ``purpose`` on this structure; True if it took one.

    A basis HiGHS rejects leaves it to start cold, as without one.
    """
    import highspy

    basis = _BASES.get((purpose, fingerprint)) if fingerprint is not None else None
    if basis is None:
        return False
    if highs.setBasis(basis) != highspy.HighsStatus.kOk:
        highs.clearSolver()
        return False
    return True


def forget() -> None:
    """Drop every kept basis (tests; a process that wants cold solves only)."""
    _BASES.clear()
