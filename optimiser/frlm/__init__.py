"""Flow refuelling location model (FRLM): place ``p`` stations to refuel the most flow.

A flow ``q`` is a vehicle round trip origin → destination → origin along the
shortest path of an undirected graph, with volume ``f_q`` (round trips per
unit time). Vehicles have a range ``R`` (km) on a full tank.

The pipeline, one module per step
---------------------------------
``paths``             one shortest path per flow, with a documented tie rule
``rules``             the refuelling rule (Kuby & Lim 2005), checked by simulating the tank
``arc_cover``         arc-cover rows per flow, their reduction, the arc-cover MIP (default)
``highs_model``       the arc-cover MIP handed to HiGHS directly (highspy; the default backend)
``path_combination``  the original station-combination MIP (small instances, a benchmark)
``common``            what both MIPs share: exactly ``p`` stations, maximise refuelled flow
``solve``             :func:`solve_frlm`: validate, build, solve with HiGHS, read the stations off

Importing this package loads neither Pyomo nor pandas: they are imported when a
Pyomo model is built (``backend="pyomo"``, the path-combination formulation).

The exhaustive-search oracle the MIPs are tested against lives with the
tests (``tests/frlm_oracle.py``), not here.

References
----------
Kuby, M., Lim, S. (2005). The flow-refueling location problem for
alternative-fuel vehicles. Socio-Economic Planning Sciences 39(2), 125-145.
Capar, I., Kuby, M. (2012). An efficient formulation of the flow refueling
location model for alternative-fuel stations. IIE Transactions 44(8), 622-636.
Capar, I., Kuby, M., Leon, V. J., Tsai, Y.-J. (2013). An arc cover-path-cover
formulation and strategic analysis of alternative-fuel station locations.
European Journal of Operational Research 227(1), 142-151.
"""

from __future__ import annotations

from fleetplan.errors import TooManyCombinationsError
from fleetplan.optimiser.frlm.arc_cover import (
    arc_cover_rows,
    build_frlm_model,
    merge_identical_flows,
)
from fleetplan.optimiser.frlm.highs_model import HighsOptions, build_highs_frlm, solve_highs_frlm
from fleetplan.optimiser.frlm.path_combination import (
    build_path_combination_model,
    station_combinations,
)
from fleetplan.optimiser.frlm.paths import (
    PATH_TIE_RTOL,
    FlowId,
    Node,
    Path,
    round_trip_paths,
    sorted_nodes,
)
from fleetplan.optimiser.frlm.rules import is_refuelled
from fleetplan.optimiser.frlm.solve import BACKENDS, FORMULATIONS, FrlmResult, solve_frlm

__all__ = [
    "BACKENDS",
    "FORMULATIONS",
    "PATH_TIE_RTOL",
    "FlowId",
    "FrlmResult",
    "HighsOptions",
    "Node",
    "Path",
    "TooManyCombinationsError",
    "arc_cover_rows",
    "build_frlm_model",
    "build_highs_frlm",
    "build_path_combination_model",
    "is_refuelled",
    "merge_identical_flows",
    "round_trip_paths",
    "solve_frlm",
    "solve_highs_frlm",
    "sorted_nodes",
    "station_combinations",
]
