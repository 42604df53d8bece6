"""Exact model reductions found in the data before the model is built (issue #28).

Each reduction leaves the optimum unchanged by construction: it removes a decision whose
optimal value the data already decides, or a row another row implies. The formulation
reads the sets computed here; ``tests/test_reductions.py`` solves small cities with and
without them and compares the optima.

- :func:`minimal_cover_rows`: an arc-cover row that holds every station of another row of the
  same corridor is implied by it (kept once an identical row appears twice);
- :func:`idle_public_sites`: a public charging site no taxi zone can reach serves no one, so
  its chargers (and the grid upgrades only they would need) are zero at every optimum;
- :func:`idle_hydrogen_sites`: a hydrogen site no consumer can reach and with no capacity
  in service or committed sells nothing, so it is never built, opened or given modules;
- :func:`hydrogen_supply_groups`: consumers that may buy at exactly the same stations share
  one supply column per station (exact for whole stations; the LP relaxation is a little
  weaker, so it is used only on big models, :func:`use_compact_hydrogen`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd


def minimal_cover_rows(rows: Iterable[frozenset[str]]) -> list[frozenset[str]]:
    """The rows of one corridor with duplicates and supersets of another row dropped.

    Row j says "some station of K_j is open"; if K_i ⊆ K_j, row i implies row j. Node-level
    rows (:func:`fleetplan.optimiser.frlm.arc_cover_rows`) are already minimal, but mapping
    nodes to the stations that serve them (a station by an interchange serves several nodes)
    can make two rows equal or one a superset of another. Order of first appearance is kept.
    """
    unique: list[frozenset[str]] = []
    for row in rows:
        if row not in unique:
            unique.append(row)
    return [row for row in unique if not any(other < row for other in unique)]


def idle_public_sites(
    public_sites: list[str],
    zone_site_pairs: list[tuple[str, str]],
    sites: pd.DataFrame,
    depot_site_ids: Iterable[str],
) -> list[str]:
    """Public sites whose new chargers are zero at every optimum: no taxi zone has them in reach.

    Their chargers only add cost (purchase, space, kVA), so they are fixed at zero. A site that
    is also a depot's charging site keeps its grid decisions (the depot draws on them); the others
    need no grid upgrade either, unless their headroom is negative (then the row is not trivial).
    """
    reached = {c for _, c in zone_site_pairs}
    depots = set(depot_site_ids)
    idle = [c for c in public_sites if c not in reached]
    return [c for c in idle if c not in depots and float(sites.at[c, "grid_headroom_kva"]) >= 0.0]


def idle_hydrogen_sites(
    h2_sites: list[str],
    h2_supply_pairs: list[tuple[str, str]],
    h2_existing_kg_day: Mapping[tuple[str, int], float],
) -> list[str]:
    """Hydrogen sites that never sell: no depot or corridor can buy there and nothing is in
    service or committed. Building one only costs, so it is never built at an optimum."""
    supplied = {h for _, h in h2_supply_pairs}
    existing = {h for (h, _), kg in h2_existing_kg_day.items() if kg > 0}
    return [h for h in h2_sites if h not in supplied and h not in existing]


def hydrogen_supply_groups(h2_supply_pairs: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Hydrogen consumers that may buy at exactly the same stations, as groups.

    Returns model consumer -> the consumers it stands for (in their order of appearance); a
    consumer with stations of its own stands for itself and keeps its name, a group of several
    is named ``group:`` + its first member. The model then has one supply column per group and
    station instead of one per consumer and station. Exact for every plan with whole stations:
    a group's supply split between its members in proportion to their demand meets each
    member's demand at its own stations, within each station's capacity, and sells nothing at a
    closed station (supply is not costed per consumer). The LP relaxation is weaker: a group's
    row "supply ≤ most it could need × open" bounds the sum of its members' rows.
    """
    stations_of: dict[str, list[str]] = {}
    for consumer, site in h2_supply_pairs:
        stations_of.setdefault(consumer, []).append(site)
    members_of: dict[tuple[str, ...], list[str]] = {}
    for consumer, sites in stations_of.items():
        members_of.setdefault(tuple(sorted(sites)), []).append(consumer)
    groups: dict[str, tuple[str, ...]] = {}
    for members in members_of.values():
        name = members[0] if len(members) == 1 else f"group:{members[0]}"
        groups[name] = tuple(members)
    return groups


#: Consumer-station pairs x years from which the model takes the compact hydrogen rows
#: (:func:`use_compact_hydrogen`).
COMPACT_HYDROGEN_MIN_PAIR_YEARS = 20_000


def use_compact_hydrogen(h2_supply_pairs: list[tuple[str, str]], years: int) -> bool:
    """Whether the model takes the compact form of its hydrogen rows.

    Both forms have the same plans (every plan with whole stations); they differ in the LP
    relaxation. The strong form buys per consumer and bounds each consumer's purchase at a
    station by its own most need × open: on the Hong Kong default (278 pairs x 26 years) that
    closes most of the LP bound's distance to the plans. The compact form buys per supply group
    (:func:`hydrogen_supply_groups`), leaves those bounds out, and leaves out every arc-cover
    row the demand row implies for whole stations. On the synthetic 2,000-node city with 500
    flows (68,397 pair-years) the LP bound moved by 6e-6 and the LP relaxation solved in 6.6 s
    instead of 147.9 s (BENCHMARKS.md): there the LP's size, not its strength, stops the solve.

    In their place the compact form ties each such corridor's fuel-cell trucks to its supply
    stations with a smaller big-M (``trucks_need_an_open_station``): in that part its LP is
    tighter than the strong form's (the 2,000-node city's gap: 1.39 % to 1.04 % in its 300 s).

    Steps that read an LP relaxation on their own read the compact one: the servability LP
    (what no plan can serve, found before the solve) where stations cost money in it (most
    abatement with the infrastructure in the budget), and the target ladder's LPs. There a big
    model may find a different amount of unservable uptake than the strong form would (less
    for the rows left out, more for the trucks row), and so different penalties.
    """
    return len(h2_supply_pairs) * years >= COMPACT_HYDROGEN_MIN_PAIR_YEARS
