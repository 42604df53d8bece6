"""Scenario text in and out of the app, resolved exactly as ``fleetplan solve`` resolves files.

A scenario the app loads must have the same :meth:`Scenario.fingerprint` as the
CLI gives the same file, so loading goes through
:func:`fleetplan.optimiser.scenario_files.load_scenario_file` (``extends:`` chains and
all). Text that arrives without a folder (an upload, pasted YAML) may extend
only the shipped examples in ``data/scenarios/``: it is written beside copies of
them in a private temporary folder and read from there. An ``extends:`` that
names anything else (another folder, an absolute path) is refused rather than
read from the server's disk.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from fleetplan.errors import InputError
from fleetplan.optimiser.scenario import Scenario
from fleetplan.optimiser.scenario_files import (
    MAX_SCENARIO_BYTES,
    load_scenario_file,
    parse_scenario_tree,
    refuse_empty_tree,
    scenario_from_yaml,
)

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"


def example_files() -> dict[str, Path]:
    """The shipped example scenarios by file name (sorted), e.g. ``cheap_hydrogen.yaml``."""
    return {path.name: path for path in sorted(EXAMPLES_DIR.glob("*.yaml"))}


def load_example(name: str) -> Scenario:
    """A shipped example, read exactly as ``fleetplan solve data/scenarios/NAME`` reads it."""
    path = example_files().get(name)
    if path is None:
        raise InputError(f"no example scenario named '{name}'", file=EXAMPLES_DIR)
    return load_scenario_file(path)


def _safe_file_name(name: str) -> str:
    stem = (
        "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name).strip(".")
        or "scenario"
    )
    return stem if stem.endswith((".yaml", ".yml")) else f"{stem}.yaml"


def scenario_from_text(text: str, file: str) -> Scenario:
    """Validate scenario YAML text; ``extends:`` may name a shipped example.

    Raises
    ------
    InputError
        Too large, bad YAML, an unknown key or value, or an ``extends`` that is
        not a shipped example; the message names ``file``, the line and field.
    """
    size = len(text.encode("utf-8"))
    if size > MAX_SCENARIO_BYTES:
        raise InputError(f"scenario is {size} bytes; the limit is {MAX_SCENARIO_BYTES}", file=file)
    tree = parse_scenario_tree(text, file=file)
    refuse_empty_tree(tree, file=file)
    parent = tree.get("extends")
    if parent is None:
        # The app plans with its own dataset: a folder the text names is never opened here.
        return scenario_from_yaml(text, file=file, read_dataset=False)
    examples = example_files()
    if not isinstance(parent, str) or parent not in examples:
        raise InputError(
            f"'extends' may name one of the shipped examples here ({', '.join(examples)}); got {parent!r}",
            file=file,
            field="extends",
        )
    with tempfile.TemporaryDirectory(prefix="fleetplan-upload-") as tmp:
        folder = Path(tmp)
        for name, path in examples.items():
            shutil.copyfile(path, folder / name)
        own = folder / _safe_file_name(file)
        if own.name in examples:
            # An edited copy of an example keeps its own name apart from the parent it extends.
            own = folder / f"uploaded-{own.name}"
        own.write_text(text, encoding="utf-8")
        try:
            return load_scenario_file(own, read_dataset=False)
        except InputError as error:
            # Name the upload, not the temporary folder it was read from.
            raise InputError(
                str(error).replace(str(own), file).replace(str(folder) + "/", "")
            ) from None


def _plain_keys(node: Any) -> Any:
    """JSON dumps turn year keys into strings; give YAML readers the years back as numbers."""
    if isinstance(node, dict):
        return {
            (int(k) if isinstance(k, str) and k.isdigit() else k): _plain_keys(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_plain_keys(v) for v in node]
    return node


def overrides(scenario: Scenario) -> dict[str, Any]:
    """What ``scenario`` changes from the defaults (validating it gives ``scenario`` back)."""
    return _plain_keys(scenario.model_dump(mode="json", exclude_defaults=True))


def to_yaml(tree: dict[str, Any]) -> str:
    """A mapping as block YAML (year paths on one line each)."""
    yaml = YAML(typ="rt")
    yaml.default_flow_style = None  # innermost mappings (year paths) in flow style
    yaml.width = 120
    stream = io.StringIO()
    yaml.dump(tree, stream)
    return stream.getvalue()


def overrides_yaml(scenario: Scenario) -> str:
    """``scenario`` as the YAML of its overrides: loading it gives the same fingerprint."""
    return to_yaml(overrides(scenario))


def without(tree: dict[str, Any], paths: set[tuple[str, ...]]) -> dict[str, Any]:
    """``tree`` less the values at ``paths`` (mappings left empty are dropped too)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if (key,) in paths:
            continue
        if isinstance(value, dict):
            deeper = {p[1:] for p in paths if len(p) > 1 and p[0] == key}
            kept = without(value, deeper) if deeper else value
            if kept:
                out[key] = kept
        else:
            out[key] = value
    return out
