"""Flow refuelling location model: the refuelling rule, the MIP against brute force, the CLI.

The published 25-node network of Simchi-Levi & Berman (1988) used by Kuby & Lim
(2005) was not available (no copy of its arc lengths and flows could be found),
so the MIP is checked against exhaustive enumeration on seeded random graphs.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from pathlib import Path as FsPath

import networkx as nx
import pandas as pd
import pytest

from fleetplan.errors import InputError
from fleetplan.network.importers.csv_network import read_frlm_csv, read_frlm_network
from fleetplan.optimiser.frlm import (
    HighsOptions,
    Path,
    TooManyCombinationsError,
    arc_cover_rows,
    build_path_combination_model,
    is_refuelled,
    merge_identical_flows,
    round_trip_paths,
    solve_frlm,
)
from fleetplan.optimiser.solver import SolverOptions
from tests.frlm_oracle import arc_cover_rows_by_definition, brute_force_frlm

EXACT = SolverOptions(time_limit_s=30, mip_rel_gap=0.0)
REPO = FsPath(__file__).resolve().parent.parent

# O --4 km-- M --4 km-- D: one-way 8 km, round trip 16 km.
OMD = (["O", "M", "D"], [0.0, 4.0, 8.0])


# ------------------------------------------------------------ refuelling rule


def refuelled(stations: set[str], range_km: float) -> bool:
    return is_refuelled(*OMD, stations, range_km)


def test_station_only_at_origin_needs_whole_round_trip_in_range() -> None:
    """Start full (R) at O; no other station, so the 16 km round trip runs on one tank.

    R = 10: O→M→D leaves 10 - 8 = 2, D→M leaves -2: dry. R = 16: arrives home with 0.
    R = 15.999: -0.001 on the last arc. The origin station covers the last arc
    (M→O) only when the whole round trip fits.
    """
    assert not refuelled({"O"}, 10)
    assert refuelled({"O"}, 16)
    assert not refuelled({"O"}, 15.999)


def test_station_only_in_the_middle() -> None:
    """Start with R/2 at O (no station there).

    R = 10: O→M leaves 5 - 4 = 1, refill 10; M→D→M leaves 2, refill 10; M→O
    arrives with 6 ≥ R/2. Thresholds: reach M on half a tank (4 ≤ R/2) and
    M→D→M (8 ≤ R): R = 8 works (0 at M, 0 back at M, 4 = R/2 at home),
    R = 7.999 does not (O→M leaves -0.0005).
    """
    assert refuelled({"M"}, 10)
    assert refuelled({"M"}, 8)
    assert not refuelled({"M"}, 7.999)


def test_station_only_at_destination() -> None:
    """Start with R/2 at O and drive 8 km to D: needs 8 ≤ R/2, i.e. R ≥ 16.

    R = 10: 5 - 8 = -3, dry. R = 16: 8 - 8 = 0 at D, refill 16, home with 8 = R/2.
    """
    assert not refuelled({"D"}, 10)
    assert refuelled({"D"}, 16)
    assert not refuelled({"D"}, 15.998)


def test_stations_at_both_ends() -> None:
    """Start full at O: O→D leaves R - 8, refill at D, D→O leaves R - 8: needs R ≥ 8."""
    assert refuelled({"O", "D"}, 8)
    assert not refuelled({"O", "D"}, 7.999)


def test_no_station_is_never_refuelled() -> None:
    """However short the trip (16 km round trip, R = 100), a trip that never refuels is
    not sustainable; stations off the path do not count either."""
    assert not refuelled(set(), 100)
    assert not refuelled({"X"}, 100)


def test_arc_cover_rows_by_hand() -> None:
    """Round trip O→M→D→M→O with R = 10. Arcs and the nodes within 10 km before their end:
    O→M: O (4), M via its return visit (8); M→D: O (8), M (4); D→M: M (8), D (4);
    M→O: M (4), D (8), but not O (a whole lap, 16). Duplicates dropped: {O, M}, {M, D}."""
    path = Path(flow_id="f", nodes=("O", "M", "D"), cum_km=(0.0, 4.0, 8.0))
    assert set(arc_cover_rows(path, 10)) == {frozenset("OM"), frozenset("MD")}
    # Only D and O may host stations: both rows shrink to one node each.
    assert set(arc_cover_rows(path, 10, candidate_nodes=["O", "D"])) == {
        frozenset("O"),
        frozenset("D"),
    }
    # Only O: the arc M→O cannot be covered (O is a whole lap, 16 km, behind it).
    assert arc_cover_rows(path, 10, candidate_nodes=["O"]) == []
    # An arc longer than the range: uncoverable.
    assert arc_cover_rows(path, 3.9) == []
    # With R = 16 every node covers every arc, and the rows collapse to one.
    assert arc_cover_rows(path, 16) == [frozenset("OMD")]


def random_path(rng: random.Random) -> Path:
    m = rng.randint(1, 5)
    nodes = tuple("abcdef"[: m + 1])
    cum = [0.0]
    for _ in range(m):
        cum.append(cum[-1] + rng.choice([1, 2, 2, 3, 4, 5]))
    return Path(flow_id=0, nodes=nodes, cum_km=tuple(cum))


@pytest.mark.parametrize("seed", range(4))
def test_rows_by_binary_search_equal_rows_by_definition(seed: int) -> None:
    """Long paths (up to 40 edges), integer lengths (sums exact, many windows ending exactly at
    the range) and fractional ones, every node or a random half as candidates."""
    rng = random.Random(seed)
    for _ in range(150):
        m = rng.randint(1, 40)
        cum = [0.0]
        for _ in range(m):
            cum.append(
                cum[-1] + (rng.randint(1, 6) if rng.random() < 0.5 else rng.uniform(0.1, 6.0))
            )
        path = Path(flow_id=0, nodes=tuple(f"n{i}" for i in range(m + 1)), cum_km=tuple(cum))
        range_km = float(rng.choice([rng.randint(3, 30), rng.uniform(3.0, 2.5 * cum[-1] + 3.0)]))
        candidates = None if rng.random() < 0.4 else [v for v in path.nodes if rng.random() < 0.5]
        assert arc_cover_rows(path, range_km, candidates) == arc_cover_rows_by_definition(
            path, range_km, candidates
        )


@pytest.mark.parametrize("seed", range(6))
def test_rows_match_simulation_for_every_station_set(seed: int) -> None:
    """For every subset S of path nodes: every row hit by S  ⇔  is_refuelled(S).

    Integer arc lengths and ranges put many cases exactly on a threshold,
    including the round trip equal to the range (the origin-end subtlety).
    """
    rng = random.Random(seed)
    for _ in range(30):
        path = random_path(rng)
        round_trip = 2 * path.length_km
        for range_km in {1, 2, 3, 4, 5, 6, 8, 10, round_trip / 2, round_trip, round_trip + 1}:
            rows = arc_cover_rows(path, range_km)
            for size in range(len(path.nodes) + 1):
                for subset in itertools.combinations(path.nodes, size):
                    chosen = set(subset)
                    by_rows = bool(rows) and all(row & chosen for row in rows)
                    by_sim = is_refuelled(path.nodes, path.cum_km, chosen, range_km)
                    assert by_rows == by_sim, (path, range_km, chosen, rows)


def test_rows_are_minimal() -> None:
    rng = random.Random(7)
    for _ in range(50):
        rows = arc_cover_rows(random_path(rng), 6)
        for a, b in itertools.permutations(rows, 2):
            assert not a <= b


# ------------------------------------------------------------ paths and ties


def test_tie_break_takes_lexicographically_smallest_node_sequence() -> None:
    """Two 2 km paths A-B-D and A-C-D: the rule takes (A, B, D) from A and
    (D, B, A) from D, whatever order the edges were added in."""
    for order in (1, -1):
        graph = nx.Graph()
        edges = [("A", "B"), ("B", "D"), ("A", "C"), ("C", "D")]
        for u, v in edges[::order]:
            graph.add_edge(u, v, length=1.0)
        flows = pd.DataFrame({"origin": ["A", "D"], "destination": ["D", "A"]})
        paths = round_trip_paths(graph, flows)
        assert paths[0].nodes == ("A", "B", "D")
        assert paths[1].nodes == ("D", "B", "A")


def test_tie_break_compares_ids_as_strings_and_tolerates_rounding() -> None:
    """'10' < '9' as strings; and 0.1 + 0.2 (= 0.30000000000000004) ties with 0.15 + 0.15."""
    graph = nx.Graph()
    graph.add_edge(1, 9, length=1)
    graph.add_edge(9, 2, length=1)
    graph.add_edge(1, 10, length=1)
    graph.add_edge(10, 2, length=1)
    flows = pd.DataFrame({"origin": [1], "destination": [2]})
    assert round_trip_paths(graph, flows)[0].nodes == (1, 10, 2)

    graph = nx.Graph()
    graph.add_edge("A", "C", length=0.15)
    graph.add_edge("C", "D", length=0.15)
    graph.add_edge("A", "B", length=0.1)
    graph.add_edge("B", "D", length=0.2)
    flows = pd.DataFrame({"origin": ["A"], "destination": ["D"]})
    assert round_trip_paths(graph, flows)[0].nodes == ("A", "B", "D")


def random_network(seed: int, n: int = 8) -> tuple[nx.Graph, pd.DataFrame]:
    """A connected graph (random tree plus extra edges), integer lengths 1-6 km
    (so equal-length paths are common), and ~16 flows with integer volumes."""
    rng = random.Random(seed)
    graph = nx.Graph()
    names = [str(i) for i in range(n)]
    graph.add_nodes_from(names)
    for i in range(1, n):
        graph.add_edge(names[i], names[rng.randrange(i)], length=rng.randint(1, 6))
    for _ in range(n // 2):
        u, v = rng.sample(names, 2)
        graph.add_edge(u, v, length=rng.randint(1, 6))
    pairs = rng.sample([(o, d) for o in names for d in names if o != d], 16)
    flows = pd.DataFrame(
        {
            "origin": [o for o, _ in pairs],
            "destination": [d for _, d in pairs],
            "flow": [rng.choice([0, 1, 3, 5, 10, 20]) for _ in pairs],
        }
    )
    return graph, flows


@pytest.mark.parametrize("engine", ["python", "scipy"])
@pytest.mark.parametrize("seed", range(4))
def test_paths_are_shortest_and_lexicographically_first(seed: int, engine: str) -> None:
    graph, flows = random_network(seed)
    paths = round_trip_paths(graph, flows, engine=engine)
    for flow_id, row in flows.iterrows():
        path = paths[flow_id]
        expected = nx.shortest_path_length(graph, row.origin, row.destination, weight="length")
        assert path.length_km == pytest.approx(expected)
        everything = nx.all_shortest_paths(graph, row.origin, row.destination, weight="length")
        assert path.nodes == min(tuple(p) for p in everything)


@pytest.mark.parametrize("seed", range(3))
def test_scipy_paths_equal_python_paths_and_networkx_on_a_grid_full_of_ties(seed: int) -> None:
    """A 12 × 12 grid with lengths 1-2 km and integer ids (so '10' < '9' matters) has many
    equal shortest paths; SciPy's search, the Python search and networkx's enumeration of
    every shortest path agree on each flow's path and km, and a parallel longer edge is
    ignored."""
    rng = random.Random(seed)
    graph = nx.MultiGraph()
    side = 12
    for r, c in itertools.product(range(side), range(side)):
        if c + 1 < side:
            graph.add_edge(r * side + c, r * side + c + 1, length=rng.choice([1.0, 2.0]))
        if r + 1 < side:
            graph.add_edge(r * side + c, (r + 1) * side + c, length=rng.choice([1.0, 2.0]))
    graph.add_edge(0, 1, length=7.5)  # parallel to the grid's own 0-1 edge
    nodes = list(graph.nodes)
    pairs = [tuple(rng.sample(nodes, 2)) for _ in range(60)]
    flows = pd.DataFrame({"origin": [o for o, _ in pairs], "destination": [d for _, d in pairs]})
    by_scipy = round_trip_paths(graph, flows, engine="scipy")
    by_python = round_trip_paths(graph, flows, engine="python")
    simple = nx.Graph()
    for u, v, data in graph.edges(data=True):
        if not simple.has_edge(u, v) or data["length"] < simple[u][v]["length"]:
            simple.add_edge(u, v, length=data["length"])
    for flow_id, (origin, destination) in enumerate(pairs):
        assert by_scipy[flow_id] == by_python[flow_id]
        every = nx.all_shortest_paths(simple, origin, destination, weight="length")
        assert by_scipy[flow_id].nodes == min(
            (tuple(p) for p in every), key=lambda p: tuple(map(str, p))
        )
        assert by_scipy[flow_id].length_km == nx.shortest_path_length(
            simple, origin, destination, weight="length"
        )


def test_scipy_paths_tolerate_rounding_and_report_unreachable_destinations() -> None:
    graph = nx.Graph()
    graph.add_edge("A", "C", length=0.15)
    graph.add_edge("C", "D", length=0.15)
    graph.add_edge("A", "B", length=0.1)
    graph.add_edge("B", "D", length=0.2)
    graph.add_edge("X", "Y", length=1.0)
    flows = pd.DataFrame({"origin": ["A"], "destination": ["D"]})
    assert round_trip_paths(graph, flows, engine="scipy")[0].nodes == ("A", "B", "D")
    with pytest.raises(InputError, match="no path from 'A' to 'X'"):
        round_trip_paths(
            graph, pd.DataFrame({"origin": ["A"], "destination": ["X"]}), engine="scipy"
        )


def test_metres_with_unit_conversion() -> None:
    graph = nx.Graph()
    graph.add_edge("a", "b", length_m=4000.0)
    graph.add_edge("b", "c", length_m=4000.0)
    flows = pd.DataFrame({"origin": ["a"], "destination": ["c"]})
    path = round_trip_paths(graph, flows, weight="length_m", km_per_unit=0.001)[0]
    assert path.cum_km == (0.0, 4.0, 8.0)


# ------------------------------------------------------------ MIP vs brute force


@pytest.mark.parametrize("seed", range(4))
def test_mip_matches_brute_force(seed: int) -> None:
    graph, flows = random_network(seed)
    paths = round_trip_paths(graph, flows)
    for stations, range_km in itertools.product((1, 2, 3), (5, 8, 12)):
        best, best_sets = brute_force_frlm(graph, flows, range_km, stations)
        result = solve_frlm(graph, flows, range_km=range_km, stations=stations, options=EXACT)
        assert result.status == "optimal"
        assert result.flow_refuelled == pytest.approx(best), (stations, range_km)
        assert result.objective == pytest.approx(best)
        assert len(result.stations) == stations
        assert tuple(result.stations) in best_sets
        for flow_id in result.refuelled_flows:
            path = paths[flow_id]
            assert is_refuelled(path.nodes, path.cum_km, result.stations, range_km)
        for flow_id in set(paths) - set(result.refuelled_flows):
            path = paths[flow_id]
            assert not is_refuelled(path.nodes, path.cum_km, result.stations, range_km)


def test_mip_matches_brute_force_with_restricted_candidates() -> None:
    graph, flows = random_network(11, n=9)
    candidates = ["0", "2", "3", "5", "8"]
    for stations, range_km in itertools.product((1, 2, 3), (6, 10)):
        best, _ = brute_force_frlm(graph, flows, range_km, stations, candidate_nodes=candidates)
        result = solve_frlm(
            graph,
            flows,
            range_km=range_km,
            stations=stations,
            candidate_nodes=candidates,
            options=EXACT,
        )
        assert result.flow_refuelled == pytest.approx(best)
        assert set(result.stations) <= set(candidates)


@pytest.mark.parametrize("seed", range(3))
def test_path_combination_formulation_gives_the_same_optimum(seed: int) -> None:
    graph, flows = random_network(seed + 20)
    for stations, range_km in itertools.product((1, 2, 3), (6, 10)):
        arc = solve_frlm(graph, flows, range_km=range_km, stations=stations, options=EXACT)
        combo = solve_frlm(
            graph,
            flows,
            range_km=range_km,
            stations=stations,
            options=EXACT,
            formulation="path_combination",
        )
        assert combo.status == "optimal"
        assert combo.flow_refuelled == pytest.approx(arc.flow_refuelled)
        assert combo.objective == pytest.approx(arc.objective)


def test_path_combination_refuses_large_instances() -> None:
    graph = nx.path_graph([str(i) for i in range(40)])
    nx.set_edge_attributes(graph, 1.0, "length")
    paths = round_trip_paths(graph, pd.DataFrame({"origin": ["0"], "destination": ["39"]}))
    with pytest.raises(TooManyCombinationsError, match="arc-cover"):
        build_path_combination_model(
            paths, {0: 1.0}, list(graph.nodes), 10, 5.0, max_combinations=1000
        )


def test_merge_identical_flows_sums_volumes() -> None:
    """A flow and its reverse on the same path have the same rows (the round trip is
    the same cycle), so they merge; an uncoverable flow joins no group."""
    graph = nx.path_graph(["a", "b", "c", "d"])
    nx.set_edge_attributes(graph, 3.0, "length")
    graph.add_edge("d", "e", length=50.0)
    flows = pd.DataFrame(
        {
            "origin": ["a", "d", "a", "a"],
            "destination": ["d", "a", "c", "e"],
            "flow": [2.0, 5.0, 1.0, 4.0],
        }
    )
    paths = round_trip_paths(graph, flows)
    rows = {f: arc_cover_rows(p, 10) for f, p in paths.items()}
    by_group, volume, members = merge_identical_flows(rows, dict(enumerate(flows["flow"])))
    assert sorted(members.values()) == [[0, 1], [2]]
    group = next(g for g, m in members.items() if m == [0, 1])
    assert volume[group] == 7.0
    assert set(by_group[group]) == set(rows[0])


def test_uncoverable_flow_and_zero_stations() -> None:
    graph, flows = random_network(3)
    result = solve_frlm(graph, flows, range_km=0.5, stations=2, options=EXACT)
    assert result.flow_refuelled == 0
    assert len(result.uncoverable_flows) == len(flows)
    result = solve_frlm(graph, flows, range_km=10, stations=0, options=EXACT)
    assert result.stations == [] and result.flow_refuelled == 0


def test_bad_parameters() -> None:
    graph, flows = random_network(0)
    with pytest.raises(InputError, match="stations"):
        solve_frlm(graph, flows, range_km=10, stations=99)
    with pytest.raises(InputError, match="range"):
        solve_frlm(graph, flows, range_km=0, stations=1)


# ------------------------------------------------------------ CSV reader


def write_network(
    folder: FsPath,
    nodes: str = "node,label\nA,x\nB,y\nC,z\nD,w\n",
    edges: str = "from,to,length\nA,B,4\nB,C,4\nC,D,3\n",
    flows: str = "origin,destination,flow\nA,C,10\nB,D,5\nA,D,2\n",
) -> tuple[FsPath, FsPath, FsPath]:
    paths = (folder / "NODES.csv", folder / "EDGES.csv", folder / "FLOWS.csv")
    for path, text in zip(paths, (nodes, edges, flows), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


def test_read_frlm_csv(tmp_path: FsPath) -> None:
    graph, flows = read_frlm_csv(*write_network(tmp_path))
    assert set(graph.nodes) == {"A", "B", "C", "D"}
    assert graph["C"]["D"]["length"] == 3.0
    assert list(flows.columns) == ["flow_id", "origin", "destination", "flow"]
    assert flows["flow"].tolist() == [10.0, 5.0, 2.0]
    assert flows["flow_id"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("which", "text", "row", "field", "message"),
    [
        ("edges", "from,to,length\nA,B,4\nB,C,-1\n", 2, "length", "> 0"),
        ("edges", "from,to,length\nA,B,four\n", 1, "length", "not a number"),
        ("edges", "from,to,length\nA,B,nan\n", 1, "length", "finite"),
        ("edges", "from,to,length\nA,B,inf\n", 1, "length", "finite"),
        ("edges", "from,to,length\nA,B,0\n", 1, "length", "> 0"),
        ("edges", "from,to\nA,B\n", None, "length", "missing column"),
        ("edges", "from,to,length\nA,Z,1\n", 1, "to", "unknown node 'Z'"),
        ("edges", "from,to,length\nA,B,1\nB,A,2\n", 2, "to", "duplicate edge"),
        ("edges", "from,to,length\nA,A,1\n", 1, "to", "itself"),
        ("edges", "", None, None, "empty"),
        ("edges", "from,to,length\n", None, None, "no data rows"),
        ("flows", "origin,destination,flow\nA,C,-3\n", 1, "flow", "≥ 0"),
        ("flows", "origin,destination,flow\nA,C,\n", 1, "flow", "empty"),
        ("flows", "origin,destination,flow\nA,Q,1\n", 1, "destination", "unknown node 'Q'"),
        ("flows", "origin,destination,flow\nB,B,1\n", 1, "destination", "both"),
        ("flows", "origin,destination,flow\nA,C,1\nA,C,2\n", 2, "destination", "duplicate flow"),
        ("flows", "origin,destination,flow\nA,E,1\n", 1, "destination", "no path"),
        ("flows", "origin,dest,flow\nA,C,1\n", None, "destination", "missing column"),
        ("nodes", "node\nA\nB\nA\nC\nD\nE\n", 3, "node", "duplicate node"),
        ("nodes", "id\nA\n", None, "node", "missing column"),
    ],
)
def test_read_frlm_csv_rejects_bad_input(
    tmp_path: FsPath, which: str, text: str, row: int | None, field: str | None, message: str
) -> None:
    files = {"nodes": "node\nA\nB\nC\nD\nE\n"}
    files[which] = text
    paths = write_network(tmp_path, **files)
    with pytest.raises(InputError, match=message) as error:
        read_frlm_csv(*paths)
    expected_file = {"nodes": paths[0], "edges": paths[1], "flows": paths[2]}[which]
    assert error.value.file == str(expected_file)
    assert error.value.row == row
    assert error.value.field == field


def test_read_frlm_csv_rejects_missing_file_and_non_utf8(tmp_path: FsPath) -> None:
    nodes, edges, flows = write_network(tmp_path)
    with pytest.raises(InputError, match="not found"):
        read_frlm_csv(nodes, tmp_path / "nope.csv", flows)
    edges.write_bytes(b"from,to,length\nA,B,4\nB,C\xe9,4\n")
    with pytest.raises(InputError, match="UTF-8") as error:
        read_frlm_csv(nodes, edges, flows)
    assert error.value.row == 2


# ------------------------------------------------------------ CLI


def run_cli(*args: str | FsPath) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from fleetplan.cli import main; main()", "frlm", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )


def test_cli_json_end_to_end(tmp_path: FsPath) -> None:
    """Path A-B-C-D (4, 4, 3 km), R = 10 km, one station: B refuels A→C (10) only.

    A→C round trip 16 km: B at 4 km (half a tank reaches it), B→C→B = 8 km ≤ 10.
    B→D needs a station within 5 km of B and cover for C→D→C (6 km): C would do
    it but not A→C (8 km from A). Two stations refuel all 17: {A, C} (gaps A→C 8,
    C→D→C 6), {B, C} (gaps B→C 4, C→B 4, B→A→B 8) and {B, D} (gaps B→D 7, D→B 7,
    B→A→B 8) tie, so any of them is optimal (the brute-force oracle finds these three).
    """
    nodes, edges, flows = write_network(tmp_path)
    common = ("--nodes", nodes, "--edges", edges, "--flows", flows, "--range", "10", "--json")
    result = run_cli(*common, "--stations", "1", "--time-limit", "10", "--gap", "0")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["status"] == "optimal"
    assert payload["stations"] == ["B"]
    assert payload["flow_refuelled"] == 10.0
    assert payload["flow_total"] == 17.0
    assert payload["gap"] == pytest.approx(0.0, abs=1e-9)
    result = run_cli(*common, "--stations", "2")
    payload = json.loads(result.stdout)
    assert payload["flow_refuelled"] == 17.0
    assert sorted(payload["stations"]) in (["A", "C"], ["B", "C"], ["B", "D"])


def test_cli_table_output(tmp_path: FsPath) -> None:
    nodes, edges, flows = write_network(tmp_path)
    result = run_cli(
        "--nodes", nodes, "--edges", edges, "--flows", flows, "--range", "10", "--stations", "2"
    )
    assert result.returncode == 0, result.stderr
    assert "flow refuelled" in result.stdout and "17 of 17" in result.stdout


def test_cli_bad_input_exits_2_naming_file_and_field(tmp_path: FsPath) -> None:
    nodes, edges, flows = write_network(tmp_path, edges="from,to,length\nA,B,4\nB,C,-4\n")
    result = run_cli(
        "--nodes", nodes, "--edges", edges, "--flows", flows, "--range", "10", "--stations", "1"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "EDGES.csv" in lines[0] and "row 2" in lines[0] and "'length'" in lines[0]

    nodes, edges, flows = write_network(tmp_path, flows="origin,destination\nA,C\n")
    result = run_cli(
        "--nodes", nodes, "--edges", edges, "--flows", flows, "--range", "10", "--stations", "1"
    )
    assert result.returncode == 2
    assert "FLOWS.csv" in result.stderr and "'flow'" in result.stderr

    nodes, edges, flows = write_network(tmp_path)
    result = run_cli(
        "--nodes", nodes, "--edges", edges, "--flows", flows, "--range", "-1", "--stations", "1"
    )
    assert result.returncode == 2
    assert "--range" in result.stderr


# ------------------------------------------------------------ backends and start-up (#17)


@pytest.mark.parametrize("seed", range(3))
def test_highspy_and_pyomo_backends_reach_the_same_optimum(seed: int) -> None:
    graph, flows = random_network(seed + 40)
    for stations, range_km in itertools.product((1, 2, 3), (6, 10)):
        direct = solve_frlm(graph, flows, range_km=range_km, stations=stations, options=EXACT)
        pyomo = solve_frlm(
            graph, flows, range_km=range_km, stations=stations, options=EXACT, backend="pyomo"
        )
        assert (direct.backend, pyomo.backend) == ("highspy", "pyomo")
        assert direct.status == pyomo.status == "optimal"
        assert direct.flow_refuelled == pytest.approx(pyomo.flow_refuelled)
        assert direct.objective == pytest.approx(pyomo.objective)
        assert (direct.n_rows, direct.n_groups) == (pyomo.n_rows, pyomo.n_groups)
        assert direct.gap == pytest.approx(0.0, abs=1e-9)


def test_highspy_backend_takes_plain_columns_and_highs_options() -> None:
    """Flows as a mapping column → list (what the CLI reads) and HighsOptions (no Pyomo)."""
    graph, flows = random_network(5)
    columns = {name: list(flows[name]) for name in ("origin", "destination", "flow")}
    options = HighsOptions(time_limit_s=30, mip_rel_gap=0.0)
    plain = solve_frlm(graph, columns, range_km=8, stations=2, options=options)
    frame = solve_frlm(graph, flows, range_km=8, stations=2, options=EXACT)
    assert plain.flow_refuelled == pytest.approx(frame.flow_refuelled)
    assert plain.refuelled_flows == frame.refuelled_flows  # ids 0, 1, ... like the index
    pyomo = solve_frlm(graph, columns, range_km=8, stations=2, options=options, backend="pyomo")
    assert pyomo.flow_refuelled == pytest.approx(frame.flow_refuelled)


def test_backend_choice_is_checked() -> None:
    graph, flows = random_network(0)
    with pytest.raises(InputError, match="arc-cover formulation only"):
        solve_frlm(
            graph, flows, range_km=10, stations=1, formulation="path_combination", backend="highspy"
        )
    with pytest.raises(InputError, match="unknown backend"):
        solve_frlm(graph, flows, range_km=10, stations=1, backend="gurobi")


def test_read_frlm_network_matches_read_frlm_csv(tmp_path: FsPath) -> None:
    graph, columns = read_frlm_network(*write_network(tmp_path))
    same_graph, frame = read_frlm_csv(*write_network(tmp_path))
    assert sorted(graph.edges(data="length")) == sorted(same_graph.edges(data="length"))
    assert columns == frame.to_dict("list")


def test_cli_frlm_imports_neither_pandas_nor_pyomo(tmp_path: FsPath) -> None:
    """Start-up (#17): the command reads CSVs with the csv module and solves through highspy."""
    nodes, edges, flows = write_network(tmp_path)
    args = [
        "frlm",
        "--nodes",
        nodes,
        "--edges",
        edges,
        "--flows",
        flows,
        "--range",
        "10",
        "--stations",
        "2",
        "--json",
    ]
    script = (
        "import sys\n"
        "from fleetplan.cli import main\n"
        f"sys.argv = ['fleetplan', *{[str(a) for a in args]!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pyomo', 'scipy', 'geopandas'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["flow_refuelled"] == 17.0  # stdout: one JSON object, no banner
    assert "HEAVY []" in result.stderr
