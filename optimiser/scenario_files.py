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

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from fleetplan.errors import InputError
from fleetplan.network.catalogue import Catalogue
from fleetplan.network.schema import TABLES
from fleetplan.optimiser.scenario import (
    BOOL_NOT_NUMBER,
    Scenario,
    bool_where_number,
    catalogue_problems,
)

MAX_SCENARIO_BYTES = 1_000_000
MAX_NESTING = 12

#: Most values a scenario may expand to once anchors and aliases are resolved.
#: A real scenario holds hundreds; an alias bomb ("billion laughs") holds billions
#: of references to a few shared nodes and would hang any walk over the tree.
MAX_YAML_VALUES = 100_000

#: YAML tags a scenario may carry: the core schema only. Anything else
#: (``!!python/object/apply:...``, custom ``!tags``) is refused, not constructed.
_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
)


def _measure(
    node: Any, level: int, memo: dict[int, tuple[int, int]], active: set[int]
) -> tuple[int, int]:
    """(depth, values) below ``node``, each capped just above its limit.

    Shared nodes (aliases) are measured once (``memo``), so the walk is linear
    in the size of the file, not of its expansion; a node that contains itself
    counts as too deep and too large.
    """
    if not isinstance(node, dict | list):
        return 0, 1
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        # A node that contains itself expands without end.
        return MAX_NESTING + 1, MAX_YAML_VALUES + 1
    if level > MAX_NESTING:
        # Already too deep: stop before Python's recursion limit does.
        return MAX_NESTING + 1, 1
    active.add(key)
    depth, values = 1, 1
    for child in node.values() if isinstance(node, dict) else node:
        child_depth, child_values = _measure(child, level + 1, memo, active)
        depth = max(depth, child_depth + 1)
        values += child_values
        if depth > MAX_NESTING or values > MAX_YAML_VALUES:
            break
    active.discard(key)
    memo[key] = (min(depth, MAX_NESTING + 1), min(values, MAX_YAML_VALUES + 1))
    return memo[key]


def _depth(node: Any, level: int = 0) -> int:
    """Nesting depth of ``node`` (a tree that expands past MAX_YAML_VALUES counts as too deep).

    Kept for callers that only compare the depth with MAX_NESTING
    (:mod:`fleetplan.optimiser.scenario_files`): a bomb must fail that test too.
    """
    depth, values = _measure(node, 0, {}, set())
    if values > MAX_YAML_VALUES:
        return level + MAX_NESTING + 1
    return level + depth


def _foreign_tag(node: Any, path: tuple[Any, ...] = ()) -> tuple[tuple[Any, ...], str] | None:
    """(location, tag) of the first value with a tag outside the YAML core schema, or None."""
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None and tag not in _CORE_TAGS:
        return path, tag
    if isinstance(node, dict):
        for key, value in node.items():
            found = _foreign_tag(value, (*path, key))
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _foreign_tag(value, (*path, index))
            if found:
                return found
    return None


def check_yaml_tree(tree: Any, *, file: str | Path) -> None:
    """Refuse a parsed scenario tree that is not a plain, small mapping.

    Raises
    ------
    InputError
        If the top level is not a mapping, the tree is nested deeper than
        :data:`MAX_NESTING`, expands (through anchors/aliases) to more than
        :data:`MAX_YAML_VALUES` values, or carries a non-core YAML tag.
    """
    if not isinstance(tree, dict):
        kind = "list" if isinstance(tree, list) else "single value"
        raise InputError(
            f"expected a mapping of scenario keys at the top level, got a {kind}", file=file
        )
    depth, values = _measure(tree, 0, {}, set())
    if values > MAX_YAML_VALUES:
        raise InputError(
            f"expands to more than {MAX_YAML_VALUES:,} values through anchors and aliases "
            "(an alias bomb or a self-referencing anchor); expected a plain scenario",
            file=file,
        )
    if depth > MAX_NESTING:
        raise InputError(f"nested deeper than {MAX_NESTING} levels", file=file)
    # Tags are checked after the size bound, so this walk is short.
    found = _foreign_tag(tree)
    if found is not None:
        location, tag = found
        line = _line_of(tree, location)
        raise InputError(
            f"YAML tag '{tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed; "
            "a scenario holds plain values only (nothing is constructed or run)",
            file=f"{file}, line {line}" if line else file,
            field=".".join(str(part) for part in location) or None,
        )


def _line_of(node: Any, location: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest key in ``location`` that the YAML tree knows."""
    line = None
    for key in location:
        if isinstance(node, CommentedMap) and key in node:
            position = node.lc.key(key)
            line = position[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            position = node.lc.item(key)
            line = position[0] + 1
            node = node[key]
        else:
            break
    return line


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def scenario_from_mapping(
    data: dict[str, Any], *, file: str | Path = "<scenario>", tree: Any = None
) -> Scenario:
    """Validate a mapping into a :class:`Scenario`, naming the field (and line) on error."""
    plain = _plain(data)
    location = bool_where_number(plain)
    if location is not None:
        line = _line_of(tree, location) if tree is not None else None
        where = f"{file}, line {line}" if line else str(file)
        raise InputError(
            BOOL_NOT_NUMBER, file=where, field=".".join(str(part) for part in location)
        )
    try:
        return Scenario.model_validate(plain)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        field = ".".join(str(part) for part in location)
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see data/scenarios/ for examples)"
        elif first["type"] == "value_error":
            # Our own validators' messages already say what was given.
            message = message.removeprefix("Value error, ")
        elif first.get("input") is not None and first["type"] not in ("missing",):
            message = f"{message} (got {first['input']!r})"
        line = _line_of(tree, location) if tree is not None else None
        where = f"{file}, line {line}" if line else str(file)
        raise InputError(message, file=where, field=field) from None


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read a scenario YAML file (safe loading only) into a validated :class:`Scenario`.

    ``None`` gives the Hong Kong default. ``extends:`` chains and a relative
    ``dataset:`` folder resolve against the file that names them (see
    :mod:`fleetplan.optimiser.scenario_files`). Errors name the file, line and field.
    """
    if path is None:
        return Scenario()
    return load_scenario_file(path)


def parse_scenario_tree(text: str, *, file: str | Path = "<scenario>") -> CommentedMap:
    """Parse scenario YAML text into a checked round-trip tree (line numbers kept, nothing constructed).

    Raises
    ------
    InputError
        For invalid YAML (with its line), pathological nesting, alias bombs,
        non-core tags or a top level that is not a mapping.
    """
    yaml = YAML(typ="rt")
    # Before loading: the loader itself fails on a merge key that names its own mapping
    # ('budget: &m {<<: *m}'), with an AttributeError instead of a message.
    _refuse_self_aliases(text, file=file)
    try:
        tree = yaml.load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{file}, line {mark.line + 1}" if mark is not None else str(file)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"not valid YAML: {problem}", file=where) from None
    except RecursionError:
        # ruamel's parser recurses per level: thousands of brackets exhaust the stack.
        raise InputError(f"nested far deeper than {MAX_NESTING} levels", file=file) from None
    except (AttributeError, TypeError, ValueError, KeyError) as error:
        # The loader's own faults on odd but parseable input (merge keys, anchors): a message, not a crash.
        raise InputError(
            f"not readable as a scenario ({type(error).__name__} in the YAML loader); expected plain YAML without merge keys",
            file=file,
        ) from None
    if tree is None:
        tree = CommentedMap()
    check_yaml_tree(tree, file=file)
    return tree


def _refuse_self_aliases(text: str, *, file: str | Path) -> None:
    """Refuse an alias used inside the node its anchor names (``&b {x: *b}``).

    The round-trip loader would quietly load such an alias as null (a setting that
    silently vanishes); the events show it: an alias to an anchor still open.
    """
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

    open_anchors: list[str | None] = []
    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, CollectionStartEvent):
                open_anchors.append(event.anchor)
            elif isinstance(event, CollectionEndEvent):
                if open_anchors:
                    open_anchors.pop()
            elif isinstance(event, AliasEvent) and event.anchor in open_anchors:
                line = event.start_mark.line + 1 if event.start_mark is not None else None
                raise InputError(
                    f"alias '*{event.anchor}' is used inside the value its anchor names (it refers to itself); "
                    "expected a plain value",
                    file=f"{file}, line {line}" if line else file,
                )
    except YAMLError:
        return  # the loader above already reported malformed YAML


def scenario_from_yaml(
    text: str, *, file: str | Path = "<scenario>", read_dataset: bool = True
) -> Scenario:
    """Parse YAML text into a validated :class:`Scenario` (empty text is the default scenario).

    ``read_dataset=False`` (text uploaded to the app): the classes are checked against the
    Hong Kong default's catalogue and the folder ``dataset:`` names is never opened.
    """
    tree = parse_scenario_tree(text, file=file)
    scenario = scenario_from_mapping(tree, file=file, tree=tree)
    _check_classes(scenario, [_Layer(Path(file), tree)], read_dataset=read_dataset)
    return scenario


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
    limit = MAX_SCENARIO_BYTES
    if size > limit:
        raise InputError(f"scenario file is {size} bytes; the limit is {limit}", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the scenario as UTF-8", file=path) from None
    if not text.strip():
        raise InputError(
            "scenario file is empty; expected a YAML mapping of overrides (see data/scenarios/)",
            file=path,
        )
    tree = parse_scenario_tree(text, file=path)
    refuse_empty_tree(tree, file=path)
    return tree


def refuse_empty_tree(tree: CommentedMap, *, file: str | Path) -> None:
    """Refuse a scenario document with no settings at all (only comments, '---', '~' or '{}').

    It would run the full Hong Kong default while looking like a scenario of its own;
    a blank file is refused for the same reason.
    """
    if len(tree) == 0:
        raise InputError(
            "scenario holds no settings (only comments, '---', '~' or '{}'); expected a YAML mapping of overrides "
            "(see data/scenarios/); to plan the Hong Kong default, give no scenario file",
            file=file,
        )


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
            raise InputError(
                f"'extends' makes a cycle ({cycle})", file=layers[-1].path, field="extends"
            )
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
        if (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        ):
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


def load_scenario_file(path: str | Path, *, read_dataset: bool = True) -> Scenario:
    """Read a scenario file, resolve its ``extends`` chain, and validate it.

    Parameters
    ----------
    path:
        Scenario YAML file. ``extends`` paths are relative to the file that
        holds them; a relative ``dataset`` folder likewise.
    read_dataset:
        False (a file uploaded to the app): the folder ``dataset:`` names is never
        opened; classes are checked against the Hong Kong default's catalogue.

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
    location = bool_where_number(_to_plain(merged))
    if location is not None:
        layer = _blame(layers, location)
        line = _line_of(layer.tree, location)
        where = f"{layer.path}, line {line}" if line else str(layer.path)
        raise InputError(
            BOOL_NOT_NUMBER, file=where, field=".".join(str(part) for part in location)
        )
    try:
        scenario = Scenario.model_validate(_to_plain(merged))
    except ValidationError as error:
        location = tuple(error.errors()[0]["loc"])
    else:
        _check_classes(scenario, layers, read_dataset=read_dataset)
        return scenario
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


def _dataset_folder(scenario: Scenario, *, read_dataset: bool = True) -> Path:
    """The dataset folder ``scenario`` names (the Hong Kong default's if none, or if not ``read_dataset``)."""
    from fleetplan.network.loaders import DEFAULT_DATASET

    return Path(scenario.dataset) if scenario.dataset and read_dataset else DEFAULT_DATASET


def dataset_catalogue(scenario: Scenario, *, read_dataset: bool = True) -> Catalogue:
    """The vehicle classes of the dataset ``scenario`` names (the Hong Kong default's if none, or if not ``read_dataset``)."""
    from fleetplan.network.loaders import (  # pandas only when a file is read
        DEFAULT_DATASET,
        read_csv_table,
    )

    spec = TABLES["vehicle_classes"]
    folder = _dataset_folder(scenario, read_dataset=read_dataset)
    path = folder / spec.file if (folder / spec.file).exists() else DEFAULT_DATASET / spec.file
    return Catalogue.from_table(read_csv_table(path, spec))


def _check_classes(scenario: Scenario, layers: list[_Layer], *, read_dataset: bool = True) -> None:
    """Refuse, with file and line, a class or vehicle type the scenario's dataset does not have."""
    from fleetplan.network.city import load_city

    folder = _dataset_folder(scenario, read_dataset=read_dataset)
    utilities = load_city(folder).utilities if folder.is_dir() else None
    problems = catalogue_problems(
        scenario, dataset_catalogue(scenario, read_dataset=read_dataset), utilities
    )
    if not problems:
        return
    location, message = problems[0]
    layer = _blame(layers, location)
    line = _line_of(layer.tree, location)
    where = f"{layer.path}, line {line}" if line else str(layer.path)
    raise InputError(message, file=where, field=".".join(str(part) for part in location))
