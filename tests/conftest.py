"""Fixtures several test modules share (pytest finds them here without an import).

Helpers the modules import by name stay where they are: the tiny city and its folder writer
in ``tests/tiny.py``, the CLI runner in ``tests/test_cli.py``, the bad-input context in
``tests/test_bad_inputs.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.tiny import SUBSIDY_MATTERS, write_tiny_dataset

if TYPE_CHECKING:
    from tests.test_bad_inputs import Ctx


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny city (tests/tiny.py) as a dataset folder, with battery buses a HK$5m payment
    makes worth buying (``SUBSIDY_MATTERS``): the hand-worked instance of the CLI and app tests."""
    return write_tiny_dataset(tmp_path_factory.mktemp("data") / "tiny", **SUBSIDY_MATTERS)


@pytest.fixture(scope="module")
def tiny_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plain tiny city as a dataset folder, for the bad-input tests to copy and corrupt."""
    return write_tiny_dataset(tmp_path_factory.mktemp("template") / "tiny")


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_template: Path) -> Ctx:
    """What a bad-input case may use: a private folder, monkeypatch and the template folder."""
    from tests.test_bad_inputs import Ctx

    return Ctx(tmp_path, monkeypatch, tiny_template)
