"""The wheel a user installs: one top-level package, the Hong Kong default inside it, and a
plan solved from outside the source tree with nothing but the installed files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Build isolation fetches the build backend from the package registry, as `pip install .` does.
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    # A clean build: no setuptools deprecation or "package would be ignored" warnings.
    assert "Warning" not in built.stderr, built.stderr[-3000:]
    (path,) = out.glob("fleetplan-*.whl")
    return path


def test_wheel_has_one_top_level_package_and_the_default_dataset(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"fleetplan"}
    for needed in (
        "vehicle_classes.csv",
        "city.yaml",
        "parameters.csv",
        "taxi_classes.csv",
        "edges.csv",
        "calibration.csv",
    ):
        assert f"fleetplan/data/hk/{needed}" in names, needed
    assert any(n.startswith("fleetplan/data/scenarios/") and n.endswith(".yaml") for n in names)
    # Test helpers, benchmarks and the Hong Kong build script are not library code.
    assert not [
        n
        for n in names
        if "/tests/" in n or "/bench/" in n or n.startswith("fleetplan/data/build/")
    ]
    assert "fleetplan/errors.py" in names and "fleetplan/optimiser/formulation/subsidy.py" in names
    # The app's translations travel with it (compiled when first read).
    assert (
        "fleetplan/views/locale/zh_Hant.po" in names
        and "fleetplan/data/basemap/hk_outline.geojson" in names
    )


@pytest.mark.slow  # builds a wheel and solves a year of the Hong Kong default
def test_installed_package_plans_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "short.yaml").write_text("name: one-year\nyears: {start: 2025, end: 2025}\n")
    code = (
        "import json, sys, fleetplan\n"
        "from fleetplan.cli import main\n"
        "print(json.dumps({'file': fleetplan.__file__, 'version': fleetplan.__version__, 'data': str(fleetplan.DEFAULT_DATASET)}))\n"
        "from importlib.metadata import version\n"
        "assert version('fleetplan') == fleetplan.__version__\n"
        "sys.argv = ['fleetplan', 'solve', 'short.yaml', '--json', '--no-marginals']\n"
        "main()\n"
    )
    # Dependencies come from this environment; fleetplan itself only from the installed wheel.
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    first, rest = run.stdout.split("\n", 1)
    where = json.loads(first)
    assert where["file"].startswith(str(target)) and where["data"].startswith(str(target))
    assert where["version"] != "0+unknown"
    summary = json.loads(rest)
    assert summary["status"] in ("optimal", "time_limit")
    # Every class of the shipped catalogue is planned for, minibuses included (data rows only).
    assert set(summary["zev_in_service"]) == {"bus", "taxi", "minibus", "truck"}
