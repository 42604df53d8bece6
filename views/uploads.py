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

Heavy reads (a GTFS feed) run in a child process (:func:`run_isolated`): the
memory they take goes back to the system when the child ends, and running out
of it ends the child, not the server with every session on it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import resource
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pandas as pd

from fleetplan.errors import InputError

#: Prefixes of every temporary folder the app makes (and so may clean up).
FOLDER_PREFIXES = ("fleetplan-data-", "fleetplan-upload-")
#: A folder untouched for this long belongs to no live session.
STALE_AFTER_S = 24 * 3600
#: Address space of the child that reads an upload: a feed at the upload bounds
#: peaks at ~1.1 GB resident; beyond this the child fails, never the server.
CHILD_MEMORY_BYTES = 3 * 1024**3
#: Longest an upload may take to read.
CHILD_TIMEOUT_S = 300.0


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


def remove_stale_folders(
    root: str | Path | None = None, *, older_than_s: float = STALE_AFTER_S
) -> list[Path]:
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


def _child(
    connection: Connection,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    memory_bytes: int | None,
) -> None:
    if memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        outcome: tuple[bool, Any] = (True, function(*args))
    except InputError as error:
        outcome = (False, str(error))
    except MemoryError:
        outcome = (False, None)
    connection.send(outcome)
    connection.close()


def run_isolated(
    function: Callable[..., Any],
    *args: Any,
    what: str,
    memory_bytes: int | None = CHILD_MEMORY_BYTES,
    timeout_s: float = CHILD_TIMEOUT_S,
) -> Any:
    """``function(*args)`` run in a fresh child process, within ``memory_bytes`` and ``timeout_s``.

    ``function`` must be importable (a module-level function) and its result
    picklable. ``what`` names the input in messages.

    Raises
    ------
    InputError
        With the child's own message if it raised one; or if it ran out of
        memory, died, or took longer than ``timeout_s``.
    """
    # spawn, not fork: the server runs threads, and a forked copy of them can deadlock.
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, function, args, memory_bytes), daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(timeout_s):
            raise InputError(
                f"took longer than {timeout_s:.0f} s to read; expected a smaller input", file=what
            )
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, None  # the child died (e.g. std::bad_alloc) before answering
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receive.close()
    if ok:
        return value
    if value is None:
        raise InputError(
            f"ran out of memory while being read (limit {memory_bytes / 1024**3:.0f} GB); expected a smaller input"
            if memory_bytes
            else "could not be read (the reading process ended unexpectedly)",
            file=what,
        )
    raise InputError(value)


def gtfs_route_summary(data: bytes, name: str, metric_crs: str) -> pd.DataFrame:
    """Route summary of an uploaded GTFS zip, read in a child process within the upload bounds.

    The zip is written to a private folder removed as soon as the feed is read;
    only the GTFS files the importer uses are unpacked, streamed and bounded
    (:data:`fleetplan.network.importers.gtfs.UPLOAD_LIMITS`).
    """
    # The browser's file name is shown in messages; only its safe characters reach the disk.
    safe = re.sub(r"[^\w.-]", "_", Path(name).name)[:100].lstrip(".") or "feed.zip"
    with tempfile.TemporaryDirectory(prefix="fleetplan-upload-") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        return run_isolated(_read_gtfs_routes, str(path), metric_crs, what=safe)


def _read_gtfs_routes(path: str, metric_crs: str) -> pd.DataFrame:
    from fleetplan.network.importers.gtfs import UPLOAD_LIMITS, route_summary

    try:
        return route_summary(path, limits=UPLOAD_LIMITS, metric_crs=metric_crs)
    except InputError as error:
        # Name the upload as the planner knows it, not the server's private copy.
        shown = (error.file or "").replace(path, Path(path).name) or None
        raise InputError(error.detail, file=shown, row=error.row, field=error.field) from None
