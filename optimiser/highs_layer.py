"""Build once, solve many: a Pyomo model held in one HiGHS object, changed in place.

A plan's follow-up LPs differ from one another only in a few bounds: the marginal values
solve the fixed-integer LP once, then once more per money limit with that limit (and the
rows that say its money ran out) moved by a step. Handing the whole model to HiGHS again
for each (an LP file or Pyomo's arrays, ~1 s on the Hong Kong default, more on a loaded
machine) costs more than HiGHS's own re-solve, which starts from the previous basis.

:class:`HighsLayer` compiles the model once (:func:`fleetplan.optimiser.solver.compile_arrays`),
keeps the ``highspy.Highs`` object, and changes only column and row bounds between solves:

- :meth:`fix_integers` holds every integer at its rounded value as a continuous column
  (what :func:`fleetplan.optimiser.plan._fixed_integers` does to the Pyomo model);
- :meth:`replace_row` puts a constraint's rows at new bounds, as a Pyomo re-solve that
  deactivated it and added ``body ≤ upper + step`` (or ``body ≥ lower + step``) would;
- :meth:`solve` runs HiGHS (warm, from the last basis), loads the values into the Pyomo
  variables and reads duals and ranging, as :func:`fleetplan.optimiser.solver.solve` does.

The plan's own hand-over serves a solve before it the same way: :class:`HandedEdits` changes a
:class:`~fleetplan.optimiser.solver.HandedOver` model (integers relaxed, columns held, rows
freed, another objective) for the servability LP and puts it all back, and
:func:`refresh_rows` gives the rows that read the values found the bounds a fresh hand-over
would; the plan's solve then takes that model (one hand-over instead of two).

Every answer is HiGHS's own status and objective: nothing is assumed from an earlier solve.
Options are set by :func:`fleetplan.optimiser.highs_core.apply_options`, as everywhere.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from typing import Any

import numpy as np
import pyomo.environ as pyo

from fleetplan.optimiser.highs_core import HighsOptions, apply_options, new_highs
from fleetplan.optimiser.highs_status import HIGHS_STATUS
from fleetplan.optimiser.solver import HandedOver, SolveReport, compile_arrays


class HighsLayer:
    """A Pyomo model compiled once into a persistent ``highspy.Highs`` object."""

    def __init__(
        self,
        model: pyo.ConcreteModel,
        highs: Any,
        lp: Any,
        columns: list[Any],
        rows: list[tuple[Any, int]],
        options: HighsOptions | None = None,
    ) -> None:
        self.model = model
        self.highs = highs
        self.options = options or HighsOptions()
        self.columns = columns
        self.senses = np.fromiter((sense for _, sense in rows), dtype=np.int8, count=len(rows))
        self.row_lower = np.asarray(lp.row_lower_, dtype=np.float64)
        self.row_upper = np.asarray(lp.row_upper_, dtype=np.float64)
        self._row_constraints = [constraint for constraint, _ in rows]
        self._rows_of: dict[int, list[int]] = defaultdict(list)
        for j, constraint in enumerate(self._row_constraints):
            self._rows_of[id(constraint)].append(j)
        self._changed_rows: set[int] = set()
        self._integer = np.asarray(
            [j for j, var in enumerate(columns) if var.is_integer() or var.is_binary()],
            dtype=np.int32,
        )
        self.build_s = 0.0

    @classmethod
    def build(
        cls, model: pyo.ConcreteModel, options: HighsOptions | None = None
    ) -> HighsLayer | None:
        """Compile ``model`` (its active rows and objective) into a new Highs object with
        ``options`` (threads, seed, ...); None when Pyomo cannot compile it to arrays (the
        caller then solves through Pyomo as before)."""
        started = time.perf_counter()
        compiled = compile_arrays(model)
        if compiled is None:
            return None
        lp, columns, rows = compiled
        highs = new_highs()
        apply_options(highs, options or HighsOptions())
        highs.passModel(lp)
        layer = cls(model, highs, lp, columns, rows, options)
        layer.build_s = time.perf_counter() - started
        return layer

    def refresh_rows(self, constraints: list[Any], *, coefficients: bool = True) -> None:
        """Rows of ``constraints`` set again from the Pyomo model (bounds, and coefficients with
        ``coefficients``), as a fresh :meth:`build` would compile them after mutable Params
        changed; raises ``LookupError`` when a row reads a variable this model left out (build
        it again then)."""
        columns_of = {id(var): j for j, var in enumerate(self.columns)} if coefficients else {}
        _refresh(self.highs, self._rows_of, columns_of, constraints, coefficients=coefficients)
        lp = self.highs.getLp()
        self.row_lower = np.asarray(lp.row_lower_, dtype=np.float64)
        self.row_upper = np.asarray(lp.row_upper_, dtype=np.float64)
        # the next solve starts as a fresh build's would (the same figures, whatever came before)
        self.highs.clearSolver()

    def rows_of(self, constraint: Any) -> list[int]:
        """Row indices of ``constraint`` (two for a ranged one, none when it was not compiled)."""
        return self._rows_of.get(id(constraint), [])

    def fix_integers(self) -> None:
        """Every integer column continuous and held at its variable's rounded value (0 if unset)."""
        # Integers outside every compiled row (only in a reported expression) are rounded too.
        for var in self.model.component_data_objects(pyo.Var, descend_into=True):
            if (var.is_integer() or var.is_binary()) and not var.fixed:
                var.set_value(
                    round(var.value) if var.value is not None else 0, skip_validation=True
                )
        if not len(self._integer):
            return
        import highspy

        values = np.asarray([self.columns[j].value for j in self._integer], dtype=np.float64)
        self.highs.changeColsIntegrality(
            len(self._integer),
            self._integer,
            np.full(len(self._integer), highspy.HighsVarType.kContinuous),
        )
        self.highs.changeColsBounds(len(self._integer), self._integer, values, values)

    def replace_row(
        self, constraint: Any, *, upper_by: float | None = None, lower_by: float | None = None
    ) -> None:
        """Put ``constraint`` at ``body ≤ upper + upper_by`` only, or ``body ≥ lower + lower_by`` only
        (its other side dropped), in original units: the bounds of its compiled rows move."""
        infinity = _infinity()
        for j in self.rows_of(constraint):
            lower, upper = float(self.row_lower[j]), float(self.row_upper[j])
            if upper_by is not None:
                new = (
                    (-infinity, upper + upper_by) if self.senses[j] >= 0 else (-infinity, infinity)
                )
            else:
                new = (
                    (lower + float(lower_by or 0.0), infinity)
                    if self.senses[j] <= 0
                    else (-infinity, infinity)
                )
            self.highs.changeRowBounds(j, *new)
            self._changed_rows.add(j)

    def restore_rows(self) -> None:
        """Every row moved by :meth:`replace_row` back at its compiled bounds."""
        for j in sorted(self._changed_rows):
            self.highs.changeRowBounds(j, float(self.row_lower[j]), float(self.row_upper[j]))
        self._changed_rows.clear()

    def solve(
        self,
        *,
        time_limit_s: float | None = None,
        load_duals: bool = False,
        ranging: tuple[Any, ...] = (),
    ) -> SolveReport:
        """Solve the LP as it stands now (from the last basis), load the values into the Pyomo
        variables, and report HiGHS's status and the objective evaluated in Pyomo."""
        highs = self.highs
        started = time.perf_counter()
        apply_options(highs, dataclasses.replace(self.options, time_limit_s=time_limit_s))
        highs.run()
        highs_run_s = time.perf_counter() - started
        status_name = highs.getModelStatus().name
        status = HIGHS_STATUS.get(status_name, status_name)
        info = highs.getInfo()
        has_solution = info.primal_solution_status == 2
        objective = gap = None
        duals: dict[Any, float] = {}
        ranges: dict[Any, tuple[float, float]] = {}
        if has_solution:
            solution = highs.getSolution()
            for var, value in zip(self.columns, solution.col_value, strict=True):
                var.set_value(float(value), skip_validation=True)
            active = list(self.model.component_data_objects(pyo.Objective, active=True))
            objective = float(pyo.value(active[0])) if active else 0.0
            gap = 0.0 if status == "optimal" else None
            if load_duals and solution.dual_valid:
                for constraint, value in zip(self._row_constraints, solution.row_dual, strict=True):
                    duals[constraint] = duals.get(constraint, 0.0) + value
                if ranging:
                    ranges = self._ranging(ranging)
        return SolveReport(
            status=status,
            termination=status_name,
            objective=objective,
            best_bound=objective if gap == 0.0 else None,
            gap=gap,
            solve_time_s=time.perf_counter() - started,
            has_solution=has_solution,
            duals=duals,
            ranging=ranges,
            highs_run_s=highs_run_s,
        )

    def _ranging(self, wanted: tuple[Any, ...]) -> dict[Any, tuple[float, float]]:
        """(current upper bound, bound at which the basis changes) of each wanted ≤ row."""
        status, ranging = self.highs.getRanging()
        out: dict[Any, tuple[float, float]] = {}
        if int(status) != 0:
            return out
        upper_now = np.asarray(self.highs.getLp().row_upper_, dtype=np.float64)
        for constraint in wanted:
            rows = [j for j in self.rows_of(constraint) if self.senses[j] >= 0]  # its ≤ side
            if not rows:
                continue
            j = rows[0]
            out[constraint] = (float(upper_now[j]), float(ranging.row_bound_up.value_[j]))
        return out


def _infinity() -> float:
    import highspy

    return float(highspy.kHighsInf)


class HandedEdits:
    """Changes to a handed-over model (:class:`fleetplan.optimiser.solver.HandedOver`) for one
    solve before the model's own, all put back by :meth:`restore`: the same HiGHS model then
    serves the next solve, as a fresh hand-over of the Pyomo model would.

    Each change is what a Pyomo edit does to a fresh hand-over: :meth:`relax_integers` (every
    integer domain relaxed), :meth:`fix_columns` (``var.fix``), :meth:`free_rows`
    (``constraint.deactivate``), :meth:`replace_objective` (another active objective).
    """

    def __init__(self, handed: HandedOver) -> None:
        self.handed = handed
        lp = handed.highs.getLp()
        self._cost = np.array(lp.col_cost_, dtype=np.float64)
        self._col_lower = np.array(lp.col_lower_, dtype=np.float64)
        self._col_upper = np.array(lp.col_upper_, dtype=np.float64)
        self._row_lower = np.array(lp.row_lower_, dtype=np.float64)
        self._row_upper = np.array(lp.row_upper_, dtype=np.float64)
        self._integrality = (
            np.array([int(kind) for kind in lp.integrality_], dtype=np.uint8)
            if len(lp.integrality_)
            else None
        )
        self._offset = float(lp.offset_)
        self._sense = lp.sense_
        self.columns = handed.columns_of()
        self.rows = handed.rows_of()

    def relax_integers(self) -> None:
        """Every integer column continuous (its bounds kept)."""
        if self._integrality is not None:
            n = len(self._integrality)
            self.handed.highs.changeColsIntegrality(
                n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8)
            )

    def fix_columns(self, values: list[tuple[Any, float]]) -> None:
        """(Pyomo variable, value it is held at) pairs (variables not in the model are left out)."""
        at = [
            (self.columns[id(var)], float(value))
            for var, value in values
            if id(var) in self.columns
        ]
        if at:
            columns = np.asarray([j for j, _ in at], dtype=np.int32)
            held = np.asarray([v for _, v in at], dtype=np.float64)
            self.handed.highs.changeColsBounds(len(columns), columns, held, held)

    def free_rows(self, constraints: list[Any]) -> None:
        """Constraint data whose rows stop binding (bounds at ±infinity)."""
        infinity = _infinity()
        for constraint in constraints:
            for i in self.rows.get(id(constraint), []):
                self.handed.highs.changeRowBounds(i, -infinity, infinity)

    def replace_objective(self, expression: Any, sense: int = pyo.minimize) -> bool:
        """``expression`` (linear in the model's variables) as the objective; False, with nothing
        changed, when a variable of it is not a column of the handed-over model."""
        import highspy
        from pyomo.repn import generate_standard_repn

        repn = generate_standard_repn(expression, compute_values=True, quadratic=False)
        if repn.nonlinear_expr is not None or any(
            id(var) not in self.columns for var in repn.linear_vars
        ):
            return False
        cost = np.zeros(len(self._cost), dtype=np.float64)
        for var, coefficient in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            cost[self.columns[id(var)]] += float(coefficient)
        highs = self.handed.highs
        highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        highs.changeObjectiveOffset(float(repn.constant))
        highs.changeObjectiveSense(
            highspy.ObjSense.kMinimize if sense == pyo.minimize else highspy.ObjSense.kMaximize
        )
        return True

    def restore(self) -> None:
        """The model as it was handed over: costs, sense, offset, integrality, every bound."""
        highs = self.handed.highs
        n, rows = len(self._cost), len(self._row_lower)
        everything = np.arange(n, dtype=np.int32)
        highs.changeColsCost(n, everything, self._cost)
        highs.changeObjectiveOffset(self._offset)
        highs.changeObjectiveSense(self._sense)
        highs.changeColsBounds(n, everything, self._col_lower, self._col_upper)
        if self._integrality is not None:
            highs.changeColsIntegrality(n, everything, self._integrality)
        highs.changeRowsBounds(
            rows, np.arange(rows, dtype=np.int32), self._row_lower, self._row_upper
        )
        highs.clearSolver()


def refresh_rows(handed: HandedOver, constraints: list[Any], *, coefficients: bool = False) -> None:
    """Rows of ``constraints`` whose constant terms changed (mutable Params set since the hand-over)
    get the bounds a fresh hand-over would give them: the constraint's bound less its constant.

    With ``coefficients`` their linear coefficients are set again too (a Param multiplying a
    variable); one that became 0 leaves the row, as a hand-over leaves it out. Raises
    ``LookupError`` when a row reads a variable the hand-over left out: that model cannot take
    the change.
    """
    _refresh(
        handed.highs,
        handed.rows_of(),
        handed.columns_of() if coefficients else {},
        constraints,
        coefficients=coefficients,
    )


def _refresh(
    highs: Any,
    rows_of: dict[int, list[int]],
    columns_of: dict[int, int],
    constraints: list[Any],
    *,
    coefficients: bool,
) -> None:
    """:func:`refresh_rows` on any HiGHS model whose rows and columns ``rows_of`` (id(constraint)
    -> rows) and ``columns_of`` (id(variable) -> column) name."""
    from pyomo.repn import generate_standard_repn

    lp = highs.getLp()
    lower_now, upper_now = lp.row_lower_, lp.row_upper_
    infinity = _infinity()
    added = False
    for constraint in constraints:
        rows = rows_of.get(id(constraint), [])
        if not rows:
            continue
        repn = generate_standard_repn(constraint.body, compute_values=True, quadratic=False)
        constant = float(repn.constant)
        lower = None if constraint.lower is None else float(pyo.value(constraint.lower)) - constant
        upper = None if constraint.upper is None else float(pyo.value(constraint.upper)) - constant
        values: dict[int, float] = {}
        if coefficients:
            for var, coefficient in zip(repn.linear_vars, repn.linear_coefs, strict=True):
                column = columns_of.get(id(var))
                if column is None:
                    raise LookupError(
                        f"{constraint.name} reads {var.name}, which was not handed over"
                    )
                values[column] = values.get(column, 0.0) + float(coefficient)
        for i in rows:
            if coefficients:
                _, columns_now, _ = highs.getRowEntries(i)
                present = {int(column) for column in columns_now}
                for column in present - values.keys():
                    highs.changeCoeff(i, column, 0.0)
                for column, value in values.items():
                    highs.changeCoeff(i, column, value)
                added |= bool(values.keys() - present)
            new_lower = -infinity if lower_now[i] <= -infinity or lower is None else lower
            new_upper = infinity if upper_now[i] >= infinity or upper is None else upper
            highs.changeRowBounds(i, new_lower, new_upper)
    if added:
        _sort_matrix(highs)


def _sort_matrix(highs: Any) -> None:
    """Put each column's entries in row order, as a fresh hand-over has them.

    HiGHS appends an entry a coefficient change creates at the end of its column; the simplex
    reads entries in stored order, so a model changed that way could round differently from a
    fresh compile of the same rows (same input, same figures).
    """
    lp = highs.getLp()
    matrix = lp.a_matrix_
    start = np.asarray(matrix.start_, dtype=np.int64)
    index = np.asarray(matrix.index_, dtype=np.int64)
    value = np.asarray(matrix.value_, dtype=np.float64)
    column = np.repeat(np.arange(len(start) - 1), np.diff(start))
    order = np.lexsort((index, column))
    if np.array_equal(order, np.arange(len(order))):
        return
    matrix.index_ = index[order].astype(np.int32)
    matrix.value_ = value[order]
    lp.a_matrix_ = matrix
    highs.passModel(lp)
