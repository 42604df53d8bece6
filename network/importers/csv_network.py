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

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from fleetplan.errors import InputError
from fleetplan.network.csv_text import MAX_PLAIN_NUMBER, plain_number, read_csv_text

if TYPE_CHECKING:
    import pandas as pd

#: Refuse CSV files larger than this (a test network is kilobytes).
MAX_CSV_BYTES = 200 * 1024 * 1024

#: A flow table by column: ``flow_id`` (int), ``origin``, ``destination`` (str), ``flow`` (float).
FlowColumns = dict[str, list]


def _records(text: str) -> Iterator[tuple[list[str], str]]:
    """Every CSV record of ``text`` with the physical lines it was read from.

    Spaces after a delimiter are skipped (pandas's ``skipinitialspace``, which
    the reader used before). Blank and whitespace-only lines come back too (as
    records of at most one empty cell): :func:`_is_blank` tells them apart.
    """
    pending: list[str] = []

    def lines() -> Iterator[str]:
        # csv pulls physical lines one record at a time: keep them, to tell a
        # whitespace-only line (skipped) from a quoted empty cell (a row).
        for line in io.StringIO(text):
            pending.append(line)
            yield line

    for cells in csv.reader(lines(), skipinitialspace=True):
        raw = "".join(pending)
        pending.clear()
        yield cells, raw


def _is_blank(raw: str) -> bool:
    """Whether a record's lines hold nothing but spaces and tabs: pandas skips those
    (``skip_blank_lines``) and does not count them as rows; ``,,`` or ``""`` is a row."""
    return not raw.strip(" \t\r\n")


def _ends_inside_quotes(raw: str) -> bool:
    """Whether a record's text ends inside a quoted cell (a quote opened and never closed).

    The csv module reads such a cell to the end of the file without a word;
    pandas refused the file, so this finds it, following csv's (non-strict)
    quoting: a quote opens a cell only at its start (after optional spaces),
    ``""`` inside a quoted cell is a quote, anything after a closing quote is text.
    """
    state = "start"  # start of a cell | in a plain cell | in quotes | just after a quote in quotes
    for ch in raw:
        if state == "quoted":
            if ch == '"':
                state = "quote"
        elif state == "quote":
            state = "quoted" if ch == '"' else ("start" if ch in ",\r\n" else "plain")
        elif state == "start":
            if ch == '"':
                state = "quoted"
            elif ch not in " ,\r\n":
                state = "plain"
        elif ch in ",\r\n":
            state = "start"
    return state == "quoted"


def _check_shape(records: list[tuple[list[str], str]], path: Path) -> None:
    """Refuse what pandas's tokenizer refused, in its words and with its line numbers.

    Its rules, kept so a file is accepted or refused exactly as before: the row
    width is the header's, or the first data row's if that is wider (its surplus
    cells are dropped); a later row wider than that (a trailing comma too many)
    is an error, and so is a quoted cell never closed. Lines count records,
    blank ones included, 1-based for widths and 0-based (0 = header) for quotes.
    """
    width: int | None = None
    header_seen = False
    last = len(records) - 1
    for index, (cells, raw) in enumerate(records):
        if index == last and _ends_inside_quotes(raw):
            raise InputError(
                "not a readable CSV table: Error tokenizing data. C error: EOF inside string "
                f"starting at row {index}",
                file=path,
            )
        if _is_blank(raw):
            continue
        if not header_seen:
            header_seen, header_width = True, len(cells)
        elif width is None:
            width = max(header_width, len(cells))
        elif len(cells) > width:
            raise InputError(
                "not a readable CSV table: Error tokenizing data. C error: "
                f"Expected {width} fields in line {index + 1}, saw {len(cells)}",
                file=path,
            )


def _header_names(cells: list[str]) -> list[str]:
    """Column names as pandas gave them: ``Unnamed: i`` for an empty one, ``.1``, ``.2`` on
    repeats (so a 'missing column' message lists the same names), then stripped."""
    names = [cell if cell != "" else f"Unnamed: {i}" for i, cell in enumerate(cells)]
    counts: dict[str, int] = {}
    for i, name in enumerate(names):
        count = counts.get(name, 0)
        while count > 0:  # pandas's de-duplication: name.1, name.2, ... skipping names taken
            counts[name] = count + 1
            name = f"{name}.{count}"
            count = counts.get(name, 0)
        names[i] = name
        counts[name] = count + 1
    return [name.strip() for name in names]


def _read(path: str | Path, columns: tuple[str, ...]) -> dict[str, list[str]]:
    """Read one CSV as text columns, checking file, encoding and header.

    Returns
    -------
    dict
        Column → its values (stripped text) for ``columns`` only, in data-row order.
    """
    path = Path(path)
    text = read_csv_text(
        path, expected=f"a CSV with columns {', '.join(columns)}", max_bytes=MAX_CSV_BYTES
    )
    if not text.strip():
        raise InputError(f"file is empty; expected a header with {', '.join(columns)}", file=path)
    records = list(_records(text))
    _check_shape(records, path)
    kept = [cells for cells, raw in records if not _is_blank(raw)]
    if not kept:  # pragma: no cover - a text with a non-space character has a non-blank line
        raise InputError("not a readable CSV table: No columns to parse from file", file=path)
    names, rows = _header_names(kept[0]), kept[1:]
    for column in columns:
        if column not in names:
            found = ", ".join(names) or "none"
            raise InputError(f"missing column '{column}' (found: {found})", file=path, field=column)
    if not rows:
        raise InputError("no data rows below the header", file=path)
    frame: dict[str, list[str]] = {}
    for column in columns:
        k = names.index(column)
        # Short rows lack the trailing fields: they count as empty values.
        values = [cells[k].strip() if k < len(cells) else "" for cells in rows]
        if "" in values:
            raise InputError("empty value", file=path, row=values.index("") + 1, field=column)
        frame[column] = values
    return frame


def _numbers(values: list[str], column: str, path: str | Path, *, positive: bool) -> list[float]:
    """Parse a numeric column: finite, and > 0 (``positive``) or ≥ 0."""
    numbers = []
    expected = "a finite number > 0" if positive else "a finite number ≥ 0"
    for i, text in enumerate(values, start=1):
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
        numbers.append(value)
    return numbers


def _check_known(
    values: list[str], known: nx.Graph, column: str, path: str | Path, nodes_csv: str | Path
) -> None:
    """Refuse the first value of ``column`` that is not a node of ``known``."""
    for i, node in enumerate(values, start=1):
        if node not in known:
            raise InputError(
                f"unknown node '{node}'; not in {Path(nodes_csv).name}",
                file=path,
                row=i,
                field=column,
            )


def read_frlm_network(
    nodes_csv: str | Path, edges_csv: str | Path, flows_csv: str | Path
) -> tuple[nx.Graph, FlowColumns]:
    """Read and validate a FRLM network into plain Python (no pandas: see :func:`read_frlm_csv`).

    Parameters
    ----------
    nodes_csv, edges_csv, flows_csv:
        Paths of ``NODES.csv`` (``node``), ``EDGES.csv`` (``from,to,length``)
        and ``FLOWS.csv`` (``origin,destination,flow``).

    Returns
    -------
    graph, flows
        An undirected :class:`networkx.Graph` with string node ids and edge
        attribute ``length`` (the CSV's unit, km for the CLI), and the flows by
        column: ``flow_id`` (the 1-based data row of ``FLOWS.csv``), ``origin``,
        ``destination``, ``flow`` (float volume), as
        :func:`fleetplan.optimiser.frlm.solve_frlm` takes them.

    Raises
    ------
    InputError
        On any problem listed in the module docstring.
    """
    nodes = _read(nodes_csv, ("node",))["node"]
    first_row: dict[str, int] = {}
    for i, node in enumerate(nodes, start=1):
        if node in first_row:
            raise InputError(
                f"duplicate node '{node}' (also row {first_row[node]})",
                file=nodes_csv,
                row=i,
                field="node",
            )
        first_row[node] = i
    graph = nx.Graph()
    graph.add_nodes_from(nodes)

    edges = _read(edges_csv, ("from", "to", "length"))
    for column in ("from", "to"):
        _check_known(edges[column], graph, column, edges_csv, nodes_csv)
    lengths = _numbers(edges["length"], "length", edges_csv, positive=True)
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
        _check_known(flows[column], graph, column, flows_csv, nodes_csv)
    volumes = _numbers(flows["flow"], "flow", flows_csv, positive=False)
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
    return graph, {
        "flow_id": list(range(1, len(volumes) + 1)),
        "origin": flows["origin"],
        "destination": flows["destination"],
        "flow": volumes,
    }


def read_frlm_csv(
    nodes_csv: str | Path, edges_csv: str | Path, flows_csv: str | Path
) -> tuple[nx.Graph, pd.DataFrame]:
    """Read and validate a FRLM network, the flows as a DataFrame.

    The same as :func:`read_frlm_network` (which ``fleetplan frlm`` uses, to
    start without pandas), with the flows as a :class:`pandas.DataFrame` with
    columns ``flow_id``, ``origin``, ``destination``, ``flow`` (float).

    Raises
    ------
    InputError
        On any problem listed in the module docstring.
    """
    import pandas as pd

    graph, flows = read_frlm_network(nodes_csv, edges_csv, flows_csv)
    return graph, pd.DataFrame(flows)
