"""The dashboard in a real browser: offline, change Japan's rung, run, the numbers and map move.

The first answer (no click) and its layout are tested in test_first_paint.py.
"""

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
    """Click Run and wait for this run's answer (the map caption names the run's settings)."""
    page.click("#run")
    page.wait_for_function(
        "m => m.every(x => document.getElementById('map-caption').textContent.includes(x))"
        " && document.getElementById('stat-run').textContent === '400 reps'"
        " && document.getElementById('status').textContent.startsWith('done')",
        arg=[f"{REPS} reps, seed 5;", marker],
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

    # the map shows this run: Kadena's numbers are the run's, its fill the share lost there
    bases_on = {b["id"]: b for b in api_bases(live_server, "bases")}
    kadena = _map_point(page, "kadena")
    lost = api["bases"]["kadena"]["aircraft_lost_on_ground"]
    n_based = bases_on["kadena"]["n_aircraft_based"]
    assert lost["median"] > 0 and n_based > 0
    assert kadena["trace"] == "aircraft based"
    assert kadena["lost"] == pytest.approx([lost["median"], lost["p10"], lost["p90"]])
    assert kadena["colour"] == pytest.approx(min(1.0, lost["median"] / n_based))
    row = _table_row(page, "kadena")
    assert row[3] == f"{_fmt(lost['median'])} ({_fmt(lost['p10'])}–{_fmt(lost['p90'])})"

    page.select_option("#role-JPN", "neutral")
    assert "press Run" in page.inner_text("#map-caption")  # the map still shows the last run
    _run_and_wait(page, "JPN=neutral")
    after = _headline(page)
    assert after != before, (before, after)

    # Japan neutral: the US flies nothing from Kadena, so nothing is based or lost there
    api_neutral = httpx.post(
        live_server + "/api/run",
        json={"scenario": "csis-2026", "reps": REPS, "seed": 5, "roles": {"JPN": "neutral"}},
        timeout=30,
    ).json()
    assert api_neutral["bases"]["kadena"]["aircraft_lost_on_ground"]["p90"] == 0
    kadena = _map_point(page, "kadena")
    assert kadena["trace"] == "no aircraft based" and kadena["lost"] == [0, 0, 0]
    assert page.locator("#map-table tr[data-base=kadena]").count() == 0
    assert "JPN=neutral" in page.inner_text("#map-caption")

    # the map: the shipped coastline is drawn and every base in the theatre has a marker
    page.wait_for_function("document.querySelectorAll('#chart-map .scattergeo .point').length > 0")
    ids = page.evaluate(
        "[...new Set(document.getElementById('chart-map').data"
        ".filter(t => t.geo === 'geo').flatMap(t => t.ids))]"
    )
    in_theatre = {
        b["id"]
        for b in api_bases(live_server, "neutral")
        if 100 <= b["lon"] <= 160 and -36 <= b["lat"] <= 46
    }
    assert set(ids) == in_theatre
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


def api_bases(base_url: str, jpn: str) -> list[dict]:
    r = httpx.post(
        base_url + "/api/bases",
        json={"scenario": "csis-2026", "roles": {"JPN": jpn}},
        timeout=30,
    )
    return r.json()["bases"]


def _fmt(x: float) -> str:
    """The page's number format (dashboard.js ``fmt``)."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}"


def _map_point(page, base_id: str) -> dict:
    """A base's marker in the close-up panel: its trace, fill value and losses shown."""
    return page.evaluate(
        """id => {
          for (const t of document.getElementById('chart-map').data) {
            const i = t.geo === 'geo2' ? t.ids.indexOf(id) : -1;
            if (i < 0) continue;
            const c = Array.isArray(t.marker.color) ? t.marker.color[i] : null;
            return {trace: t.name, colour: c, lost: t.customdata[i].slice(0, 3).map(x => x ?? 0)};
          }
          return null;
        }""",
        base_id,
    )


def _table_row(page, base_id: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#map-table tr[data-base={base_id}] td", "tds => tds.map(td => td.textContent)"
    )


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
