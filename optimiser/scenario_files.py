"""Scenario files that inherit from other scenario files.

A scenario YAML may start with ``extends: other.yaml`` (a path relative to the
file) and then hold only what it changes::

    # double the subsidy budget of the roadmap baseline
    extends: roadmap_baseline.yaml
    name: double-budget
    budget:
      total_hkd: 1.5e9

The chain is resolved base first; mappings are merged key by key (deeply),
while lists and plain values in the child replace the parent's. A cycle, a
missing parent or a chain deeper than :data:`MAX_EXTENDS_DEPTH` is an error.
Validation errors name the file in the chain, the line and the field that
gave the offending value.

A relative ``dataset:`` folder is read relative to the file that names it,
so a scenario and its dataset can be moved together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleetplan.optimiser import scenario as scenario_module
from fleetplan.optimiser.scenario import Scenario, parse_scenario_tree, scenario_from_mapping
from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from fleetplan.errors import InputError

#: Longest chain of ``extends`` (a file, its parent, grandparent, ...).
MAX_EXTENDS_DEPTH = 8


@dataclass(frozen=True)
class _Layer:
    """One file of an ``extends`` chain: its path and round-trip YAML tree."""

    path: Path
    tree: CommentedMap


def _read_tree(path: Path) -> CommentedMap:
    """Read and parse one scenario file (safe round-trip loader: line numbers, no objects)."""
    if not path.is_file():
        raise InputError("scenario file not found", file=path)
    size = path.stat().st_size
    # Read the limit at call time so it can be lowered (tests, embedding apps).
    limit = scenario_module.MAX_SCENARIO_BYTES
    if size > limit:
        raise InputError(f"scenario file is {size} bytes; the limit is {limit}", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the scenario as UTF-8", file=path) from None
    if not text.strip():
        raise InputError("scenario file is empty; expected a YAML mapping of overrides (see data/scenarios/)", file=path)
    return parse_scenario_tree(text, file=path)


def _line(tree: CommentedMap, key: str) -> str:
    try:
        return f", line {tree.lc.key(key)[0] + 1}"
    except (AttributeError, KeyError, TypeError):
        return ""


def _chain(path: Path) -> list[_Layer]:
    """The ``extends`` chain of ``path``, base first."""
    layers: list[_Layer] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(str(p.name) for p in [*seen, resolved])
            raise InputError(f"'extends' makes a cycle ({cycle})", file=layers[-1].path, field="extends")
        if len(seen) >= MAX_EXTENDS_DEPTH:
            raise InputError(
                f"'extends' chain longer than {MAX_EXTENDS_DEPTH} files; flatten it",
                file=layers[-1].path,
                field="extends",
            )
        seen.append(resolved)
        tree = _read_tree(current)
        layers.append(_Layer(current, tree))
        parent = tree.get("extends")
        if parent is None:
            current = None
            continue
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(
                f"expected the path of another scenario file (got {parent!r})",
                file=f"{current}{_line(tree, 'extends')}",
                field="extends",
            )
        candidate = current.parent / parent
        if not candidate.is_file():
            raise InputError(
                f"extended scenario '{parent}' not found (looked for {candidate})",
                file=f"{current}{_line(tree, 'extends')}",
                field="extends",
            )
        current = candidate
    return layers[::-1]


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: mappings merge, anything else replaces.

    Lists replace rather than append so a child can remove entries
    (e.g. drop a parameter override of its parent).
    """
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _defines(tree: Any, location: tuple[Any, ...]) -> bool:
    node = tree
    for key in location:
        if (isinstance(node, dict) and key in node) or (isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)):
            node = node[key]
        else:
            return False
    return True


def _blame(layers: list[_Layer], location: tuple[Any, ...]) -> _Layer:
    """The file whose value the error at ``location`` is about.

    The most derived file that defines the longest prefix of ``location``
    wins: that is the file whose value survived the merge.
    """
    for length in range(len(location), 0, -1):
        prefix = location[:length]
        for layer in reversed(layers):
            if _defines(layer.tree, prefix):
                return layer
    return layers[-1]


def _relative_dataset(layers: list[_Layer], merged: dict[str, Any]) -> dict[str, Any]:
    """Make a relative ``dataset`` folder relative to the file that names it."""
    value = merged.get("dataset")
    if not isinstance(value, str) or not value or Path(value).is_absolute():
        return merged
    owner = next((layer for layer in reversed(layers) if "dataset" in layer.tree), None)
    if owner is None:
        return merged
    return {**merged, "dataset": str((owner.path.parent / value).resolve())}


def load_scenario_file(path: str | Path) -> Scenario:
    """Read a scenario file, resolve its ``extends`` chain, and validate it.

    Parameters
    ----------
    path:
        Scenario YAML file. ``extends`` paths are relative to the file that
        holds them; a relative ``dataset`` folder likewise.

    Returns
    -------
    Scenario
        The validated scenario (defaults plus the chain's overrides).

    Raises
    ------
    InputError
        Bad YAML, unknown key, invalid value, missing file, cycle or chain too
        deep; the message names the file (the inherited one, if the bad value
        came from it), the line and the field.
    """
    layers = _chain(Path(path))
    merged: dict[str, Any] = {}
    for layer in layers:
        plain = {k: v for k, v in layer.tree.items() if k != "extends"}
        merged = deep_merge(merged, plain)
    merged = _relative_dataset(layers, merged)
    try:
        return Scenario.model_validate(_to_plain(merged))
    except ValidationError as error:
        location = tuple(error.errors()[0]["loc"])
    # Re-validate against the blamed file's tree so the message carries its
    # line numbers, in the same words as a single-file scenario error.
    layer = _blame(layers, location)
    scenario_from_mapping(merged, file=layer.path, tree=layer.tree)
    raise AssertionError("unreachable: the mapping failed validation above")  # pragma: no cover


def _to_plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_plain(v) for v in node]
    return node
