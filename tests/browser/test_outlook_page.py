"""The dashboard's Outlook view: the balance by year under spending paths."""

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


def test_outlook_view(page, live_server, artifacts_dir):
    page.goto(live_server)
    page.wait_for_function(
        "() => document.getElementById('status').textContent.startsWith('done')", timeout=60_000
    )
    page.fill("#outlook-years", "2026,2030")
    page.fill("#outlook-paths", "JPN=plan JPN=3pct")
    page.fill("#outlook-reps", "6")
    page.click("#outlook-run")
    page.wait_for_function(
        "() => /^(done|failed)/.test(document.getElementById('outlook-status').textContent)",
        timeout=60_000,
    )
    assert page.inner_text("#outlook-status") == "done"
    table = page.inner_text("#outlook-table")
    assert "JPN=plan" in table and "JPN=3pct" in table and "Cheapest" in table
    assert page.locator("#chart-outlook .scatterlayer .trace").count() == 4  # 2 bands, 2 lines
    page.fill("#outlook-years", "2040")
    page.click("#outlook-run")
    page.wait_for_function(
        "() => /^(done|failed)/.test(document.getElementById('outlook-status').textContent)",
        timeout=60_000,
    )
    assert "years" in page.inner_text("#outlook-status")
    page.screenshot(path=str(artifacts_dir / "outlook-panel.png"), full_page=True)
