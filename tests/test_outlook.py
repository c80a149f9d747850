"""The outlook (issue 17): force paths by year, spending paths, and the year-by-year balance."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis.investment_options import load_options
from straitsim.analysis.outlook import outlook, year_scenario
from straitsim.analysis.outlook_paths import (
    gdp_usd_bn,
    load_paths,
    load_user_paths,
    parse_years,
    purchases,
    spending_path,
)
from straitsim.cli import app
from straitsim.errors import UserError

runner = CliRunner()
HARD = ["JPN=neutral"]  # Japan neutral: the PRC lands more, so outputs move


def _value(sc, key):
    """A --set key's value in a resolved scenario."""
    d = sc.model_dump(by_alias=True)
    parts = key.split(".")
    if len(parts) == 1:
        return d["params"][key]["value"]
    node = d
    for p in parts:
        node = node[p]
    return node


def _head(res, year, output, combo=None):
    h = res.headlines
    c = combo or str(res.comparison.index[0])
    return h[(h["combo"] == c) & (h["year"] == year) & (h["output"] == output)].iloc[0]


def test_force_paths_are_cited_and_start_at_the_base_case(csis):
    fp = load_paths()
    assert len(fp.forces) >= 10
    sides = {f.side for f in fp.forces.values()}
    assert {"CHN", "TWN", "USA", "JPN", "AUS"} <= sides
    for f in fp.forces.values():
        assert f.source in fp.sources, f.id
        assert f.assumed, f"{f.id}: values between cited points need a rationale"
        # 2026 is the csis-2026 pack: the path machinery adds nothing in the base year
        assert _value(csis, f.key) == pytest.approx(f.at(2026)), f.id
        for y in range(2026, 2036):
            assert f.at(y, 0.0) <= f.at(y) <= f.at(y, 1.0)


@pytest.mark.parametrize("scenario", ["csis-2026", "base-2027"])
def test_every_year_and_pace_makes_a_valid_scenario(scenario):
    fp = load_paths()
    for y in range(2026, 2036):
        for pace in (None, 0.0, 1.0):
            sc = year_scenario(scenario, y, fp, pace=pace)
            for f in fp.forces.values():
                assert _value(sc, f.key) == pytest.approx(f.at(y, pace)), (y, pace, f.id)


def test_a_year_equals_a_plain_run_with_that_years_overrides():
    res = outlook("csis-2026", years="2031", roles=HARD, reps=24, seed=5)
    sets = [f"{k}={v}" for k, v in load_paths().sets(2031).items()]
    plain = ss.run("csis-2026", reps=24, seed=5, roles=HARD, sets=sets)
    t = plain.trajectory
    landed = float(np.mean(t.losses["CHN"]["battalions_landed"][0]))
    assert _head(res, 2031, "prc_battalions_landed")["value"] == landed
    succ = float(np.mean(t.outcome[0] >= ss.OUTCOMES.index("stalemate_toward_prc")))
    assert _head(res, 2031, "p_prc_success")["value"] == succ
    # and the year differs from 2026: the path moves forces
    assert _value(year_scenario("csis-2026", 2031), "missiles.mrbm.n") > _value(
        year_scenario("csis-2026", 2026), "missiles.mrbm.n"
    )


def test_adding_a_purchase_never_changes_earlier_years(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(
        "[paths.JPN.buy]\npoints = { 2025 = 2.0 }\n"
        'buys = [{ option = "jpn-jassm-er", year = 2028 }]\n'
    )
    res = outlook(
        "csis-2026", years="2028:2030", paths=["JPN=plan", "JPN=buy"], user_paths=f,
        roles=["JPN=full"], reps=12, seed=1,
    )  # fmt: skip
    bought = res.purchases[res.purchases["path"] == "buy"]
    assert list(bought["option"]) == ["jpn-jassm-er"]
    first = int(bought["in_force_year"].iloc[0])
    assert first == 2030  # funded 2028, two years' lead time
    h = res.headlines
    for y in (2028, 2029):
        a = h[(h["combo"] == "JPN=plan") & (h["year"] == y)].set_index("output")["value"]
        b = h[(h["combo"] == "JPN=buy") & (h["year"] == y)].set_index("output")["value"]
        assert a.equals(b), y


def test_a_higher_spending_path_buys_no_later():
    opts, keys = load_options(), [f.key for f in load_paths().forces.values()]
    plan = spending_path("AUS", "plan")
    gdp = gdp_usd_bn("AUS")
    years = range(2026, 2036)

    def bought(name):
        sp = spending_path("AUS", name)
        return {p.option: p for p in purchases(sp, plan, opts, gdp, years, keys)}

    lo, hi = bought("2.5pct"), bought("3.5pct")
    assert hi, "the higher path buys something"
    assert set(lo) <= set(hi)
    for oid, p in lo.items():
        assert hi[oid].in_force_year <= p.in_force_year
    for p in hi.values():
        assert p.in_force_year > p.funded_year >= 2026
    # the plan itself buys nothing beyond the force paths
    assert purchases(plan, plan, opts, gdp, years, keys) == []


def test_more_prc_lift_does_not_lower_success_beyond_noise():
    kw = dict(years="2030", roles=HARD, reps=60, seed=2)
    low = outlook("csis-2026", sets=["prc_lift_scale=0.8"], **kw)
    high = outlook("csis-2026", sets=["prc_lift_scale=1.3"], **kw)
    for out in ("p_prc_success", "prc_battalions_landed"):
        a, b = _head(low, 2030, out), _head(high, 2030, out)
        assert b["value"] >= a["value"] - 3 * math.hypot(a["se"], b["se"]), out
    assert (
        _head(high, 2030, "prc_battalions_landed")["value"]
        > _head(low, 2030, "prc_battalions_landed")["value"]
    )


def test_threshold_comparison_and_cheapest_combination():
    res = outlook(
        "csis-2026", years="2027", paths=["JPN=plan", "JPN=3pct"], reps=8, threshold=1.0,
        allies=["JPN", "AUS"], contrib_reps=4,
    )  # fmt: skip
    c = res.contributions
    assert len(c) == 4 and np.isfinite(c["contribution"]).all()
    b = res.burden.merge(c, on=["combo", "year", "ally"], suffixes=("", "_c"))
    assert (b["contribution"] == b["contribution_c"]).all()
    assert res.comparison["keeps_below"].all()
    assert res.cheapest == "JPN=plan"  # no extra money
    assert res.comparison.loc["JPN=3pct", "total_extra_usd_bn"] > 0
    assert res.comparison.loc["JPN=plan", "bought_usd_bn"] == 0
    bought = res.comparison.loc["JPN=3pct", "bought_usd_bn"]
    assert 0 < bought <= res.comparison.loc["JPN=3pct", "total_extra_usd_bn"]
    doc = res.summary()
    json.dumps(doc, allow_nan=False)  # no non-finite value in the document
    assert doc["cheapest"] == "JPN=plan" and doc["window"] == []
    none = outlook("csis-2026", years="2027", reps=8, threshold=0.0, rule="gdp")
    assert none.cheapest is None and none.window() == [2027]


def test_worlds_give_bands_and_are_reproducible():
    kw = dict(years="2026,2035", reps=8, worlds=3, seed=4)
    a, b = outlook("csis-2026", **kw), outlook("csis-2026", **kw)
    assert a.headlines.equals(b.headlines)
    h = a.headlines
    assert (h["lo"] <= h["value"] + 1e-12).all() and (h["value"] <= h["hi"] + 1e-12).all()
    landed = h[h["output"] == "prc_battalions_landed"]
    assert (landed["hi"] > landed["lo"]).any()  # worlds differ
    share = a.comparison["max_share_worlds_above"].iloc[0]
    assert share in (0.0, 1 / 3, 2 / 3, 1.0)  # a share of the 3 worlds


@pytest.mark.parametrize(
    ("kw", "key"),
    [
        ({"years": "2020:2030"}, "years"),
        ({"years": "2030:2027"}, "years"),
        ({"years": "soon"}, "years"),
        ({"paths": ["JPN=lots"]}, "path"),
        ({"paths": ["XXX=plan"]}, "path"),
        ({"paths": ["JPN=99pct"]}, "path"),
        ({"threshold": float("nan")}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"reps": 0}, "reps"),
        ({"worlds": -1}, "worlds"),
        ({"worlds": float("inf")}, "worlds"),
        ({"measure": "luck"}, "measure"),
        ({"rule": "fair"}, "rule"),
        ({"allies": ["XYZ"]}, "allies"),
    ],
)
def test_bad_inputs_are_one_clear_error(kw, key):
    with pytest.raises(UserError) as e:
        outlook("csis-2026", **kw)
    assert key in str(e.value)


def test_user_paths_file_is_checked(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[paths.JPN.x]\npoints = { 2027 = inf }\n")
    with pytest.raises(UserError, match="paths.JPN.x.points.2027"):
        load_user_paths(bad)
    bad.write_text("[paths.JPN.x]\npoints = { 1800 = 2.0 }\n")
    with pytest.raises(UserError, match="a year"):
        load_user_paths(bad)
    assert parse_years("2026:2028") == [2026, 2027, 2028]


def test_cli_outlook_json_and_errors(tmp_path):
    out = tmp_path / "o"
    args = ["outlook", "csis-2026", "--years", "2026", "--reps", "4", "--json", "--out", str(out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["years"] == [2026] and doc["combos"][0]["name"] == "plan"
    assert doc["scenario"]["name"] == "csis-2026" and "hash" in doc["scenario"]
    assert json.loads((out / "outlook.json").read_text()) == doc
    for f in ("headlines.csv", "comparison.csv", "forces.csv", "balance.png"):
        assert (out / f).stat().st_size > 0, f
    r = runner.invoke(app, ["outlook", "csis-2026", "--years", "2040", "--reps", "4"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output and "years" in r.output


def test_web_outlook_route_is_bounded_and_checked():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from straitsim.web.app import create_app

    client = TestClient(create_app())
    body = {"scenario": "csis-2026", "years": "2026,2030", "paths": ["JPN=plan", "JPN=3pct"]}
    r = client.post("/api/outlook", json={**body, "reps": 6})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["years"] == [2026, 2030] and len(doc["comparison"]) == 2
    too_much = client.post("/api/outlook", json={**body, "years": "2026:2035", "reps": 2000})
    assert too_much.status_code == 400 and "too much work" in too_much.json()["detail"]
    assert client.post("/api/outlook", json={**body, "years": "2040", "reps": 6}).status_code == 400
    nan = client.post("/api/outlook", json={**body, "threshold": "NaN"})
    assert nan.status_code == 422


def test_report_has_an_outlook_section(tmp_path):
    from straitsim.report.build import write_report

    rep = write_report("csis-2026", tmp_path / "r", reps=20, outlook_years="2026,2030",
                       lattice_reps=6)  # fmt: skip
    html = rep.html.read_text(encoding="utf-8")
    assert "Outlook: the balance by year" in html
    assert rep.figures["outlook_balance"].exists()
    with pytest.raises(UserError, match="outlook"):
        write_report(ss.load_scenario("csis-2026"), tmp_path / "s", reps=20, outlook_years="2026")
