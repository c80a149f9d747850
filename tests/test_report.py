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
from straitsim.report.bases import base_results, base_status
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


def test_report_bases_are_the_run(report):
    doc = json.loads(report.summary_json.read_text())
    sc = ss.load_scenario("csis-2026", roles={"JPN": "neutral"}, sets={"us_entry_delay_days": 2})
    recs = {b["id"]: b for b in base_results(base_status(sc, doc["roles"]), doc)}
    assert set(recs) == set(doc["bases"])
    # every aircraft lost on the ground is lost at some base (or with a carrier): the per-base
    # means add up to the per-country ones (means are linear; float rounding only)
    by_base = sum(b["aircraft_lost_on_ground"]["mean"] for b in doc["bases"].values())
    by_country = sum(m["aircraft_on_ground"]["mean"] for m in doc["losses"].values())
    assert by_base == pytest.approx(by_country, rel=1e-9)
    md, html = report.markdown.read_text(), report.html.read_text()
    rows = {
        ln.split(" | ")[0][2:]: ln for ln in md.split("## Bases")[1].splitlines() if ln[:2] == "| "
    }
    shown = 0
    for rec in recs.values():
        lost, mis = rec["aircraft_lost_on_ground"], rec["missiles_received"]
        if rec["n_aircraft_based"] == 0 and lost["p90"] == 0 and mis["p90"] == 0:
            assert rec["name"] not in rows  # nothing based, nothing happened: left out
            continue
        shown += 1
        share = rec["share_lost_on_ground"]
        assert share["median"] == pytest.approx(lost["median"] / rec["n_aircraft_based"])
        assert 0 <= share["p10"] <= share["median"] <= share["p90"] <= 1 + 1e-9
        cells = [c.strip() for c in rows[rec["name"]].strip("|").split("|")]
        want = f"{lost['median']:.0f} ({lost['p10']:.0f}-{lost['p90']:.0f})"
        assert cells[3] == want and cells[5].startswith(f"{mis['median']:.0f} (")
        assert f'<td class="n">{want}</td>' in html
    assert shown >= 10
    # Japan neutral: Kadena hosts no one, so it is not in the table; Taiwan's bases lose aircraft
    assert recs["kadena"]["share_lost_on_ground"] is None and "Kadena Air Base" not in rows
    assert recs["twn-hsinchu"]["aircraft_lost_on_ground"]["median"] > 0


def test_base_results_join_and_order():
    bases = [
        {"id": "a", "n_aircraft": 40.0, "n_aircraft_based": 40.0},
        {"id": "b", "n_aircraft": 0.0, "n_aircraft_based": 0.0},
        {"id": "c", "n_aircraft": 10.0, "n_aircraft_based": 20.0},
        {"id": "old", "n_aircraft": 5.0, "n_aircraft_based": 5.0},
    ]

    def qs(m):
        return {"median": m, "p10": m / 2, "p90": 2 * m, "mean": m}

    doc = {
        "bases": {
            "a": {"aircraft_lost_on_ground": qs(10.0), "missiles_received": qs(30.0)},
            "b": {"aircraft_lost_on_ground": qs(0.0), "missiles_received": qs(50.0)},
            "c": {"aircraft_lost_on_ground": qs(10.0), "missiles_received": qs(60.0)},
        }
    }
    out = base_results(bases, doc)
    # most aircraft lost first, then most missiles; a base the run does not report last
    assert [r["id"] for r in out] == ["c", "a", "b", "old"]
    by_id = {r["id"]: r for r in out}
    assert by_id["a"]["share_lost_on_ground"] == {
        "median": 0.25,
        "p10": 0.125,
        "p90": 0.5,
        "mean": 0.25,
    }
    assert by_id["c"]["share_lost_on_ground"]["median"] == 0.5  # of all based, released or not
    assert by_id["b"]["share_lost_on_ground"] is None  # nothing based: no share
    assert (
        by_id["old"]["aircraft_lost_on_ground"] is None
        and by_id["old"]["missiles_received"] is None
    )


def test_map_markers_show_each_base_result():
    """Report map: Kadena's marker follows Japan's rung (fill = share lost, size = missiles)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from straitsim.report.theatre import loss_cmap, marker_diameter_pt, plot_map

    def kadena_marker(rung):
        res = ss.run("csis-2026", reps=30, seed=3, roles={"JPN": rung})
        doc = res.summary()
        recs = base_results(base_status(res.scenario, res.roles), doc)
        fig = plot_map(recs)
        k = next(r for r in recs if r["id"] == "kadena")
        (hit,) = [
            c for c in fig.axes[1].collections if tuple(c.get_offsets()[0]) == (k["lon"], k["lat"])
        ]
        face, size = tuple(hit.get_facecolor()[0]), float(hit.get_sizes()[0])
        plt.close(fig)
        return k, face, size

    used, face, size = kadena_marker("bases")
    share, missiles = used["share_lost_on_ground"]["median"], used["missiles_received"]["median"]
    assert share > 0 and missiles > 0
    assert face == pytest.approx(loss_cmap()(min(1.0, share)))
    assert size == pytest.approx(marker_diameter_pt(missiles) ** 2)
    neutral, face, size = kadena_marker("neutral")
    assert neutral["share_lost_on_ground"] is None  # hollow: nobody based there
    assert face == pytest.approx(to_rgba("white")) and size == pytest.approx(
        marker_diameter_pt(0) ** 2
    )


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
    names = ("| Japan |", "| Republic of Korea |")  # the actors' names in the data
    rows = [ln for ln in section.splitlines() if ln.startswith(names)]
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
