"""``fleetplan schema``: the JSON Schema of ``fleetplan solve --json`` (or README's list of its keys)."""

from __future__ import annotations

from typing import Annotated

import typer

from fleetplan.cli.app import app
from fleetplan.cli.common import guarded, print_json


@app.command("schema")
@guarded
def schema_command(
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown", help="Print the keys with their units as README's list instead."
        ),
    ] = False,
) -> None:
    """Print the JSON Schema of the plan summary (the object `fleetplan solve --json` prints)."""
    from fleetplan.optimiser.summary import json_schema, keys_markdown

    if markdown:
        print(keys_markdown(), end="")
        return
    print_json(json_schema())
