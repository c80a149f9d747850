"""Investment options: pedigree, changes, CRN ranking, portfolio, spending paths, CLI."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis import investments as inv
from straitsim.analysis.metrics import metric as get_metric
from straitsim.cli import app
from straitsim.errors import UserError

runner = CliRunner()
REPS = 150
# The shelter/runway-repair interaction is under one aircraft, while each campaign now runs
# on for war_end_days after its own verdict (a per-replication length): resolving it at
# 3 standard errors takes about a thousand replications (1.5 s a run).
PORTFOLIO_REPS = 1500

# Three options with clearly separated gains per dollar in the base case (measured at 500
# replications: about 3.6, 2.1 and 0.8 fewer battalions landed per US$ billion).
SUBSET = ("twn-hcds-2", "radr-theatre", "has-400")


@pytest.fixture(scope="module")
def builtin() -> inv.OptionSet:
    return ss.load_options()


def subset(opts: inv.OptionSet, ids: tuple[str, ...]) -> inv.OptionSet:
    return inv.OptionSet({k: opts.options[k] for k in ids}, opts.sources, opts.path)


# ---------------------------------------------------------------- data pedigree
def test_every_option_cites_a_source_for_its_cost(builtin):
    assert len(builtin.options) >= 10
    for oid, o in builtin.options.items():
        key = o.cost_source()
        if key is None:
            assert len(o.assumed["cost_usd"]) > 30, f"{oid}: an assumed cost needs a rationale"
        else:
            assert key in builtin.sources, oid
            assert builtin.sources[key].url.startswith("http"), key
        for f in inv.PEDIGREE_FIELDS:
            assert f in o.assumed or f in o.field_sources or o.source is not None, (oid, f)
        assert (
            o.cost_usd > 1e7 and 2015 <= o.price_year <= 2030 and 2020 <= o.year_available <= 2045
        )


def test_issue_options_are_present(builtin):
    ids = set(builtin.options)
    for needed in (
        "usa-lrasm-300",
        "usa-jassm-er-1000",
        "jpn-tomahawk",
        "has-400",
        "radr-theatre",
        "usa-ssn-2",
        "aus-aukus-virginia",
        "twn-hcds-2",
        "aus-tomahawk",
    ):
        assert needed in ids
    assert builtin.options["has-400"].cost_usd == pytest.approx(2.4e9)  # the CSIS figure
    assert any(not o.modelled and o.reason for o in builtin.options.values())


@pytest.mark.parametrize("name", ["csis-2026", "base-2027"])
def test_every_modelled_option_applies_to_the_builtin_scenarios(builtin, name):
    sc = ss.load_scenario(name)
    modelled = [o for o in builtin.options.values() if o.modelled]
    for o in modelled:
        inv.apply_options(sc, [o], builtin.sources, builtin.path)
    joint = inv.apply_options(sc, modelled, builtin.sources, builtin.path)
    assert ss.scenario_hash(joint) != ss.scenario_hash(sc)


# ---------------------------------------------------------------- applying changes
def test_changes_have_known_answers(csis, builtin):
    o = builtin.options
    sc = inv.apply_options(
        csis, [o["usa-lrasm-300"], o["radr-theatre"], o["jpn-tomahawk"]], builtin.sources
    )
    assert sc.munitions["usa-lrasm"].n == csis.munitions["usa-lrasm"].n + 300
    p0, p1 = csis.params["dur_runway_repair_days"], sc.params["dur_runway_repair_days"]
    assert p1.value == pytest.approx(0.5 * p0.value)
    assert (p1.dist.low, p1.dist.mode, p1.dist.high) == pytest.approx(
        (0.5 * p0.dist.low, 0.5 * p0.dist.mode, 0.5 * p0.dist.high)
    )
    assert (
        sc.munitions["jpn-tomahawk-mst"].weapon == "tomahawk_mst"
        and sc.munitions["jpn-tomahawk-mst"].n == 200
    )
    assert (
        sc.ships["jpn-sc"].anti_ship["tomahawk_mst"] == 1
        and sc.ships["jpn-sc"].anti_ship["harpoon"] == 1
    )
    assert "press-jiji-2023-11" in sc.sources  # the added record's source travels with it
    # value on a parameter fixes it, as --set does; delta on an integer count stays an integer
    fixed = inv.apply_options(
        csis,
        [
            inv.InvestmentOption(
                id="x",
                name="x",
                actor="USA",
                cost_usd=1e9,
                price_year=2024,
                year_available=2026,
                source="s",
                changes=[inv.Change(key="dur_runway_repair_days", value=0.25)],
            )
        ],
    )
    assert (
        fixed.params["dur_runway_repair_days"].value == 0.25
        and fixed.params["dur_runway_repair_days"].dist is None
    )
    ssn = inv.apply_options(csis, [o["usa-ssn-2"]], builtin.sources)
    assert ssn.ships["usa-ssn-a"].n == csis.ships["usa-ssn-a"].n + 1


# ---------------------------------------------------------------- bad options files
BASE_OPTION = """
[options.x]
name = "x"
actor = "USA"
cost_usd = 1e9
price_year = 2024
year_available = 2026
source = "s1"
{extra}
[[options.x.changes]]
{change}

[sources.s1]
title = "t"
author = "a"
publisher = "p"
year = 2024
url = "https://example.org"
kind = "press"
"""


@pytest.mark.parametrize(
    ("extra", "change", "needle"),
    [
        ("colour = 'red'", 'key = "extra_shelters"\ndelta = 1', "unknown key"),
        ("", 'key = "extra_shelters"\ndelta = 1\nscale = 2', "exactly one of"),
        ("", 'key = "extra_shelters"', "exactly one of"),
        ("", 'key = "munitions.usa-lrasm.nn"\ndelta = 1', "unknown key"),
        ("", 'key = "no_such_param"\nvalue = 1', "invalid scenario"),
        (
            "",
            'key = "munitions.usa-lrasm"\n'
            'add = { actor = "USA", weapon = "lrasm", n = 1, source = "s1" }',
            "already exists",
        ),
        (
            "",
            'key = "munitions.new"\n'
            'add = { actor = "USA", weapon = "no_such_weapon", n = 1, source = "s1" }',
            "invalid scenario",
        ),
        (
            "",
            'key = "munitions.new"\nadd = { actor = "USA", weapon = "lrasm", n = 1 }',
            "number without a source",
        ),
        ("", 'key = "ships.usa-ssn-a.n"\ndelta = 0.5', "invalid scenario"),
        ("", 'key = "munitions.usa-lrasm.actor"\ndelta = 1', "not a number"),
        ("", 'key = "extra_shelters"\nscale = -1', "invalid value"),
    ],
)
def test_bad_options_give_one_clear_error(tmp_path, extra, change, needle):
    f = tmp_path / "opts.toml"
    f.write_text(BASE_OPTION.format(extra=extra, change=change))
    with pytest.raises(UserError) as e:
        ss.invest("csis-2026", options=f, reps=2, year=2030)
    msg = str(e.value)
    assert needle in msg and str(f) in msg and "\n" not in msg


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("options = [", "not valid TOML"),
        ("[sources.s1]\ntitle = 't'\n", "no options"),
        (
            BASE_OPTION.replace('source = "s1"\n{extra}', "{extra}").format(
                extra="", change='key = "extra_shelters"\ndelta = 1'
            ),
            "needs a source",
        ),
        (
            BASE_OPTION.replace('source = "s1"', 'source = "nope"').format(
                extra="", change='key = "extra_shelters"\ndelta = 1'
            ),
            "unknown source key",
        ),
        (
            BASE_OPTION.replace("cost_usd = 1e9", "cost_usd = -5").format(
                extra="", change='key = "extra_shelters"\ndelta = 1'
            ),
            "invalid value",
        ),
        (
            BASE_OPTION.replace("cost_usd = 1e9\n", "").format(
                extra="", change='key = "extra_shelters"\ndelta = 1'
            ),
            "missing key",
        ),
    ],
)
def test_bad_files_fail_at_load(tmp_path, text, needle):
    f = tmp_path / "opts.toml"
    f.write_text(text)
    with pytest.raises(UserError) as e:
        ss.load_options(f)
    assert needle in str(e.value) and str(f) in str(e.value)


def test_cli_bad_options_one_line_exit_2(tmp_path):
    f = tmp_path / "opts.toml"
    f.write_text(BASE_OPTION.format(extra="", change='key = "munitions.usa-lrasm.nn"\ndelta = 1'))
    r = runner.invoke(app, ["invest", "csis-2026", "--options", str(f), "--reps", "2"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    lines = [x for x in r.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "usa-lrasm.nn" in lines[0]
    r = runner.invoke(app, ["invest", "csis-2026", "--budget", "lots", "--reps", "2"])
    assert r.exit_code == 2 and "bad amount" in r.stderr


# ---------------------------------------------------------------- statistics: known answers
def test_paired_effects_known_answer():
    rng = np.random.default_rng(0)
    base = rng.normal(50, 10, 400)
    eff = inv.paired_effects(base, {"shift": base - 2.0, "same": base.copy()}, higher_better=False)
    assert eff.loc["shift", "delta"] == pytest.approx(-2.0)
    assert eff.loc["shift", "gain"] == pytest.approx(2.0)  # fewer is better: gain is positive
    assert eff.loc["shift", "se"] == pytest.approx(
        0.0, abs=1e-12
    )  # a pure shift has no paired noise
    assert eff.loc["shift", "se_unpaired"] == pytest.approx(math.sqrt(2 * base.var(ddof=1) / 400))
    assert eff.loc["same", "gain"] == 0.0


def test_greedy_portfolio_and_amounts():
    rk = pd.DataFrame(
        {
            "cost_usd": [1e9, 4e9, 2e9, 1e9, 0.5e9],
            "gain": [5.0, 12.0, 2.0, 0.1, 3.0],
            "gain_lo": [4.0, 10.0, 1.0, -0.1, 2.5],
        },
        index=["a", "b", "c", "d", "e"],
    )
    rk["gain_per_usd_bn"] = rk["gain"] / (rk["cost_usd"] / 1e9)
    # by gain per $bn: e (6), a (5), b (3), c (1), d (0.1, not significant)
    assert inv.greedy_portfolio(rk, 5.5e9) == ["e", "a", "b"]
    assert inv.greedy_portfolio(rk, 3.5e9) == ["e", "a", "c"]  # b does not fit; c does
    assert inv.greedy_portfolio(rk, 1e12) == ["e", "a", "b", "c"]  # d's gain is not significant
    assert inv.greedy_portfolio(rk, 0.1e9) == []
    assert (
        inv.parse_usd("5bn") == 5e9
        and inv.parse_usd("500m") == 5e8
        and inv.parse_usd("2.4e9") == 2.4e9
    )
    assert inv.parse_usd("$1,500 million") == 1.5e9 and inv.parse_usd(None) is None


# ---------------------------------------------------------------- common random numbers
@pytest.fixture(scope="module")
def ranked(builtin) -> dict[int, inv.InvestmentResult]:
    return {
        s: ss.invest("csis-2026", subset(builtin, SUBSET), year=2030, reps=REPS, seed=s)
        for s in (3, 4)
    }


def test_ranking_stable_under_common_random_numbers(ranked):
    a, b = ranked[3], ranked[4]
    assert list(a.ranking.index) == list(b.ranking.index) == list(SUBSET)
    for oid in SUBSET:
        assert a.ranking.loc[oid, "gain"] > 0
        # paired differences remove the replication-to-replication noise: at least 3x smaller
        # (7x to 30x in the base case at the time of writing)
        assert a.ranking.loc[oid, "se"] < a.ranking.loc[oid, "se_unpaired"] / 3
    # adjacent options are separated by far more than their paired intervals
    g = a.ranking["gain_per_usd_bn"].to_numpy()
    lo, hi = a.ranking["gain_per_usd_bn_lo"].to_numpy(), a.ranking["gain_per_usd_bn_hi"].to_numpy()
    assert np.all(lo[:-1] > hi[1:]) and np.all(np.diff(g) < 0)


def test_variants_share_the_baselines_dice(ranked, csis, builtin):
    res = ranked[3]
    base = get_metric(res.metric)(ss.simulate(csis, REPS, 3))[0]
    np.testing.assert_array_equal(res.values["baseline"], base)
    # an option that changes nothing gives exactly the baseline, replication by replication
    noop = inv.InvestmentOption(
        id="noop",
        name="n",
        actor="USA",
        cost_usd=1e9,
        price_year=2024,
        year_available=2026,
        source="s",
        changes=[inv.Change(key="extra_shelters", delta=0)],
    )
    res0 = ss.invest(
        "csis-2026", inv.OptionSet({"noop": noop}, {}, "t"), year=2030, reps=REPS, seed=3
    )
    np.testing.assert_array_equal(res0.values["noop"], res0.values["baseline"])
    assert res0.ranking.loc["noop", "se"] == 0.0


def test_same_seed_same_answer(ranked, builtin):
    again = ss.invest("csis-2026", subset(builtin, SUBSET), year=2030, reps=REPS, seed=3)
    pd.testing.assert_frame_equal(again.ranking, ranked[3].ranking)


def test_year_filters_options(builtin):
    res = ss.invest(
        "csis-2026", subset(builtin, ("jpn-type12-upgraded", "usa-ssn-2")), reps=5, seed=0
    )
    assert res.year == 2026  # the scenario's year
    assert list(res.ranking.index) == ["jpn-type12-upgraded"]
    assert "available from 2032" in res.excluded.loc["usa-ssn-2", "why"]
    none = ss.invest(
        "csis-2026", subset(builtin, ("usa-ssn-2",)), year=2020, budget_usd=1e10, reps=5
    )
    assert none.ranking.empty and none.portfolio == [] and none.portfolio_effect is None
    assert none.summary()["ranking"] == []


# ---------------------------------------------------------------- portfolio
def test_portfolio_joint_effect_is_a_real_joint_simulation(builtin):
    opts = subset(builtin, ("has-400", "radr-theatre", "usa-ssn-2"))
    res = ss.invest(
        "csis-2026",
        opts,
        budget_usd="3bn",
        year=2032,
        metric="coalition_aircraft_lost",
        reps=PORTFOLIO_REPS,
        seed=5,
    )
    assert sorted(res.portfolio) == ["has-400", "radr-theatre"]  # the submarines do not fit
    joint = res.joint_scenario
    assert joint is not None
    assert joint.params["extra_shelters"].value == 400
    assert joint.params["dur_runway_repair_days"].value == pytest.approx(0.5)
    assert joint.ships["usa-ssn-a"].n == ss.load_scenario("csis-2026").ships["usa-ssn-a"].n
    # the joint values are those of one simulation of all changes together, same seed
    direct = get_metric("coalition_aircraft_lost")(ss.simulate(joint, PORTFOLIO_REPS, 5))[0]
    np.testing.assert_array_equal(res.values["portfolio"], direct)
    pe = res.portfolio_effect
    assert pe.loc["summed", "delta"] == pytest.approx(res.ranking.loc[res.portfolio, "delta"].sum())
    assert pe.loc["interaction", "delta"] == pytest.approx(
        pe.loc["joint", "delta"] - pe.loc["summed", "delta"]
    )
    # shelters and faster runway repair both protect aircraft on the ground: not additive
    summed = res.values["baseline"] + sum(
        res.values[k] - res.values["baseline"] for k in res.portfolio
    )
    assert not np.allclose(summed, res.values["portfolio"])
    assert abs(pe.loc["interaction", "delta"]) > 3 * pe.loc["interaction", "se"]
    doc = res.summary()
    assert {r["option"] for r in doc["portfolio"]["effect"]} == {"summed", "joint", "interaction"}


def test_saturated_metric_is_flagged(builtin):
    res = ss.invest(
        "csis-2026",
        subset(builtin, ("radr-theatre",)),
        metric="prc_decisive_defeat",
        year=2030,
        reps=30,
        seed=0,
    )
    v = res.values["baseline"]
    assert res.saturated == bool(v.min() == v.max())
    assert res.summary()["metric"]["saturated"] == res.saturated
    assert not ss.invest(
        "csis-2026", subset(builtin, ("radr-theatre",)), year=2030, reps=30, seed=0
    ).saturated


# ---------------------------------------------------------------- spending paths
ECON = """
[[spending]]
iso3 = "AAA"
year = 2024
kind = "actual"
basis = "sipri"
milex_usd_bn = 20.0
pct_gdp = 2.0
gdp_usd_bn = 1000
source = "s"

[[spending]]
iso3 = "AAA"
year = 2024
kind = "budget"
basis = "national"
pct_gdp = 2.0
source = "s"

[[spending]]
iso3 = "AAA"
year = 2026
kind = "plan"
basis = "national"
pct_gdp = 3.0
source = "s"

[[us_ask]]
iso3 = "AAA"
year = 2025
pct_gdp = 5.0
source = "s"

[sources.s]
title = "t"
author = "a"
publisher = "p"
year = 2024
url = "https://example.org"
kind = "primary"
"""


def test_affordability_known_answer(tmp_path):
    f = tmp_path / "econ.toml"
    f.write_text(textwrap.dedent(ECON))
    rk = pd.DataFrame(
        {
            "actor": ["AAA", "AAA", "BBB"],
            "cost_usd": [10e9, 6e9, 1e9],
            "gain": [1.0, 1.0, 1.0],
            "gain_lo": [0.5, 0.5, 0.5],
        },
        index=["big", "small", "other"],
    )
    af = inv.affordability(rk, 2026, path=f, base_year=2024, ask_year=2030)
    plan = af.loc[("AAA", "plan")]
    # path 2.0 (2024) -> 2.5 (2025) -> 3.0 (2026): extra (0.5 + 1.0)% of US$1,000bn
    assert plan["extra_usd_bn"] == pytest.approx(15.0)
    assert plan["buys"] == "big"  # 10 fits; 10 + 6 does not
    ask = af.loc[("AAA", "US ask 5%")]
    # linear 2.0 -> 5.0 over 2024-2030: +0.5 a year, so (0.5 + 1.0)% again by 2026
    assert ask["extra_usd_bn"] == pytest.approx(15.0) and ask["pct_gdp_at_year"] == pytest.approx(
        3.0
    )
    sp = inv.spending_paths(f)
    assert set(sp["basis"]) == {"sipri", "national", "us_ask"} and sp["source"].eq("s").all()


def test_builtin_spending_paths_are_cited(ranked):
    res = ranked[3]
    econ = ss.load_economics()
    assert res.spending["source"].isin(econ.sources).all()
    cited = res.summary()["spending_sources"]
    assert set(res.spending["source"]) <= set(cited) and all(v["url"] for v in cited.values())
    assert {"JPN", "AUS", "TWN"} <= set(res.affordability.index.get_level_values("ally"))
    jpn = res.affordability.loc[("JPN", "plan")]
    assert jpn["pct_gdp_at_year"] == pytest.approx(2.0) and jpn["extra_usd_bn"] > 0


# ---------------------------------------------------------------- CLI, JSON, plots
SECOND_OPTION = """
[options.later]
name = "later"
actor = "USA"
cost_usd = 1e9
price_year = 2024
year_available = 2040
source = "s1"

[[options.later.changes]]
key = "ships.usa-ssn-a.n"
delta = 1
"""


def test_cli_json_and_out(tmp_path, builtin):
    f = tmp_path / "opts.toml"
    text = BASE_OPTION.format(extra="", change='key = "extra_shelters"\ndelta = 400')
    text += SECOND_OPTION
    f.write_text(
        text.replace("[options.x]", "[options.has-400]").replace(
            "options.x.changes", "options.has-400.changes"
        )
    )
    out = tmp_path / "res"
    r = runner.invoke(
        app,
        [
            "invest",
            "csis-2026",
            "--options",
            str(f),
            "--year",
            "2030",
            "--budget",
            "3bn",
            "--reps",
            "40",
            "--seed",
            "1",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (
        doc["metric"]["name"] == inv.DEFAULT_METRIC
        and doc["year"] == 2030
        and doc["budget_usd"] == 3e9
    )
    ids = [x["option"] for x in doc["ranking"]]
    assert ids == ["has-400"] and [x["option"] for x in doc["excluded"]] == ["later"]
    assert doc["portfolio"]["options"] == ["has-400"]
    assert [x["rank"] for x in doc["ranking"]] == list(range(1, len(ids) + 1))
    for name in ("invest.json", "ranking.csv", "ranking.png", "spending.png", "portfolio.png"):
        assert (out / name).stat().st_size > 100
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    t = runner.invoke(
        app, ["invest", "csis-2026", "--options", str(f), "--reps", "10", "--year", "2030"]
    )
    assert t.exit_code == 0 and "Options ranked by gain" in t.stdout and "has-400" in t.stdout
