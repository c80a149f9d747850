"""The dashboard's worlds panel: bands beside the headline numbers, and a discovery view."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


def _wait_done(page) -> None:
    page.wait_for_function(
        "() => /^(done|failed)/.test(document.getElementById('worlds-status').textContent)",
        timeout=60_000,
    )
    assert page.inner_text("#worlds-status") == "done"


def test_bands_and_discovery(page, live_server, artifacts_dir):
    page.goto(live_server)
    # the page answers on arrival; let its first answer finish before asking for worlds
    page.wait_for_function(
        "() => document.getElementById('status').textContent.startsWith('done')", timeout=60_000
    )
    page.fill("#worlds-n", "6")
    page.fill("#worlds-reps", "8")
    page.click("#worlds-run")
    _wait_done(page)
    bands = page.locator(".band")
    assert bands.count() == 5
    assert "across 6 worlds" in bands.first.inner_text()
    assert "P(PRC success)" in page.inner_text("#worlds-table")
    page.fill("#worlds-n", "20")
    page.fill("#discover-outcome", "prc_battalions_landed>100")
    page.click("#discover-run")
    _wait_done(page)
    text = page.inner_text("#discover-table")
    assert "of 20 worlds" in text
    page.screenshot(path=str(artifacts_dir / "worlds-panel.png"), full_page=True)
