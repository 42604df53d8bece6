"""Where the app keeps uploaded files: folders owned by one session, and reading each upload once.

Streamlit reruns the whole page on every click, and an upload stays in its
widget across reruns: anything done "when there is an upload" is done again
on every rerun. Uploads are therefore keyed by a hash of their content and
processed once per session; the outcome (a table, or the error message) is
kept in the session instead.

Files written for an upload live in a :class:`SessionFolder`, removed when
its owner lets go of it, when the session's state is dropped (the browser tab
closed) or when the server exits; :func:`remove_stale_folders` clears what a
killed server left behind.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Prefixes of every temporary folder the app makes (and so may clean up).
FOLDER_PREFIXES = ("fleetplan-data-", "fleetplan-upload-")
#: A folder untouched for this long belongs to no live session.
STALE_AFTER_S = 24 * 3600


class SessionFolder:
    """A private temporary folder that is removed when this object is garbage-collected.

    Keep the object in ``st.session_state``: Streamlit drops the state when the
    session ends, and the folder goes with it.
    """

    def __init__(self, prefix: str = "fleetplan-upload-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def remove(self) -> None:
        """Remove the folder now (idempotent)."""
        self._finalizer()

    @property
    def removed(self) -> bool:
        return not self._finalizer.alive


def content_key(data: bytes) -> str:
    """A key that is the same for the same upload content, whatever its name or upload time."""
    return hashlib.sha256(data).hexdigest()


def once_per_content(state: Any, slot: str, data: bytes, work: Callable[[], Any]) -> Any:
    """``work()``'s outcome for this content, computed the first time it is seen in ``state``.

    The outcome is cached under ``state[slot]`` together with the content key; an
    exception is cached as well (and re-raised), so a bad upload is not re-read on
    every rerun either. Only one upload per slot is remembered.
    """
    key = content_key(data)
    cached = state.get(slot)
    if cached is None or cached[0] != key:
        try:
            cached = (key, work(), None)
        except Exception as error:
            # Without its traceback the error holds no frames (nor the upload's bytes).
            cached = (key, None, error.with_traceback(None))
        state[slot] = cached
    if cached[2] is not None:
        raise cached[2]
    return cached[1]


def remove_stale_folders(root: str | Path | None = None, *, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove the app's temporary folders not modified for ``older_than_s`` (a killed server's leftovers)."""
    root = Path(root or tempfile.gettempdir())
    now = time.time()
    removed = []
    for prefix in FOLDER_PREFIXES:
        for folder in root.glob(prefix + "*"):
            try:
                if folder.is_dir() and now - folder.stat().st_mtime > older_than_s:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
            except OSError:
                continue  # another server removed it first
    return removed
