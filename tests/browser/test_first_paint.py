"""The dashboard answers on arrival: a quick first answer without any click, then a refined
one; a newer action wins over a pending refine; labels are whole at a wide and a narrow
viewport; every headline label links to its definition in the docs."""

from __future__ import annotations

import json
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

DOCS = Path(__file__).resolve().parents[2] / "docs"
FIRST, FULL = 200, 2000  # dashboard.js FIRST_REPS; the replications field's default
STATS = ("stat-defence", "stat-victory", "stat-battalions", "stat-amphib", "stat-aircraft")

# every element whose text must be whole: HTML labels (scrollWidth vs clientWidth) and the
# outcome chart's axis labels (inside the chart's box)
CUT_LABELS = """() => {
  const cut = [];
  for (const el of document.querySelectorAll('.stat .label, .stat .ci, .panel h2, #status')) {
    if (el.scrollWidth > el.clientWidth + 1) cut.push(el.textContent);
  }
  const box = document.getElementById('chart-outcome').getBoundingClientRect();
  const ticks = [...document.querySelectorAll('#chart-outcome .ytick text')];
  for (const t of ticks) {
    const r = t.getBoundingClientRect();
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) cut.push(t.textContent);
  }
  return {cut, ticks: ticks.length, pageWidth: document.documentElement.scrollWidth,
          viewport: document.documentElement.clientWidth};
}"""


def _loopback_only(page, base: str) -> list[str]:
    external: list[str] = []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return external


def _run_bodies(page) -> list[dict]:
    bodies: list[dict] = []
    page.on(
        "request",
        lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/run") else None,
    )
    return bodies


def _api(base: str, reps: int, seed: int = 1) -> dict:
    body = {"scenario": "csis-2026", "reps": reps, "seed": seed}
    return httpx.post(base + "/api/run", json=body, timeout=60).json()


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def test_first_answer_without_a_click_then_refined(page, live_server, artifacts_dir, tmp_path):
    external = _loopback_only(page, live_server)
    bodies = _run_bodies(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_server + "/")

    # no click: the first answer arrives by itself, from FIRST replications
    page.wait_for_function(
        "document.getElementById('stat-defence').textContent !== '–'", timeout=60_000
    )
    assert bodies[0]["reps"] == FIRST and bodies[0]["seed"] == 1
    # then the refined one replaces it, and the status says it is done
    page.wait_for_function(
        "document.getElementById('stat-run').textContent === '2,000 reps'"
        " && document.getElementById('status').textContent.startsWith('done')",
        timeout=60_000,
    )
    assert [b["reps"] for b in bodies] == [FIRST, FULL]
    doc = _api(live_server, FULL)  # the server's cached answer to the refine
    assert page.inner_text("#stat-defence") == _pct(doc["defence_prevails"]["p"])
    assert page.inner_text("#stat-victory") == _pct(doc["outcome"]["prc_victory"]["p"])
    assert page.inner_text("#stat-run-ci") == "csis-2026, seed 1; the scenario's roles"
    assert "2000 reps, seed 1" in page.inner_text("#map-caption")
    for chart in ("chart-outcome", "chart-losses", "chart-traces", "chart-map"):
        assert page.evaluate(f"document.querySelectorAll('#{chart} .trace').length") > 0, chart

    # the run card is sized like the others: no taller than the tallest of them
    heights = page.eval_on_selector_all(
        "#headline .stat", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) == 6 and heights[-1] <= max(heights[:-1]) + 1, heights

    # labels are whole, at the default viewport and a narrow one
    for width, height in ((1400, 1000), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)  # the page redraws its charts after a resize
        check = page.evaluate(CUT_LABELS)
        assert check["cut"] == [] and check["ticks"] == 5, (width, check)
        assert check["pageWidth"] <= check["viewport"], (width, check)
        shot = tmp_path / f"first-paint-{width}.png"
        page.screenshot(path=str(shot), full_page=width < 1000)
        shutil.copy(shot, artifacts_dir / shot.name)
    # narrow: the traces in one column, the map's panels stacked
    assert page.evaluate("document.getElementById('chart-traces').style.height") == "880px"
    assert page.evaluate("document.getElementById('chart-map').layout.geo2.domain.x") == [0, 1]

    assert external == [], external
    assert errors == [], errors


def test_a_newer_action_wins_over_a_pending_refine(page, live_server):
    held = []

    def hold_refine(route):
        body = json.loads(route.request.post_data or "{}")
        if body.get("reps") == FULL:
            held.append(route)  # the refine never reaches the server until released
        else:
            route.continue_()

    page.route("**/api/run", hold_refine)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url) if r.url.endswith("/api/run") else None)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_server + "/")
    page.wait_for_function(
        "document.getElementById('status').textContent.startsWith('first answer from 200')",
        timeout=60_000,
    )
    page.wait_for_function("document.getElementById('stat-run').textContent === '200 reps'")
    assert len(held) == 1
    first = {s: page.inner_text(f"#{s}") for s in STATS}

    # the user changes a setting: the pending refine is aborted, the first answer stays
    page.fill("#seed", "2")
    page.wait_for_function(
        "document.getElementById('status').textContent.endsWith('press Run for more')"
    )
    page.wait_for_timeout(200)
    assert failed, "the refine's request was not aborted"
    try:
        held[0].continue_()  # too late: the page has let go of it
    except Exception:
        pass
    page.wait_for_timeout(300)
    assert page.inner_text("#stat-run") == "200 reps"
    assert {s: page.inner_text(f"#{s}") for s in STATS} == first

    # and Run gives the user's settings
    page.fill("#reps", "300")
    page.click("#run")
    page.wait_for_function(
        "document.getElementById('stat-run').textContent === '300 reps'"
        " && document.getElementById('status').textContent.startsWith('done')",
        timeout=60_000,
    )
    doc = _api(live_server, 300, seed=2)
    assert page.inner_text("#stat-defence") == _pct(doc["defence_prevails"]["p"])
    assert "seed 2" in page.inner_text("#stat-run-ci")


def test_every_headline_label_links_to_its_definition(page, live_server):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_server + "/")
    page.wait_for_function("document.querySelectorAll('a.doc[href]').length > 0", timeout=60_000)
    kind = httpx.get(live_server + "/manual.json", timeout=10).json()["kind"]
    links = page.eval_on_selector_all(
        "a.doc", "els => els.map(a => [a.textContent, a.getAttribute('href'), a.dataset.doc])"
    )
    labels = page.eval_on_selector_all("#headline .stat .label", "els => els.map(e => e.tagName)")
    assert labels == ["A"] * 6  # every headline label is a link
    assert len(links) >= 6
    for text, href, doc in links:
        page_name, anchor = doc.split("#")
        expected = page_name.replace(".md", ".html") if kind == "site" else page_name
        assert href == f"manual/{expected}#{anchor}", (text, href)
        r = httpx.get(f"{live_server}/{href.split('#')[0]}", timeout=10)
        assert r.status_code == 200, (text, href)
        if kind == "markdown":
            assert r.text == (DOCS / page_name).read_text(encoding="utf-8")
        else:
            assert f'id="{anchor}"' in r.text, (text, href)
