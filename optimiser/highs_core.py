"""The HiGHS layer's Pyomo-free core: options in one place, a quiet instance, progress from callbacks.

Every HiGHS solve in fleetplan goes through here: the fleet model
(:mod:`fleetplan.optimiser.solver`, its LP-guided start, depot sizing, the no-policy plan),
the FRLM (:mod:`fleetplan.optimiser.frlm.highs_model`) and the marginal values' persistent
model (:mod:`fleetplan.optimiser.highs_layer`).

- :class:`HighsOptions` holds every HiGHS option fleetplan sets, with its one default;
  :class:`fleetplan.optimiser.solver.SolverOptions` extends it with how a Pyomo model is handed over.
- :func:`new_highs` makes a ``highspy.Highs`` with its banner kept off stdout (``--json``
  prints one JSON object there) and its log sent to a callback, or off.
- :func:`apply_options` sets those options on an instance; the only place that does.
- :class:`ProgressRelay` turns HiGHS's own MIP logging callback (the values behind each line
  of its progress table) into the progress events the app and the CLI show.

Kept free of Pyomo so that ``fleetplan frlm`` starts without importing it.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fleetplan.errors import SolverMissingError

#: A progress event: ``elapsed_s``, ``incumbent``, ``best_bound``, ``gap`` (fraction; inf or
#: nan while there is no incumbent).
ProgressCallback = Callable[[dict[str, float]], None]


@dataclass(frozen=True)
class HighsOptions:
    """Options handed to HiGHS, each with its one default.

    time_limit_s: wall-clock limit of the solve, seconds; None (the default) for none, so
        the same model gives the same plan on any machine, loaded or not.
    mip_rel_gap: stop when |incumbent - bound| / |incumbent| <= this. The default (0.01 %) is
        a plan's (the scenario's ``solver.mip_rel_gap``) and ``fleetplan frlm --gap``'s; a
        caller that wants a looser one says so (depot sizing, the diagnosis).
    mip_abs_gap: or stop when |incumbent - bound| <= this (objective units); None for HiGHS's own.
    node_limit: branch-and-bound nodes after which HiGHS stops (deterministic); None for none.
    threads: HiGHS threads (its MIP search is essentially serial; 1 is usually best).
    seed: HiGHS's random seed.
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = 0.0001
    mip_abs_gap: float | None = None
    node_limit: int | None = None
    threads: int = 1
    seed: int = 0


#: HiGHS's own values of the options :class:`HighsOptions` may leave unset, so that
#: :func:`apply_options` on a re-used instance puts back what an earlier call changed.
_HIGHS_MIP_ABS_GAP = 1e-6


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: HiGHS prints its banner from C++ when an
    instance is made, which would break ``--json`` output (one JSON object on stdout)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def highspy_module() -> Any:
    """``highspy``, or :class:`SolverMissingError` saying how to install it."""
    try:
        import highspy
    except ImportError as error:  # pragma: no cover - depends on the install
        raise SolverMissingError(
            "HiGHS is not installed: run `make test` or `pip install highspy` in the project's .venv"
        ) from error
    return highspy


def new_highs(log: Callable[[str], None] | None = None) -> Any:
    """A ``highspy.Highs`` with nothing on stdout: its log goes to ``log`` (HiGHS's logging
    callback), or nowhere when ``log`` is None."""
    highspy = highspy_module()
    with quiet_stdout():  # HiGHS prints its banner from C++ on construction
        highs = highspy.Highs()
        highs.setOptionValue("log_to_console", False)
        if log is None:
            highs.setOptionValue("output_flag", False)
    if log is not None:
        highs.cbLogging.subscribe(lambda event: log(event.message))
    return highs


def apply_options(highs: Any, options: HighsOptions, *, time_limit_s: float | None = None) -> None:
    """Set ``options`` on ``highs``; ``time_limit_s`` (what is left of the solve's clock, when
    the hand-over already used some) replaces ``options.time_limit_s`` when given."""
    highspy = highspy_module()
    limit = options.time_limit_s if time_limit_s is None else time_limit_s
    highs.setOptionValue("time_limit", math.inf if limit is None else max(float(limit), 0.0))
    highs.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    highs.setOptionValue(
        "mip_abs_gap",
        float(_HIGHS_MIP_ABS_GAP if options.mip_abs_gap is None else options.mip_abs_gap),
    )
    highs.setOptionValue(
        "mip_max_nodes",
        int(highspy.kHighsIInf if options.node_limit is None else options.node_limit),
    )
    highs.setOptionValue("random_seed", int(options.seed))
    if options.threads > 1:
        # HiGHS's thread pool is process-wide: asking for a different count after another
        # solve started it fails, so the default (1) is left to HiGHS.
        highs.setOptionValue("threads", int(options.threads))


class ProgressRelay:
    """Forwards HiGHS's MIP progress (its logging callback: incumbent, bound, gap) as events.

    ``active`` is False while HiGHS solves something other than the model itself (the
    LP-guided start's relaxation and neighbourhood search): that search's bound is not the
    model's. HiGHS calls the callback only while its output is on (:func:`new_highs` with a log).
    """

    def __init__(self, on_progress: ProgressCallback | None, started: float) -> None:
        self._on_progress = on_progress
        self._started = started
        self.active = True

    def attach(self, highs: Any) -> None:
        """Listen to ``highs``'s MIP logging callback (nothing when no one listens here)."""
        if self._on_progress is not None:
            highs.cbMipLogging.subscribe(self._logged)

    def emit(self, incumbent: float | None, best_bound: float | None, gap: float | None) -> None:
        """Send one event now (e.g. the LP-guided start's plan and bound)."""
        if self._on_progress is None:
            return
        self._on_progress(
            {
                "elapsed_s": time.perf_counter() - self._started,
                "best_bound": math.nan if best_bound is None else float(best_bound),
                "incumbent": math.nan if incumbent is None else float(incumbent),
                "gap": math.nan if gap is None else float(gap),
            }
        )

    def _logged(self, event: Any) -> None:
        if not self.active:
            return
        data = event.data_out
        self.emit(data.mip_primal_bound, data.mip_dual_bound, data.mip_gap)
