"""The dashboard in a real browser: offline, change Japan's rung, run, the numbers move."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]

STATS = ("stat-defence", "stat-victory", "stat-battalions", "stat-amphib", "stat-aircraft")
REPS = 400


def _headline(page) -> dict[str, str]:
    return {s: page.inner_text(f"#{s}") for s in STATS}


def _run_and_wait(page, marker: str) -> None:
    page.click("#run")
    page.wait_for_function(
        "m => document.getElementById('stat-run').textContent.includes(m)"
        " && document.getElementById('status').textContent.startsWith('done')",
        arg=marker,
        timeout=30_000,
    )


def test_change_japan_rung_and_the_numbers_move(page, live_server, tmp_path, artifacts_dir):
    external = []

    def only_loopback(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_server + "/")
    page.wait_for_selector("#role-JPN")
    assert page.input_value("#role-JPN") == "bases"
    page.fill("#reps", str(REPS))
    page.fill("#seed", "5")

    _run_and_wait(page, "JPN=bases")
    before = _headline(page)
    assert all(v not in ("", "–") for v in before.values()), before

    # what the page shows is what the API answers
    api = httpx.post(
        live_server + "/api/run",
        json={"scenario": "csis-2026", "reps": REPS, "seed": 5, "roles": {"JPN": "bases"}},
        timeout=30,
    ).json()
    assert before["stat-defence"] == f"{100 * api['defence_prevails']['p']:.1f}%"
    bn = api["losses"]["CHN"]["battalions_landed"]["median"]
    assert before["stat-battalions"] == (f"{bn:.0f}" if abs(bn) >= 100 else f"{bn:.1f}")

    page.select_option("#role-JPN", "neutral")
    _run_and_wait(page, "JPN=neutral")
    after = _headline(page)
    assert after != before, (before, after)

    # the map: the shipped coastline is drawn and every base has a marker
    page.wait_for_function("document.querySelectorAll('#chart-map .scattergeo .point').length > 0")
    n_points = page.evaluate("document.querySelectorAll('#chart-map .scattergeo .point').length")
    assert n_points == len(api_bases(live_server))
    land = page.evaluate(
        "(document.querySelector('#chart-map .layer.land path') || {getAttribute: () => ''})"
        ".getAttribute('d') || ''"
    )
    assert len(land) > 1000
    for chart in ("chart-outcome", "chart-losses", "chart-traces"):
        assert page.evaluate(f"document.querySelectorAll('#{chart} .trace').length") > 0, chart

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copy(shot, artifacts_dir / "dashboard.png")
    assert shot.stat().st_size > 50_000
    assert external == [], external
    assert errors == [], errors


def api_bases(base_url: str) -> list[dict]:
    r = httpx.post(
        base_url + "/api/bases",
        json={"scenario": "csis-2026", "roles": {"JPN": "neutral"}},
        timeout=30,
    )
    return r.json()["bases"]


def test_shapley_and_deterrence_panels(page, live_server, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_server + "/")
    page.wait_for_selector("#shapley-ally-JPN")
    page.fill("#shapley-reps", "40")
    page.uncheck("#shapley-ally-PHL")
    page.uncheck("#shapley-ally-KOR")
    page.click("#shapley-run")
    page.wait_for_function(
        "document.getElementById('shapley-status').textContent.includes('profiles')", timeout=60_000
    )
    assert (
        page.evaluate("document.querySelectorAll('#chart-shapley .bars .point').length") == 2
    )  # JPN, AUS

    page.fill("#deter-reps", "40")
    page.uncheck("#deter-ally-AUS")
    page.click("#deter-run")
    page.wait_for_function(
        "document.getElementById('deter-status').textContent.includes('profiles')", timeout=60_000
    )
    # one curve (JPN) with its 95% band: three traces, eleven points on the curve
    assert (
        page.evaluate("document.querySelectorAll('#chart-deter .scatterlayer .trace').length") == 3
    )
    page.locator("#chart-deter").screenshot(path=str(artifacts_dir / "deterrence.png"))
