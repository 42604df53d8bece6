"""``fleetplan`` command line: commands register on :data:`fleetplan.cli.app.app`."""

from __future__ import annotations

import importlib
import pkgutil

from fleetplan.cli.app import app

# Every module named ``cmd_*`` in this package adds its commands to ``app``.
for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("cmd_"):
        importlib.import_module(f"fleetplan.cli.{_module.name}")


def main() -> None:
    """Entry point of the ``fleetplan`` console script."""
    app()
