"""``straitsim report``: offline HTML, PNG figures, Markdown with sources; the offline map."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from matplotlib.path import Path as MplPath
from typer.testing import CliRunner

import straitsim as ss
from straitsim.cli import app
from straitsim.report import geo
from straitsim.report.bases import base_status
from straitsim.report.build import write_report
from straitsim.scenario.describe import describe

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
URL = re.compile(rb"https?://", re.IGNORECASE)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "report"
    return write_report(
        "csis-2026", out, reps=60, seed=4, roles={"JPN": "neutral"}, sets={"us_entry_delay_days": 2}
    )


def test_report_writes_every_artefact(report):
    assert report.html.is_file() and report.markdown.is_file() and report.summary_json.is_file()
    assert set(report.figures) >= {"outcomes", "losses", "traces", "map"}
    for path in report.figures.values():
        data = path.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 10_000
    leftovers = [p for p in report.out.parent.iterdir() if p.name.startswith(".straitsim-report-")]
    assert leftovers == []


def test_html_is_self_contained_and_offline(report):
    raw = report.html.read_bytes()
    assert not URL.search(raw), URL.search(raw)
    text = raw.decode("utf-8")
    # every image is inline; no script, stylesheet or frame is loaded from anywhere
    srcs = re.findall(r'\b(?:src|href)="([^"]*)"', text)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert (
        "<script" not in text
        and "<link" not in text
        and "@import" not in text
        and "url(" not in text
    )
    for name in ("outcomes", "losses", "traces", "map"):
        assert report.figures[name].read_bytes()[:8] == PNG_MAGIC
    # no URL hidden in the PNGs' text chunks either
    assert all(not URL.search(p.read_bytes()) for p in report.figures.values())


def test_report_numbers_are_the_run(report):
    doc = json.loads(report.summary_json.read_text())
    res = ss.run(
        "csis-2026", reps=60, seed=4, roles={"JPN": "neutral"}, sets={"us_entry_delay_days": 2}
    )
    want = json.loads(json.dumps(res.summary()))
    assert doc == want
    md = report.markdown.read_text()
    p = doc["defence_prevails"]["p"]
    assert f"{100 * p:.1f}%" in md
    assert f"{100 * p:.1f}%" in report.html.read_text()
    assert "JPN = `neutral`" in md


def test_markdown_lists_every_cited_source(report):
    sc = ss.load_scenario("csis-2026", roles={"JPN": "neutral"}, sets={"us_entry_delay_days": 2})
    d = describe(sc)
    cited = {x["source"] for x in d["params"] + d["data"] if x["source"]} | {sc.source}
    md = report.markdown.read_text()
    for key in cited:
        s = sc.sources[key]
        line = next(ln for ln in md.splitlines() if ln.startswith(f"- **{key}**"))
        assert s.title in line and s.publisher in line and str(s.year) in line and s.url in line
    uncited = set(sc.sources) - cited - {sc.plan.source}
    for key in uncited:
        assert f"- **{key}**" not in md
    assert "Natural Earth" in md


def test_failed_report_leaves_nothing(tmp_path):
    out = tmp_path / "never"
    with pytest.raises(ss.UserError):
        write_report("csis-2026", out, reps=5, sets={"cruise_kmh": 0})
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_report_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "r"
    res = runner.invoke(app, ["report", "csis-2026", "--out", str(out), "--reps", "30", "--json"])
    assert res.exit_code == 0, res.output
    files = json.loads(res.stdout)
    assert files["html"] == str(out / "report.html") and (out / "figures" / "map.png").is_file()
    bad = runner.invoke(app, ["report", "no-such-scenario", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2
    assert "no such scenario" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "x").exists()


def _inside_land(lon: float, lat: float) -> bool:
    box = (lon - 1, lon + 1, lat - 1, lat + 1)
    return any(MplPath(ring).contains_point((lon, lat)) for ring in geo.layer("land", box))


def test_shipped_coastline_decodes_to_known_geography():
    # Taipei, Naha (Okinawa), central Guam, Tindal (Northern Territory) are on land; the
    # Philippine Sea and the middle of the Taiwan Strait are not
    for lon, lat in ((121.53, 25.05), (127.68, 26.21), (144.79, 13.45), (132.38, -14.52)):
        assert _inside_land(lon, lat), (lon, lat)
    for lon, lat in ((130.0, 20.0), (119.6, 24.2)):
        assert not _inside_land(lon, lat), (lon, lat)
    # Taiwan's main island spans about 120.0-122.0 E, 21.9-25.3 N
    taiwan = [
        r
        for r in geo.layer("land", (121.0, 122.0, 25.0, 25.1))
        if MplPath(r).contains_point((121.53, 25.05))
    ]
    assert len(taiwan) == 1
    lo, hi = taiwan[0].min(axis=0), taiwan[0].max(axis=0)
    assert lo == pytest.approx([120.0, 21.9], abs=0.2) and hi == pytest.approx(
        [122.0, 25.3], abs=0.2
    )
    pts = np.concatenate(geo.layer("coastlines"))
    assert np.abs(pts[:, 0]).max() <= 180 and np.abs(pts[:, 1]).max() <= 90


def test_base_status_applies_the_strike_rules():
    sc = ss.load_scenario("csis-2026")
    st = {b["id"]: b for b in base_status(sc, {"JPN": "neutral"})}
    for bid, b in sc.bases.items():
        rec = st[bid]
        assert (rec["lat"], rec["lon"]) == (b.lat, b.lon)
        if b.host == "JPN":  # neutral Japan hosts no US combat operations and is not struck
            assert rec["n_us_aircraft"] == 0 and not rec["struck"]
        if b.host == "TWN" and b.kind == "air":
            assert rec["struck"] and rec["status"] == "struck"
        if rec["struck"]:
            assert rec["in_missile_range"]
        if not rec["in_missile_range"]:
            assert not rec["struck"]


def test_optional_attribution_and_deterrence_sections(tmp_path):
    rep = write_report(
        "csis-2026", tmp_path / "r", reps=20, seed=1, allies=["JPN", "KOR"], lattice_reps=12
    )
    assert {"shapley", "deterrence"} <= set(rep.figures)
    md = rep.markdown.read_text()
    assert "## Who contributes what (Shapley values)" in md and "## Deterrence" in md
    assert "No fighting rung, left out: KOR" in md  # Korea's ladder only releases US units
    html = rep.html.read_bytes()
    assert not URL.search(html)
    assert html.count(b"data:image/png;base64,") == 6
    # efficiency: the Shapley values in the table add up to all-in minus none
    section = md.split("## Who contributes what")[1].split("\n## ")[0]
    rows = [ln for ln in section.splitlines() if ln.startswith(("| Japan |", "| S. Korea |"))]
    assert len(rows) == 2
    total = sum(float(r.split("|")[3]) for r in rows)
    head = next(ln for ln in md.splitlines() if ln.startswith("Each ally moves"))
    v_all, v_none = (float(x) for x in re.findall(r"(?:in|none): ([0-9]+\.[0-9]+)", head))
    assert total == pytest.approx(v_all - v_none, abs=2e-3)  # table rounds to 3 decimals


def test_html_strips_urls_even_from_user_text(report):
    from straitsim.report.html import render_html

    doc = json.loads(report.summary_json.read_text())
    doc["scenario"]["title"] = "My case, see https://example.org/x and HTTP://example.net"
    src = [
        {
            "key": "k",
            "title": "t http://a.b/c",
            "author": "a",
            "publisher": "p",
            "year": 2024,
            "url": "https://example.org/paper",
            "kind": "primary",
            "n_values": 1,
        }
    ]
    html = render_html(doc, [], src, 0, {"map": report.figures["map"]})
    assert not URL.search(html.encode())
    assert "example.org/paper" in html and "data:image/png;base64," in html
