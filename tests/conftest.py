"""Fixtures several test modules share (pytest finds them here without an import)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import SUBSIDY_MATTERS, write_tiny_dataset


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny city (tests/tiny.py) as a dataset folder, battery buses worth subsidising
    (``SUBSIDY_MATTERS``): the CLI's hand-worked instance."""
    return write_tiny_dataset(tmp_path_factory.mktemp("data") / "tiny", **SUBSIDY_MATTERS)
