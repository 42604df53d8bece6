"""The refuelling rule: when do open stations refuel a flow's round trip.

A flow ``q`` is a vehicle round trip origin → destination → origin along the
shortest path of an undirected graph, with volume ``f_q`` (round trips per
unit time). Vehicles have a range ``R`` (km) on a full tank.

Refuelling convention (Kuby & Lim 2005)
---------------------------------------
Let the one-way path be ``v_0 = O, v_1, ..., v_m = D`` with cumulative
distances ``c_0 = 0 < c_1 < ... < c_m = L`` (km). The round trip is the closed
cycle of length ``2L`` that visits ``v_0, ..., v_m, v_{m-1}, ..., v_1`` and
comes back to ``v_0``; an interior node is visited twice (at cycle positions
``c_i`` and ``2L - c_i``), the origin and the destination once each (at ``0``
and ``L``). A station at a node refills the tank to ``R`` at every visit.

The flow is refuelled by the open stations ``S`` iff

1. at least one node of the path is in ``S`` (a trip that never refuels is
   not sustainable, however short), and
2. every gap between consecutive station visits around the cycle, measured
   along the round trip, is ≤ ``R``.

This is Kuby & Lim's rule stated cyclically. Their wording is: a vehicle
starts full if there is a station at its origin and with half a tank (``R/2``)
otherwise, must never run dry, and (steady state) must get back to the origin
with at least what it left with. The two are the same: without a station at
``O``, the gap that wraps round ``O`` is ``2·d_1`` where ``d_1`` is the distance
from ``O`` to the nearest station on the path, and ``2·d_1 ≤ R`` is exactly
"reach the first station on half a tank"; coming home, the vehicle leaves that
same station full and arrives with ``R - d_1 ≥ R/2``. With a station at ``O``
the origin is an ordinary refill point at cycle position ``0 ≡ 2L``, so if it
is the *only* station the vehicle must do the whole round trip on one tank
(``2L ≤ R``): a station at the origin covers the last arc (the one arriving
back at ``O``) only when the whole round trip fits in the range. Likewise a
station only at ``D`` needs ``2L ≤ R`` (``L`` on half a tank out, then ``L``
back). :func:`is_refuelled` checks the rule by simulating the fuel level, not
through the cycle algebra, so it is an independent check of the MIP rows.

Distances are compared with a tolerance of ``1e-9·max(1, R)`` km so that a gap
exactly equal to the range counts as feasible despite rounding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fleetplan.optimiser.frlm.paths import Node


def _range_tol(range_km: float) -> float:
    """Absolute tolerance (km) used when comparing a distance with the range."""
    return 1e-9 * max(1.0, range_km)


def is_refuelled(
    path_nodes: Sequence[Node],
    path_cum_km: Sequence[float],
    stations: Iterable[Node],
    range_km: float,
) -> bool:
    """Whether stations ``stations`` refuel the round trip of a path (brute-force check).

    Simulates the fuel level (km of range left) around origin → destination →
    origin: the vehicle leaves the origin full (``R``) if the origin has a
    station and with ``R/2`` otherwise; every arc burns its length; the tank
    must never go below zero; at every node with a station (each visit) it is
    refilled to ``R``. The flow is refuelled iff the tank never runs dry, at
    least one path node has a station, and (steady state) the vehicle gets
    back to a station-less origin with at least the ``R/2`` it left with (this
    last test is implied by the others and kept as a statement of the rule).

    Parameters
    ----------
    path_nodes:
        Node ids from origin to destination (at least two).
    path_cum_km:
        Distance from the origin to each node (km), starting at 0.
    stations:
        Nodes with an open station (nodes off the path are ignored).
    range_km:
        Range on a full tank (km).
    """
    station_set = set(stations)
    nodes = list(path_nodes)
    cum = list(path_cum_km)
    if len(nodes) < 2 or len(cum) != len(nodes):
        raise ValueError("a path needs at least two nodes and one distance per node")
    if not station_set.intersection(nodes):
        return False
    tol = _range_tol(range_km)
    # The round trip: out along the path, then back along it to the origin.
    visits = nodes + nodes[-2::-1]
    positions = cum + [2 * cum[-1] - c for c in cum[-2::-1]]
    start_full = nodes[0] in station_set
    fuel = range_km if start_full else range_km / 2
    for i in range(1, len(visits)):
        fuel -= positions[i] - positions[i - 1]
        if fuel < -tol:
            return False
        if visits[i] in station_set:
            fuel = range_km
    return start_full or fuel >= range_km / 2 - tol
