"""Read a node/edge/flow network from three CSV files (the FRLM test-network format).

``NODES.csv``
    Column ``node`` (other columns are ignored). Ids are read as text, with
    surrounding spaces removed; ``007`` and ``7`` are different nodes.
``EDGES.csv``
    Columns ``from``, ``to``, ``length``: undirected edges, length > 0 and
    finite, in the unit of the range (km for ``fleetplan frlm``).
``FLOWS.csv``
    Columns ``origin``, ``destination``, ``flow``: the round-trip flow volume
    of the pair (≥ 0). A pair and its reverse are kept as two flows (their
    volumes are not added), but the same ordered pair twice is an error.

Decisions on doubtful input, each raised as :class:`~fleetplan.errors.InputError`
naming file, 1-based data row (header = row 0; blank lines are skipped and do
not count) and field:

- duplicate edges (the same unordered pair twice, in either direction) are
  rejected, naming both rows: two lengths for one link are ambiguous and a
  simple graph cannot hold both; model parallel roads with an extra node;
- self-loops (``from == to``) are rejected: they are never on a shortest path;
- duplicate node ids, empty ids, ids unknown to ``NODES.csv``, origin equal
  to destination, and pairs with no connecting path are rejected;
- files must be UTF-8 (a byte-order mark is accepted), non-empty and have at
  least one data row.
"""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
import pandas as pd

from fleetplan.errors import InputError
from fleetplan.network.loaders import MAX_PLAIN_NUMBER, plain_number, read_csv_text

#: Refuse CSV files larger than this (a test network is kilobytes).
MAX_CSV_BYTES = 200 * 1024 * 1024


def _read(path: str | Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read one CSV as text columns, checking file, encoding and header."""
    path = Path(path)
    text = read_csv_text(path, expected=f"a CSV with columns {', '.join(columns)}", max_bytes=MAX_CSV_BYTES)
    if not text.strip():
        raise InputError(f"file is empty; expected a header with {', '.join(columns)}", file=path)
    try:
        # index_col=False: surplus cells must never become an index that shifts the columns.
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True, index_col=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"not a readable CSV table: {str(error).strip()}", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in columns:
        if column not in frame.columns:
            found = ", ".join(frame.columns) or "none"
            raise InputError(f"missing column '{column}' (found: {found})", file=path, field=column)
    if frame.empty:
        raise InputError("no data rows below the header", file=path)
    # Short rows leave NaN in the missing fields: treat them as empty values.
    frame = frame[list(columns)].fillna("").apply(lambda s: s.str.strip())
    for column in columns:
        empty = frame[column] == ""
        if empty.any():
            raise InputError("empty value", file=path, row=_row(empty), field=column)
    return frame


def _row(mask: pd.Series) -> int:
    """1-based data row of the first True in ``mask``."""
    return int(mask.to_numpy().nonzero()[0][0]) + 1


def _numbers(frame: pd.DataFrame, column: str, path: str | Path, *, positive: bool) -> list[float]:
    """Parse a numeric column: finite, and > 0 (``positive``) or ≥ 0."""
    values = []
    expected = "a finite number > 0" if positive else "a finite number ≥ 0"
    for i, text in enumerate(frame[column], start=1):
        value = plain_number(text)
        if value is None:
            raise InputError(
                f"'{text}' is not a number; expected {expected} written with digits 0-9, at most {MAX_PLAIN_NUMBER:g}",
                file=path,
                row=i,
                field=column,
            )
        if value < 0 or (positive and value == 0):
            raise InputError(f"{text}; expected {expected}", file=path, row=i, field=column)
        values.append(value)
    return values


def read_frlm_csv(
    nodes_csv: str | Path, edges_csv: str | Path, flows_csv: str | Path
) -> tuple[nx.Graph, pd.DataFrame]:
    """Read and validate a FRLM network.

    Parameters
    ----------
    nodes_csv, edges_csv, flows_csv:
        Paths of ``NODES.csv`` (``node``), ``EDGES.csv`` (``from,to,length``)
        and ``FLOWS.csv`` (``origin,destination,flow``).

    Returns
    -------
    graph, flows
        An undirected :class:`networkx.Graph` with string node ids and edge
        attribute ``length`` (the CSV's unit, km for the CLI), and a DataFrame
        with columns ``flow_id`` (the 1-based data row of ``FLOWS.csv``),
        ``origin``, ``destination``, ``flow`` (float).

    Raises
    ------
    InputError
        On any problem listed in the module docstring.
    """
    nodes = _read(nodes_csv, ("node",))
    duplicated = nodes["node"].duplicated()
    if duplicated.any():
        row = _row(duplicated)
        first = int((nodes["node"] == nodes["node"].iloc[row - 1]).to_numpy().nonzero()[0][0]) + 1
        raise InputError(
            f"duplicate node '{nodes['node'].iloc[row - 1]}' (also row {first})",
            file=nodes_csv,
            row=row,
            field="node",
        )
    graph = nx.Graph()
    graph.add_nodes_from(nodes["node"])

    edges = _read(edges_csv, ("from", "to", "length"))
    for column in ("from", "to"):
        unknown = ~edges[column].isin(graph.nodes)
        if unknown.any():
            row = _row(unknown)
            raise InputError(
                f"unknown node '{edges[column].iloc[row - 1]}'; not in {Path(nodes_csv).name}",
                file=edges_csv,
                row=row,
                field=column,
            )
    lengths = _numbers(edges, "length", edges_csv, positive=True)
    seen: dict[frozenset, int] = {}
    for i, (u, v, length) in enumerate(
        zip(edges["from"], edges["to"], lengths, strict=True), start=1
    ):
        if u == v:
            raise InputError(f"edge from '{u}' to itself", file=edges_csv, row=i, field="to")
        key = frozenset((u, v))
        if key in seen:
            raise InputError(
                f"duplicate edge {u}–{v} (also row {seen[key]}); edges are undirected, "
                "give each link once (add a node to model a parallel road)",
                file=edges_csv,
                row=i,
                field="to",
            )
        seen[key] = i
        graph.add_edge(u, v, length=length)

    flows = _read(flows_csv, ("origin", "destination", "flow"))
    for column in ("origin", "destination"):
        unknown = ~flows[column].isin(graph.nodes)
        if unknown.any():
            row = _row(unknown)
            raise InputError(
                f"unknown node '{flows[column].iloc[row - 1]}'; not in {Path(nodes_csv).name}",
                file=flows_csv,
                row=row,
                field=column,
            )
    volumes = _numbers(flows, "flow", flows_csv, positive=False)
    component = {node: c for c, part in enumerate(nx.connected_components(graph)) for node in part}
    pairs: dict[tuple[str, str], int] = {}
    for i, (o, d) in enumerate(zip(flows["origin"], flows["destination"], strict=True), start=1):
        if o == d:
            raise InputError(
                f"origin and destination are both '{o}'", file=flows_csv, row=i, field="destination"
            )
        if (o, d) in pairs:
            raise InputError(
                f"duplicate flow {o} → {d} (also row {pairs[o, d]})",
                file=flows_csv,
                row=i,
                field="destination",
            )
        pairs[o, d] = i
        if component[o] != component[d]:
            raise InputError(
                f"no path from '{o}' to '{d}' in {Path(edges_csv).name}",
                file=flows_csv,
                row=i,
                field="destination",
            )
    table = pd.DataFrame(
        {
            "flow_id": range(1, len(flows) + 1),
            "origin": flows["origin"].to_list(),
            "destination": flows["destination"].to_list(),
            "flow": volumes,
        }
    )
    return graph, table
