"""The package imports and the CLI answers --help."""

import subprocess
import sys


def test_cli_help_lists_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from fleetplan.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fleetplan" in result.stdout.lower() or "usage" in result.stdout.lower()
