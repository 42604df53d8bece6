"""A command's time limit over all its work: reading, preparing, building and solving.

HiGHS's own ``time_limit`` covers only the solver. A command asked for an answer
within ``--time-limit`` seconds must also stop if reading its input, finding paths or
building the model takes that long (a 10,000-bus depot, a 3,000-node FRLM chain).
:class:`Deadline` holds the end time; :meth:`Deadline.watch` interrupts the Python
work before the solve when the time is up (a real-time alarm on the main thread, and
:meth:`Deadline.check` in long loops wherever the code runs); the solver then gets
what is left (:meth:`Deadline.solver_seconds`).

The alarm is never armed while HiGHS runs: HiGHS calls back into Python to log, and
an exception raised there would lose the incumbent it was about to return.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Iterator

from fleetplan.errors import InfeasibleError


class TimeLimitReached(InfeasibleError):
    """No answer within the time limit: the work before the solve used it all (exit code 1)."""


class Deadline:
    """The end of a command's time limit.

    Parameters
    ----------
    seconds:
        The limit, counted from now (wall clock).
    what:
        What the command computes, for the message (e.g. "depot sizing").
    hint:
        What the user can do (e.g. "size fewer blocks at once"), for the message.
    flag:
        The option that sets the limit, for the message.
    """

    def __init__(self, seconds: float, *, what: str, hint: str, flag: str = "--time-limit") -> None:
        self.seconds = float(seconds)
        self.what = what
        self.hint = hint
        self.flag = flag
        self.end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.end - time.monotonic()

    def reached(self, doing: str) -> TimeLimitReached:
        return TimeLimitReached(
            f"no {self.what} within {self.flag} {self.seconds:g} s: {doing} took the whole limit; "
            f"raise {self.flag} or {self.hint}"
        )

    def check(self, doing: str = "preparing the model") -> None:
        """Raise :class:`TimeLimitReached` if the limit has passed (call it in long loops)."""
        if self.remaining() <= 0:
            raise self.reached(doing)

    def solver_seconds(self, doing: str = "preparing the model") -> float:
        """The time left for the solver; :class:`TimeLimitReached` if none is."""
        left = self.remaining()
        if left <= 0:
            raise self.reached(doing)
        return left

    @contextlib.contextmanager
    def watch(self, doing: str = "reading the input and building the model") -> Iterator[None]:
        """Interrupt the work inside with :class:`TimeLimitReached` when the limit passes.

        Uses a real-time alarm (SIGALRM) when called on the main thread of a process
        that has one; elsewhere only :meth:`check` calls stop the work. The alarm is
        cancelled and the previous handler restored on leaving, whatever happens.
        """
        self.check(doing)
        usable = (
            hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )
        if not usable or not math.isfinite(self.remaining()):
            yield
            return

        def on_alarm(signum: int, frame: object) -> None:
            raise self.reached(doing)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, max(self.remaining(), 1e-3))
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def no_deadline() -> Deadline:
    """A deadline that never passes (the callers' default)."""
    return Deadline(math.inf, what="answer", hint="")
