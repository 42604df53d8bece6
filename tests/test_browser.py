"""End to end in real headless Chromium: start `streamlit run app.py`, solve, see map and charts.

Uses Debian's /usr/bin/chromium through Playwright (never a downloaded browser).
Skipped when Chromium or Playwright is missing, unless FLEETPLAN_CI=1 (then it fails).
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_app import write_app_dataset

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    if os.environ.get("FLEETPLAN_CI") == "1":
        pytest.fail(f"{reason} (FLEETPLAN_CI=1: the browser test must run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout_s:.0f} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = write_app_dataset(tmp_path_factory.mktemp("browser-data"))
    port = _free_port()
    env = {**os.environ, "FLEETPLAN_APP_DATASET": str(folder)}
    log = tmp_path_factory.mktemp("streamlit-log") / "streamlit.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "streamlit"),
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/_stcore/health", process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_solve_in_a_real_browser(server: str) -> None:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            # The app must not need the internet (no base-map tiles): note any request that leaves.
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
            page.goto(server, wait_until="domcontentloaded")
            solve = page.get_by_role("button", name="Solve scenario")
            solve.wait_for(timeout=90_000)
            page.screenshot(path=str(ARTIFACTS / "01-start.png"), full_page=True)
            solve.click()
            # Results: the key figures and plotly charts appear after the solve.
            page.get_by_text("Key figures").wait_for(timeout=120_000)
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
            assert page.locator(".js-plotly-plot").count() >= 4
            # The map: deck.gl draws into a canvas inside the pydeck element.
            canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
            canvas.wait_for(timeout=60_000)
            box = canvas.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 200
            page.wait_for_timeout(1500)
            canvas.screenshot(path=str(ARTIFACTS / "02-map.png"))
            # Streamlit scrolls inside its own container, so bring the charts into the viewport.
            page.get_by_text("Fleet mix by year").scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "03-results.png"))
            page.locator(".js-plotly-plot").nth(2).scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "04-results-more.png"))
            # Switch to Traditional Chinese: labels change, nothing breaks.
            page.get_by_text("繁體中文").click()
            page.get_by_text("主要數字").wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "05-zh.png"), full_page=True)
            assert page.locator("[data-testid='stException']").count() == 0
        finally:
            browser.close()
    tiles = [u for u in outside if "tile" in u or "basemap" in u or "mapbox" in u]
    assert not tiles, f"the map asked the internet for tiles: {tiles[:3]}"
