"""Deterrence: beliefs, perceived values as lattice mixtures, value of clarity, threshold maps.

Known answers come from the mathematics (mixtures are linear in the belief); model-facing
tests use small lattices and assert properties, never calibrated numbers.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis import deterrence as dt
from straitsim.analysis.roles import Lattice
from straitsim.cli import app
from straitsim.errors import UserError

runner = CliRunner()
HARD = {"us_entry_delay_days": 14}  # US enters late: the allies' roles move P(PRC success)


# ------------------------------------------------------------------ synthetic lattices


def synthetic(values: np.ndarray, rungs: dict[str, list[str]]) -> Lattice:
    """A lattice with given (profile, replication) values of ``prc_success``."""
    allies = tuple(rungs)
    profiles = [dict(zip(allies, c, strict=True)) for c in itertools.product(*rungs.values())]
    assert values.shape[0] == len(profiles)
    return Lattice(allies, rungs, profiles, None, "prc_success", values)  # type: ignore[arg-type]


RUNGS = {"JPN": ["neutral", "bases", "defensive", "full"], "AUS": ["neutral", "access", "full"]}


def monotone_values(rng: np.random.Generator, n_reps: int) -> np.ndarray:
    """Per-replication values non-increasing in each ally's rung (higher rung: better defence)."""
    nj, na = len(RUNGS["JPN"]), len(RUNGS["AUS"])
    dj = rng.uniform(0, 0.2, size=(nj, 1, n_reps))
    da = rng.uniform(0, 0.2, size=(1, na, n_reps))
    dj[0] = 0
    da[:, 0] = 0
    v = 1.0 - np.cumsum(dj, axis=0) - np.cumsum(da, axis=1)
    return v.reshape(nj * na, n_reps)


def marginal_strategy(rungs: list[str]):
    return (
        st.lists(st.floats(0, 1), min_size=len(rungs), max_size=len(rungs))
        .filter(lambda x: sum(x) > 1e-3)
        .map(lambda x: {r: p / sum(x) for r, p in zip(rungs, x, strict=True)})
    )


# ------------------------------------------------------------------ beliefs


def test_parse_belief_reads_cli_syntax():
    ally, probs = dt.parse_belief("jpn=neutral:0.3,bases:0.5,full:0.2")
    assert ally == "JPN" and probs == {"neutral": 0.3, "bases": 0.5, "full": 0.2}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("JPN", ["expected ALLY=RUNG:P"]),
        ("JPN=neutral:0.3,bases:0.5", ["sum of 1", "found 0.8"]),
        ("JPN=neutral:-0.2,full:1.2", ["negative", "JPN.neutral"]),
        ("JPN=neutral:x", ["bad probability", "'x'"]),
        ("JPN=neutral,full:1", ["RUNG:PROBABILITY"]),
        ("JPN=full:0.5,full:0.5", ["each rung once"]),
        ("JPN=full:nan", ["finite"]),
    ],
)
def test_parse_belief_rejects_bad_input(text, words):
    with pytest.raises(UserError) as e:
        dt.parse_belief(text)
    for w in words:
        assert w in str(e.value)


def test_independent_belief_is_product_and_sum_tolerance():
    b = dt.Belief.independent(
        {"JPN": {"neutral": 0.1, "bases": 0.2, "full": 0.7}, "AUS": {"full": 1}}
    )
    assert b.prob({"JPN": "full", "AUS": "full"}) == pytest.approx(0.7, abs=1e-15)
    assert b.marginal("JPN") == pytest.approx({"neutral": 0.1, "bases": 0.2, "full": 0.7})
    with pytest.raises(UserError, match="sum of 1"):
        dt.Belief.independent({"JPN": {"neutral": 0.5, "full": 0.5 + 2e-9}})
    dt.Belief.independent({"JPN": {"neutral": 0.5, "full": 0.5 + 5e-10}})  # within 1e-9


def test_belief_check_names_unknown_ally_and_rung(csis):
    with pytest.raises(UserError, match="unknown ally.*XXX"):
        dt.Belief.certain({"XXX": "full"}).check(csis)
    with pytest.raises(UserError, match="belief.JPN.*unknown rung.*'top'"):
        dt.Belief.certain({"JPN": "top"}).check(csis)


JOINT = """
title = "Beijing's joint belief"
[[profile]]
JPN = "neutral"
AUS = "neutral"
p = 0.3
[[profile]]
JPN = "full"
AUS = "full"
p = 0.6
[[profile]]
JPN = "full"
AUS = "neutral"
p = 0.1
[independent.USA]
none = 0.2
full = 0.8
"""


def test_load_beliefs_joint_and_independent(tmp_path, csis):
    f = tmp_path / "b.toml"
    f.write_text(JOINT)
    b = dt.load_beliefs(f, csis)
    assert set(b.allies) == {"JPN", "AUS", "USA"}
    assert b.prob({"JPN": "full", "AUS": "full", "USA": "none"}) == pytest.approx(0.12)
    assert b.marginal("AUS") == pytest.approx({"neutral": 0.4, "full": 0.6})
    assert sum(b.probs.values()) == pytest.approx(1, abs=1e-12)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            'AUS = "neutral"\np = 0.3',
            'AUS = "nope"\np = 0.3',
            ["profile[0].AUS", "unknown rung", "'nope'"],
        ),
        ("p = 0.3", "p = 0.2", ["key 'profile'", "sum of 1", "found 0.9"]),
        ("p = 0.3", "p = -0.3", ["profile[0].p", "negative"]),
        ("p = 0.3", 'p = "a lot"', ["profile[0].p", "bad probability"]),
        ('JPN = "neutral"\n', "", ["profile[1]", "different allies", "found JPN, AUS"]),
        ("none = 0.2", "none = 0.3", ["independent.USA", "sum of 1"]),
        ("[independent.USA]", "[independent.XXX]", ["independent.XXX", "unknown ally"]),
        ('title = "Beijing', 'titel = "Beijing', ["titel", "unknown key"]),
        ('AUS = "neutral"\np = 0.1', 'AUS = "full"\np = 0.1', ["profile[2]", "listed twice"]),
    ],
)
def test_load_beliefs_errors_name_file_key_expected_found(tmp_path, csis, old, new, words):
    f = tmp_path / "bad.toml"
    assert old in JOINT
    f.write_text(JOINT[::-1].replace(old[::-1], new[::-1], 1)[::-1])  # replace the last match
    with pytest.raises(UserError) as e:
        dt.load_beliefs(f, csis)
    msg = str(e.value)
    assert str(f) in msg and "expected" in msg and "found" in msg
    for w in words:
        assert w in msg


def test_declaration_mixes_and_conditions_joint_beliefs():
    prior = dt.Belief.joint(["JPN", "AUS"], {("neutral", "neutral"): 0.5, ("full", "full"): 0.5})
    # a joint prior: taking Japan's word means Australia follows the conditional belief
    d = prior.declared({"JPN": "full"})
    assert d.probs == {("full", "full"): 1.0}
    half = prior.declare({"JPN": "full"}, 0.5)
    assert half.prob({"JPN": "full", "AUS": "full"}) == pytest.approx(0.75)
    assert half.prob({"JPN": "neutral", "AUS": "neutral"}) == pytest.approx(0.25)
    # a declared rung the prior ruled out: the others keep their marginal
    d2 = prior.declared({"JPN": "bases"})
    assert d2.marginal("JPN") == {"bases": 1.0}
    assert d2.marginal("AUS") == pytest.approx({"neutral": 0.5, "full": 0.5})


def test_credibility_per_ally_for_independent_prior():
    prior = dt.Belief.independent({"JPN": {"neutral": 0.6, "full": 0.4}, "AUS": {"neutral": 1.0}})
    b = dt.declaration_belief(prior, {"JPN": "full", "AUS": "full"}, [0.5, 0.25])
    assert b.marginal("JPN") == pytest.approx({"neutral": 0.3, "full": 0.7})
    assert b.marginal("AUS") == pytest.approx({"neutral": 0.75, "full": 0.25})
    assert b.prob({"JPN": "full", "AUS": "full"}) == pytest.approx(0.7 * 0.25)
    with pytest.raises(UserError, match="one per declaration"):
        dt.declaration_belief(prior, {"JPN": "full", "AUS": "full"}, [0.5, 0.2, 0.1])


# ------------------------------------------------------------------ mixtures (synthetic)


def test_certain_belief_gives_the_profile_mean_and_mixture_is_linear():
    rng = np.random.default_rng(3)
    lat = synthetic(rng.random((12, 50)), RUNGS)
    for i, p in enumerate(lat.profiles):
        got = dt.perceive(lat, dt.Belief.certain(p), ["prc_success"]).loc["prc_success", "value"]
        assert got == pytest.approx(lat.values[i].mean(), rel=1e-14)
    b = dt.Belief.independent({"JPN": {"bases": 0.5, "full": 0.5}, "AUS": {"neutral": 1}})
    v = dt.perceive(lat, b, ["prc_success"]).loc["prc_success", "value"]
    i, j = (
        lat.index({"JPN": "bases", "AUS": "neutral"}),
        lat.index({"JPN": "full", "AUS": "neutral"}),
    )
    assert v == pytest.approx(0.5 * lat.values[i].mean() + 0.5 * lat.values[j].mean(), rel=1e-14)


def test_value_of_clarity_known_answer_and_zero_credibility():
    rng = np.random.default_rng(4)
    lat = synthetic(monotone_values(rng, 80), RUNGS)
    prior = dt.Belief.independent({"JPN": {"bases": 0.5, "full": 0.5}, "AUS": {"access": 1}})
    m = lat.values.mean(axis=1)
    bases, full = (
        lat.index({"JPN": "bases", "AUS": "access"}),
        lat.index({"JPN": "full", "AUS": "access"}),
    )
    voc = dt.value_of_clarity(lat, prior, prior.declare({"JPN": "full"}, 1.0), ["prc_success"])
    assert voc.loc["prc_success", "delta"] == pytest.approx((m[full] - m[bases]) / 2, rel=1e-12)
    assert voc.loc["prc_success", "hi"] < 0 and bool(voc.loc["prc_success", "defence_gains"])
    zero = dt.value_of_clarity(lat, prior, prior.declare({"JPN": "full"}, 0.0), ["prc_success"])
    row = zero.loc["prc_success"]
    assert row["delta"] == 0.0 and row["se"] == 0.0 and row["lo"] == 0.0 and row["hi"] == 0.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    mj=marginal_strategy(RUNGS["JPN"]),
    ma=marginal_strategy(RUNGS["AUS"]),
    declared=st.sampled_from(RUNGS["JPN"]),
    c=st.floats(0, 1),
)
def test_declaring_a_higher_rung_only_helps_on_monotone_lattices(seed, mj, ma, declared, c):
    lat = synthetic(monotone_values(np.random.default_rng(seed), 20), RUNGS)
    prior = dt.Belief.independent({"JPN": mj, "AUS": ma})
    support = [RUNGS["JPN"].index(r) for r, p in prior.marginal("JPN").items() if p > 0]
    k = RUNGS["JPN"].index(declared)
    voc1 = dt.value_of_clarity(lat, prior, prior.declare({"JPN": declared}, 1.0), ["prc_success"])
    vocc = dt.value_of_clarity(lat, prior, prior.declare({"JPN": declared}, c), ["prc_success"])
    d1, dc = voc1.loc["prc_success", "delta"], vocc.loc["prc_success", "delta"]
    if k >= max(support):  # declared at or above every rung Beijing considered
        assert d1 <= 1e-12
    if k <= min(support):  # declared at or below: Beijing can only expect more success
        assert d1 >= -1e-12
    assert dc == pytest.approx(c * d1, abs=1e-12)  # linear in credibility


# ------------------------------------------------------------------ threshold maps (synthetic)


def test_threshold_map_matches_pointwise_evaluation_and_exact_boundary():
    rng = np.random.default_rng(5)
    lat = synthetic(monotone_values(rng, 60), RUNGS)
    base = dt.Belief.independent({"JPN": {"neutral": 1}, "AUS": {"neutral": 1}})
    fight, stay = {"JPN": "full", "AUS": "full"}, {"JPN": "neutral", "AUS": "neutral"}
    level = float(np.median(lat.values.mean(axis=1)))
    tm = dt.threshold_map(lat, base, ["JPN", "AUS"], fight, stay, level, "prc_success", n_grid=11)
    for i, j in [(0, 0), (3, 7), (10, 10), (5, 2)]:
        b = dt.map_belief(base, ["JPN", "AUS"], [tm.grid[i], tm.grid[j]], fight, stay)
        point = dt.perceive(lat, b, ["prc_success"]).loc["prc_success"]
        assert tm.values[i, j] == pytest.approx(point["value"], rel=1e-12)
        assert tm.se[i, j] == pytest.approx(point["se"], rel=1e-9)
        assert tm.at(tm.grid[i], tm.grid[j]) == pytest.approx(tm.values[i, j], rel=1e-12)
        assert tm.deterred()[i, j] == (point["value"] < level)
    bnd = tm.boundary()
    for _, row in bnd.iterrows():
        need = row["p_AUS_needed"]
        if 0 < need < 1:
            assert tm.at(row["p_JPN"], need) == pytest.approx(level, abs=1e-12)
        elif need == 0:
            assert tm.at(row["p_JPN"], 0.0) < level
        else:
            assert math.isnan(need) and tm.at(row["p_JPN"], 1.0) >= level
    one = dt.threshold_map(lat, base, ["JPN"], fight, stay, level, "prc_success", n_grid=5)
    assert one.values.shape == (5,)


# ------------------------------------------------------------------ the real model


@pytest.fixture(scope="module")
def hard_result():
    belief = {
        "JPN": {"neutral": 0.5, "full": 0.5},
        "AUS": {"neutral": 0.4, "regional": 0.3, "full": 0.3},
    }
    return dt.deter("csis-2026", belief, {"JPN": "full"}, 0.7, reps=60, seed=3, sets=HARD)


def test_perceived_equals_belief_weighted_lattice_mixture(hard_result):
    r = hard_result
    lat, t = r.lattice, r.lattice.trajectory
    mj = {"neutral": 0.5, "full": 0.5}
    ma = {"neutral": 0.4, "regional": 0.3, "full": 0.3}
    expected = {
        "prc_success": (t.outcome >= ss.OUTCOMES.index("stalemate_toward_prc")).mean(axis=1),
        "prc_victory": (t.outcome == ss.OUTCOMES.index("prc_victory")).mean(axis=1),
        "prc_ships_sunk": t.losses["CHN"]["ships"].mean(axis=1),
        "prc_killed": t.losses["CHN"]["personnel_killed"].mean(axis=1),
        "prc_battalions_landed": t.losses["CHN"]["battalions_landed"].mean(axis=1),
    }
    perc = r.perceived("prior")
    for q, means in expected.items():
        want = sum(
            mj.get(p["JPN"], 0) * ma.get(p["AUS"], 0) * means[i] for i, p in enumerate(lat.profiles)
        )
        assert perc.loc[q, "value"] == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert set(r.lattice.allies) == {"JPN", "AUS"}
    # the declaration only re-weights: no new simulation, the same trajectory
    assert r.perceived().loc["prc_success", "value"] == pytest.approx(
        sum(r.declared.prob(p) * expected["prc_success"][i] for i, p in enumerate(lat.profiles)),
        rel=1e-12,
    )


@pytest.mark.parametrize(("ally", "sets"), [("AUS", {}), ("JPN", HARD)])
def test_real_lattice_declaring_higher_rungs_helps_when_monotone(ally, sets):
    """On the model's own lattice: the theorem where its premise holds, and its general form."""
    r = dt.deter("csis-2026", {ally: {"neutral": 1.0}}, reps=120, seed=11, sets=sets)
    lat = r.lattice
    rungs = lat.rungs[ally]
    means = np.array([lat.values[lat.index({ally: k})].mean() for k in rungs])
    # general form (no monotonicity needed): declaring the rung that is best for the defence
    # on this lattice, with credibility 1, never raises Beijing's perceived P(success)
    best = rungs[int(np.argmin(means))]
    for probs in ([1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]):
        prior = dt.Belief.independent({ally: dict(zip(rungs, probs, strict=True))})
        voc = dt.value_of_clarity(lat, prior, prior.declare({ally: best}, 1.0), ["prc_success"])
        assert voc.loc["prc_success", "delta"] <= 1e-12
        assert voc.loc["prc_success", "delta"] == pytest.approx(
            means.min() - float(np.dot(probs, means)), abs=1e-12
        )
    if not all(b <= a for a, b in itertools.pairwise(means)):
        pytest.skip(f"{ally}'s lattice is not monotone on this sample ({means}): premise fails")
    for a, b in itertools.combinations_with_replacement(range(len(rungs)), 2):
        prior = dt.Belief.certain({ally: rungs[a]})
        voc = dt.value_of_clarity(lat, prior, prior.declare({ally: rungs[b]}, 1.0), ["prc_success"])
        assert voc.loc["prc_success", "delta"] <= 1e-12


def test_threshold_map_and_decision_on_real_lattice(hard_result):
    r = hard_result
    tm = r.threshold_map(0.5, ["JPN", "AUS"], n_grid=6)
    assert tm.fight == {"JPN": "full", "AUS": "full"} and tm.stay == {
        "JPN": "neutral",
        "AUS": "neutral",
    }
    b = dt.map_belief(r.belief, ["JPN", "AUS"], [tm.grid[2], tm.grid[4]], tm.fight, tm.stay)
    assert tm.values[2, 4] == pytest.approx(
        dt.perceive(r.lattice, b, ["prc_success"]).loc["prc_success", "value"]
    )
    # prior (JPN neutral/full) is not on the map: AUS also has weight on "regional"
    assert "prior" not in tm.points
    val = dt.Valuation(2.0, 1.0, {"prc_ships_sunk": 0.001})
    dec = r.decision(val)
    perc = r.perceived("prior").loc
    eu = (
        2.0 * perc["prc_success", "value"]
        - 1.0 * (1 - perc["prc_success", "value"])
        - 0.001 * perc["prc_ships_sunk", "value"]
    )
    assert dec["prior"]["expected_utility"]["value"] == pytest.approx(eu, rel=1e-12, abs=1e-12)
    assert dec["prior"]["decision"] == ("attack" if eu > 0 else "deter")
    plain = r.decision(dt.Valuation(2.0, 1.0))
    assert (plain["prior"]["decision"] == "attack") == (perc["prc_success", "value"] > 1 / 3)


def test_fight_and_stay_rungs_are_validated(csis):
    with pytest.raises(UserError, match="not a fighting rung"):
        dt.map_rungs(csis, ["AUS"], {"AUS": "access"})
    with pytest.raises(UserError, match="not a staying-out rung"):
        dt.map_rungs(csis, ["JPN"], None, {"JPN": "full"})
    f, s = dt.map_rungs(csis, ["JPN", "AUS"])
    assert f == {"JPN": "full", "AUS": "full"} and s == {"JPN": "neutral", "AUS": "neutral"}


# ------------------------------------------------------------------ command line


def test_cli_json_with_zero_credibility_has_zero_value_of_clarity():
    args = [
        "deter",
        "csis-2026",
        "--reps",
        "30",
        "--seed",
        "2",
        "--set",
        "us_entry_delay_days=14",
        "--belief",
        "JPN=neutral:0.5,full:0.5",
        "--declare",
        "JPN=full",
        "--credibility",
        "0",
        "--json",
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert {"perceived", "value_of_clarity", "belief"} <= set(doc)
    assert {"prc_victory", "prc_success"} <= set(doc["perceived"])
    assert doc["belief"]["prior"]["marginals"]["JPN"] == pytest.approx(
        {"neutral": 0.5, "full": 0.5}
    )
    assert doc["belief"]["declaration"] == {"roles": {"JPN": "full"}, "credibility": [0.0]}
    for q, v in doc["value_of_clarity"].items():
        assert v["delta"] == 0.0 and v["lo"] == 0.0 and v["hi"] == 0.0, q
        assert doc["perceived"][q]["value"] == doc["perceived_prior"][q]["value"]


def test_cli_out_writes_figures_and_threshold(tmp_path):
    out = tmp_path / "deter"
    args = [
        "deter",
        "csis-2026",
        "--reps",
        "30",
        "--set",
        "us_entry_delay_days=14",
        "--belief",
        "JPN=neutral:0.5,full:0.5",
        "--belief",
        "AUS=neutral:0.5,full:0.5",
        "--declare",
        "JPN=full",
        "--credibility",
        "0.7",
        "--threshold",
        "0.5",
        "--grid",
        "6",
        "--gain",
        "1",
        "--failure-cost",
        "1",
        "--out",
        str(out),
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "value of clarity" in r.stdout and "least P(AUS fights)" in r.stdout
    names = {
        "deterrence.json",
        "perceived_curves.png",
        "threshold_map.png",
        "decision.png",
        "decision_map.png",
    }
    assert {p.name for p in out.iterdir()} == names
    for n in names - {"deterrence.json"}:
        assert (out / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((out / "deterrence.json").read_text())
    assert doc["threshold"]["level"] == 0.5 and len(doc["threshold"]["boundary"]) == 6
    assert set(doc["threshold"]["points"]) == {"prior", "declared"}
    assert doc["threshold"]["points"]["declared"] == pytest.approx([0.85, 0.5])


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--belief", "JPN=neutral:0.3,bases:0.5"], "sum of 1"),
        (["--belief", "XXX=neutral:1"], "unknown ally"),
        (["--declare", "JPN=top"], "unknown rung"),
        (["--credibility", "0.5"], "without --declare"),
        (["--threshold", "0.5", "--map", "JPN,AUS,PHL"], "one or two different allies"),
        (["--gain", "1"], "both --gain and --failure-cost"),
        (["--beliefs", "/nonexistent/b.toml"], "file not found"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(extra, words):
    r = runner.invoke(app, ["deter", "csis-2026", "--reps", "5", *extra])
    assert r.exit_code == 2
    err = r.stderr if r.stderr_bytes is not None else r.output
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
