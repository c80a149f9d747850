"""A long request on the page: a progress bar that moves, a cancel button, then the answer."""

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

BAR = "#worlds-status + .job progress"
# record the bar's value every 20 ms while it is shown (the page polls its job every 250 ms)
RECORD = f"""() => {{
  window.__bar = [];
  window.__recorder = setInterval(() => {{
    const bar = document.querySelector("{BAR}");
    if (bar) window.__bar.push(bar.value);
  }}, 20);
}}"""
DONE = "() => /^(done|failed)/.test(document.getElementById('worlds-status').textContent)"


def test_a_long_request_shows_progress_then_its_answer(page, live_server, artifacts_dir):
    page.goto(live_server)
    page.wait_for_function(
        "() => document.getElementById('status').textContent.startsWith('done')", timeout=60_000
    )
    # 40 worlds x 100 replications: over the page's threshold, so it runs as a job
    page.fill("#worlds-n", "40")
    page.fill("#worlds-reps", "100")
    page.evaluate(RECORD)
    page.click("#worlds-run")
    page.wait_for_selector(BAR, timeout=30_000)
    assert page.is_visible("#worlds-status + .job .job-cancel")
    page.wait_for_function(f"() => document.querySelector('{BAR}')?.value > 0", timeout=60_000)
    page.locator("[data-testid=worlds-panel]").screenshot(path=str(artifacts_dir / "job.png"))
    page.wait_for_function(DONE, timeout=120_000)
    seen = page.evaluate("() => { clearInterval(window.__recorder); return window.__bar; }")
    assert page.inner_text("#worlds-status") == "done"
    assert page.locator(BAR).count() == 0  # the bar goes with the job
    moving = [v for v in seen if 0 < v < 1]
    assert len(set(moving)) >= 2, seen  # the bar moved while the job ran
    assert seen == sorted(seen)  # and never went back
    assert "across 40 worlds" in page.locator(".band").first.inner_text()

    # the cancel button stops a job; the panel says so and keeps the earlier answer
    page.fill("#seed", "3")
    page.click("#worlds-run")
    page.wait_for_selector(BAR, timeout=30_000)
    page.click("#worlds-status + .job .job-cancel")
    page.wait_for_function(DONE, timeout=60_000)
    assert page.inner_text("#worlds-status") == "failed: cancelled"
    assert page.locator(BAR).count() == 0
    assert "across 40 worlds" in page.locator(".band").first.inner_text()
