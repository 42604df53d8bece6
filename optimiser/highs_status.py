"""HiGHS model statuses in the words fleetplan reports (kept apart so light paths need no Pyomo)."""

from __future__ import annotations

HIGHS_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kUnbounded": "unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    # HiGHS reports a reached node limit (mip_max_nodes, the only such limit fleetplan sets) so
    "kSolutionLimit": "node_limit",
    "kInterrupt": "interrupted",
    "kObjectiveBound": "objective_limit",
    "kObjectiveTarget": "objective_limit",
    "kModelEmpty": "optimal",
}
